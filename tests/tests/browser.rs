//! The cow page and a directory listing in a real browser: Debian's headless Chromium, driven by
//! `tests/browser/check.mjs` (playwright-core, prepared by `tests/browser/setup.sh`). It checks
//! the DOM (the cow in a monospace `pre`, exactly the text the server sends as plain text; the
//! listing's links; an escaped `<script>` that never becomes an element or runs) and leaves
//! screenshots in `target/browser/` for CI to keep.
//!
//! Without Chromium or Node.js 20 they are compiled as ignored (tests/build.rs), unless
//! `FROMSCRATCH_REQUIRE_BROWSER=1` (CI) makes that a failure.

use e2e::binary::workspace_root;
use e2e::http::request;
use e2e::process::{Output, run};
use e2e::server::Server;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use testkit::Tree;

/// check.mjs bounds itself at 60 s; this only catches a node that never exits.
const CHECK_DEADLINE: Duration = Duration::from_secs(90);
/// A cold setup installs Chromium with apt (about 15 s here, more on a slow mirror).
const SETUP_DEADLINE: Duration = Duration::from_secs(15 * 60);
/// check.mjs's exit status when Chromium itself does not start.
const BROWSER_UNAVAILABLE: i32 = 3;

/// The payload in the cow's message: it must show as text and never run.
const PAYLOAD: &str = "<script>window.__pwned=1</script>";

/// Runs `tests/browser/setup.sh` once per test binary; `Err` says why the browser is unusable.
fn setup() -> Result<(), String> {
    static SETUP: OnceLock<Result<(), String>> = OnceLock::new();
    SETUP
        .get_or_init(|| {
            let script = workspace_root().join("tests/browser/setup.sh");
            let out = run(Command::new("bash").arg(script), b"", SETUP_DEADLINE);
            if out.status.success() {
                Ok(())
            } else {
                let log = out.stdout_str() + &out.stderr_str();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(15)..].join("\n");
                Err(format!(
                    "tests/browser/setup.sh failed ({}), last lines:\n{tail}",
                    out.status
                ))
            }
        })
        .clone()
}

/// `target/browser/<name>` under the workspace root, for CI to keep.
fn screenshot(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/browser");
    std::fs::create_dir_all(&dir).expect("create target/browser");
    dir.join(name)
}

/// Runs `node tests/browser/check.mjs ARGS` and returns its output. Panics with the script's
/// message on a failed check, or if the browser cannot be prepared or started.
fn check(args: &[&str]) -> Output {
    if let Err(why) = setup() {
        panic!("no usable browser: {why}");
    }
    let root = workspace_root();
    let out = run(
        Command::new("node")
            .current_dir(&root)
            .arg(root.join("tests/browser/check.mjs"))
            .args(args),
        b"",
        CHECK_DEADLINE,
    );
    assert_ne!(
        out.status.code(),
        Some(BROWSER_UNAVAILABLE),
        "Chromium did not start: {}",
        out.stderr_str().trim()
    );
    assert!(
        out.status.success(),
        "check.mjs {args:?} failed ({}):\n{}\n{}",
        out.status,
        out.stderr_str(),
        out.stdout_str()
    );
    // Which font Chromium drew with, and similar notes.
    eprint!("{}", out.stderr_str());
    out
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.addr)
}

#[test]
#[cfg_attr(
    not(browser_tests),
    ignore = "no Chromium or Node.js 20 (tests/build.rs)"
)]
fn cow_page_shows_the_plain_text_cow_with_the_script_as_text() {
    let server = Server::start("cowserve", &["-q"]);
    let query = "/?message=%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E%20and%20friends&cow=whale";
    // What curl gets for the same query: the text the page's `pre` must hold.
    let text = request(
        server.addr,
        &format!("GET {query} HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(text.status, 200);
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let expected = text.text();
    assert!(expected.contains(PAYLOAD), "{expected}");
    let tmp = Tree::new("browser-cow");
    tmp.file("expected.txt", &expected);
    let expected_path = tmp.at("expected.txt");

    let shot = screenshot("cow.png");
    check(&[
        "cow",
        &url(&server, query),
        shot.to_str().unwrap(),
        expected_path.to_str().unwrap(),
    ]);
}

#[test]
#[cfg_attr(
    not(browser_tests),
    ignore = "no Chromium or Node.js 20 (tests/build.rs)"
)]
fn default_cow_page_is_a_monospace_cow() {
    // A random fortune, so only the cow's face is known in advance.
    let server = Server::start("cowserve", &["-q"]);
    let shot = screenshot("cow-fortune.png");
    check(&["cow", &url(&server, "/"), shot.to_str().unwrap()]);
}

/// A 76-column picture (as wide as Debian's widest cows) still fits a phone's width: the page
/// sizes its font from the widest line.
#[test]
#[cfg_attr(
    not(browser_tests),
    ignore = "no Chromium or Node.js 20 (tests/build.rs)"
)]
fn a_wide_cow_fits_a_phone() {
    let server = Server::start("cowserve", &["-q"]);
    let words = "moo ".repeat(60);
    let query = format!("/?message={}&width=72", words.trim().replace(' ', "+"));
    let shot = screenshot("cow-wide.png");
    check(&["cow", &url(&server, &query), shot.to_str().unwrap()]);
}

