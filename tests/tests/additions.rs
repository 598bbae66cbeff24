//! What an operator adds to every answer (issue 16), on the real binaries: `--header`, `--cors`
//! and `--health-path`, by their flags and their environment variables.

use e2e::binary::binary;
use e2e::http::{get, request};
use e2e::process::run;
use e2e::server::Server;
use std::process::Command;
use std::time::Duration;
use testkit::Tree;

/// The health path answers without the disk: with the served directory gone, `/` fails and the
/// health path still says ok; it never shows in the access log, and `--healthcheck` asks it.
#[test]
fn the_health_path_answers_without_the_disk_and_is_never_logged() {
    let tree = Tree::new("additions-health");
    let served = tree.dir("served").at("served");
    let server = Server::start(
        "dirserve",
        &[
            "-d",
            &served.display().to_string(),
            "--health-path",
            "/healthz",
        ],
    );
    assert_eq!(get(server.addr, "/").status, 200);
    std::fs::remove_dir(&served).unwrap();
    let listing = get(server.addr, "/");
    assert_ne!(listing.status, 200, "the directory is gone");
    let health = get(server.addr, "/healthz");
    assert_eq!((health.status, health.text()), (200, "ok\n".to_owned()));
    let check = run(
        Command::new(binary("dirserve")).args([
            "--health-path",
            "/healthz",
            "--healthcheck",
            &server.addr.port().to_string(),
        ]),
        b"",
        Duration::from_secs(10),
    );
    assert!(check.status.success(), "{}", check.stderr_str());
    let log = server.stop_and_read_log();
    assert!(log.contains("\"GET / HTTP/1.1\""), "{log}");
    assert!(
        !log.contains("healthz"),
        "the health path is never logged: {log}"
    );
}

/// `--header` and `--cors` on every answer (files, listings, errors), a preflight answered, and
/// the same from the environment, on both servers.
#[test]
fn headers_and_cors_reach_every_answer_on_both_servers() {
    let tree = Tree::new("additions-headers");
    tree.file("served/a.txt", b"a");
    let served = tree.path().join("served").display().to_string();
    let dirserve = Server::start(
        "dirserve",
        &["-d", &served, "-H", "X-Frame-Options: DENY", "--cors"],
    );
    let mut cowserve_cmd = Command::new(binary("cowserve"));
    cowserve_cmd
        .args(["-b", "127.0.0.1", "0"])
        .env("COWSERVE_HEADERS", "X-Frame-Options: DENY\nX-Two: 2")
        .env("COWSERVE_CORS", "1");
    let cowserve = Server::spawn(cowserve_cmd);
    for (server, paths) in [
        (&dirserve, &["/a.txt", "/", "/missing"][..]),
        (&cowserve, &["/", "/?format=json", "/?mode=nope"][..]),
    ] {
        for path in paths {
            let answer = get(server.addr, path);
            assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(
                answer.header("access-control-allow-origin"),
                Some("*"),
                "{path}"
            );
        }
        let preflight = request(
            server.addr,
            "OPTIONS /a.txt HTTP/1.1\r\nHost: a\r\nOrigin: https://elsewhere.example\r\n\
             Access-Control-Request-Method: GET\r\n\r\n",
        );
        assert_eq!(preflight.status, 204);
        assert_eq!(
            preflight.header("access-control-allow-methods"),
            Some("GET, HEAD, OPTIONS")
        );
    }
    assert_eq!(get(cowserve.addr, "/").header("x-two"), Some("2"));
}

/// `--help` names exactly the methods a preflight's answer allows, on both servers.
#[test]
fn help_names_the_methods_preflights_allow() {
    for program in ["dirserve", "cowserve"] {
        let server = Server::start(program, &["-q", "--cors"]);
        let preflight = request(
            server.addr,
            "OPTIONS / HTTP/1.1\r\nHost: a\r\nOrigin: https://elsewhere.example\r\n\
             Access-Control-Request-Method: GET\r\n\r\n",
        );
        let allowed = preflight
            .header("access-control-allow-methods")
            .unwrap_or_else(|| panic!("{program}: {preflight:?}"))
            .to_owned();
        let help = run(
            Command::new(binary(program)).arg("--help"),
            b"",
            Duration::from_secs(10),
        );
        let text = help.stdout_str();
        assert!(
            text.contains(&format!("preflights ({allowed})")),
            "{program} --help names {allowed:?}: {text}"
        );
    }
}

/// Bad header text and a bad health path are usage errors (status 2) that say what is wrong,
/// from a flag or from the environment.
#[test]
fn bad_additions_are_usage_errors() {
    for (args, env, expected) in [
        (&["--header", "NoColon"][..], None, "expected 'Name: value'"),
        (&["-H", "Content-Length: 1"][..], None, "set by the server"),
        (&["--health-path", "healthz"][..], None, "/healthz"),
        (
            &[][..],
            Some(("DIRSERVE_HEADERS", "Bad Name: x")),
            "DIRSERVE_HEADERS",
        ),
        (&[][..], Some(("DIRSERVE_CORS", "maybe")), "DIRSERVE_CORS"),
    ] {
        let mut cmd = Command::new(binary("dirserve"));
        cmd.args(args).args(["-b", "127.0.0.1", "0"]);
        if let Some((name, value)) = env {
            cmd.env(name, value);
        }
        let out = run(&mut cmd, b"", Duration::from_secs(10));
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}");
        assert!(out.stderr_str().contains(expected), "{}", out.stderr_str());
    }
}
