//! Faults in cowserve's data (issue 7): corrupt or huge fortune databases refuse the start with
//! one clear line, an over-long fortune never makes an outsized page, and a broken, huge or
//! strange `.cow` file is the server's 500, after which the page goes on.

use e2e::binary::binary;
use e2e::http::{Response, request};
use e2e::process::{Output, run};
use e2e::server::Server;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::Tree;

const DEADLINE: Duration = Duration::from_secs(10);
/// The longest fortune the page picks (cowserve's `MAX_PAGE_FORTUNE_BYTES`).
const PAGE_FORTUNE_MAX: usize = 16 * 1024;
/// All fortune text cowserve loads, files together (`fortune::MAX_TEXT_BYTES`).
const TEXT_MAX: u64 = 32 << 20;

fn get(server: &Server, path: &str) -> Response {
    request(
        server.addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nConnection: close\r\n\r\n"),
    )
}

/// A strfile index: version, entry count, longest and shortest length, no flags, `%`, offsets.
fn dat(version: u32, offsets: &[u32]) -> Vec<u8> {
    let numstr = offsets.len() as u32 - 1;
    let mut out = Vec::new();
    for word in [version, numstr, 0, 0, 0] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(&[b'%', 0, 0, 0]);
    for offset in offsets {
        out.extend_from_slice(&offset.to_be_bytes());
    }
    out
}

/// Starts cowserve on `fortunes`; it must refuse to.
fn refused(fortunes: &Path) -> Output {
    let out = run(
        Command::new(binary("cowserve"))
            .arg("--fortunes")
            .arg(fortunes)
            .args(["-b", "127.0.0.1", "0"]),
        b"",
        DEADLINE,
    );
    assert!(out.stdout.is_empty(), "it started: {}", out.stdout_str());
    out
}

/// The one line a refused start prints: exit 2, no panic, naming `file`, saying `says`.
fn assert_clear_refusal(out: &Output, file: &Path, says: &str) {
    let err = out.stderr_str();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("cowserve: cannot load the fortunes: "),
        "{err}"
    );
    assert!(
        err.contains(file.to_str().unwrap()),
        "names {}: {err}",
        file.display()
    );
    assert!(err.contains(says), "says {says:?}: {err}");
}

#[test]
fn corrupt_fortune_databases_refuse_the_start() {
    let tree = Tree::new("cowfault-corrupt");
    // 12 bytes, entries at 0 and 6.
    let text = "one\n%\ntwo\n%\n";
    let good = dat(2, &[0, 6, 12]);
    let index_faults = [
        ("version", dat(9, &[0, 6, 12]), "unknown version 9"),
        (
            "past-end",
            dat(2, &[0, 6, 500]),
            "past the end of the 12-byte text",
        ),
        ("overlap", dat(2, &[0, 1, 12]), "overlaps another one"),
        ("backwards", dat(2, &[6, 0, 12]), "go backwards"),
        (
            "truncated",
            good[..28].to_vec(),
            "claims 2 entries but its 28 bytes",
        ),
        (
            "header",
            good[..10].to_vec(),
            "shorter than its 24-byte header",
        ),
    ];
    for (name, index, says) in index_faults {
        tree.file(name, text).file(format!("{name}.dat"), index);
        let out = refused(&tree.at(name));
        assert_clear_refusal(&out, &tree.at(format!("{name}.dat")), says);
        eprintln!("{name}: {}", out.stderr_str().trim_end());
    }
    // Latin-1 text, with no index and with a valid one: the text itself is refused.
    tree.file("latin1", b"caf\xe9 au lait\n%\nok\n");
    tree.file("latin1-late", b"ok\n%\nok\n%\nna\xefve\n")
        .file("latin1-late.dat", dat(2, &[0, 5, 10, 17]));
    for (name, says) in [
        ("latin1", "not UTF-8 text (line 1)"),
        ("latin1-late", "(line 5)"),
    ] {
        let out = refused(&tree.at(name));
        assert_clear_refusal(&out, &tree.at(name), says);
        eprintln!("{name}: {}", out.stderr_str().trim_end());
    }
    // As a directory of fortune files, the first bad one is named the same way.
    let out = refused(tree.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr_str().contains(tree.path_str()),
        "{}",
        out.stderr_str()
    );
}

