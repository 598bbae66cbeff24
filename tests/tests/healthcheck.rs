//! `--healthcheck` (the images' `HEALTHCHECK`) judges the status line alone: a real folder's
//! large listing, long fortunes or any body size is healthy, and a failure names what really
//! went wrong on each address it tried.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::{binary, workspace_root};
use e2e::docker::{Container, build_image, unique_name};
use e2e::http::get;
use e2e::process::{self, Output, run};
use e2e::server::Server;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;
use testkit::Tree;

const DEADLINE: Duration = Duration::from_secs(10);
/// Checks in a row that must all pass (Debian's fortunes failed 11 checks in 60).
const CHECKS: usize = 20;

fn healthcheck(program: &str, port: u16) -> Output {
    run(
        Command::new(binary(program)).args(["--healthcheck", &port.to_string()]),
        b"",
        DEADLINE,
    )
}

/// A folder of `files` files with long names: a listing of many kilobytes.
fn big_tree(files: usize) -> Tree {
    let tree = Tree::new("health-big");
    for i in 0..files {
        tree.file(format!("a-file-with-a-rather-long-name-{i:04}.txt"), "x");
    }
    tree
}

#[test]
fn a_large_listing_is_healthy() {
    let tree = big_tree(400);
    let server = Server::start("dirserve", &["-q", "-d", tree.path_str()]);
    let listing = get(server.addr, "/");
    assert!(listing.body.len() > 30_000, "{} bytes", listing.body.len());
    for _ in 0..CHECKS {
        let out = healthcheck("dirserve", server.addr.port());
        assert!(out.status.success(), "{}", out.stderr_str());
        assert_eq!(out.stderr_str(), "");
    }
}

#[test]
fn long_fortunes_are_healthy() {
    let tree = Tree::new("health-fortunes");
    let long: String = (0..40)
        .map(|i| format!("line {i} of a long fortune, as Debian's collection has them\n"))
        .collect();
    tree.file("long", format!("{long}%\n{long}%\n{long}"));
    let fortunes = tree.at("long");
    let server = Server::start(
        "cowserve",
        &["-q", "--fortunes", fortunes.to_str().unwrap()],
    );
    assert!(get(server.addr, "/").body.len() > 2_000);
    for _ in 0..CHECKS {
        let out = healthcheck("cowserve", server.addr.port());
        assert!(out.status.success(), "{}", out.stderr_str());
    }
}

/// An error status is unhealthy, and says so: a health path the server does not have is 404.
#[test]
fn an_error_status_is_unhealthy() {
    let tree = Tree::new("health-gone");
    let server = Server::start("dirserve", &["-q", "-d", tree.path_str()]);
    let port = server.addr.port().to_string();
    let out = run(
        Command::new(binary("dirserve")).args([
            "--health-path",
            "/missing",
            "--healthcheck",
            &port,
        ]),
        b"",
        DEADLINE,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        out.stderr_str(),
        format!("healthcheck: http://{}/missing answered 404\n", server.addr)
    );
}

/// The check every 10 s asks the server itself (`OPTIONS *`), not a page: no access-log line,
/// no directory read (it stays healthy with the served folder gone), and no name taken from
/// what is served (a file called `healthz` or `*` is served as ever). Both servers.
#[test]
fn the_check_writes_no_log_line_and_reads_nothing() {
    let tree = Tree::new("health-quiet");
    tree.file("served/healthz", "mine\n")
        .file("served/*", "star\n");
    let served = tree.at("served");
    let dirserve = Server::start("dirserve", &["-d", served.to_str().unwrap()]);
    let cowserve = Server::start("cowserve", &[]);
    assert_eq!(get(dirserve.addr, "/healthz").text(), "mine\n");
    assert_eq!(get(dirserve.addr, "/%2A").text(), "star\n");
    std::fs::remove_dir_all(&served).unwrap();
    for _ in 0..3 {
        for (program, server) in [("dirserve", &dirserve), ("cowserve", &cowserve)] {
            let out = healthcheck(program, server.addr.port());
            assert!(out.status.success(), "{program}: {}", out.stderr_str());
        }
    }
    let log = dirserve.stop_and_read_log();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "the two GETs alone: {log}");
    assert!(lines.iter().all(|l| l.contains("\"GET /")), "{log}");
    assert_eq!(cowserve.stop_and_read_log(), "", "no line for any check");
}

