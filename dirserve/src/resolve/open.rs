//! Opening a decoded relative path under the served root, two ways.
//!
//! Both ways open in two steps. First an `O_PATH` descriptor: it names the file without opening
//! it for I/O, so no driver `open` runs (opening `/dev/watchdog` arms a watchdog, a tape device
//! rewinds, a FIFO would wake a writer). Its `fstat` and `fstatfs` decide whether the file may be
//! served at all. Only then is it opened for reading: a directory through its `O_PATH` handle
//! (no second lookup), a regular file by a second lookup checked to reach the same inode.
//!
//! The common case takes a shorter lookup: [`beneath_same_filesystem`] resolves with
//! `RESOLVE_NO_XDEV`, which only succeeds when the whole lookup stays on the root's own
//! filesystem. That filesystem was checked once at start-up (not a pseudo filesystem), so the
//! `fstatfs` check is skipped, and a lookup that would cross a mount point comes back `EXDEV` and
//! takes the careful path below. It still probes before it opens: nothing but a regular file or
//! a directory is ever opened for reading.
//!
//! - [`beneath`]: `openat2` with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`, relative to the root
//!   descriptor. The kernel follows symlinks only while they stay under the root, atomically: no
//!   check-then-open race. An absolute symlink is always refused by `RESOLVE_BENEATH`, even one
//!   whose target is inside the root (`EXDEV`, like an escape).
//! - [`by_canonical_path`]: for kernels without `openat2` (before 5.6) or container seccomp
//!   profiles that refuse it. `realpath`, a prefix check, then `open` with `O_NOFOLLOW`. It
//!   follows absolute symlinks that land inside the root. Someone who can rename things inside
//!   the served tree could swap a parent directory for a symlink between the check and the open;
//!   that race is the price of old kernels.

use std::ffi::OsStr;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{CWD, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;

use super::ResolveError;
use super::pseudo_fs::pseudo_fs_name;
use crate::meta::FileMeta;

/// Follow symlinks only while they stay under the root, and never through `/proc` magic links.
const RESOLVE: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);

/// [`RESOLVE`], and never across a mount point.
const RESOLVE_SAME_FS: ResolveFlags = RESOLVE.union(ResolveFlags::NO_XDEV);

/// The reason given for devices, FIFOs and sockets.
const NOT_SERVABLE: &str = "not a regular file or directory (device, FIFO or socket)";

/// The handle that names a file without opening it for I/O.
const PROBE_FLAGS: OFlags = OFlags::PATH.union(OFlags::CLOEXEC);

/// How a served file is opened: read-only, never our controlling terminal, and non-blocking so a
/// FIFO swapped in at the last moment cannot hang a worker.
const READ_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    .union(OFlags::NONBLOCK);

/// `openat2` answers `EAGAIN` when a rename or mount elsewhere raced with a lookup it cannot
/// prove safe; retrying is the documented cure. Bounded so a busy system cannot spin us forever.
const MAX_EAGAIN_RETRIES: usize = 16;

/// Whether this kernel (and seccomp profile) lets us use `openat2` with our resolve flags.
pub(super) fn openat2_works(root: &OwnedFd) -> bool {
    !matches!(
        rustix::fs::openat2(root, ".", PROBE_FLAGS, Mode::empty(), RESOLVE),
        Err(Errno::NOSYS | Errno::PERM)
    )
}

/// Opens `rel` under `root` if the lookup stays on the root's filesystem and inside the root;
/// `None` when it crosses a mount point or leaves the root (both `EXDEV`): the caller then takes
/// the careful path, which tells the two apart.
pub(super) fn beneath_same_filesystem(
    root: &OwnedFd,
    rel: &[u8],
) -> Option<Result<(File, FileMeta), ResolveError>> {
    let path = path_or_dot(rel);
    let probe = match openat2_with(root, path, PROBE_FLAGS, RESOLVE_SAME_FS) {
        Err(Errno::XDEV) => return None,
        Err(e) => return Some(Err(map_errno(e))),
        Ok(fd) => fd,
    };
    Some(open_probed(probe, || {
        openat2_with(root, path, READ_FLAGS, RESOLVE_SAME_FS).map_err(map_errno)
    }))
}

