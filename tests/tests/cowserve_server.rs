//! cowserve's page over a real socket: a fresh fortune per visit, in HTML, text or JSON, drawn as
//! the `cowsay` command draws it, with every cowsay option in the query; its data and flags.
//! Bad queries and amplification are tested in-process in `cowserve/tests/handler.rs`.

use e2e::binary::binary;
use e2e::http::{Response, request};
use e2e::process::run;
use e2e::server::Server;
use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;
use testkit::Tree;

const DEADLINE: Duration = Duration::from_secs(20);

fn get_as(server: &Server, path: &str, accept: &str) -> Response {
    request(
        server.addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"),
    )
}

/// Runs `cowserve cowsay ARGS`, the reference rendering for a page.
fn cowsay(args: &[&str]) -> String {
    let out = run(
        Command::new(binary("cowserve")).arg("cowsay").args(args),
        b"",
        DEADLINE,
    );
    assert!(out.status.success(), "{}", out.stderr_str());
    out.stdout_str()
}

#[test]
fn curl_gets_plain_text_and_browsers_get_html() {
    let server = Server::start("cowserve", &["-q"]);
    let text = get_as(&server, "/?message=Moo", "*/*");
    assert_eq!(text.status, 200);
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(text.header("cache-control"), Some("no-store"));
    assert_eq!(text.text(), cowsay(&["Moo"]));

    let html = get_as(
        &server,
        "/?message=Moo",
        "text/html,application/xhtml+xml,*/*;q=0.8",
    );
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = html.text();
    assert!(
        page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{page}"
    );
    assert!(page.contains("<meta name=\"viewport\""));
    let escaped = cowsay(&["Moo"])
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(
        page.contains(&format!(
            "<pre id=\"cow\" style=\"--cols:28\">{escaped}</pre>"
        )),
        "{page}"
    );
}

#[test]
fn every_visit_gets_a_fresh_fortune() {
    let server = Server::start("cowserve", &["-q"]);
    let pages: HashSet<String> = (0..20)
        .map(|_| get_as(&server, "/", "*/*").text())
        .collect();
    assert!(
        pages.len() >= 10,
        "only {} different pages in 20 visits",
        pages.len()
    );
    for page in &pages {
        assert!(page.contains("(oo)\\_______"), "the default cow: {page}");
    }
    let fortune = get_as(&server, "/fortune", "*/*");
    assert_eq!(
        fortune.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(fortune.text().ends_with('\n') && fortune.text().len() > 2);
}

/// `fortune | cowsay`: an attribution line (indented) keeps its own line in the balloon.
#[test]
fn fortunes_render_as_fortune_piped_to_cowsay() {
    let tree = Tree::new("cow-fortunes");
    tree.file(
        "quotes",
        "Talk is cheap. Show me the code.\n\t\t-- Someone\n%\n",
    );
    let server = Server::start(
        "cowserve",
        &["-q", "--fortunes", &tree.at("quotes").to_string_lossy()],
    );
    let page = get_as(&server, "/", "*/*").text();
    let piped = run(
        Command::new(binary("cowserve")).arg("cowsay"),
        b"Talk is cheap. Show me the code.\n\t\t-- Someone\n",
        DEADLINE,
    );
    assert_eq!(page, piped.stdout_str());
    assert!(page.contains("-- Someone"), "{page}");
}

#[test]
fn the_query_can_ask_for_everything_cowsay_does() {
    let server = Server::start("cowserve", &["-q"]);
    let cases: &[(&str, &[&str])] = &[
        ("/?message=Hello+world", &["Hello world"]),
        ("/?message=Hi&cow=whale", &["-f", "whale", "Hi"]),
        ("/?message=Hi&mode=dead", &["-d", "Hi"]),
        ("/?message=Hi&mode=b", &["-b", "Hi"]),
        (
            "/?message=Hi&eyes=%5E%5E&tongue=U",
            &["-e", "^^", "-T", "U", "Hi"],
        ),
        (
            "/?message=a+b+c+d+e+f+g+h&width=6",
            &["-W", "6", "a b c d e f g h"],
        ),
        ("/?message=%3Cscript%3E%26", &["<script>&"]),
    ];
    for (path, args) in cases {
        let response = get_as(&server, path, "*/*");
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.text(), cowsay(args), "{path}");
    }
    let think = get_as(&server, "/?message=Hmm&think=1", "*/*");
    let thought = run(
        Command::new(binary("cowserve")).args(["cowthink", "Hmm"]),
        b"",
        DEADLINE,
    );
    assert_eq!(think.text(), thought.stdout_str());

    let json = get_as(&server, "/?message=Moo&cow=ferris", "application/json");
    assert_eq!(json.header("content-type"), Some("application/json"));
    let body = json.text();
    assert!(
        body.starts_with("{\"message\":\"Moo\",\"cow\":\"ferris\",\"rendered\":\""),
        "{body}"
    );
    let forced = get_as(&server, "/?message=Moo&format=json", "text/html");
    assert!(forced.text().starts_with("{\"message\""));
    let cows = get_as(&server, "/cows", "*/*").text();
    for cow in ["default", "whale", "ferris", "container"] {
        assert!(cows.lines().any(|l| l == cow), "{cow} in {cows}");
    }
}

