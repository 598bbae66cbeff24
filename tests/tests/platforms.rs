//! Every platform: the platform-to-target mapping for every pair of build and target platform
//! (the Apple Silicon path included, which cannot build here), and the three images built for
//! linux/arm64 and linux/386 from their real Dockerfiles, run under emulation, answering as the
//! amd64 images do.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::{
    Container, assert_minimal_image, build_image, build_image_for, docker, docker_ok,
    docker_output, image_file, image_inspect, platform_suffix,
};
use e2e::elf::{Machine, static_executable};
use e2e::http::{Response, get_when_up, request};
use e2e::process::{self, Output};
use e2e::pty::{Pty, contains};
use std::process::Command;
use std::time::Duration;
use testkit::Tree;

/// Every platform the Dockerfiles take, and its Rust target: the tested ones, then those only
/// mapped. Written out here, apart from docker/rust-target.sh, as the expectation it must meet.
const PLATFORMS: [(&str, &str); 8] = [
    ("linux/amd64", "x86_64-unknown-linux-musl"),
    ("linux/arm64", "aarch64-unknown-linux-musl"),
    ("linux/arm64/v8", "aarch64-unknown-linux-musl"),
    ("linux/386", "i686-unknown-linux-musl"),
    ("linux/arm/v7", "armv7-unknown-linux-musleabihf"),
    ("linux/arm/v6", "arm-unknown-linux-musleabihf"),
    ("linux/riscv64", "riscv64gc-unknown-linux-musl"),
    ("linux/ppc64le", "powerpc64le-unknown-linux-musl"),
];
const TESTED: [&str; 3] = ["linux/amd64", "linux/arm64", "linux/386"];
const UNKNOWN: [&str; 6] = [
    "linux/s390x",
    "linux/arm/v5",
    "linux/mips64le",
    "windows/amd64",
    "darwin/arm64",
    "linux/amd64/v3",
];
/// Machines that build images: an amd64 PC or CI, an Apple Silicon Mac or arm64 cloud machine, a
/// Raspberry Pi.
const BUILD_PLATFORMS: [&str; 4] = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386"];

/// A sandbox in which docker/build-binary.sh runs as in a build stage, with stand-ins for
/// `cargo`, `rustup` and `rustc` that log what they were asked (and the linker cargo was given)
/// instead of building.
struct BuildStage {
    tree: Tree,
}

impl BuildStage {
    /// `with_rustup`: the official image (rustup fetches targets); else the stand-in builder,
    /// whose stable toolchain carries the standard library of `sysroot_targets` only.
    fn new(with_rustup: bool, sysroot_targets: &[&str]) -> BuildStage {
        let tree = Tree::new("build-stage");
        tree.dir("context/docker").dir("bin").dir("out");
        for script in ["build-binary.sh", "rust-target.sh"] {
            std::fs::copy(
                workspace_root().join("docker").join(script),
                tree.at(format!("context/docker/{script}")),
            )
            .unwrap();
        }
        for target in sysroot_targets {
            tree.dir(format!("sysroot/lib/rustlib/{target}"));
        }
        let log = tree.at("log");
        let log = log.to_str().unwrap();
        let sysroot = tree.at("sysroot");
        let sysroot = sysroot.to_str().unwrap();
        // cargo also leaves a binary where the real one would, for the script to copy.
        let cargo = format!(
            r#"#!/bin/sh
echo "cargo $* [$(env | grep '^CARGO_TARGET_.*_LINKER=' | sort | tr '\n' ' ')]" >>{log}
while [ $# -gt 0 ]; do
  case $1 in --target) target=$2 ;; -p) program=$2 ;; esac
  shift
done
mkdir -p "target/$target/release" && echo "$program for $target" >"target/$target/release/$program"
"#
        );
        tree.file("bin/cargo", cargo);
        tree.file("bin/rustc", format!("#!/bin/sh\necho {sysroot}\n"));
        if with_rustup {
            tree.file(
                "bin/rustup",
                format!("#!/bin/sh\necho \"rustup $*\" >>{log}\n"),
            );
        }
        for tool in ["cargo", "rustc", "rustup"] {
            let _ = std::fs::set_permissions(
                tree.at(format!("bin/{tool}")),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            );
        }
        BuildStage { tree }
    }

    /// Runs `sh docker/build-binary.sh pyprompt FLAVOUR` as BuildKit would for `target` on
    /// `build` (None: the legacy builder, which passes no platform); returns its output and
    /// what the tools were asked, and clears both for the next run.
    fn run(&self, flavour: &str, build: &str, target: Option<&str>) -> (Output, String) {
        let out = self.tree.at("out");
        self.run_args(&["pyprompt", flavour, out.to_str().unwrap()], build, target)
    }

    /// `sh docker/build-binary.sh ARGS...`, as [`BuildStage::run`].
    fn run_args(&self, args: &[&str], build: &str, target: Option<&str>) -> (Output, String) {
        let bin = self.tree.at("bin");
        let mut cmd = Command::new("sh");
        cmd.current_dir(self.tree.at("context"))
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("BUILDPLATFORM", build)
            .arg("docker/build-binary.sh")
            .args(args);
        if let Some(target) = target {
            cmd.env("TARGETPLATFORM", target);
        }
        let out = process::run(&mut cmd, b"", Duration::from_secs(30));
        let log = std::fs::read_to_string(self.tree.at("log")).unwrap_or_default();
        let _ = std::fs::remove_file(self.tree.at("log"));
        (out, log)
    }

    fn output(&self) -> Option<String> {
        std::fs::read_to_string(self.tree.at("out/pyprompt")).ok()
    }
}