/// `docker run -p 8000:8000 alpine_web 9000`: the server, PID 1 of its container, listens on
/// the trailing PORT, and the check Docker runs beside it (`/dirserve --healthcheck`, with the
/// container's environment) asks that port, not the environment's or 8000. A PID namespace of
/// the server's own stands for the container; the check joins it as `docker exec` would.
#[test]
#[cfg_attr(not(root_tests), ignore = "not root: no PID namespace for the server")]
fn the_check_asks_the_port_pid_1_listens_on() {
    for (program, variable) in [("dirserve", "DIRSERVE_PORT"), ("cowserve", "COWSERVE_PORT")] {
        let (port, elsewhere) = (free_port(), free_port().to_string());
        let mut cmd = Command::new("unshare");
        cmd.args(["--pid", "--mount-proc", "--kill-child", "--"])
            .arg(binary(program))
            .args(["-q", "-b", "127.0.0.1", &port.to_string()])
            .env(variable, &elsewhere);
        let server = Server::spawn(cmd);
        assert_eq!(server.addr.port(), port);
        let unshare = server.child.id();
        let children = format!("/proc/{unshare}/task/{unshare}/children");
        let pid1 = std::fs::read_to_string(children).unwrap();
        let in_the_container = |args: &[&str]| {
            let mut check = Command::new("nsenter");
            check
                .args(["--target", pid1.trim(), "--pid", "--mount", "--"])
                .arg(binary(program))
                .args(args)
                .env(variable, &elsewhere);
            run(&mut check, b"", DEADLINE)
        };
        let out = in_the_container(&["--healthcheck"]);
        assert!(out.status.success(), "{program}: {}", out.stderr_str());
        // A PORT given to the check is still the one it asks.
        let out = in_the_container(&["--healthcheck", &elsewhere]);
        assert_eq!(out.status.code(), Some(1), "{program}");
        let said = format!("no answer on port {elsewhere}");
        assert!(out.stderr_str().contains(&said), "{}", out.stderr_str());
    }
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Something on the port that is not an HTTP server: the check fails and says what 127.0.0.1
/// answered, not only why IPv6 failed after it.
#[test]
fn a_failure_names_each_address_tried() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let impostor = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0; 512];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n");
    });
    let out = healthcheck("dirserve", port);
    impostor.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_str();
    assert!(
        err.starts_with(&format!(
            "healthcheck: no answer on port {port}: 127.0.0.1:{port}: no HTTP status line"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("[::1]:{port}: ")), "{err}");
}

/// The image's HEALTHCHECK with a large folder mounted, as `-v "$(pwd)":/src` does.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn a_mounted_large_folder_is_healthy_in_docker() {
    build_image("alpine_web", "docker/dirserve/Dockerfile");
    let tree = big_tree(400);
    let mount = format!("{}:/src:ro", tree.path_str());
    let container = Container::run_published("alpine_web", &["-v", &mount], &[]);
    // Three checks at 10 s intervals would turn a failing one unhealthy by then.
    container.wait_healthy(Duration::from_secs(40));
    std::thread::sleep(Duration::from_secs(25));
    assert_eq!(container.inspect("{{.State.Health.Status}}"), "healthy");
    assert_eq!(
        container.inspect("{{(index .State.Health.Log 0).ExitCode}}"),
        "0"
    );
}

/// The compose flow's `service_healthy`, with long fortunes mounted into `myserv`.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn compose_waits_for_healthy_with_long_fortunes() {
    build_image("cowserve", "docker/cowserve/Dockerfile");
    let tree = Tree::new("health-compose");
    let long: String = (0..40)
        .map(|i| format!("line {i} of a long fortune\n"))
        .collect();
    tree.file("fortunes/long", format!("{long}%\n{long}"));
    tree.file(
        "override.yaml",
        format!(
            "services:\n  myserv:\n    volumes:\n      - {}:/fortunes:ro\n    environment:\n      \
             COWSERVE_FORTUNES: /fortunes/long\n",
            tree.at("fortunes").display()
        ),
    );
    let project = unique_name("fromscratchhealth").replace('-', "");
    let compose = |args: &[&str]| {
        let mut cmd = Command::new("docker-compose");
        cmd.current_dir(workspace_root())
            .args(["-f", "docker/compose.yaml", "-f"])
            .arg(tree.at("override.yaml"))
            .args(["-p", &project])
            .args(args);
        process::run(&mut cmd, b"", Duration::from_secs(120))
    };
    let up = compose(&[
        "up",
        "--no-build",
        "--abort-on-container-exit",
        "--exit-code-from",
        "client",
    ]);
    let down = compose(&["down", "--remove-orphans"]);
    assert!(
        up.status.success(),
        "up: {}{}",
        up.stdout_str(),
        up.stderr_str()
    );
    assert!(
        up.stdout_str().contains("line 39 of a long fortune"),
        "{}",
        up.stdout_str()
    );
    assert!(down.status.success(), "down: {}", down.stderr_str());
}
