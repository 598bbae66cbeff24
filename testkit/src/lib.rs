//! What the tests of every crate share, with no build script and nothing to install: temporary
//! trees ([`Tree`]), the property runner ([`property::check`]), a seeded generator ([`Rng`]), a
//! thread without root's
//! read-anything capabilities ([`as_any_user`]) and CPython 3.11 as an oracle ([`cpython311`]).
//! The product crates take it as a dev-dependency; the end-to-end suite (`tests/`) builds on it.

pub mod property;
mod rng;
mod tree;

pub use rng::Rng;
pub use tree::{Tree, mkfifo};

/// Runs `f` on a thread without the capabilities that let root read and search anything, so
/// permissions are checked as for any user (CI runs as root). Linux keeps capabilities per
/// thread: the rest of the test binary keeps its own.
pub fn as_any_user(f: impl FnOnce() + Send + 'static) {
    use rustix::thread::{CapabilitySet, capabilities, set_capabilities};
    let outcome = std::thread::spawn(move || {
        let mut caps = capabilities(None).expect("capget");
        caps.effective -= CapabilitySet::DAC_OVERRIDE | CapabilitySet::DAC_READ_SEARCH;
        set_capabilities(None, caps).expect("capset");
        f();
    })
    .join();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Panics, naming what it found, unless `python3` is CPython 3.11: the version whose pages,
/// types, order and headers dirserve reproduces.
pub fn assert_cpython311() {
    static FOUND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let version = "import sys, platform; print(platform.python_implementation(), sys.version)";
        match std::process::Command::new("python3")
            .args(["-c", version])
            .output()
        {
            Ok(out) if out.status.success() => {
                String::from_utf8_lossy(&out.stdout).trim().to_owned()
            }
            Ok(out) => format!("failing: {}", String::from_utf8_lossy(&out.stderr)),
            Err(e) => format!("not runnable: {e}"),
        }
    });
    assert!(
        found.starts_with("CPython 3.11."),
        "these tests compare with CPython 3.11; python3 is {found}"
    );
}

/// `python3` in UTF-8 mode, after [`assert_cpython311`].
pub fn cpython311() -> std::process::Command {
    assert_cpython311();
    let mut python = std::process::Command::new("python3");
    python.env("PYTHONUTF8", "1");
    python
}
