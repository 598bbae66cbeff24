//! The tutorial's compose flow: `myserv` serves the cow page, the client container fetches and
//! prints it once `myserv` is healthy, then everything comes down.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::{build_image, host_lock, unique_name};
use e2e::process::{self, Output};
use std::process::Command;
use std::time::Duration;

/// `up` waits for a health check (10 s interval) and builds nothing: generous, but bounded.
const DEADLINE: Duration = Duration::from_secs(120);

fn compose(project: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new("docker-compose");
    cmd.current_dir(workspace_root())
        .args(["-f", "docker/compose.yaml", "-p", project])
        .args(args);
    process::run(&mut cmd, b"", DEADLINE)
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn client_prints_the_page_once_myserv_is_healthy() {
    build_image("cowserve", "docker/cowserve/Dockerfile");
    // compose.yaml publishes port 8000, as the README's blocks do.
    let _port = host_lock("port-8000", Duration::from_secs(30 * 60));
    let project = unique_name("fromscratch").replace('-', "");
    let up = compose(
        &project,
        &[
            "up",
            "--no-build",
            "--abort-on-container-exit",
            "--exit-code-from",
            "client",
        ],
    );
    let down = compose(&project, &["down", "--remove-orphans"]);
    assert!(
        up.status.success(),
        "up: {}{}",
        up.stdout_str(),
        up.stderr_str()
    );
    let out = up.stdout_str();
    assert!(
        out.contains("(oo)\\_______"),
        "the client printed the cow: {out}"
    );
    assert!(down.status.success(), "down: {}", down.stderr_str());
}