fn linker_var(triple: &str) -> String {
    format!(
        "CARGO_TARGET_{}_LINKER=rust-lld",
        triple.to_uppercase().replace('-', "_")
    )
}

/// A stable build with the official image: the target added, one locked release build of
/// pyprompt for `triple` linked by rust-lld, and its binary left where the image takes it.
fn assert_built_stable(stage: &BuildStage, out: &Output, log: &str, triple: &str, what: &str) {
    assert!(out.status.success(), "{what}: {out:?}");
    assert_eq!(
        log,
        format!(
            "rustup target add {triple}\n\
             cargo build --release --locked --target {triple} -p pyprompt [{} ]\n",
            linker_var(triple)
        ),
        "{what}"
    );
    assert_eq!(
        stage.output().as_deref(),
        Some(format!("pyprompt for {triple}\n").as_str()),
        "{what}"
    );
}

/// With the official image (rustup), every build platform builds every known target platform
/// the same way: the target's standard library is added, and cargo cross-compiles (or builds
/// natively: the same command) linking with rust-lld. So `docker build` on an Apple Silicon Mac
/// (build and target linux/arm64) builds aarch64, and a linux/amd64 image built there is the
/// same build as on an amd64 machine.
#[test]
fn every_build_platform_builds_every_target_platform() {
    let stage = BuildStage::new(true, &[]);
    for build in BUILD_PLATFORMS {
        for (target, triple) in PLATFORMS {
            let (out, log) = stage.run("stable", build, Some(target));
            assert_built_stable(&stage, &out, &log, triple, &format!("{build} -> {target}"));
        }
    }
}

/// The min flavour fetches a nightly with rust-src and the target, and rebuilds std for it (for
/// size), without the program's default features.
#[test]
fn min_flavour_builds_std_for_the_target() {
    let stage = BuildStage::new(true, &[]);
    for build in BUILD_PLATFORMS {
        for (target, triple) in PLATFORMS {
            let (out, log) = stage.run("min", build, Some(target));
            assert!(out.status.success(), "{build} -> {target}: {out:?}");
            assert_eq!(
                log,
                format!(
                    "rustup toolchain install nightly --profile minimal --component rust-src \
                     --target {triple}\n\
                     cargo +nightly build --release --locked --target {triple} -p pyprompt \
                     --no-default-features -Z build-std=std,panic_abort \
                     -Z build-std-features=optimize_for_size [{} ]\n",
                    linker_var(triple)
                ),
                "{build} -> {target}"
            );
        }
    }
}

