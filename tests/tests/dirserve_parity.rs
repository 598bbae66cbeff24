//! dirserve against CPython 3.11's `python3 -m http.server` on the same tree: what users see
//! must be the same (pages, redirects, errors, headers, log lines).

use e2e::http::{self, Connection, Response};
use e2e::python;
use e2e::server::Server;
use std::net::SocketAddr;
use testkit::Tree;

/// Names python and dirserve list and link alike (non-UTF-8 names differ on purpose: see
/// dirserve_names.rs).
fn parity_tree() -> Tree {
    let tree = Tree::new("parity");
    tree.file("a.txt", "hello\n")
        .file("B.html", "<p>hi</p>\n")
        .file("sub dir/inner.css", "p{}\n")
        .file("with#hash", "#")
        .file("q?mark", "?")
        .file("100%", "%")
        .file("a&b", "&")
        .file("quo\"te", "\"")
        .file("apo'strophe", "'")
        .file("<script>alert(1)</script>.txt", "xss")
        .file("Zoë.txt", "zoe")
        .file("名前.md", "name")
        .file("data.json", "{}")
        .file("archive.tar.gz", "gz")
        .file("noext", "plain")
        .file("UPPER.JPG", "jpg")
        .file("withindex/index.html", "<h1>index</h1>\n")
        .file("withindex/other.txt", "other")
        .file("empty", "")
        .dir("empty dir")
        .symlink("a.txt", "link-to-a")
        .symlink("sub dir", "link-to-sub");
    tree
}

struct Pair {
    ours: Server,
    python: Server,
}

impl Pair {
    fn start(tree: &Tree) -> Pair {
        Pair {
            ours: Server::start("dirserve", &["-d", tree.path_str()]),
            python: python::http_server(tree.path()),
        }
    }

    /// The same raw request to both.
    fn both(&self, raw: &str) -> (Response, Response) {
        (ask(self.ours.addr, raw), ask(self.python.addr, raw))
    }
}

fn ask(addr: SocketAddr, raw: &str) -> Response {
    let mut conn = Connection::open(addr);
    conn.exchange(raw.as_bytes())
        .unwrap_or_else(|| panic!("no answer from {addr} to {raw:?}"))
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
}

fn assert_same_headers(ours: &Response, python: &Response, names: &[&str], what: &str) {
    for name in names {
        assert_eq!(ours.header(name), python.header(name), "{name} of {what}");
    }
}

#[test]
#[cfg_attr(
    not(cpython311),
    ignore = "python3 is not CPython 3.11 (tests/build.rs)"
)]
fn listing_pages_are_identical() {
    let tree = parity_tree();
    let pair = Pair::start(&tree);
    for path in [
        "/",
        "/sub%20dir/",
        "/empty%20dir/",
        "/?query=1&x=%3Cb%3E",
        "/sub%20dir/?a%20b",
    ] {
        let (ours, python) = pair.both(&get(path));
        assert_eq!(ours.status, 200, "{path}");
        assert_eq!(python.status, 200, "{path}");
        assert_eq!(ours.text(), python.text(), "listing of {path}");
        assert_same_headers(&ours, &python, &["content-type", "content-length"], path);
    }
}

#[test]
#[cfg_attr(
    not(cpython311),
    ignore = "python3 is not CPython 3.11 (tests/build.rs)"
)]
fn files_redirects_and_errors_match() {
    let tree = parity_tree();
    let pair = Pair::start(&tree);
    let files = [
        "/a.txt",
        "/B.html",
        "/sub%20dir/inner.css",
        "/with%23hash",
        "/q%3Fmark",
        "/100%25",
        "/a%26b",
        "/quo%22te",
        "/apo%27strophe",
        "/%3Cscript%3Ealert%281%29%3C/script%3E.txt",
        "/Zo%C3%AB.txt",
        "/%E5%90%8D%E5%89%8D.md",
        "/data.json",
        "/archive.tar.gz",
        "/noext",
        "/UPPER.JPG",
        "/withindex/",
        "/withindex/other.txt",
        "/empty",
        "/link-to-a",
        "/link-to-sub/inner.css",
        "/a.txt?x=1",
    ];
    for path in files {
        let (ours, python) = pair.both(&get(path));
        assert_eq!((ours.status, python.status), (200, 200), "{path}");
        assert_eq!(ours.body, python.body, "{path}");
        assert_same_headers(
            &ours,
            &python,
            &["content-type", "content-length", "last-modified"],
            path,
        );
    }
    for path in [
        "/sub%20dir",
        "/sub%20dir?x=1&y",
        "/withindex",
        "/link-to-sub",
    ] {
        let (ours, python) = pair.both(&get(path));
        assert_eq!((ours.status, python.status), (301, 301), "{path}");
        assert_same_headers(&ours, &python, &["location"], path);
    }
    for path in ["/missing", "/a.txt/", "/sub%20dir/missing.css", "/a.txt/x"] {
        let (ours, python) = pair.both(&get(path));
        assert_eq!((ours.status, python.status), (404, 404), "{path}");
        assert_eq!(ours.text(), python.text(), "{path}");
        assert_eq!(ours.reason, python.reason, "{path}");
        assert_same_headers(&ours, &python, &["content-type", "content-length"], path);
    }
    let post = "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let (ours, python) = pair.both(post);
    assert_eq!((ours.status, python.status), (501, 501));
    assert_eq!(ours.text(), python.text());
}

