//! Temporary directory trees for the servers to serve, removed when dropped.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir.
pub struct Tree {
    root: PathBuf,
}

impl Tree {
    pub fn new(tag: &str) -> Tree {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("fromscratch-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create fixture root");
        Tree { root }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn path_str(&self) -> &str {
        self.root.to_str().expect("temp paths are UTF-8")
    }

    /// The path of `rel` (raw bytes, may be non-UTF-8) inside the tree.
    pub fn at(&self, rel: impl AsRef<[u8]>) -> PathBuf {
        self.root.join(OsStr::from_bytes(rel.as_ref()))
    }

    /// Writes a file, creating parent directories.
    pub fn file(&self, rel: impl AsRef<[u8]>, contents: impl AsRef<[u8]>) -> &Tree {
        let path = self.at(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn dir(&self, rel: impl AsRef<[u8]>) -> &Tree {
        std::fs::create_dir_all(self.at(rel)).unwrap();
        self
    }

    /// A symbolic link at `rel` pointing to `target` (taken as written).
    pub fn symlink(&self, target: impl AsRef<Path>, rel: impl AsRef<[u8]>) -> &Tree {
        std::os::unix::fs::symlink(target, self.at(rel)).unwrap();
        self
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
