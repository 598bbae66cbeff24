//! The README's builds on every builder a learner has, each making the three images from the real
//! Dockerfiles, which are then run as the tutorials run them: the dialogue, the listing and the
//! cow page. BuildKit builds every image the other Docker tests use (`e2e::docker`), and the
//! README test types its blocks on the PATH's `docker` (a CLI without buildx here, so the legacy
//! builder); this file adds Debian's own client with its legacy builder (`docker.io` 20.10
//! without `DOCKER_BUILDKIT`, as Debian and Ubuntu users run it) and Podman.
//!
//! Images get tags of their own (`fromscratch-BUILDER/NAME`), removed at the end, so the other
//! tests' images are never replaced by these.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::builder_image;
use e2e::process::{self, Output};
use std::process::Command;
use std::time::Duration;

const BUILD_DEADLINE: Duration = Duration::from_secs(20 * 60);
const DEADLINE: Duration = Duration::from_secs(60);
/// The tutorials' images and their Dockerfiles.
const IMAGES: [(&str, &str); 3] = [
    ("alpine2", "docker/pyprompt/Dockerfile"),
    ("alpine_web", "docker/dirserve/Dockerfile"),
    ("cowserve", "docker/cowserve/Dockerfile"),
];

/// A container tool with a Docker-like command line: `docker` or `podman`.
struct Builder {
    name: &'static str,
    program: &'static str,
    /// `DOCKER_BUILDKIT`'s value, for Docker's clients.
    buildkit: Option<&'static str>,
}

impl Builder {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.program);
        cmd.current_dir(workspace_root()).args(args);
        if let Some(value) = self.buildkit {
            cmd.env("DOCKER_BUILDKIT", value);
        }
        cmd
    }

    fn run(&self, args: &[&str], input: &[u8], deadline: Duration) -> Output {
        process::run(&mut self.command(args), input, deadline)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args, b"", DEADLINE);
        assert!(
            out.status.success(),
            "{} {args:?}: {}",
            self.program,
            out.stderr_str()
        );
        out
    }

    fn tag(&self, image: &str) -> String {
        format!("fromscratch-{}/{image}", self.name)
    }

    /// `build -t TAG -f DOCKERFILE .` as the README types it, with the builder image.
    fn build(&self, image: &str, dockerfile: &str, builder: &str) -> Output {
        let tag = self.tag(image);
        let arg = format!("RUST_IMAGE={builder}");
        let out = self.run(
            &[
                "build",
                "-t",
                &tag,
                "-f",
                dockerfile,
                "--build-arg",
                &arg,
                ".",
            ],
            b"",
            BUILD_DEADLINE,
        );
        assert!(
            out.status.success(),
            "{}: {} build -t {tag} -f {dockerfile} failed: {}{}",
            self.name,
            self.program,
            out.stdout_str(),
            out.stderr_str()
        );
        out
    }

    /// The response to `GET /` from `image` run detached with its port on loopback.
    fn page(&self, image: &str) -> String {
        let name = format!("fromscratch-{}-{}-{}", self.name, image, std::process::id());
        let tag = self.tag(image);
        self.ok(&["run", "-d", "--name", &name, "-p", "127.0.0.1::8000", &tag]);
        let port = self.ok(&["port", &name, "8000/tcp"]).stdout_str();
        let addr = port
            .lines()
            .next()
            .expect("port 8000 is published")
            .parse()
            .expect("host:port");
        let page = e2e::http::get_when_up(addr, "/").text();
        let _ = self.run(&["rm", "-f", &name], b"", DEADLINE);
        page
    }

    /// Builds the three images, runs each as its tutorial does, and removes them.
    fn builds_the_tutorials(&self, builder: &str) {
        for (image, dockerfile) in IMAGES {
            self.build(image, dockerfile, builder);
        }
        let greeting = self.run(
            &["run", "-i", "--rm", &self.tag("alpine2")],
            b"Ana\n",
            DEADLINE,
        );
        assert_eq!(
            greeting.stdout_str(),
            "Type in your name: \nHello Ana, you've just ran a python script from your own \
             homemade Docker Container!\n",
            "{}: {}",
            self.name,
            greeting.stderr_str()
        );
        let listing = self.page("alpine_web");
        assert!(
            listing.contains("<title>Directory listing for /</title>"),
            "{}: {listing}",
            self.name
        );
        let cow = self.page("cowserve");
        assert!(cow.contains("(oo)\\_______"), "{}: {cow}", self.name);
        for (image, _) in IMAGES {
            let _ = self.run(&["rmi", &self.tag(image)], b"", DEADLINE);
        }
    }
}

/// Debian's `docker` (docker.io 20.10) as its users run it: the legacy builder.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn debians_legacy_builder() {
    let docker = Builder {
        name: "legacy",
        program: "/usr/bin/docker",
        buildkit: Some("0"),
    };
    let version = docker.ok(&["version", "-f", "{{.Client.Version}}"]);
    assert!(version.stdout_str().starts_with("20.10"), "{version:?}");
    let build = docker.build("alpine2", "docker/pyprompt/Dockerfile", &builder_image());
    // The legacy builder's own steps ("Step 1/21"), not BuildKit's ("#1").
    assert!(build.stdout_str().contains("Step 1/"), "{build:?}");
    docker.builds_the_tutorials(&builder_image());
}

/// Podman (Debian's 4.3): `podman build`, then `podman run -i` and `podman run -d -p`, with the
/// stand-in builder copied into Podman's own image store.
#[test]
#[cfg_attr(not(podman_tests), ignore = "no podman (tests/build.rs)")]
fn podman() {
    let podman = Builder {
        name: "podman",
        program: "podman",
        buildkit: None,
    };
    let builder = podman_builder(&podman);
    podman.builds_the_tutorials(&builder);
}

/// The stand-in builder in Podman's store (`localhost/...`), copied from Docker's when Podman's
/// lacks it or holds another version of it.
fn podman_builder(podman: &Builder) -> String {
    let docker_tag = builder_image();
    let label = "{{index .Config.Labels \"fromscratch.builder.version\"}}";
    let want = e2e::docker::image_inspect(&docker_tag, label);
    let have = podman.run(
        &["image", "inspect", "-f", label, &docker_tag],
        b"",
        DEADLINE,
    );
    if !have.status.success() || have.stdout_str().trim() != want {
        let copy = process::run(
            Command::new("sh")
                .arg("-c")
                .arg(format!("docker save {docker_tag} | podman load -q")),
            b"",
            BUILD_DEADLINE,
        );
        assert!(copy.status.success(), "copy to podman: {copy:?}");
    }
    docker_tag
}