/// An unknown platform fails at once, naming the supported ones, before anything is built;
/// so does an unknown flavour.
#[test]
fn unknown_platforms_fail_naming_the_supported_ones() {
    let stage = BuildStage::new(true, &[]);
    for build in BUILD_PLATFORMS {
        for target in UNKNOWN {
            let (out, log) = stage.run("stable", build, Some(target));
            assert_eq!(out.status.code(), Some(2), "{build} -> {target}: {out:?}");
            let err = out.stderr_str();
            assert!(
                err.contains(&format!("no Rust target for platform '{target}'"))
                    && err.contains("supported are linux/amd64 linux/arm64 linux/386")
                    && err.contains("linux/arm/v7 linux/arm/v6 linux/riscv64 linux/ppc64le"),
                "{err}"
            );
            assert_eq!(log, "", "{build} -> {target}: nothing may run");
        }
    }
    let (out, _) = stage.run("tiny", "linux/amd64", Some("linux/amd64"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr_str()
            .contains("FLAVOUR is stable or min, not 'tiny'")
    );
    assert_eq!(stage.output(), None, "nothing was built");
}

/// The legacy builder passes no platform: the build stage runs on the engine's own machine, and
/// the binary is for that machine (this one's, in the sandbox).
#[test]
fn without_a_target_platform_the_build_is_for_this_machine() {
    let (_, triple) = PLATFORMS
        .iter()
        .find(|(_, triple)| triple.starts_with(std::env::consts::ARCH))
        .expect("this machine's platform is mapped");
    let stage = BuildStage::new(true, &[]);
    let (out, log) = stage.run("stable", "linux", None);
    assert_built_stable(&stage, &out, &log, triple, "no target platform");
}

/// `--deps` builds each program's dependencies with the very command its own build then runs
/// (so every compiled dependency is reused), and leaves no binary.
#[test]
fn deps_builds_every_program_as_its_image_does() {
    let stage = BuildStage::new(true, &[]);
    for flavour in ["stable", "min"] {
        let (out, deps) = stage.run_args(&["--deps", flavour], "linux/amd64", Some("linux/arm64"));
        assert!(out.status.success(), "{flavour}: {out:?}");
        assert_eq!(stage.output(), None, "{flavour}: no binary");
        let builds: Vec<&str> = deps.lines().filter(|l| l.starts_with("cargo")).collect();
        assert_eq!(builds.len(), 3, "{deps}");
        for program in ["pyprompt", "dirserve", "cowserve"] {
            let (_, single) = stage.run_args(
                &[program, flavour, stage.tree.at("out").to_str().unwrap()],
                "linux/amd64",
                Some("linux/arm64"),
            );
            let build = single.lines().find(|l| l.starts_with("cargo")).unwrap();
            assert!(builds.contains(&build), "{flavour}: {build} not in {deps}");
            let _ = std::fs::remove_file(stage.tree.at(format!("out/{program}")));
        }
    }
}

/// The stand-in builder has no rustup: it builds the targets its toolchain carries and names
/// the one it lacks.
#[test]
fn a_builder_without_rustup_builds_what_it_carries() {
    let carried: Vec<&str> = PLATFORMS
        .iter()
        .filter(|(platform, _)| TESTED.contains(platform))
        .map(|(_, triple)| *triple)
        .collect();
    let stage = BuildStage::new(false, &carried);
    for (target, triple) in PLATFORMS {
        let (out, log) = stage.run("stable", "linux/amd64", Some(target));
        if carried.contains(&triple) {
            assert!(out.status.success(), "{target}: {out:?}");
            assert!(
                log.starts_with(&format!(
                    "cargo build --release --locked --target {triple} "
                )),
                "{log}"
            );
        } else {
            assert_eq!(out.status.code(), Some(2), "{target}: {out:?}");
            assert!(
                out.stderr_str().contains(&format!(
                    "this builder has no Rust standard library for {triple}"
                )),
                "{out:?}"
            );
            assert_eq!(log, "");
        }
    }
}

/// The tested platforms the mapping script lists are the ones this file tests.
#[test]
fn the_script_lists_the_tested_platforms() {
    let out = process::run(
        Command::new("sh")
            .current_dir(workspace_root())
            .args(["-c", ". docker/rust-target.sh && echo $TESTED_PLATFORMS"]),
        b"",
        Duration::from_secs(10),
    );
    assert_eq!(out.stdout_str().trim(), TESTED.join(" "));
}

// --- The images, built for each platform and run under emulation -----------------------------

const EXPECTED_DIALOGUE: &str = "Type in your name: \nHello Ana, you've just ran a python script from your own homemade Docker Container!\n";

/// (program, the tutorial's tag, layers of its image).
const PROGRAMS: [(&str, &str, usize); 3] = [
    ("pyprompt", "alpine2", 1),
    ("dirserve", "alpine_web", 2),
    ("cowserve", "cowserve", 1),
];

/// The image of `program` for `platform`, built from its Dockerfile with `--platform`, tagged
/// `TAG:ARCH` (`alpine_web:arm64`).
fn platform_image(program: &str, platform: &str) -> String {
    let (_, tag, _) = PROGRAMS.iter().find(|(p, ..)| *p == program).unwrap();
    let image = format!("{tag}:{}", platform_suffix(platform));
    build_image_for(
        &image,
        &format!("docker/{program}/Dockerfile"),
        platform,
        &[],
    );
    image
}

/// The same program's image for this machine's own platform, as the tutorial builds it.
fn native_image(program: &str) -> &'static str {
    let (_, tag, _) = PROGRAMS.iter().find(|(p, ..)| *p == program).unwrap();
    build_image(tag, &format!("docker/{program}/Dockerfile"));
    tag
}