/// Writes `name` (and its index) as `len` bytes that are one fortune; sparse, so it is cheap.
fn one_fortune_of(tree: &Tree, name: &str, len: u64) {
    let file = std::fs::File::create(tree.at(name)).unwrap();
    file.set_len(len).unwrap();
    tree.file(format!("{name}.dat"), dat(2, &[0, len as u32]));
}

#[test]
fn fortune_text_is_bounded_in_all() {
    // One file over the bound: refused before it is read.
    let one = Tree::new("cowfault-huge-one");
    one_fortune_of(&one, "huge", 2 * TEXT_MAX);
    let started = Instant::now();
    let out = refused(&one.at("huge"));
    assert_clear_refusal(&out, &one.at("huge"), "33554432 bytes");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "read before refusing"
    );
    // Files each within the bound, together over it: the one that passes it is named.
    let two = Tree::new("cowfault-huge-two");
    one_fortune_of(&two, "a", TEXT_MAX / 2 + 1);
    one_fortune_of(&two, "b", TEXT_MAX / 2);
    let out = refused(two.path());
    assert_clear_refusal(&out, &two.at("b"), "33554432 bytes");
    // Exactly at the bound still loads, but each of its fortunes is too long for the page: the
    // server says so rather than start and fail every visit.
    let full = Tree::new("cowfault-huge-full");
    one_fortune_of(&full, "a", TEXT_MAX / 2);
    one_fortune_of(&full, "b", TEXT_MAX / 2);
    let out = refused(full.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        out.stderr_str(),
        "cowserve: cannot load the fortunes: all 2 fortune(s) are longer than 16384 bytes, \
         the longest the page shows\n"
    );
}

/// A fortune of several MiB among short ones: the page never picks it, so no answer is larger
/// than a page of the longest fortune it may pick.
#[test]
fn a_huge_fortune_never_reaches_the_page() {
    let tree = Tree::new("cowfault-long");
    let huge = "All work and no play makes Jack a dull boy.\n".repeat(100_000);
    let fits = "x".repeat(PAGE_FORTUNE_MAX - 1) + "\n";
    let over = "y".repeat(PAGE_FORTUNE_MAX) + "\n";
    let text = format!("short one\n%\n{huge}%\nshort two\n%\n{fits}%\n{over}%\n");
    tree.file("quotes", &text);
    let mut cmd = Command::new(binary("cowserve"));
    cmd.args([
        "--fortunes",
        &tree.at("quotes").to_string_lossy(),
        "-b",
        "127.0.0.1",
        "0",
    ]);
    let server = Server::spawn(cmd);
    let mut seen_fits = false;
    for path in std::iter::repeat_n(["/", "/fortune", "/?format=json"], 40).flatten() {
        let page = get(&server, path);
        assert_eq!(page.status, 200, "{path}: {page:?}");
        assert!(
            !page.text().contains("Jack") && !page.text().contains("yyyy"),
            "{path}"
        );
        // The JSON page carries the fortune twice: as the message and drawn.
        assert!(
            page.body.len() < 3 * PAGE_FORTUNE_MAX,
            "{path}: {} bytes",
            page.body.len()
        );
        seen_fits |= page.text().contains("xxxx");
    }
    assert!(seen_fits, "a fortune of just under the bound is shown");
    let log = server.stop_and_read_log();
    assert!(
        log.contains("left out of the page: 2 fortune(s) longer than 16384 bytes"),
        "{log}"
    );
}