#[test]
#[cfg_attr(
    not(debian_oracles),
    ignore = "no Debian cowsay or fortunes (tests/build.rs)"
)]
fn debian_cows_and_fortunes_work() {
    let mut cmd = Command::new(binary("cowserve"));
    cmd.args([
        "-q",
        "--fortunes",
        "/usr/share/games/fortunes",
        "-b",
        "127.0.0.1",
        "0",
    ])
    .env("COWPATH", "/usr/share/cowsay/cows");
    let server = Server::spawn(cmd);
    let tux = get_as(&server, "/?message=Hi&cow=tux", "*/*");
    assert_eq!(tux.status, 200);
    let reference = run(
        Command::new("/usr/games/cowsay")
            .args(["-f", "tux", "Hi"])
            .env("LANG", "C.UTF-8"),
        b"",
        DEADLINE,
    );
    assert_eq!(tux.text(), reference.stdout_str());
    let fortune = get_as(&server, "/fortune", "*/*");
    assert_eq!(fortune.status, 200);
}

#[test]
fn bad_data_and_flags_are_clear_errors() {
    let tree = Tree::new("cow-bad-data");
    tree.file("broken", "one\n%\ntwo\n%\n")
        .file("broken.dat", [0u8, 0, 0, 2, 0xff, 0xff]);
    tree.dir("empty");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--fortunes", "/no/such/place"],
            "cannot load the fortunes",
        ),
        (&["--cow", "nosuchcow"], "no cow called"),
        (&["--frob"], "unknown option '--frob'"),
        (
            &["--fortune", "/f"],
            "unknown option '--fortune'; did you mean '--fortunes'?",
        ),
        (&["--quite"], "did you mean '--quiet'?"),
        (&["99999"], "invalid port"),
    ];
    for (args, says) in cases {
        let out = run(Command::new(binary("cowserve")).args(*args), b"", DEADLINE);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr_str());
        assert!(
            out.stderr_str().contains(says),
            "{args:?}: {}",
            out.stderr_str()
        );
    }
    let dir = tree.path_str().to_owned();
    let out = run(
        Command::new(binary("cowserve")).args(["--fortunes", &dir, "-b", "127.0.0.1", "0"]),
        b"",
        DEADLINE,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a corrupt .dat: {}",
        out.stderr_str()
    );
    let err = out.stderr_str();
    assert!(
        err.starts_with("cowserve: cannot load the fortunes"),
        "{err}"
    );
    assert!(
        err.contains("broken.dat") && err.contains("strfile"),
        "{err}"
    );
}

