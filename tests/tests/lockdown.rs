//! Every image runs locked down, as docs/deploying.md recommends: a read-only root, no
//! capabilities, no privilege escalation, and the unprivileged user the image already sets.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::docker::{Container, build_image, docker_ok, docker_output};
use e2e::http::{get, get_when_up};

/// The flags docs/deploying.md recommends for running any of the images.
const LOCKED_DOWN: [&str; 5] = [
    "--read-only",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
];

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn pyprompt_locked_down() {
    build_image("alpine2", "docker/pyprompt/Dockerfile");
    let mut args = vec!["run", "-i", "--rm"];
    args.extend(LOCKED_DOWN);
    args.push("alpine2");
    let out = docker_output(&args, b"Ana\n");
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout_str().ends_with(
        "Hello Ana, you've just ran a python script from your own homemade Docker Container!\n"
    ));
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn dirserve_locked_down() {
    build_image("alpine_web", "docker/dirserve/Dockerfile");
    let container = Container::run_published("alpine_web", &LOCKED_DOWN, &["-d", "/"]);
    let addr = container.published_8000();
    assert_eq!(get_when_up(addr, "/").status, 200);
    assert_eq!(get(addr, "/etc/hostname").status, 200);
    assert_eq!(get(addr, "/proc/self/status").status, 403);
    assert_eq!(container.inspect("{{.HostConfig.ReadonlyRootfs}}"), "true");
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn cowserve_locked_down() {
    build_image("cowserve", "docker/cowserve/Dockerfile");
    let container = Container::run_published("cowserve", &LOCKED_DOWN, &[]);
    let page = get_when_up(container.published_8000(), "/?message=locked");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("< locked >"), "{}", page.text());
    let fortune = docker_ok(&["exec", &container.name, "/cowserve", "fortune"]);
    assert!(!fortune.stdout.is_empty());
}
