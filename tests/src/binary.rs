//! Locates the workspace's binaries from a test in another package.
//!
//! Cargo only hands `CARGO_BIN_EXE_*` to tests of the binary's own package, so this finds the
//! target directory from the running test executable (`target/<profile>/deps/<test>`) and builds
//! the binary there with the same profile before the first use.
//!
//! With `FROMSCRATCH_BIN_DIR` set (an absolute path: tests run in `tests/`), the binaries are taken
//! from that folder instead and nothing is built: `tests/run.sh` points it at each unpacked release
//! archive (`docker/release.sh`) to run the suites against every platform's binaries, aarch64's
//! under qemu-user.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Returns the path of workspace binary `name`, built for the profile the tests run under, or
/// `$FROMSCRATCH_BIN_DIR/name` when that is set (panics if it is missing there).
pub fn binary(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("FROMSCRATCH_BIN_DIR") {
        let path = PathBuf::from(dir).join(name);
        assert!(
            path.is_file(),
            "FROMSCRATCH_BIN_DIR is set but {} is missing (unset it to build the binary)",
            path.display()
        );
        return path;
    }
    static BUILT: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let profile_dir = profile_dir();
    let path = profile_dir.join(name);
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo.current_dir(workspace_root());
        cargo.args(["build", "--quiet", "--bin", name]);
        cargo.env(
            "CARGO_TARGET_DIR",
            profile_dir.parent().expect("target dir"),
        );
        if profile_dir.ends_with("release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "cargo build --bin {name} failed");
        built.push(name.to_owned());
    }
    path
}

/// `target/<profile>`, the folder holding this test's `deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps")
        .to_path_buf()
}

/// The workspace root, where `docker/` and the Dockerfiles' build context live.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}