/// Whether the filesystem holding `fd` is a kernel pseudo filesystem.
pub(super) fn on_pseudo_fs(fd: &OwnedFd) -> bool {
    refuse_pseudo_fs(fd).is_err()
}

/// Opens `name`, one entry of the opened directory `dir`, unless it is a symlink (`None`: where a
/// link leads is judged from the root, as for a request). A single name looked up in `dir`
/// without following anything cannot leave it, so no `openat2` is needed; it can still be a mount
/// point, hence the pseudo filesystem check.
pub(super) fn entry_of(dir: &File, name: &[u8]) -> Option<Result<(File, FileMeta), ResolveError>> {
    debug_assert!(!name.contains(&b'/') && !matches!(name, b"" | b"." | b".."));
    let name = OsStr::from_bytes(name);
    let at = |flags: OFlags| {
        rustix::fs::openat(dir, name, flags | OFlags::NOFOLLOW, Mode::empty()).map_err(map_errno)
    };
    let probe = match at(PROBE_FLAGS) {
        Ok(probe) => probe,
        Err(e) => return Some(Err(e)),
    };
    match rustix::fs::fstat(&probe) {
        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => None,
        Ok(_) => Some(open_checked(probe, || at(READ_FLAGS))),
        Err(e) => Some(Err(map_errno(e))),
    }
}

/// Whether `e` refuses something for what it is (a device, FIFO or socket), not for where it is
/// or who may read it.
pub(super) fn is_not_servable(e: &ResolveError) -> bool {
    matches!(e, ResolveError::Forbidden(reason) if *reason == NOT_SERVABLE)
}

/// Whether `e` is the kernel's `EACCES` or `EPERM` (see [`map_errno`]).
pub(super) fn is_permission_denied(e: &ResolveError) -> bool {
    matches!(e, ResolveError::Forbidden(reason) if *reason == PERMISSION_DENIED)
}

/// The reason given for what the server's user may not open.
const PERMISSION_DENIED: &str = "permission denied";

/// Opens `rel` (empty for the root itself) under `root` with `openat2`.
pub(super) fn beneath(root: &OwnedFd, rel: &[u8]) -> Result<(File, FileMeta), ResolveError> {
    let path = path_or_dot(rel);
    let probe = openat2_retrying(root, path, PROBE_FLAGS)?;
    open_checked(probe, || openat2_retrying(root, path, READ_FLAGS))
}

/// Opens `rel` under `root_path` (already canonical) without `openat2`.
pub(super) fn by_canonical_path(
    root_path: &Path,
    rel: &[u8],
) -> Result<(File, FileMeta), ResolveError> {
    let joined = root_path.join(OsStr::from_bytes(rel));
    let canonical = std::fs::canonicalize(&joined).map_err(|e| match e.raw_os_error() {
        Some(code) => map_errno(Errno::from_raw_os_error(code)),
        None => ResolveError::Internal(e),
    })?;
    if !canonical.starts_with(root_path) {
        return Err(ResolveError::Forbidden(OUTSIDE));
    }
    let no_follow = |flags: OFlags| {
        rustix::fs::openat(CWD, &canonical, flags | OFlags::NOFOLLOW, Mode::empty())
            .map_err(map_errno)
    };
    let probe = no_follow(PROBE_FLAGS)?;
    open_checked(probe, || no_follow(READ_FLAGS))
}

/// The reason given for a symlink that leaves the root.
const OUTSIDE: &str = "symlink leads outside the served directory";

/// [`open_probed`], after refusing anything on a kernel pseudo filesystem.
fn open_checked(
    probe: OwnedFd,
    reopen: impl FnOnce() -> Result<OwnedFd, ResolveError>,
) -> Result<(File, FileMeta), ResolveError> {
    refuse_pseudo_fs(&probe)?;
    open_probed(probe, reopen)
}

