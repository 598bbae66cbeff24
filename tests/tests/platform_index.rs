//! Multi-platform publishing: `docker/build.sh --platform LIST --push REGISTRY` builds every image
//! for every platform, pushes them, and publishes one index per image that `docker run
//! --platform` resolves, here against a private registry on loopback.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::{Container, Registry, docker_ok, docker_output, image_inspect, platform_suffix};
use e2e::http::{get, get_when_up};
use e2e::process::{self, Output};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::Tree;

const PLATFORMS: [&str; 3] = ["linux/amd64", "linux/arm64", "linux/386"];
const IMAGES: [&str; 3] = ["alpine2", "alpine_web", "cowserve"];
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Nine builds (three images, three platforms) on 2 cores, cold: LTO each time.
const BUILD_DEADLINE: Duration = Duration::from_secs(90 * 60);
const DIALOGUE: &str = "Type in your name: \nHello Ana, you've just ran a python script from your own homemade Docker Container!\n";

/// `bash docker/build.sh ARGS...` from the workspace root, as the README runs it.
fn build_sh(args: &[&str], deadline: Duration) -> Output {
    let mut cmd = Command::new("bash");
    cmd.current_dir(workspace_root())
        .arg("docker/build.sh")
        .args(args);
    process::run(&mut cmd, b"", deadline)
}

/// `build.sh ARGS...` with nothing on PATH but `dirname` and `cat`: were it to run the host
/// set-up, rustup, apt or docker before it looks at its arguments, it would fail with "command not
/// found" (127).
fn build_sh_without_tools(args: &[&str]) -> Output {
    let bin = Tree::new("build-sh-path");
    for tool in ["dirname", "cat"] {
        std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), bin.at(tool)).unwrap();
    }
    let mut cmd = Command::new("/bin/bash");
    cmd.current_dir(workspace_root())
        .env("PATH", bin.path())
        .arg("docker/build.sh")
        .args(args);
    process::run(&mut cmd, b"", Duration::from_secs(10))
}

/// An unknown platform fails at once (exit 2), naming the supported ones, even after a good one.
#[test]
fn unknown_platform_fails_before_any_build() {
    for list in ["linux/s390x", "linux/amd64,linux/s390x"] {
        let out = build_sh_without_tools(&["--platform", list, "--push", "127.0.0.1:1"]);
        let err = out.stderr_str();
        assert_eq!(out.status.code(), Some(2), "{list}: {err}");
        assert_eq!(out.stdout_str(), "", "{list}: something ran");
        assert!(err.contains("'linux/s390x'"), "{err}");
        assert!(
            err.contains("supported are linux/amd64 linux/arm64 linux/386"),
            "{err}"
        );
        assert!(!err.contains("not found"), "{err}");
    }
}

/// Unknown flags and flags without their value are usage errors (exit 2) that show the usage;
/// `--help` shows it on stdout.
#[test]
fn bad_arguments_are_usage_errors() {
    for (args, says) in [
        (&["--frobnicate"][..], "unknown argument '--frobnicate'"),
        (&["linux/arm64"], "unknown argument 'linux/arm64'"),
        (&["--platform"], "--platform needs a value"),
        (&["--platform="], "--platform needs a value"),
        (
            &["--push", "--platform", "linux/arm64"],
            "--push needs a value",
        ),
        (
            &["--platform", "linux/arm64", "--push"],
            "--push needs a value",
        ),
    ] {
        let out = build_sh_without_tools(args);
        let err = out.stderr_str();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(out.stdout_str(), "", "{args:?}: something ran");
        assert!(err.starts_with(&format!("build.sh: {says}\n")), "{err}");
        assert!(err.contains("usage: bash docker/build.sh"), "{err}");
    }
    let help = build_sh_without_tools(&["--help"]);
    assert!(help.status.success(), "{}", help.stderr_str());
    assert!(
        help.stdout_str()
            .starts_with("usage: bash docker/build.sh [--platform")
    );
    assert!(help.stdout_str().contains("--push REGISTRY"));
}

