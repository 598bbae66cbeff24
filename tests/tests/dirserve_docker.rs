//! The tutorial's `alpine_web` flow with our image, built from docker/dirserve/Dockerfile.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::docker::{
    Container, assert_minimal_image, build_image, docker_ok, image_inspect, unique_name,
};
use e2e::http::{get, get_when_up};
use std::time::Duration;
use testkit::Tree;

const IMAGE: &str = "alpine_web";

fn image() -> &'static str {
    build_image(IMAGE, "docker/dirserve/Dockerfile");
    IMAGE
}

/// Word for word: `docker run -d -p 8000:8000 --rm alpine_web`, a listing on
/// localhost:8000, and a `docker stop` that does not wait out the grace period.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn tutorial_flow() {
    let container = Container::named(unique_name("alpine-web-tutorial"));
    docker_ok(&[
        "run",
        "-d",
        "-p",
        "8000:8000",
        "--rm",
        "--name",
        &container.name,
        image(),
    ]);
    let listing = get_when_up("127.0.0.1:8000".parse().unwrap(), "/");
    assert_eq!(listing.status, 200);
    assert!(
        listing
            .text()
            .contains("<title>Directory listing for /</title>")
    );
    let logs = docker_ok(&["logs", &container.name]);
    assert!(
        logs.stdout_str()
            .contains("Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."),
        "{}",
        logs.stdout_str()
    );
    assert!(
        logs.stderr_str().contains("\"GET / HTTP/1.1\" 200 -"),
        "{}",
        logs.stderr_str()
    );
    let took = container.timed_stop();
    assert!(took < Duration::from_secs(1), "docker stop took {took:?}");
}

/// The later tutorial's `-v "$(pwd)":/src`: the mounted folder is served, and edits show at once.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn mounted_folder_is_served_live() {
    let tree = Tree::new("docker-mount");
    tree.file("index.html", "Moo\n").file("notes/a.txt", "a");
    let mount = format!("{}:/src:ro", tree.path_str());
    let container = Container::run_published(image(), &["-v", &mount], &[]);
    let addr = container.published_8000();
    assert_eq!(get_when_up(addr, "/").text(), "Moo\n");
    assert_eq!(get(addr, "/notes/a.txt").text(), "a");
    tree.file("index.html", "Moo moo\n");
    assert_eq!(get(addr, "/").text(), "Moo moo\n");
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn healthcheck_reaches_healthy() {
    Container::run_published(image(), &[], &[]).wait_healthy(Duration::from_secs(40));
}

/// The static binary names its listing threads with servekit's own `pthread_setname_np` (musl's
/// links printf; `min_flavour.rs` checks it is gone): they still show in `/proc` as `offload`,
/// as std named them.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn listing_threads_are_named() {
    let container = Container::run_published(image(), &[], &[]);
    assert_eq!(get_when_up(container.published_8000(), "/").status, 200);
    let pid = container.inspect("{{.State.Pid}}");
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the server's threads");
    let names: Vec<String> = tasks
        .map(|task| {
            let comm = task.expect("a thread").path().join("comm");
            std::fs::read_to_string(comm).unwrap_or_default()
        })
        .collect();
    assert!(names.contains(&"offload\n".to_owned()), "{names:?}");
}

/// Serving the container's `/`, as python's alpine_web did, shows no /proc or /sys.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn serving_root_hides_proc_and_sys() {
    let container =
        Container::run_published(image(), &["-e", "SECRET_TOKEN=hunter2"], &["-d", "/"]);
    let addr = container.published_8000();
    assert_eq!(get_when_up(addr, "/").status, 200);
    for path in [
        "/proc/self/environ",
        "/proc/1/environ",
        "/proc/self/cmdline",
        "/sys/",
        "/proc/",
    ] {
        let response = get(addr, path);
        assert!(
            [403, 404].contains(&response.status),
            "{path}: {}",
            response.status
        );
        assert!(
            !response.text().contains("hunter2"),
            "{path} leaked the environment"
        );
    }
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn image_is_minimal_and_labelled() {
    assert_minimal_image(image(), 2);
    let inspect = |format: &str| image_inspect(image(), format);
    assert_eq!(inspect("{{.Config.WorkingDir}}"), "/src");
    assert_eq!(inspect("{{.Config.StopSignal}}"), "SIGTERM");
    assert_eq!(
        inspect("{{json .Config.ExposedPorts}}"),
        r#"{"8000/tcp":{}}"#
    );
    assert_eq!(
        inspect("{{json .Config.Healthcheck.Test}}"),
        r#"["CMD","/dirserve","--healthcheck"]"#
    );
}