/// Each image says it is for the platform, is as minimal as every image, and holds a static
/// binary for that machine.
fn images_hold_static_binaries_for(platform: &str) {
    let machine = Machine::of_platform(platform).unwrap();
    for (program, _, layers) in PROGRAMS {
        let image = platform_image(program, platform);
        assert_eq!(
            image_inspect(&image, "{{.Os}}/{{.Architecture}}"),
            platform,
            "{image}"
        );
        assert_minimal_image(&image, layers);
        let binary = image_file(&image, Some(platform), &format!("/{program}"));
        assert_eq!(static_executable(&binary), Ok(machine), "{image}");
    }
}

/// `echo Ana | docker run -i --rm alpine2`, byte for byte.
fn alpine2_piped(platform: &str) {
    let image = platform_image("pyprompt", platform);
    let out = docker_output(
        &["run", "-i", "--rm", "--platform", platform, &image],
        b"Ana\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout_str(), EXPECTED_DIALOGUE);
}

/// `docker run -it --rm alpine2` at a terminal.
fn alpine2_at_a_terminal(platform: &str) {
    let image = platform_image("pyprompt", platform);
    let mut cmd = docker();
    cmd.args(["run", "-it", "--rm", "--platform", platform, &image]);
    let mut pty = Pty::spawn(cmd);
    let deadline = Duration::from_secs(60);
    pty.read_until(b"Type in your name: \r\n", deadline);
    pty.type_keys(b"Ana\r");
    let (status, screen) = pty.wait(deadline);
    let screen_text = String::from_utf8_lossy(&screen);
    assert!(status.success(), "{status}: {screen_text:?}");
    assert!(
        contains(
            &screen,
            b"Hello Ana, you've just ran a python script from your own homemade Docker Container!\r\n"
        ),
        "{screen_text:?}"
    );
}

/// Everything of a response but its `Date`, for comparing two servers' answers.
fn comparable(response: &Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let headers = response
        .headers
        .iter()
        .filter(|(name, _)| name != "date")
        .cloned()
        .collect();
    (response.status, headers, response.body.clone())
}

/// Both containers' answers to the same requests, side by side.
fn same_answers(native: &Container, other: &Container, requests: &[&str]) {
    let (native, other) = (native.published_8000(), other.published_8000());
    get_when_up(native, "/");
    get_when_up(other, "/");
    for raw in requests {
        assert_eq!(
            comparable(&request(other, raw)),
            comparable(&request(native, raw)),
            "{raw:?}"
        );
    }
}

fn get_request(path: &str, accept: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\nAccept: {accept}\r\nConnection: close\r\n\r\n")
}

/// `alpine_web` serving the same mounted tree answers the listing, files, redirects and errors
/// with the same bytes as the amd64 image.
fn alpine_web_answers_as_amd64(platform: &str) {
    let tree = Tree::new("platform-web");
    tree.file("index.txt", "plain\n")
        .file("page.html", "<p>Moo</p>\n")
        .file("with space.txt", "spaced\n")
        .dir("sub")
        .file("sub/data.json", "{\"a\": 1}\n");
    let mount = format!("{}:/src:ro", tree.path_str());
    let native = Container::run_published(native_image("dirserve"), &["-v", &mount], &[]);
    let image = platform_image("dirserve", platform);
    let other = Container::run_published(&image, &["--platform", platform, "-v", &mount], &[]);
    let requests: Vec<String> = [
        ("/", "*/*"),
        ("/", "application/json"),
        ("/index.txt", "*/*"),
        ("/page.html", "*/*"),
        ("/with%20space.txt", "*/*"),
        ("/sub", "*/*"),
        ("/sub/", "*/*"),
        ("/sub/data.json", "*/*"),
        ("/missing", "*/*"),
        ("/%2e%2e/etc/passwd", "*/*"),
    ]
    .iter()
    .map(|(path, accept)| get_request(path, accept))
    .collect();
    let ranged =
        "GET /index.txt HTTP/1.1\r\nHost: test\r\nRange: bytes=1-3\r\nConnection: close\r\n\r\n";
    let mut all: Vec<&str> = requests.iter().map(String::as_str).collect();
    all.push(ranged);
    same_answers(&native, &other, &all);
}

/// The fortunes built into cowserve, each as `/fortune` sends it.
fn built_in_fortunes() -> Vec<String> {
    let dir = workspace_root().join("cowserve/fortunes");
    let mut fortunes = Vec::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let mut fortune = String::new();
        for line in text.lines() {
            if line == "%" {
                fortunes.push(std::mem::take(&mut fortune));
            } else {
                fortune.push_str(line);
                fortune.push('\n');
            }
        }
        if !fortune.is_empty() {
            fortunes.push(fortune);
        }
    }
    fortunes
}

