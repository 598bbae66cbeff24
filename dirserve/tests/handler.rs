//! The handler called in-process (`servekit::testing`): ranges, validators, JSON listings,
//! listings that follow changes, redirects. No socket: what crosses one (keep-alive, limits,
//! malformed requests, logs) is tested end to end in `tests/tests/dirserve_http.rs`.

use dirserve::handler::DirHandler;
use dirserve::listing::{Order, SortBy};
use dirserve::resolve::ServedRoot;
use servekit::testing::{Answer, answer, get, request};
use std::time::Duration;
use testkit::Tree;

fn numbers(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A handler for `tree`, making every listing at once (no listing threads).
fn handler(tree: &Tree) -> DirHandler {
    DirHandler::with_listing_threads(ServedRoot::open(tree.path()).expect("open the root"), 0)
}

#[test]
fn ranges() {
    let tree = Tree::new("ranges");
    let data = numbers(1000);
    tree.file("n.bin", &data).file("empty", "");
    let handler = handler(&tree);
    /// The inclusive byte span a 206 must carry.
    type Span = Option<(usize, usize)>;
    let cases: &[(&str, u16, Span)] = &[
        ("bytes=0-9", 206, Some((0, 9))),
        ("bytes=990-", 206, Some((990, 999))),
        ("bytes=-10", 206, Some((990, 999))),
        ("bytes=500-5000", 206, Some((500, 999))),
        ("bytes=999-999", 206, Some((999, 999))),
        ("bytes=-5000", 206, Some((0, 999))),
        ("bytes=1000-", 416, None),
        ("bytes=-0", 416, None),
        ("bytes=5-2", 200, None),
        ("bytes=0-1,5-6", 200, None),
        ("items=0-5", 200, None),
        ("bytes=0-99999999999999999999999", 206, Some((0, 999))),
    ];
    for &(range, status, span) in cases {
        let response = get(&handler, "/n.bin", &[&format!("Range: {range}")]);
        assert_eq!(response.status, status, "{range}");
        match (status, span) {
            (206, Some((start, end))) => {
                assert_eq!(response.bytes(), &data[start..=end], "{range}");
                assert_eq!(
                    response.header("content-range"),
                    Some(format!("bytes {start}-{end}/1000").as_str()),
                    "{range}"
                );
            }
            (416, _) => assert_eq!(response.header("content-range"), Some("bytes */1000")),
            _ => assert_eq!(response.bytes(), data, "{range}"),
        }
    }
    let response = get(&handler, "/n.bin", &[]);
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    assert_eq!(get(&handler, "/empty", &["Range: bytes=0-"]).status, 416);
}

#[test]
fn etags_and_conditional_requests() {
    let tree = Tree::new("etag");
    tree.file("f.txt", "version one");
    let handler = handler(&tree);
    let first = get(&handler, "/f.txt", &[]);
    let etag = first.header("etag").expect("an ETag").to_owned();
    let modified = first.header("last-modified").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let cached = get(&handler, "/f.txt", &[&format!("If-None-Match: {etag}")]);
    assert_eq!(cached.status, 304);
    assert_eq!(cached.header("etag"), Some(etag.as_str()));
    assert_eq!(get(&handler, "/f.txt", &["If-None-Match: *"]).status, 304);
    let other = get(&handler, "/f.txt", &["If-None-Match: \"nope\""]);
    assert_eq!(other.status, 200);
    // If-None-Match wins over If-Modified-Since.
    let both = get(
        &handler,
        "/f.txt",
        &[
            "If-None-Match: \"nope\"",
            &format!("If-Modified-Since: {modified}"),
        ],
    );
    assert_eq!(both.status, 200);
    let garbage = get(&handler, "/f.txt", &["If-Modified-Since: yesterday-ish"]);
    assert_eq!(garbage.status, 200);

    // A change makes a new validator; If-Range with the old one gets the whole new file.
    std::thread::sleep(Duration::from_millis(20));
    tree.file("f.txt", "version two!");
    let changed = get(&handler, "/f.txt", &[&format!("If-None-Match: {etag}")]);
    assert_eq!(changed.status, 200);
    assert_eq!(changed.text(), "version two!");
    let stale = get(
        &handler,
        "/f.txt",
        &["Range: bytes=0-3", &format!("If-Range: {etag}")],
    );
    assert_eq!(stale.status, 200);
    let new_etag = changed.header("etag").unwrap();
    let fresh = get(
        &handler,
        "/f.txt",
        &["Range: bytes=0-3", &format!("If-Range: {new_etag}")],
    );
    assert_eq!(fresh.status, 206);
    assert_eq!(fresh.text(), "vers");
}

#[test]
fn json_listing() {
    let tree = Tree::new("json");
    tree.file("a \"quoted\".txt", "12345")
        .dir("sub")
        .symlink("a \"quoted\".txt", "ln")
        .file(b"raw\xff", "x");
    let handler = handler(&tree);
    let response = get(&handler, "/", &["Accept: application/json"]);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("vary"), Some("Accept"));
    let text = response.text();
    assert!(
        text.starts_with('[') && text.trim_end().ends_with(']'),
        "{text}"
    );
    assert!(text.contains(r#""name":"a \"quoted\".txt""#), "{text}");
    assert!(
        text.contains(r#""type":"file""#) && text.contains(r#""size":5"#),
        "{text}"
    );
    assert!(text.contains(r#""type":"directory""#), "{text}");
    assert!(text.contains(r#""type":"symlink""#), "{text}");
    assert!(text.contains(r#""href":"raw%FF""#), "{text}");
    assert!(text.contains(r#""modified":"20"#), "{text}");
    // The HTML listing stays the default.
    let html = get(&handler, "/", &[]);
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

/// The names a listing shows, in its order: the HTML page's link texts or the JSON's names.
fn listed(answer: &Answer) -> Vec<String> {
    let text = answer.text();
    let (start, end) = if text.starts_with('[') {
        ("{\"name\":\"", "\"")
    } else {
        ("<li><a href=", "</a>")
    };
    text.lines()
        .filter_map(|line| line.strip_prefix(start))
        .map(|rest| {
            let rest = rest.split_once('>').map_or(rest, |(_, name)| name);
            rest.split(end).next().unwrap_or_default().to_owned()
        })
        .collect()
}

/// Opt-in orders (`?sort=&order=`, the handler's default, directories first) for the HTML page
/// and the JSON alike; python's order and page otherwise; a bad value is a 400.
#[test]
fn listing_orders() {
    let tree = Tree::new("listing-orders");
    // Sizes and times that disagree with the names and with each other. `b.txt` is larger
    // than any directory (4 KiB on most filesystems), `A.txt` smaller than one with an entry
    // (an empty one is 0 bytes on btrfs).
    tree.file("b.txt", vec![b'b'; 100_000])
        .file("A.txt", "a")
        .file("c/inside", "");
    let epoch = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for (name, secs) in [("b.txt", 10), ("c", 20), ("A.txt", 30)] {
        let file = std::fs::File::open(tree.at(name)).unwrap();
        file.set_modified(epoch + Duration::from_secs(secs))
            .unwrap();
    }
    let handler = handler(&tree);
    let cases: &[(&str, [&str; 3])] = &[
        ("/", ["A.txt", "b.txt", "c/"]),
        ("/?sort=name", ["A.txt", "b.txt", "c/"]),
        ("/?order=desc", ["c/", "b.txt", "A.txt"]),
        ("/?sort=size", ["A.txt", "c/", "b.txt"]),
        ("/?sort=size&order=desc", ["b.txt", "c/", "A.txt"]),
        ("/?sort=mtime", ["b.txt", "c/", "A.txt"]),
        ("/?v=2&sort=mtime&order=desc", ["A.txt", "c/", "b.txt"]),
    ];
    for &(target, want) in cases {
        let html = get(&handler, target, &[]);
        assert_eq!(html.status, 200, "{target}");
        assert_eq!(listed(&html), want, "{target}");
        let shown = target.replace('&', "&amp;");
        let title = format!("<title>Directory listing for {shown}</title>");
        assert!(html.text().contains(&title), "python's title: {target}");
        let json = get(&handler, target, &["Accept: application/json"]);
        let want: Vec<&str> = want.iter().map(|n| n.trim_end_matches('/')).collect();
        assert_eq!(listed(&json), want, "{target} as JSON");
    }

    // The server's own order, which a query still overrides.
    let dirs_first = DirHandler::with_listing_threads(ServedRoot::open(tree.path()).unwrap(), 0)
        .order(Order {
            by: SortBy::Mtime,
            descending: false,
            dirs_first: true,
        });
    assert_eq!(
        listed(&get(&dirs_first, "/", &[])),
        ["c/", "b.txt", "A.txt"]
    );
    let by_size = get(&dirs_first, "/?sort=size&order=desc", &[]);
    assert_eq!(listed(&by_size), ["c/", "b.txt", "A.txt"]);
    let by_name = get(&dirs_first, "/?sort=name", &[]);
    assert_eq!(listed(&by_name), ["c/", "A.txt", "b.txt"]);

    // A size changes (the directory's mtime does not): the page by size follows at once.
    std::fs::write(tree.at("A.txt"), vec![b'a'; 200_000]).unwrap();
    let grown = get(&handler, "/?sort=size", &[]);
    assert_eq!(listed(&grown), ["c/", "b.txt", "A.txt"]);

    for (target, reason) in [
        (
            "/?sort=date",
            "sort: expected name, size or mtime, not \"date\"",
        ),
        (
            "/?sort=size&order=up",
            "order: expected asc or desc, not \"up\"",
        ),
    ] {
        let bad = get(&handler, target, &[]);
        assert_eq!(bad.status, 400, "{target}");
        assert!(bad.text().contains(reason), "{target}: {}", bad.text());
    }
    // Only listings are sorted: a file's query is not read.
    assert_eq!(get(&handler, "/A.txt?sort=date", &[]).status, 200);
}

/// `--dark-mode` error pages: python 3.14's, with its style, for errors from the resolver and
/// from a file's range alike; python 3.11's without it.
#[test]
fn dark_mode_error_pages() {
    let tree = Tree::new("errors-dark");
    tree.file("a.txt", "a");
    let style = "        <style type=\"text/css\">\n            :root {\n                color-scheme: light dark;\n            }\n        </style>\n";
    for (target, headers, status) in [
        ("/missing", &[][..], 404),
        ("/a.txt", &["Range: bytes=5-"][..], 416),
        ("/?sort=date", &[][..], 400),
    ] {
        let light = get(&handler(&tree), target, headers);
        let dark = get(&handler(&tree).dark_mode(true), target, headers);
        assert_eq!(light.status, status, "{target}");
        assert_eq!(dark.status, status, "{target}");
        assert!(!light.text().contains("color-scheme"), "{target}");
        assert_eq!(dark.text().replacen(style, "", 1), light.text(), "{target}");
        assert_ne!(dark.text(), light.text(), "{target}");
    }
}

/// `--dark-mode`: python 3.14's style in the head, the same page around it.
#[test]
fn dark_mode_listing() {
    let tree = Tree::new("listing-dark");
    tree.file("a.txt", "a");
    let light = get(&handler(&tree), "/", &[]).text();
    let dark = get(&handler(&tree).dark_mode(true), "/", &[]).text();
    let style = "<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n";
    assert!(!light.contains("color-scheme"));
    assert_eq!(dark.replacen(style, "", 1), light);
    assert!(dark.contains(&format!("<meta charset=\"utf-8\">\n{style}<title>")));
}

#[test]
fn listings_follow_changes() {
    let tree = Tree::new("listing-changes");
    tree.file("a.txt", "a");
    let handler = handler(&tree);
    let age_directory = || {
        let dir = std::fs::File::open(tree.path()).unwrap();
        dir.set_modified(std::time::SystemTime::now() - Duration::from_secs(60))
            .unwrap();
    };
    let page = || get(&handler, "/", &[]).text();
    let items = || page().lines().filter(|l| l.starts_with("<li>")).count();
    age_directory();
    assert_eq!(items(), 1);
    assert_eq!(items(), 1, "served again, from the cache");
    tree.file("b.txt", "b");
    assert_eq!(items(), 2, "a new file shows at once");
    age_directory();
    assert_eq!(items(), 2);
    std::fs::rename(tree.at("b.txt"), tree.at("c.txt")).unwrap();
    assert!(page().contains("c.txt"));
    age_directory();
    assert_eq!(items(), 2);
    std::fs::remove_file(tree.at("a.txt")).unwrap();
    assert_eq!(items(), 1);
}

/// HEAD of a redirect says `Content-Length: 0`, as GET does (and python).
#[test]
fn redirects_have_a_length_for_head_too() {
    let tree = Tree::new("redirect-length");
    tree.dir("sub");
    let handler = handler(&tree);
    for method in ["GET", "HEAD"] {
        let response: Answer = answer(&handler, &request(method, "/sub?q=1", &[]));
        assert_eq!(response.status, 301, "{method}");
        assert_eq!(response.header("location"), Some("/sub/?q=1"), "{method}");
        assert_eq!(response.header("content-length"), Some("0"), "{method}");
    }
}

/// `data` gzipped by the system's `gzip` (on every Debian), or decoded with `-d`.
fn gzip(data: &[u8], decode: bool) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("gzip")
        .args(if decode {
            &["-dc"][..]
        } else {
            &["-c", "-n"][..]
        })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip is installed");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// Precompressed siblings (issue 16): `a.css.br` or `a.css.gz` stands for `a.css` when the
/// request's `Accept-Encoding` allows its coding, best first, with the original's type, its own
/// validators and ranges of the coded bytes; plain clients and `--no-compress` get the file.
#[test]
fn precompressed_siblings() {
    let tree = Tree::new("precompressed");
    let css = b"body { color: red }\n".repeat(50);
    let gz = gzip(&css, false);
    tree.file("a.css", &css)
        .file("a.css.gz", &gz)
        .file("a.css.br", b"not really brotli")
        .file("only.txt", "plain");
    let handler = handler(&tree);

    let sent = get(&handler, "/a.css", &["Accept-Encoding: gzip, deflate"]);
    assert_eq!(sent.status, 200);
    assert_eq!(sent.header("content-encoding"), Some("gzip"));
    assert_eq!(sent.header("content-type"), Some("text/css"));
    assert_eq!(sent.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        gzip(sent.bytes(), true),
        css,
        "what was sent decodes to the file"
    );
    let etag = sent.header("etag").unwrap().to_owned();
    assert!(etag.ends_with("-gzip\""), "{etag}");

    // The client's best, then the server's order: br before gzip at equal weight.
    let best = get(&handler, "/a.css", &["Accept-Encoding: gzip, br"]);
    assert_eq!(best.header("content-encoding"), Some("br"));
    assert_eq!(best.bytes(), b"not really brotli");
    let weighed = get(&handler, "/a.css", &["Accept-Encoding: br;q=0.5, gzip"]);
    assert_eq!(weighed.header("content-encoding"), Some("gzip"));

    // Validators and ranges are the coded bytes'.
    let fresh = get(
        &handler,
        "/a.css",
        &["Accept-Encoding: gzip", &format!("If-None-Match: {etag}")],
    );
    assert_eq!(fresh.status, 304);
    let plain_etag = get(&handler, "/a.css", &[])
        .header("etag")
        .unwrap()
        .to_owned();
    let stale = get(
        &handler,
        "/a.css",
        &[
            "Accept-Encoding: gzip",
            &format!("If-None-Match: {plain_etag}"),
        ],
    );
    assert_eq!(
        stale.status, 200,
        "the plain file's tag is not the coded one's"
    );
    let part = get(
        &handler,
        "/a.css",
        &["Accept-Encoding: gzip", "Range: bytes=0-9"],
    );
    assert_eq!(part.status, 206);
    assert_eq!(part.bytes(), &gz[..10]);

    // Plain clients, codings refused, files without siblings, and --no-compress.
    for (target, accept) in [
        ("/a.css", None),
        ("/a.css", Some("identity")),
        ("/a.css", Some("gzip;q=0, br;q=0")),
        ("/only.txt", Some("gzip, br")),
    ] {
        let headers: Vec<String> = accept
            .map(|a| format!("Accept-Encoding: {a}"))
            .into_iter()
            .collect();
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let plain = get(&handler, target, &headers);
        assert_eq!(
            plain.header("content-encoding"),
            None,
            "{target} {accept:?}"
        );
        assert_eq!(
            plain.header("vary").is_some(),
            accept.is_some(),
            "{target} {accept:?}"
        );
    }
    let off = handler_without_compression(&tree);
    let plain = get(&off, "/a.css", &["Accept-Encoding: gzip"]);
    assert_eq!(
        (plain.header("content-encoding"), plain.bytes()),
        (None, &css[..])
    );

    // The sibling asked for by name is a file like any other, as python serves it.
    let direct = get(&handler, "/a.css.gz", &["Accept-Encoding: gzip"]);
    assert_eq!(direct.header("content-type"), Some("application/gzip"));
    assert_eq!(direct.header("content-encoding"), None);
}

fn handler_without_compression(tree: &Tree) -> DirHandler {
    handler(tree).compress(false)
}

/// gzip on the fly (issue 16): text files and listings from 1 KiB to 1 MiB, decoded back to
/// exactly what is sent plain; never ranges, media, tiny or huge bodies, or with --no-compress.
#[cfg(feature = "gzip")]
#[test]
fn gzip_on_the_fly() {
    let tree = Tree::new("gzip-fly");
    let text = "a line of text, as a log or a README has\n".repeat(300);
    let huge = "x".repeat((1 << 20) + 1);
    tree.file("notes.txt", &text)
        .file("photo.png", &text)
        .file("small.txt", "tiny")
        .file("huge.txt", &huge);
    for i in 0..40 {
        tree.file(format!("dir/entry-{i:03}.txt"), "e");
    }
    let handler = handler(&tree);
    let gz = &["Accept-Encoding: gzip, deflate, br"];

    let sent = get(&handler, "/notes.txt", gz);
    assert_eq!(sent.status, 200);
    assert_eq!(sent.header("content-encoding"), Some("gzip"));
    assert_eq!(sent.header("content-type"), Some("text/plain"));
    assert_eq!(sent.header("vary"), Some("Accept-Encoding"));
    assert!(sent.bytes().len() < text.len() / 10);
    assert_eq!(gzip(sent.bytes(), true), text.as_bytes());
    let etag = sent.header("etag").unwrap().to_owned();
    assert!(etag.ends_with("-gzip\""), "{etag}");
    let head = answer(&handler, &request("HEAD", "/notes.txt", gz));
    assert_eq!(head.header("content-encoding"), Some("gzip"));
    let again = get(
        &handler,
        "/notes.txt",
        &[gz[0], &format!("If-None-Match: {etag}")],
    );
    assert_eq!(again.status, 304);

    // A range is of the file's own bytes; media, tiny and huge files go as they are.
    let part = get(&handler, "/notes.txt", &[gz[0], "Range: bytes=0-9"]);
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-encoding"), None);
    assert_eq!(part.bytes(), &text.as_bytes()[..10]);
    for target in ["/photo.png", "/small.txt", "/huge.txt"] {
        assert_eq!(
            get(&handler, target, gz).header("content-encoding"),
            None,
            "{target}"
        );
    }

    // Listings, HTML and JSON, decode to the page sent plain.
    for accept in ["text/html", "application/json"] {
        let plain = get(&handler, "/dir/", &[&format!("Accept: {accept}")]);
        let coded = get(&handler, "/dir/", &[&format!("Accept: {accept}"), gz[0]]);
        assert_eq!(coded.header("content-encoding"), Some("gzip"), "{accept}");
        assert_eq!(coded.header("vary"), Some("Accept, Accept-Encoding"));
        assert_eq!(plain.header("vary"), Some("Accept"));
        assert_eq!(gzip(coded.bytes(), true), plain.bytes(), "{accept}");
    }

    let off = handler_without_compression(&tree);
    for target in ["/notes.txt", "/dir/"] {
        let plain = get(&off, target, gz);
        assert_eq!(plain.header("content-encoding"), None, "{target}");
    }
}