/// Whatever the catalog and the query, an error answer is small (issue 23: 10,000 cows made the
/// unknown cow's status line 180 KB, which curl, python and nginx refuse): a short fixed reason
/// phrase, and a page that points to `/cows`, naming a close match at most, never the list.
#[test]
fn error_answers_stay_small_with_10000_cows() {
    let cowpath = Tree::in_memory("cow-many");
    let picture = "$the_cow = <<EOC;\n   $thoughts\n  ($eyes)\nEOC\n";
    for i in 0..10_000 {
        cowpath.file(format!("cow-number-{i:05}.cow"), picture);
    }
    let long_name = format!("long-{}", "x".repeat(240));
    let broken = format!("broken-{}", "y".repeat(240));
    cowpath
        .file(format!("{long_name}.cow"), picture)
        .file(format!("{broken}.cow"), "$the_cow = <<EOC;\nno end\n");
    let mut cmd = Command::new(binary("cowserve"));
    cmd.args(["-q", "-b", "127.0.0.1", "0"])
        .env("COWPATH", cowpath.path());
    let server = Server::spawn(cmd);
    let cows = get_as(&server, "/cows", "*/*");
    assert_eq!(cows.text().matches("cow-number-").count(), 10_000);
    let huge = "h".repeat(4000);
    let unknown = [
        "nosuch".to_owned(),
        "cow-number-0123".to_owned(),
        "a".repeat(4000),
        format!("{long_name}z"),
    ];
    for cow in &unknown {
        let page = get_as(&server, &format!("/?cow={cow}"), "*/*");
        assert_eq!(page.status, 400, "{cow}");
        page.assert_small_error(&format!("a cow name of {} bytes", cow.len()));
        assert_eq!(page.reason, "Unknown cow");
        let text = page.text();
        assert!(text.contains("/cows"), "{text}");
        // The name asked for, and one close match at most.
        let echoed = usize::from(cow.starts_with("cow-number-"));
        assert!(text.matches("cow-number-").count() <= echoed + 1, "{text}");
    }
    let close = get_as(&server, "/?cow=cow-number-0123", "*/*").text();
    assert!(
        close.contains("did you mean \"cow-number-01230\"?"),
        "{close}"
    );
    for query in [
        format!("mode={huge}"),
        format!("width={huge}"),
        format!("{huge}=1"),
        format!("eyes={huge}"),
        format!("message={}", "m".repeat(1001)),
        format!("cow={}", "c".repeat(5000)),
    ] {
        let page = get_as(&server, &format!("/?{query}"), "*/*");
        assert_eq!(page.status, 400, "{}", &query[..20]);
        page.assert_small_error(&query[..20]);
    }
    let page = get_as(&server, &format!("/?cow={broken}"), "*/*");
    assert_eq!(page.status, 500);
    page.assert_small_error("a broken cow of a long name");
    let method = "M".repeat(8000);
    let raw = format!("{method} / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let page = request(server.addr, &raw);
    assert_eq!(page.status, 405);
    page.assert_small_error("a long method");
}

#[test]
fn commands_by_name_and_subcommand() {
    let moo = run(
        Command::new(binary("cowserve")).args(["cowsay", "Moo"]),
        b"",
        DEADLINE,
    );
    assert!(moo.stdout_str().starts_with(" _____\n< Moo >\n"));
    let tree = Tree::new("cow-links");
    let link = tree.at("cowsay");
    std::os::unix::fs::symlink(binary("cowserve"), &link).unwrap();
    let by_name = run(Command::new(&link).arg("Moo"), b"", DEADLINE);
    assert_eq!(by_name.stdout, moo.stdout);
    let fortune = run(
        Command::new(binary("cowserve")).arg("fortune"),
        b"",
        DEADLINE,
    );
    assert!(fortune.status.success() && !fortune.stdout.is_empty());
    let help = run(
        Command::new(binary("cowserve")).arg("--help"),
        b"",
        DEADLINE,
    );
    for word in [
        "--fortunes",
        "COWSERVE_PORT",
        "--healthcheck",
        "cowsay",
        "fortune",
    ] {
        assert!(help.stdout_str().contains(word), "--help mentions {word}");
    }
}

#[test]
fn sigterm_stops_it_at_once() {
    let server = Server::start("cowserve", &["-q"]);
    let start = std::time::Instant::now();
    let status = server
        .stop_with(libc::SIGTERM, Duration::from_secs(5))
        .expect("exits");
    assert_eq!(status.code(), Some(0));
    assert!(start.elapsed() < Duration::from_secs(1));
}
