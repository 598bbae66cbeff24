//! Decides, once per build, whether the Docker tests and the tests that need root (mounting a
//! file system) run or are compiled as ignored.
//!
//! Without an engine (or root) they show up as `ignored` in the test summary (never as passed),
//! with a warning here. With `FROMSCRATCH_REQUIRE_DOCKER=1` (CI, which runs as root) they always
//! run, so a missing engine or root fails them instead.

use std::process::{Command, Stdio};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(docker_tests)");
    println!("cargo::rustc-check-cfg=cfg(root_tests)");
    println!("cargo::rerun-if-env-changed=FROMSCRATCH_REQUIRE_DOCKER");
    println!("cargo::rerun-if-env-changed=DOCKER");
    // The socket is re-created whenever the engine starts; while it is missing, Cargo re-runs
    // this script on every build, so an engine started later is noticed.
    println!("cargo::rerun-if-changed=/var/run/docker.sock");
    let required = std::env::var("FROMSCRATCH_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
    if required || engine_answers() {
        println!("cargo::rustc-cfg=docker_tests");
    } else {
        println!(
            "cargo::warning=no Docker engine answers: the Docker tests are IGNORED \
             (start dockerd, or set FROMSCRATCH_REQUIRE_DOCKER=1 to make this a failure)"
        );
    }
    if required || is_root() {
        println!("cargo::rustc-cfg=root_tests");
    } else {
        println!("cargo::warning=not root: the tests that mount a file system are IGNORED");
    }
}

/// Whether this build runs as root; the tests run as the same user as their build.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

fn engine_answers() -> bool {
    let docker = std::env::var("DOCKER").unwrap_or_else(|_| "docker".into());
    Command::new(docker)
        .args(["version", "--format", "{{.Server.Version}}"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
