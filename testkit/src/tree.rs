//! Temporary directory trees, removed with everything in them when dropped.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory under the system temp dir. Names are raw bytes (`impl AsRef<[u8]>`), so a
/// test can make names that are not UTF-8.
pub struct Tree {
    root: PathBuf,
}

impl Tree {
    /// A new, empty tree; `tag` names it, for whoever finds one left by a killed test.
    pub fn new(tag: &str) -> Tree {
        Tree::under(&std::env::temp_dir(), tag)
    }

    /// [`Tree::new`] in memory (`/dev/shm`, where it is there), for trees of hundreds of
    /// thousands of files: on this project's machine a disk makes 100,000 files in 38 s,
    /// tmpfs in 1.3 s.
    pub fn in_memory(tag: &str) -> Tree {
        let shm = Path::new("/dev/shm");
        match shm.is_dir() {
            true => Tree::under(shm, tag),
            false => Tree::new(tag),
        }
    }

    fn under(base: &Path, tag: &str) -> Tree {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = base.join(format!("fromscratch-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).expect("create temp tree");
        // Canonical, so paths a server reports (through /proc) compare equal to ours.
        let root = fs::canonicalize(&root).expect("canonicalize temp tree");
        Tree { root }
    }

    /// The tree's own directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The tree's directory as text, for command lines.
    pub fn path_str(&self) -> &str {
        self.root.to_str().expect("temp paths are UTF-8")
    }

    /// The path of `rel` inside the tree.
    pub fn at(&self, rel: impl AsRef<[u8]>) -> PathBuf {
        self.root.join(OsStr::from_bytes(rel.as_ref()))
    }

    /// Writes a file, creating its parent directories.
    pub fn file(&self, rel: impl AsRef<[u8]>, contents: impl AsRef<[u8]>) -> &Tree {
        let path = self.at(rel);
        fs::create_dir_all(path.parent().expect("inside the tree")).expect("create parent");
        fs::write(path, contents).expect("write file");
        self
    }

    /// Makes a directory and its parents.
    pub fn dir(&self, rel: impl AsRef<[u8]>) -> &Tree {
        fs::create_dir_all(self.at(rel)).expect("create dir");
        self
    }

    /// A symbolic link at `rel` to `target`, taken as written (relative or absolute).
    pub fn symlink(&self, target: impl AsRef<[u8]>, rel: impl AsRef<[u8]>) -> &Tree {
        std::os::unix::fs::symlink(OsStr::from_bytes(target.as_ref()), self.at(rel))
            .expect("create symlink");
        self
    }

    /// A named pipe at `rel` (opening it for reading blocks until a writer comes).
    pub fn fifo(&self, rel: impl AsRef<[u8]>) -> &Tree {
        mkfifo(&self.at(rel));
        self
    }
}

/// A named pipe at `path`, mode 0644.
pub fn mkfifo(path: &Path) {
    use rustix::fs::{CWD, FileType, Mode, mknodat};
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o644), 0)
        .unwrap_or_else(|e| panic!("mkfifo {}: {e}", path.display()));
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}
