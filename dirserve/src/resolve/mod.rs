//! The one path resolver every filesystem access of dirserve goes through.
//!
//! [`ServedRoot::resolve`] takes the path of a request target exactly as it arrived and returns
//! an opened file or directory that is guaranteed to be under the served directory, or a
//! [`ResolveError`] that says which status to answer and why. Decoding rules live in
//! [`decode`], the kernel side in `open`, the list of refused kernel filesystems in
//! `pseudo_fs`.
//!
//! What is served: regular files and directories under the root, reached directly or through
//! relative symlinks that stay under the root. What is refused, and how it differs from CPython:
//! - A symlink whose target leaves the root: 403 (CPython serves it: `ln -s / leak` would expose
//!   the whole machine). Absolute symlinks are refused even when they point inside the root,
//!   because `RESOLVE_BENEATH` refuses every absolute symlink (see `open`); make them relative.
//! - FIFOs, sockets and devices: 403, found out without opening them (CPython opens them and a
//!   FIFO hangs its thread forever).
//! - Anything on `/proc`, `/sys` and other kernel pseudo filesystems: 403, so `dirserve /` in a
//!   container cannot leak `/proc/self/environ`.
//! - `..` in any spelling, and NUL bytes: 400 (CPython folds `a/../b` into `b` and crashes its
//!   handler thread on a NUL).

pub mod decode;
mod open;
mod pseudo_fs;
#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use decode::{RequestPath, decode_request_path};

use crate::meta::FileMeta;

/// The served directory, opened once at startup; everything served is looked up beneath it.
#[derive(Debug)]
pub struct ServedRoot {
    /// The directory itself: lookups are relative to this descriptor, not to a path, so renaming
    /// or replacing the directory's path later does not change what is served.
    dir: OwnedFd,
    /// Its canonical path, for messages and for the fallback that has no `openat2`.
    path: PathBuf,
    strategy: Strategy,
    /// Whether lookups may try the one-step open first (see [`open::beneath_same_filesystem`]):
    /// with `openat2`, and when the root itself is not on a pseudo filesystem.
    same_fs_fast_path: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// `openat2` with `RESOLVE_BENEATH`: atomic, the default.
    Openat2,
    /// `realpath` plus a prefix check, for kernels or sandboxes without `openat2`.
    CanonicalPath,
}

/// A file or directory found under the root, opened for reading.
#[derive(Debug)]
pub struct Resolved {
    /// The opened regular file or directory (read-only, close-on-exec, `O_NONBLOCK`, which does
    /// nothing to reads of regular files).
    pub file: File,
    /// What `fstat` said about `file`.
    pub meta: FileMeta,
    /// The decoded path relative to the root, segments joined by `/`; empty for the root. Raw
    /// bytes: a Linux filename need not be UTF-8.
    pub rel_path: Vec<u8>,
    /// Whether the client's path ended with `/` (see [`RequestPath::trailing_slash`]).
    pub trailing_slash: bool,
}

/// Why a request path cannot be served; each variant is one HTTP status, each reason a short
/// phrase fit for an error page (it never contains the client's input).
#[derive(Debug)]
pub enum ResolveError {
    /// 400: the path itself is malformed or tries to climb out (`..`, NUL, no leading `/`).
    BadRequest(&'static str),
    /// 403: it exists but is not ours to serve (escaping symlink, device, `/proc`, no permission).
    Forbidden(&'static str),
    /// 404: nothing servable by that name.
    NotFound(&'static str),
    /// 500: the server could not look (out of file descriptors, I/O error).
    Internal(io::Error),
}

impl ResolveError {
    /// The short human reason, for the error page and the log.
    pub fn reason(&self) -> &str {
        match self {
            ResolveError::BadRequest(r)
            | ResolveError::Forbidden(r)
            | ResolveError::NotFound(r) => r,
            ResolveError::Internal(_) => "internal error while opening the file",
        }
    }
}

impl ResolveError {
    /// Whether the user the server runs as may not open it (`EACCES`, `EPERM`): a set-up the
    /// operator can fix, unlike a symlink out or a device.
    pub fn is_permission_denied(&self) -> bool {
        open::is_permission_denied(self)
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Internal(e) => write!(f, "{}: {e}", self.reason()),
            _ => f.write_str(self.reason()),
        }
    }
}

impl std::error::Error for ResolveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResolveError::Internal(e) => Some(e),
            _ => None,
        }
    }
}

impl PartialEq for ResolveError {
    fn eq(&self, other: &Self) -> bool {
        use ResolveError::*;
        match (self, other) {
            (BadRequest(a), BadRequest(b)) | (Forbidden(a), Forbidden(b)) => a == b,
            (NotFound(a), NotFound(b)) => a == b,
            (Internal(a), Internal(b)) => a.kind() == b.kind(),
            _ => false,
        }
    }
}

impl ServedRoot {
    /// Opens the directory to serve. Uses `openat2` when the kernel offers it, else the portable
    /// fallback ([`ServedRoot::uses_openat2`] tells which; nothing reports it at start-up).
    pub fn open(dir: &Path) -> io::Result<ServedRoot> {
        let mut root = ServedRoot::open_with(dir, Strategy::Openat2)?;
        if open::openat2_works(&root.dir) {
            root.same_fs_fast_path = !open::on_pseudo_fs(&root.dir);
        } else {
            root.strategy = Strategy::CanonicalPath;
        }
        Ok(root)
    }