/// `COWPATH` cows that cannot be drawn are the server's fault: a 500 with a fixed reason phrase,
/// naming the cow in its page, why (with the file's path) in the log alone, and the next page is
/// fine. Nothing here may take long: a FIFO must not be waited on, a huge file not read whole.
#[test]
fn broken_cow_files_are_server_errors() {
    let cowpath = Tree::new("cowfault-cows");
    let picture = "$the_cow = <<EOC;\n  $thoughts  ($eyes) mine\nEOC\n";
    cowpath
        .file("good.cow", picture)
        .file("broken.cow", "$the_cow = <<EOC;\n  (oo) and no end\n")
        .file("huge.cow", picture)
        .file("late-fifo.cow", picture)
        .file("late-dir.cow", picture)
        .dir("dir.cow");
    std::fs::OpenOptions::new()
        .append(true)
        .open(cowpath.at("huge.cow"))
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    testkit::mkfifo(&cowpath.at("fifo.cow"));
    let mut cmd = Command::new(binary("cowserve"));
    cmd.args(["-b", "127.0.0.1", "0"])
        .env("COWPATH", cowpath.path());
    let mut server = Server::spawn(cmd);
    let peak_before = peak_rss_kib(&server);
    assert!(
        get(&server, "/?cow=good&message=hi")
            .text()
            .contains("(oo) mine")
    );
    // Both were drawable when the server started; they are not any more.
    std::fs::remove_file(cowpath.at("late-fifo.cow")).unwrap();
    testkit::mkfifo(&cowpath.at("late-fifo.cow"));
    std::fs::remove_file(cowpath.at("late-dir.cow")).unwrap();
    cowpath.dir("late-dir.cow");
    let cases = [
        (
            "broken",
            "the picture starting on line 1 never ends (no `EOC` line)",
        ),
        ("huge", "larger than 262144 bytes"),
        ("fifo", "not a regular file"),
        ("dir", "not a regular file"),
        ("late-fifo", "not a regular file"),
        ("late-dir", "not a regular file"),
    ];
    for (cow, says) in cases {
        // Twice: the second answer comes from what the first one learnt, and says the same.
        for _ in 0..2 {
            let started = Instant::now();
            let page = get(&server, &format!("/?cow={cow}&message=hi"));
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{cow} took {:?}",
                started.elapsed()
            );
            assert_eq!(page.status, 500, "{cow}: {page:?}");
            assert_eq!(page.reason, "Cow cannot be drawn");
            assert!(
                page.text().contains(&format!("cow \"{cow}\"")),
                "{}",
                page.text()
            );
            assert!(
                !page.text().contains(cowpath.path_str()) && !page.text().contains(says),
                "{cow}: the page shows no path or cause: {}",
                page.text()
            );
        }
        let default = get(&server, "/?message=still+here");
        assert_eq!(default.status, 200);
        assert!(
            default.text().contains("(oo)\\_______"),
            "{}",
            default.text()
        );
    }
    // The huge cow was not read whole (its 100 MiB would show in the peak).
    let grown = peak_rss_kib(&server) - peak_before;
    assert!(grown < 16 * 1024, "the peak RSS grew by {grown} KiB");
    // A name that is not a cow at all is still the visitor's mistake.
    assert_eq!(get(&server, "/?cow=nosuch").status, 400);
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
    let log = server.stop_and_read_log();
    for (cow, says) in cases {
        let message =
            format!("code 500, message Cow cannot be drawn: the file of cow \"{cow}\" is broken: ");
        let line = log.lines().find(|l| l.contains(&message));
        assert!(
            line.is_some_and(|l| l.contains(says) && l.contains(cowpath.path_str())),
            "{cow} not logged with its path: {log}"
        );
        assert!(log.contains(&format!("\"GET /?cow={cow}&message=hi HTTP/1.1\" 500 -")));
    }
}

/// The server's peak resident memory so far (`VmHWM`), in KiB.
fn peak_rss_kib(server: &Server) -> i64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .expect("VmHWM")
}