/// The platforms an image index lists, as `os/arch[/variant]`, sorted, from the JSON of
/// `docker manifest inspect`.
fn index_platforms(json: &str) -> Vec<String> {
    let mut platforms: Vec<String> = json
        .split("\"platform\"")
        .skip(1)
        .map(|rest| {
            let object = &rest[..rest.find('}').expect("a platform object")];
            ["os", "architecture", "variant"]
                .iter()
                .filter_map(|key| json_string(object, key))
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    platforms.sort();
    platforms
}

/// The string value of `"key"` in a flat JSON object's text.
fn json_string<'a>(object: &'a str, key: &str) -> Option<&'a str> {
    let after = &object[object.find(&format!("\"{key}\""))? + key.len() + 2..];
    let value = after.trim_start().strip_prefix(':')?.trim_start();
    let value = value.strip_prefix('"')?;
    Some(&value[..value.find('"')?])
}

/// `docker manifest inspect --insecure REF`: the index as the registry serves it.
fn inspect_index(reference: &str) -> String {
    docker_ok(&["manifest", "inspect", "--insecure", reference]).stdout_str()
}

/// Forgets any local copy of `reference`, so the next `docker run` pulls it through the index.
fn forget(reference: &str) {
    let _ = docker_output(&["rmi", reference], b"");
    let left = docker_output(&["image", "inspect", reference], b"");
    assert!(!left.status.success(), "{reference} is still here");
}

/// `os/arch` of a local image.
fn os_arch(reference: &str) -> String {
    image_inspect(reference, "{{.Os}}/{{.Architecture}}")
}

/// The whole flow: build and push three platforms to a local registry, check the indexes, and
/// run what `docker run --platform` pulls from them.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn build_push_and_run_every_platform() {
    let registry = Registry::start();
    let host = registry.host.as_str();

    let start = Instant::now();
    let platforms = PLATFORMS.join(",");
    let out = build_sh(&["--platform", &platforms, "--push", host], BUILD_DEADLINE);
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "build.sh failed ({}): {}{}\nregistry: {}",
        out.status,
        out.stdout_str(),
        out.stderr_str(),
        registry.log()
    );
    println!("build.sh took {took:.1?}:\n{}", out.stdout_str());

    let mut want_platforms = PLATFORMS.map(String::from).to_vec();
    want_platforms.sort();
    let mut want_tags = vec!["latest".to_owned(), VERSION.to_owned()];
    want_tags.extend(PLATFORMS.map(|platform| format!("{VERSION}-{}", platform_suffix(platform))));
    want_tags.sort();
    for name in IMAGES {
        // Per platform, a local build NAME:ARCH and a pushed VERSION-ARCH; then the two indexes.
        for platform in PLATFORMS {
            assert_eq!(
                os_arch(&format!("{name}:{}", platform_suffix(platform))),
                platform
            );
        }
        let tags = get(registry.addr, &format!("/v2/{name}/tags/list")).text();
        let mut listed: Vec<&str> = tags
            .split_once("\"tags\":[")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map_or("", |(list, _)| list)
            .split(',')
            .map(|tag| tag.trim_matches('"'))
            .collect();
        listed.sort();
        assert_eq!(listed, want_tags, "{name}: {tags}");

        let index = inspect_index(&format!("{host}/{name}:{VERSION}"));
        println!("{host}/{name}:{VERSION}:\n{index}");
        assert!(
            index.contains(
                r#""mediaType": "application/vnd.docker.distribution.manifest.list.v2+json""#
            ),
            "{index}"
        );
        assert_eq!(index_platforms(&index), want_platforms, "{index}");
        assert_eq!(
            inspect_index(&format!("{host}/{name}:latest")),
            index,
            "{name}:latest is not {name}:{VERSION}"
        );
    }

    let alpine2 = format!("{host}/alpine2:{VERSION}");
    for platform in PLATFORMS {
        forget(&alpine2);
        let run = docker_output(
            &["run", "--rm", "-i", "--platform", platform, &alpine2],
            b"Ana\n",
        );
        assert!(run.status.success(), "{platform}: {run:?}");
        assert_eq!(run.stdout_str(), DIALOGUE, "{platform}");
        assert_eq!(os_arch(&alpine2), platform, "the pulled image");
    }
    forget(&alpine2);

    let alpine_web = format!("{host}/alpine_web:latest");
    forget(&alpine_web);
    let container = Container::run_published(&alpine_web, &["--platform", "linux/arm64"], &[]);
    assert_eq!(os_arch(&alpine_web), "linux/arm64", "the pulled image");
    let listing = get_when_up(container.published_8000(), "/");
    assert_eq!(listing.status, 200);
    assert!(
        listing
            .text()
            .contains("<title>Directory listing for /</title>"),
        "{}",
        listing.text()
    );
}