#[test]
#[cfg_attr(
    not(cpython311),
    ignore = "python3 is not CPython 3.11 (tests/build.rs)"
)]
fn head_http10_and_if_modified_since_match() {
    let tree = parity_tree();
    let pair = Pair::start(&tree);
    let (ours, python) = pair.both("HEAD /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!((ours.status, python.status), (200, 200));
    assert_same_headers(
        &ours,
        &python,
        &["content-type", "content-length", "last-modified"],
        "HEAD",
    );

    let (ours, python) = pair.both("GET /a.txt HTTP/1.0\r\n\r\n");
    assert_eq!((ours.status, python.status), (200, 200));
    assert_eq!(ours.body, python.body);
    assert_eq!(
        ours.version, "HTTP/1.0",
        "an HTTP/1.0 client gets an HTTP/1.0 answer"
    );

    let modified = python.header("last-modified").unwrap().to_owned();
    let conditional = format!(
        "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: {modified}\r\nConnection: close\r\n\r\n"
    );
    let (ours, python) = pair.both(&conditional);
    assert_eq!((ours.status, python.status), (304, 304));
    assert!(ours.body.is_empty());
}

#[test]
#[cfg_attr(
    not(cpython311),
    ignore = "python3 is not CPython 3.11 (tests/build.rs)"
)]
fn access_log_lines_match_python() {
    let tree = parity_tree();
    let pair = Pair::start(&tree);
    for path in ["/", "/a.txt", "/missing", "/sub%20dir"] {
        pair.both(&get(path));
    }
    let strip_time = |log: String| -> Vec<String> {
        log.lines()
            .filter(|l| l.starts_with("127.0.0.1"))
            .map(|l| {
                let (before, rest) = l.split_once(" [").unwrap();
                let (_, after) = rest.split_once("] ").unwrap();
                format!("{before} [TIME] {after}")
            })
            .collect()
    };
    let Pair { ours, python } = pair;
    let ours = strip_time(ours.stop_and_read_log());
    let python = strip_time(python.stop_and_read_log());
    assert_eq!(ours, python);
    assert!(ours.contains(&"127.0.0.1 - - [TIME] code 404, message File not found".to_string()));
    assert!(ours.contains(&"127.0.0.1 - - [TIME] \"GET /a.txt HTTP/1.1\" 200 -".to_string()));
}

#[test]
#[cfg_attr(
    not(cpython311),
    ignore = "python3 is not CPython 3.11 (tests/build.rs)"
)]
fn timestamps_in_the_log_are_python_shaped() {
    let tree = parity_tree();
    let server = Server::start("dirserve", &["-d", tree.path_str()]);
    http::get(server.addr, "/a.txt");
    let log = server.stop_and_read_log();
    let line = log
        .lines()
        .find(|l| l.contains("GET /a.txt"))
        .expect("logged");
    // 127.0.0.1 - - [25/Nov/2026 20:20:38] "GET /a.txt HTTP/1.1" 200 -
    let stamp = &line[line.find('[').unwrap() + 1..line.find(']').unwrap()];
    let bytes = stamp.as_bytes();
    assert_eq!(stamp.len(), 20, "{stamp}");
    assert!(
        bytes[2] == b'/' && bytes[6] == b'/' && bytes[11] == b' ',
        "{stamp}"
    );
    assert!(bytes[14] == b':' && bytes[17] == b':', "{stamp}");
}
