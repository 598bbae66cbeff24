//! Names with every awkward character: listed escaped, and every link leads back to its file.

use e2e::http::get;
use e2e::server::Server;
use testkit::Tree;

const NAMES: &[&[u8]] = &[
    b"with space.txt",
    b"hash#.txt",
    b"question?.txt",
    b"percent%.txt",
    b"percent%41.txt",
    b"amp&amp;.txt",
    b"quote\".txt",
    b"apostrophe'.txt",
    b"<script>alert(1)<\\script>",
    b"<img src=x onerror=alert(1)>",
    b"back\\slash",
    b"plus+sign",
    b"semi;colon",
    b"tab\tname",
    b"new\nline",
    "Zoë.txt".as_bytes(),
    "名前.md".as_bytes(),
    "emoji 🐄.txt".as_bytes(),
    b"latin1 \xe9t\xe9",
    b"raw \xff\xfe",
    b".hidden",
    b"-dash",
];

fn hrefs(html: &str) -> Vec<String> {
    html.split("<a href=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[test]
fn every_link_leads_back_to_its_file() {
    let tree = Tree::new("names");
    for (i, name) in NAMES.iter().enumerate() {
        tree.file(name, format!("file {i}"));
    }
    tree.dir(b"dir <b>&".as_slice());
    tree.file(b"dir <b>&/inside".as_slice(), "inside");
    let server = Server::start("dirserve", &["-d", tree.path_str(), "-q"]);
    let listing = get(server.addr, "/");
    assert_eq!(listing.status, 200);
    let html = listing.text();
    assert!(!html.contains("<script>"), "a name produced markup");
    assert!(!html.contains("<img"), "a name produced markup");
    assert!(!html.contains("<b>"), "a name produced markup");
    let links = hrefs(&html);
    assert_eq!(links.len(), NAMES.len() + 1, "{links:?}");
    for link in links {
        let response = get(server.addr, &format!("/{link}"));
        assert_eq!(response.status, 200, "/{link}");
        if link.ends_with('/') {
            let inner = hrefs(&response.text());
            assert_eq!(inner, vec!["inside".to_owned()]);
            assert_eq!(get(server.addr, &format!("/{link}inside")).text(), "inside");
        } else {
            assert!(
                response.text().starts_with("file "),
                "/{link}: {}",
                response.text()
            );
        }
    }
    // And each file is reached by its own name, so no two links point at the same file.
    let mut seen: Vec<String> = hrefs(&html)
        .iter()
        .map(|l| get(server.addr, &format!("/{l}")).text())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), NAMES.len() + 1);
}

#[test]
fn listing_is_sorted_case_insensitively_with_markers() {
    let tree = Tree::new("sorting");
    tree.file("b.txt", "")
        .file("A.txt", "")
        .file("c.txt", "")
        .dir("B-dir")
        .symlink("c.txt", "a-link")
        .symlink("B-dir", "d-dirlink")
        .symlink("missing", "e-broken");
    let server = Server::start("dirserve", &["-d", tree.path_str(), "-q"]);
    let html = get(server.addr, "/").text();
    let items: Vec<&str> = html.lines().filter(|l| l.starts_with("<li>")).collect();
    assert_eq!(
        items,
        [
            "<li><a href=\"a-link\">a-link@</a></li>",
            "<li><a href=\"A.txt\">A.txt</a></li>",
            "<li><a href=\"B-dir/\">B-dir/</a></li>",
            "<li><a href=\"b.txt\">b.txt</a></li>",
            "<li><a href=\"c.txt\">c.txt</a></li>",
            "<li><a href=\"d-dirlink/\">d-dirlink@</a></li>",
            "<li><a href=\"e-broken\">e-broken@</a></li>",
        ]
    );
}
