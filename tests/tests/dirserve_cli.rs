//! dirserve's command line: python's flags, ours, environment variables and clear errors.

use e2e::binary::binary;
use e2e::http::get;
use e2e::process::run;
use e2e::server::{Server, parse_startup_line};
use std::process::Command;
use std::time::Duration;
use testkit::Tree;

const DEADLINE: Duration = Duration::from_secs(10);

fn dirserve() -> Command {
    Command::new(binary("dirserve"))
}

#[test]
fn help_and_version() {
    let help = run(dirserve().arg("--help"), b"", DEADLINE);
    assert!(help.status.success());
    let text = help.stdout_str();
    for flag in [
        "--bind",
        "--directory",
        "--protocol",
        "--quiet",
        "--timeout",
        "--healthcheck",
        "--sort",
        "--dirs-first",
        "--dark-mode",
        "DIRSERVE_PORT",
        "DIRSERVE_DARK_MODE",
    ] {
        assert!(text.contains(flag), "--help documents {flag}");
    }
    let version = run(dirserve().arg("-V"), b"", DEADLINE);
    assert_eq!(
        version.stdout_str(),
        format!("dirserve {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_flags_and_values_exit_2_with_one_clear_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["--frob"], "unknown option '--frob'"),
        (
            &["--bnd", "0.0.0.0"],
            "unknown option '--bnd'; did you mean '--bind'?",
        ),
        (&["--dirs_first"], "did you mean '--dirs-first'?"),
        (&["-x"], "unknown option '-x'"),
        (&["99999"], "invalid port"),
        (&["eighty"], "invalid port"),
        (&["--cgi"], "not supported"),
        (&["-d"], "needs a value"),
        (&["-p", "HTTP/3"], "HTTP/1.0 or HTTP/1.1"),
        (&["--timeout", "0"], "1 to 3600"),
        (
            &["-d", "/definitely/not/here", "0"],
            "cannot serve /definitely/not/here",
        ),
        (&["-d", "/etc/hostname", "0"], "cannot serve /etc/hostname"),
        (&["-b", "256.1.1.1", "0"], "cannot listen on 256.1.1.1"),
        (&["--sort", "date"], "--sort: expected name, size or mtime"),
        (&["--order", "up"], "--order: expected asc or desc"),
    ];
    for (args, message) in cases {
        let out = run(dirserve().args(*args), b"", DEADLINE);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr_str());
        let err = out.stderr_str();
        assert!(err.starts_with("dirserve: "), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(out.stdout, b"", "{args:?}");
    }
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port().to_string();
    let out = run(dirserve().args(["-b", "127.0.0.1", &port]), b"", DEADLINE);
    assert_eq!(out.status.code(), Some(2));
    let err = out.stderr_str();
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1 port {port}")),
        "{err}"
    );
    assert!(err.contains("in use"), "{err}");
}

#[test]
fn startup_line_is_pythons_and_true_to_what_is_bound() {
    let tree = Tree::new("startup");
    tree.file("f", "x");
    let server = Server::start("dirserve", &["-d", tree.path_str()]);
    assert!(server.addr.ip().is_loopback());
    assert_eq!(get(server.addr, "/f").text(), "x");

    // All interfaces: 0.0.0.0 as python prints it, and :: too where there is IPv6.
    let mut cmd = dirserve();
    cmd.args(["-d", tree.path_str(), "0"]);
    let server = Server::spawn(cmd);
    assert_eq!(server.addr.ip().to_string(), "0.0.0.0");
    let port = server.addr.port();
    let line = format!("Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ...");
    assert_eq!(parse_startup_line(&line), Some(server.addr));
    let v4 = get(format!("127.0.0.1:{port}").parse().unwrap(), "/f");
    assert_eq!(v4.text(), "x");
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let v6 = get(format!("[::1]:{port}").parse().unwrap(), "/f");
        assert_eq!(v6.text(), "x");
    }
}

/// `dirserve | head -0`: with stdout and stderr closed before it writes a byte, it serves on
/// (a start-up or log line it cannot write is dropped, not a reason to stop).
#[test]
fn closed_stdout_and_stderr_do_not_stop_it() {
    let tree = Tree::new("closed-stdout");
    tree.file("f", "x");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (closed_out, closed_err) = (closed_pipe(), closed_pipe());
    let mut child = dirserve()
        .args(["-d", tree.path_str(), "-b", "127.0.0.1", &port.to_string()])
        .stdout(closed_out)
        .stderr(closed_err)
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    assert_eq!(e2e::http::get_when_up(addr, "/f").text(), "x");
    assert_eq!(get(addr, "/f").text(), "x");
    assert!(child.try_wait().unwrap().is_none(), "still running");
    let _ = child.kill();
    let _ = child.wait();
}

/// The write end of a pipe whose read end is already closed: every write fails with EPIPE.
fn closed_pipe() -> std::fs::File {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) with a two-element array; both descriptors are owned below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fresh descriptors from pipe(2), each owned once.
    unsafe {
        drop(<std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(
            fds[0],
        ));
        <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fds[1])
    }
}