/// Checks what `probe` names, then opens it for reading: a directory through `probe` itself, a
/// regular file with `reopen`, which must land on the same inode. Anything else is refused
/// unopened.
fn open_probed(
    probe: OwnedFd,
    reopen: impl FnOnce() -> Result<OwnedFd, ResolveError>,
) -> Result<(File, FileMeta), ResolveError> {
    let st = rustix::fs::fstat(&probe).map_err(map_errno)?;
    let (fd, st) = match FileType::from_raw_mode(st.st_mode) {
        FileType::Directory => {
            let dir_flags = READ_FLAGS | OFlags::DIRECTORY;
            let fd =
                rustix::fs::openat(&probe, ".", dir_flags, Mode::empty()).map_err(map_errno)?;
            (fd, st)
        }
        FileType::RegularFile => {
            let fd = reopen()?;
            let again = rustix::fs::fstat(&fd).map_err(map_errno)?;
            if !same_regular_file(&st, &again) {
                return Err(ResolveError::NotFound(
                    "file changed while it was being opened",
                ));
            }
            (fd, again)
        }
        _ => return Err(ResolveError::Forbidden(NOT_SERVABLE)),
    };
    Ok((File::from(fd), FileMeta::from_stat(&st)))
}

fn same_regular_file(a: &Stat, b: &Stat) -> bool {
    a.st_dev == b.st_dev
        && a.st_ino == b.st_ino
        && FileType::from_raw_mode(b.st_mode) == FileType::RegularFile
}

/// Refuses anything on a kernel pseudo filesystem (see [`super::pseudo_fs`]).
fn refuse_pseudo_fs(fd: &OwnedFd) -> Result<(), ResolveError> {
    let st = rustix::fs::fstatfs(fd).map_err(map_errno)?;
    // Every magic number fits in 32 bits; the field is wider on 64-bit machines.
    #[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)]
    let magic = st.f_type as u32;
    match pseudo_fs_name(magic) {
        Some(_) => Err(ResolveError::Forbidden(
            "on a kernel pseudo filesystem (/proc, /sys...)",
        )),
        None => Ok(()),
    }
}

fn openat2_retrying(root: &OwnedFd, path: &OsStr, flags: OFlags) -> Result<OwnedFd, ResolveError> {
    openat2_with(root, path, flags, RESOLVE).map_err(map_errno)
}

/// `openat2`, retried on `EAGAIN`; after the last try `EAGAIN` itself is returned.
fn openat2_with(
    root: &OwnedFd,
    path: &OsStr,
    flags: OFlags,
    resolve: ResolveFlags,
) -> Result<OwnedFd, Errno> {
    let mut result = Err(Errno::AGAIN);
    for _ in 0..MAX_EAGAIN_RETRIES {
        result = rustix::fs::openat2(root, path, flags, Mode::empty(), resolve);
        if !matches!(result, Err(Errno::AGAIN | Errno::INTR)) {
            break;
        }
    }
    result
}

fn path_or_dot(rel: &[u8]) -> &OsStr {
    OsStr::from_bytes(if rel.is_empty() { b"." } else { rel })
}

/// Maps what `open` can answer to what the client is told. Decisions:
/// - `ENOTDIR` (`/file.txt/x`), `ENAMETOOLONG` and `ELOOP` (a symlink loop, or a `/proc` magic
///   link) are 404: no such file can be served, as CPython answers.
/// - `EXDEV` is `RESOLVE_BENEATH` refusing an escape: 403, the file exists but is not ours.
/// - `EACCES`/`EPERM` are 403 (CPython says 404 for both; 403 tells the operator the truth).
/// - Anything else (`EMFILE`, `ENOMEM`, `EIO`) is the server's trouble, not the client's.
pub(super) fn map_errno(e: Errno) -> ResolveError {
    match e {
        Errno::NOENT => ResolveError::NotFound("no such file or directory"),
        Errno::NOTDIR => ResolveError::NotFound("a parent in the path is not a directory"),
        Errno::NAMETOOLONG => ResolveError::NotFound("path is too long"),
        Errno::LOOP => ResolveError::NotFound("too many levels of symlinks"),
        Errno::XDEV => ResolveError::Forbidden(OUTSIDE),
        Errno::ACCESS | Errno::PERM => ResolveError::Forbidden(PERMISSION_DENIED),
        // A UNIX socket file (or a device without a driver) cannot be opened at all.
        Errno::NXIO | Errno::NODEV => ResolveError::Forbidden(NOT_SERVABLE),
        other => ResolveError::Internal(std::io::Error::from(other)),
    }
}
