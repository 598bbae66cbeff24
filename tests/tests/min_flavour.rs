//! The min-size flavour (`--build-arg FLAVOUR=min`: nightly build-std, immediate-abort panics)
//! builds every image, and each still does its job. Sizes: `bash tests/bench.sh`.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use fromscratch_tests::docker::{Container, build_image_with, docker_ok, docker_output};
use fromscratch_tests::http::{get, get_when_up};

fn min_image(tag: &str, program: &str) -> String {
    let tag = format!("{tag}:min");
    build_image_with(
        &tag,
        &format!("docker/{program}/Dockerfile"),
        &["FLAVOUR=min"],
    );
    tag
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn pyprompt_min_greets() {
    let image = min_image("alpine2", "pyprompt");
    let out = docker_output(&["run", "-i", "--rm", &image], b"Ana\n");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        out.stdout_str(),
        "Type in your name: \nHello Ana, you've just ran a python script from your own homemade Docker Container!\n"
    );
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn dirserve_min_serves_and_refuses() {
    let image = min_image("alpine_web", "dirserve");
    let container = Container::run_published(&image, &[], &["-d", "/"]);
    let addr = container.published_8000();
    let root = get_when_up(addr, "/");
    assert_eq!(root.status, 200);
    assert!(root.text().contains("Directory listing for /"));
    assert_eq!(get(addr, "/proc/self/environ").status, 403);
    assert_eq!(get(addr, "/%2e%2e/etc/passwd").status, 400);
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn cowserve_min_says_and_serves() {
    let image = min_image("cowserve", "cowserve");
    let moo = docker_ok(&["run", "--rm", &image, "cowsay", "Moo"]);
    assert!(
        moo.stdout_str().starts_with(" _____\n< Moo >\n -----\n"),
        "{}",
        moo.stdout_str()
    );
    let container = Container::run_published(&image, &[], &[]);
    let page = get_when_up(container.published_8000(), "/?message=Hi");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("< Hi >"), "{}", page.text());
}