    /// Opens the directory to serve but always resolves with the `realpath` fallback, as on a
    /// kernel without `openat2`. For tests, and for anyone who must compare the two.
    pub fn open_without_openat2(dir: &Path) -> io::Result<ServedRoot> {
        ServedRoot::open_with(dir, Strategy::CanonicalPath)
    }

    fn open_with(dir: &Path, strategy: Strategy) -> io::Result<ServedRoot> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(rustix::fs::CWD, dir, flags, Mode::empty()).map_err(|e| {
            // No path in the message: callers print it already ("cannot serve DIR: ...").
            let what = match e {
                Errno::NOTDIR => "not a directory".to_owned(),
                Errno::NOENT => "no such directory".to_owned(),
                other => io::Error::from(other).to_string(),
            };
            io::Error::new(io::Error::from(e).kind(), what)
        })?;
        let path = std::fs::canonicalize(dir)?;
        Ok(ServedRoot {
            dir: fd,
            path,
            strategy,
            same_fs_fast_path: false,
        })
    }

    /// The served directory's canonical path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when lookups use `openat2` (atomic), false when they use the `realpath` fallback.
    pub fn uses_openat2(&self) -> bool {
        self.strategy == Strategy::Openat2
    }

    /// Whether `rel` (decoded, relative to the root, segments joined by `/`) leads to a
    /// directory this server would list, following symlinks exactly as a request does: only
    /// while they stay inside the root, never an absolute one, nothing on a kernel pseudo
    /// filesystem, and no device or FIFO opened. For listings: the `/` after a link's name says
    /// what lies behind it, which must never be anything outside the root.
    pub(crate) fn leads_to_dir(&self, rel: &[u8]) -> bool {
        let opened = match self.strategy {
            Strategy::Openat2 => open::beneath(&self.dir, rel),
            Strategy::CanonicalPath => open::by_canonical_path(&self.path, rel),
        };
        opened.is_ok_and(|(_, meta)| meta.is_dir)
    }

    /// Finds and opens what a request path names. `request_path` is the path of the request
    /// target as received: still percent-encoded, without the query, possibly hostile.
    pub fn resolve(&self, request_path: &str) -> Result<Resolved, ResolveError> {
        let RequestPath {
            rel,
            trailing_slash,
        } = decode_request_path(request_path)?;
        let (file, meta) = self.open_rel(&rel)?;
        Ok(Resolved {
            file,
            meta,
            rel_path: rel,
            trailing_slash,
        })
    }

    /// The regular file `name` (one path segment) in `dir`, a directory this root resolved; for
    /// an index file served in place of its listing. `None` when there is none, as python's
    /// `os.path.isfile` decides: nothing by that name (or a broken link), or something that is
    /// not a regular file (a directory, a FIFO, a device). Anything else is the error a request
    /// for the file itself would get: no permission, out of descriptors, a link out of the root.
    ///
    /// Looked up in the directory already opened, not again by path: what is served is what is in
    /// the directory that was resolved. Only a symlink is followed from the root (as
    /// `dir/name`), where every link is judged.
    pub(crate) fn file_in(
        &self,
        dir: &Resolved,
        name: &[u8],
    ) -> Result<Option<Resolved>, ResolveError> {
        let mut rel = Vec::with_capacity(dir.rel_path.len() + 1 + name.len());
        rel.extend_from_slice(&dir.rel_path);
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name);
        let opened = match open::entry_of(&dir.file, name) {
            Some(opened) => opened,
            None => self.open_rel(&rel),
        };
        match opened {
            Ok((file, meta)) if !meta.is_dir => Ok(Some(Resolved {
                file,
                meta,
                rel_path: rel,
                trailing_slash: false,
            })),
            Ok(_) | Err(ResolveError::NotFound(_)) => Ok(None),
            Err(e) if open::is_not_servable(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The regular file whose path is `file`'s with `suffix` added (`a.css` -> `a.css.gz`), looked
    /// up from the root like any request; `None` when there is none or it cannot be served (the
    /// file itself is served instead).
    pub(crate) fn sibling(&self, file: &Resolved, suffix: &[u8]) -> Option<Resolved> {
        let mut rel = Vec::with_capacity(file.rel_path.len() + suffix.len());
        rel.extend_from_slice(&file.rel_path);
        rel.extend_from_slice(suffix);
        match self.open_rel(&rel) {
            Ok((file, meta)) if !meta.is_dir => Some(Resolved {
                file,
                meta,
                rel_path: rel,
                trailing_slash: false,
            }),
            _ => None,
        }
    }

    /// Opens `rel` (decoded, relative to the root) by this root's strategy.
    fn open_rel(&self, rel: &[u8]) -> Result<(File, FileMeta), ResolveError> {
        let fast = self
            .same_fs_fast_path
            .then(|| open::beneath_same_filesystem(&self.dir, rel))
            .flatten();
        match (fast, self.strategy) {
            (Some(opened), _) => opened,
            (None, Strategy::Openat2) => open::beneath(&self.dir, rel),
            (None, Strategy::CanonicalPath) => open::by_canonical_path(&self.path, rel),
        }
    }
}