/// cowserve's page, text and JSON for a given message, its cows, a fortune, and `docker exec
/// ... /cowserve cowsay` match the amd64 image.
fn cowserve_answers_as_amd64(platform: &str) {
    let native = Container::run_published(native_image("cowserve"), &[], &[]);
    let image = platform_image("cowserve", platform);
    let other = Container::run_published(&image, &["--platform", platform], &[]);
    let requests: Vec<String> = [
        ("/?message=Moo", "*/*"),
        ("/?message=Moo", "text/html"),
        ("/?message=Moo&cow=whale&think=1&width=20", "*/*"),
        ("/?message=Moo", "application/json"),
        ("/cows", "*/*"),
        ("/?cow=../etc/passwd", "*/*"),
    ]
    .iter()
    .map(|(path, accept)| get_request(path, accept))
    .collect();
    let requests: Vec<&str> = requests.iter().map(String::as_str).collect();
    same_answers(&native, &other, &requests);

    let fortunes = built_in_fortunes();
    for _ in 0..5 {
        let fortune = request(other.published_8000(), &get_request("/fortune", "*/*"));
        assert_eq!(fortune.status, 200);
        assert!(
            fortunes.contains(&fortune.text()),
            "not a built-in fortune: {:?}",
            fortune.text()
        );
    }

    let say = |container: &Container| {
        docker_ok(&[
            "exec",
            &container.name,
            "/cowserve",
            "cowsay",
            "-f",
            "ferris",
            "-W",
            "12",
            "Hello from every platform",
        ])
        .stdout
    };
    let said = say(&other);
    assert_eq!(said, say(&native));
    assert!(
        said.starts_with(b" ____________\n/ Hello from \\\n"),
        "{}",
        String::from_utf8_lossy(&said)
    );
}

/// One module of image tests per emulated platform, so the runner names them `arm64::...`.
macro_rules! platform_tests {
    ($module:ident, $platform:literal) => {
        mod $module {
            use super::*;

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn images_hold_static_binaries() {
                images_hold_static_binaries_for($platform);
            }

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn alpine2_piped() {
                super::alpine2_piped($platform);
            }

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn alpine2_at_a_terminal() {
                super::alpine2_at_a_terminal($platform);
            }

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn alpine_web_answers_as_amd64() {
                super::alpine_web_answers_as_amd64($platform);
            }

            #[test]
            #[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
            fn cowserve_answers_as_amd64() {
                super::cowserve_answers_as_amd64($platform);
            }
        }
    };
}

platform_tests!(arm64, "linux/arm64");
platform_tests!(i386, "linux/386");

/// The native image (what `docker build` makes without `--platform`) is this machine's.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn without_platform_the_image_is_the_engines_own() {
    let engine = docker_ok(&["version", "-f", "{{.Server.Os}}/{{.Server.Arch}}"]);
    let image = native_image("pyprompt");
    assert_eq!(
        image_inspect(image, "{{.Os}}/{{.Architecture}}"),
        engine.stdout_str().trim()
    );
}
