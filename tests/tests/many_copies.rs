//! The tutorial's "many copies" step, word for word: re-issue the run command with other host
//! ports (8001:8000, 8002:8000, 8003:8000), and three containers of the same image serve at
//! once, each port answered by a container of its own.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::docker::{Container, build_image, docker_ok, docker_output, host_lock, unique_name};
use e2e::http::{Response, get_when_up};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// The tutorial's ports; the test uses these and no others.
const PORTS: [u16; 3] = [8001, 8002, 8003];
/// Another test holding the ports (this file's other test, another run) is done well within this.
const LOCK_DEADLINE: Duration = Duration::from_secs(300);

/// Fails at once, and says why, if a port is taken on this machine: Docker would only say
/// "address already in use" halfway through.
fn assert_port_free(port: u16) {
    if let Err(e) = TcpListener::bind(("0.0.0.0", port)) {
        panic!(
            "host port {port} is taken on this machine ({e}): this test runs the tutorial's three \
             copies on ports 8001, 8002 and 8003 and picks no others; free it \
             (`ss -ltnp 'sport = :{port}'` names its owner)"
        );
    }
}

/// The container's access log once it holds the request for `path` (the server logs a request
/// after answering it, so the line can lag the answer by a moment).
fn access_log_with(container: &Container, path: &str) -> String {
    let line = format!("\"GET {path} HTTP/1.1\" 200");
    let start = std::time::Instant::now();
    loop {
        let log = docker_ok(&["logs", &container.name]).stderr_str();
        if log.contains(&line) || start.elapsed() > Duration::from_secs(5) {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `docker run -d -p PORT:8000 --rm IMAGE` for each of the tutorial's ports (with a
/// `--name`, so that every path removes the containers), all three at once, then asks each port
/// for `path(port)` and hands its answer to `check`. Each container's access log must hold its
/// own port's request and no other's: three containers, not one answering thrice.
fn three_copies(image: &str, path: impl Fn(u16) -> String, check: impl Fn(u16, &Response)) {
    let _ports = host_lock("ports-8001-8003", LOCK_DEADLINE);
    for port in PORTS {
        assert_port_free(port);
    }
    let mut copies = Vec::new();
    for port in PORTS {
        let container = Container::named(unique_name(&format!("many-copies-{port}")));
        let publish = format!("{port}:8000");
        let run = docker_output(
            &[
                "run",
                "-d",
                "-p",
                &publish,
                "--rm",
                "--name",
                &container.name,
                image,
            ],
            b"",
        );
        assert!(
            run.status.success(),
            "docker run -d -p {publish} --rm {image} failed (the tutorial's ports are 8001-8003): {}",
            run.stderr_str()
        );
        copies.push(container);
    }
    for port in PORTS {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let answer = get_when_up(addr, &path(port));
        assert_eq!(answer.status, 200, "port {port}: {}", answer.text());
        check(port, &answer);
    }
    let mut ids = Vec::new();
    for (container, port) in copies.iter().zip(PORTS) {
        assert_eq!(container.inspect("{{.State.Running}}"), "true", "{port}");
        let log = access_log_with(container, &path(port));
        for other in PORTS {
            let line = format!("\"GET {} HTTP/1.1\" 200", path(other));
            assert_eq!(
                log.contains(&line),
                other == port,
                "the container published on {port}, for {}: {log}",
                path(other)
            );
        }
        ids.push(container.inspect("{{.Id}}"));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three containers");
}

/// `docker run -d -p 8001:8000 --rm alpine_web`, then 8002 and 8003: three listings.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn three_alpine_web_copies_on_8001_8002_8003() {
    build_image("alpine_web", "docker/dirserve/Dockerfile");
    three_copies(
        "alpine_web",
        |port| format!("/?copy={port}"),
        |port, answer| {
            let page = answer.text();
            assert!(
                page.contains("<title>Directory listing for /"),
                "{port}: {page}"
            );
        },
    );
}

/// The same with the cow page: each copy draws the message it is asked for.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn three_cowserve_copies_on_8001_8002_8003() {
    build_image("cowserve", "docker/cowserve/Dockerfile");
    three_copies(
        "cowserve",
        |port| format!("/?message=copy-{port}"),
        |port, answer| {
            let page = answer.text();
            assert!(page.contains(&format!("< copy-{port} >")), "{page}");
        },
    );
}
