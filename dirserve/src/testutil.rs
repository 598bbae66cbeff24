//! Throwaway directory trees for the unit tests (no tempfile crate needed).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed with everything in it on drop.
pub struct TempTree {
    path: PathBuf,
}

impl TempTree {
    pub fn new(tag: &str) -> TempTree {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("dirserve-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create temp tree");
        TempTree {
            path: fs::canonicalize(&path).expect("canonicalize temp tree"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The absolute path of a relative name given as raw bytes (may be non-UTF-8).
    pub fn at(&self, rel: impl AsRef<[u8]>) -> PathBuf {
        self.path.join(OsStr::from_bytes(rel.as_ref()))
    }

    pub fn file(&self, rel: impl AsRef<[u8]>, contents: &[u8]) -> &Self {
        let p = self.at(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("create parent");
        }
        fs::write(&p, contents).expect("write file");
        self
    }

    pub fn dir(&self, rel: impl AsRef<[u8]>) -> &Self {
        fs::create_dir_all(self.at(rel)).expect("create dir");
        self
    }

    pub fn symlink(&self, target: impl AsRef<[u8]>, rel: impl AsRef<[u8]>) -> &Self {
        std::os::unix::fs::symlink(OsStr::from_bytes(target.as_ref()), self.at(rel))
            .expect("create symlink");
        self
    }

    pub fn fifo(&self, rel: impl AsRef<[u8]>) -> &Self {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            self.at(rel),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .expect("mkfifo");
        self
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A small deterministic random generator (xorshift64*), so property tests repeat exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `python3`, in UTF-8 mode, after checking it is CPython 3.11: the version whose pages, types and
/// order dirserve reproduces. The tests comparing with it are ignored in a bare `cargo test`;
/// tests/run.sh runs them, so a missing or different python3 fails them there.
pub fn cpython311() -> std::process::Command {
    let version = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, platform; print(platform.python_implementation(), sys.version)",
        ])
        .output()
        .expect("python3 (CPython 3.11) is needed to compare with");
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.starts_with("CPython 3.11."),
        "these tests compare with CPython 3.11; python3 is {version}"
    );
    let mut python = std::process::Command::new("python3");
    python.env("PYTHONUTF8", "1");
    python
}