#[test]
fn environment_variables_configure_it_and_flags_win() {
    let tree = Tree::new("env");
    tree.file("f", "from env");
    let mut cmd = dirserve();
    cmd.env("DIRSERVE_DIRECTORY", tree.path())
        .env("DIRSERVE_BIND", "127.0.0.1")
        .env("DIRSERVE_PORT", "0")
        .env("DIRSERVE_QUIET", "1");
    let server = Server::spawn(cmd);
    assert_eq!(get(server.addr, "/f").text(), "from env");
    assert_eq!(
        server.stop_and_read_log(),
        "",
        "DIRSERVE_QUIET=1 keeps the log quiet"
    );

    let out = run(dirserve().env("DIRSERVE_PORT", "x"), b"", DEADLINE);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr_str().contains("DIRSERVE_PORT"));
}

/// The listing options by flag and by environment variable, the flag winning; each variable's
/// bad value names it.
#[test]
fn listing_options_by_flag_and_environment() {
    let tree = Tree::new("listing-options");
    tree.file("a-big", vec![b'x'; 100_000])
        .file("b-small", "x")
        .dir("c-dir");
    let names = |server: &Server| -> Vec<String> {
        let page = get(server.addr, "/").text();
        let items = page
            .lines()
            .filter_map(|l| l.strip_prefix("<li><a href=\""));
        items
            .map(|l| l[..l.find('"').unwrap()].to_owned())
            .collect()
    };
    let dark = |server: &Server| {
        get(server.addr, "/")
            .text()
            .contains("color-scheme: light dark")
    };

    let python = Server::start("dirserve", &["-d", tree.path_str()]);
    assert_eq!(names(&python), ["a-big", "b-small", "c-dir/"]);
    assert!(!dark(&python));

    let flags = [
        "--sort",
        "size",
        "--order",
        "desc",
        "--dirs-first",
        "--dark-mode",
    ];
    let by_flags = Server::start("dirserve", &[&["-d", tree.path_str()][..], &flags].concat());
    assert_eq!(names(&by_flags), ["c-dir/", "a-big", "b-small"]);
    assert!(dark(&by_flags));

    let environment = [
        ("DIRSERVE_SORT", "size"),
        ("DIRSERVE_ORDER", "asc"),
        ("DIRSERVE_DIRS_FIRST", "1"),
        ("DIRSERVE_DARK_MODE", "1"),
    ];
    let mut cmd = dirserve();
    cmd.envs(environment)
        .args(["-d", tree.path_str(), "-b", "127.0.0.1", "0"]);
    let by_env = Server::spawn(cmd);
    assert_eq!(names(&by_env), ["c-dir/", "b-small", "a-big"]);
    assert!(dark(&by_env));

    let mut cmd = dirserve();
    cmd.envs(environment).args([
        "-d",
        tree.path_str(),
        "--order",
        "desc",
        "-b",
        "127.0.0.1",
        "0",
    ]);
    let flag_wins = Server::spawn(cmd);
    assert_eq!(names(&flag_wins), ["c-dir/", "a-big", "b-small"]);

    for (name, value) in [
        ("DIRSERVE_SORT", "date"),
        ("DIRSERVE_ORDER", "up"),
        ("DIRSERVE_DIRS_FIRST", "maybe"),
        ("DIRSERVE_DARK_MODE", "on?"),
    ] {
        let out = run(dirserve().env(name, value), b"", DEADLINE);
        assert_eq!(out.status.code(), Some(2), "{name}={value}");
        assert!(out.stderr_str().contains(name), "{}", out.stderr_str());
    }
}

#[test]
fn healthcheck_and_fetch_modes() {
    let tree = Tree::new("health");
    let mut cmd = dirserve();
    cmd.args(["-d", tree.path_str(), "-q", "0"]);
    let server = Server::spawn(cmd);
    let port = server.addr.port().to_string();
    let ok = run(dirserve().args(["--healthcheck", &port]), b"", DEADLINE);
    assert!(ok.status.success(), "{}", ok.stderr_str());
    let by_env = run(
        dirserve().arg("--healthcheck").env("DIRSERVE_PORT", &port),
        b"",
        DEADLINE,
    );
    assert!(by_env.status.success());
    tree.file("page.txt", "the page\n");
    let url = format!("http://127.0.0.1:{port}/page.txt");
    let fetched = run(dirserve().args(["--fetch", &url]), b"", DEADLINE);
    assert!(fetched.status.success(), "{}", fetched.stderr_str());
    assert_eq!(fetched.stdout_str(), "the page\n");
    let missing = run(
        dirserve().args(["--fetch", &format!("http://127.0.0.1:{port}/nope")]),
        b"",
        DEADLINE,
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        missing.stderr_str().contains("answered 404"),
        "{}",
        missing.stderr_str()
    );
    let bad = run(dirserve().args(["--fetch", "ftp://x/"]), b"", DEADLINE);
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stderr_str().contains("only http://"));
    drop(server);
    let down = run(dirserve().args(["--healthcheck", &port]), b"", DEADLINE);
    assert_eq!(down.status.code(), Some(1));
    assert!(down.stderr_str().contains("healthcheck: no answer"));
}