/// Names that would be markup if the listing did not escape them (no `/` is possible in a name,
/// so the script tag is left open: unescaped, it would still become a `<script>` element).
const FILES: &[&str] = &[
    "<script>window.__pwned=1.txt",
    "<img src=x onerror=window.__pwned=1>.txt",
    "a&b.txt",
    "Zoë.txt",
];
const DIR: &str = "sub dir";

#[test]
#[cfg_attr(
    not(browser_tests),
    ignore = "no Chromium or Node.js 20 (tests/build.rs)"
)]
fn listing_links_are_the_names_and_nothing_runs() {
    let tree = Tree::new("browser-listing");
    for name in FILES {
        tree.file(name, name);
    }
    tree.file(format!("{DIR}/inside.txt"), "inside");
    let server = Server::start("dirserve", &["-d", tree.path_str(), "-q"]);
    let shot = screenshot("listing.png");
    let out = check(&["listing", &url(&server, "/"), shot.to_str().unwrap()]);
    let report = out.stdout_str();

    // Names as listed (directories with a `/`), in CPython's order: by `str.lower()`.
    let mut want: Vec<String> = FILES.iter().map(|n| n.to_string()).collect();
    want.push(format!("{DIR}/"));
    want.sort_by_key(|n| n.trim_end_matches('/').to_lowercase());

    let links = json_links(&report);
    let texts: Vec<&str> = links.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, want, "link texts in the browser; report: {report}");
    for (text, href) in &links {
        assert_eq!(&percent_decode(href), text, "href {href:?} leads elsewhere");
    }
    assert!(
        report.contains("\"title\":\"Directory listing for /\""),
        "{report}"
    );
    assert!(report.contains("\"scripts\":0"), "{report}");
    // python 3.11's page keeps the browser's light colours even when the system is dark.
    assert!(
        report.contains(
            r#""colors":{"desktop":"rgb(0, 0, 0)","phone":"rgb(0, 0, 0)","dark":"rgb(0, 0, 0)"}"#
        ),
        "{report}"
    );
}

/// `--dark-mode`: with the system in dark mode the browser draws the listing in its dark
/// colours (light text), and in its light ones otherwise.
#[test]
#[cfg_attr(
    not(browser_tests),
    ignore = "no Chromium or Node.js 20 (tests/build.rs)"
)]
fn dark_mode_listing_follows_the_system() {
    let tree = Tree::new("browser-dark");
    tree.file("a.txt", "a").dir("sub");
    let args = ["-d", tree.path_str(), "-q", "--dark-mode"];
    let server = Server::start("dirserve", &args);
    let shot = screenshot("listing-dark-mode.png");
    let out = check(&["listing", &url(&server, "/"), shot.to_str().unwrap()]);
    let report = out.stdout_str();
    assert!(
        report.contains(
            r#""colors":{"desktop":"rgb(0, 0, 0)","phone":"rgb(0, 0, 0)","dark":"rgb(255, 255, 255)"}"#
        ),
        "{report}"
    );
    assert_eq!(json_links(&report).len(), 2, "{report}");
}

/// The `(text, href)` pairs of check.mjs's `{"links":[{"text":..,"href":..}],..}`: a reader
/// for exactly the JSON that `JSON.stringify` writes for these strings.
fn json_links(report: &str) -> Vec<(String, String)> {
    let links = report
        .split_once("\"links\":[")
        .unwrap_or_else(|| panic!("no links in {report:?}"))
        .1;
    let mut rest = links;
    let mut out = Vec::new();
    while let Some(after) = rest.strip_prefix("{\"text\":") {
        let (text, after) = json_string(after);
        let after = after.strip_prefix(",\"href\":").expect("href follows text");
        let (href, after) = json_string(after);
        out.push((text, href));
        rest = after.strip_prefix('}').expect("link ends");
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    assert!(rest.starts_with(']'), "unexpected JSON at {rest:?}");
    out
}

/// Parses one JSON string at the start of `s`; returns it and what follows.
fn json_string(s: &str) -> (String, &str) {
    let mut chars = s.strip_prefix('"').expect("a JSON string").char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &s[i + 2..]),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next())
                        .map(|(_, c)| c)
                        .collect();
                    let code = u32::from_str_radix(&hex, 16).expect("\\u escape");
                    out.push(char::from_u32(code).expect("no surrogates in these names"));
                }
                Some(c) => out.push(c), // \" \\ \/
                None => break,
            },
            c => out.push(c),
        }
    }
    panic!("unterminated JSON string in {s:?}")
}

/// `%3C` -> `<`, bytes then UTF-8, as a browser follows a link.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = s.get(i + 1..i + 3).filter(|_| bytes[i] == b'%');
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8 names")
}
