//! The tutorial's cowserve flow with our image, built from docker/cowserve/Dockerfile.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::docker::{
    Container, assert_minimal_image, build_image, docker_ok, docker_output, image_inspect,
    unique_name,
};
use e2e::http::{get, get_when_up};
use std::time::Duration;

const IMAGE: &str = "cowserve";

fn image() -> &'static str {
    build_image(IMAGE, "docker/cowserve/Dockerfile");
    IMAGE
}

/// `docker run --rm -d -p 8000:8000 cowserve`, curl shows a cow, `docker exec` runs fortune,
/// and `docker stop` is immediate.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn tutorial_flow() {
    let container = Container::named(unique_name("cowserve-tutorial"));
    docker_ok(&[
        "run",
        "--rm",
        "-d",
        "-p",
        "8000:8000",
        "--name",
        &container.name,
        image(),
    ]);
    let page = get_when_up("127.0.0.1:8000".parse().unwrap(), "/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("(oo)\\_______"), "{}", page.text());
    let exec = docker_ok(&["exec", &container.name, "/cowserve", "fortune"]);
    assert!(!exec.stdout.is_empty());
    let took = container.timed_stop();
    assert!(took < Duration::from_secs(1), "docker stop took {took:?}");
}

/// `docker run --rm cowserve cowsay Moo` prints the cow.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn cowsay_in_a_container() {
    let out = docker_ok(&["run", "--rm", image(), "cowsay", "Moo"]);
    assert_eq!(
        out.stdout_str(),
        " _____\n< Moo >\n -----\n        \\   ^__^\n         \\  (oo)\\_______\n            (__)\\       )\\/\\\n                ||----w |\n                ||     ||\n"
    );
    let piped = docker_output(&["run", "--rm", "-i", image(), "cowthink"], b"Hmm\n");
    assert!(
        piped.stdout_str().starts_with(" _____\n( Hmm )\n"),
        "{}",
        piped.stdout_str()
    );
}

/// Debian's 47 cows and fortune databases from read-only mounts.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn debian_cows_and_fortunes_from_read_only_mounts() {
    let container = Container::run_published(
        image(),
        &[
            "-v",
            "/usr/share/cowsay/cows:/cows:ro",
            "-e",
            "COWPATH=/cows",
            "-v",
            "/usr/share/games/fortunes:/fortunes:ro",
            "-e",
            "COWSERVE_FORTUNES=/fortunes",
            "--read-only",
        ],
        &[],
    );
    let addr = container.published_8000();
    let dragon = get_when_up(addr, "/?message=Hi&cow=dragon");
    assert_eq!(dragon.status, 200, "{}", dragon.text());
    assert_eq!(get(addr, "/fortune").status, 200);
    let cows = get(addr, "/cows").text();
    assert!(cows.lines().count() >= 47 + 3, "{cows}");
    let listed = docker_ok(&[
        "exec",
        "-e",
        "COWPATH=/cows",
        &container.name,
        "/cowserve",
        "cowsay",
        "-l",
    ]);
    assert!(
        listed.stdout_str().contains("Cow files in /cows:"),
        "{}",
        listed.stdout_str()
    );
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn healthcheck_and_image() {
    let container = Container::run_published(image(), &[], &[]);
    container.wait_healthy(Duration::from_secs(40));
    assert_minimal_image(image(), 1);
    assert_eq!(
        image_inspect(image(), "{{json .Config.ExposedPorts}}"),
        r#"{"8000/tcp":{}}"#
    );
}
