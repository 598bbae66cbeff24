//! What the operator is told when the user dirserve runs as may not read what it should serve:
//! the path as they know it, that user's ids, and the fix. In the image the server is uid 65534
//! and the folder mounted at `/src` is the host's, often root's own with mode 0700 or 0600, so
//! the kernel's bare "Permission denied" on `.` says nothing a newcomer can act on. Clients never
//! see any of this: their 403 page stays python's short one.

use servekit::access_log;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The fix for either message: let that user read the folder, or run as its owner.
const FIX: &str = "fix: chmod -R a+rX the folder (on the host, if it is mounted), \
or run as its owner: docker run --user \"$(id -u):$(id -g)\" ...";

/// `dir` as the user knows it: as given when absolute, else from the working directory, so
/// `.` in the image is `/src` (`.` segments and a trailing slash dropped; `..` kept, since
/// folding it could name another folder).
pub fn as_known(dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        return dir.to_owned();
    }
    match std::env::current_dir() {
        Ok(cwd) => cwd
            .join(dir)
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect(),
        Err(_) => dir.to_owned(),
    }
}

/// The start-up error (without the `dirserve: ` of its first line) for a served directory,
/// shown as `shown`, that cannot be opened: for a permission, a second line with the fix.
pub fn cannot_serve(shown: &Path, error: &io::Error) -> String {
    let shown = shown.display();
    if error.kind() != io::ErrorKind::PermissionDenied {
        return format!("cannot serve {shown}: {error}");
    }
    format!("cannot serve {shown}: {}\ndirserve: {FIX}", denied_to())
}

/// `permission denied to uid 65534 (gid 65534), the user dirserve runs as`: the effective ids,
/// which are what the kernel checks.
fn denied_to() -> String {
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    format!("permission denied to uid {uid} (gid {gid}), the user dirserve runs as")
}

/// Says once per process, on stderr, that `rel` under `root` cannot be read by this user.
///
/// Once, not once per file or request: any client can ask for the same file in a loop, a tree
/// copied from elsewhere may hold thousands of such files, and the fix named (`chmod -R` on the
/// folder, or another user) covers them all. The access log still has a 403 for each request.
pub struct UnreadableNote {
    said: AtomicBool,
}

impl UnreadableNote {
    /// Not said yet.
    pub const fn new() -> UnreadableNote {
        UnreadableNote {
            said: AtomicBool::new(false),
        }
    }

    /// Logs the note for `rel` (decoded, relative to the served `root`) if it is the first.
    pub fn note(&self, root: &Path, rel: &[u8]) {
        if self.said.swap(true, Ordering::Relaxed) {
            return;
        }
        let rel = if rel.is_empty() {
            ".".into()
        } else {
            String::from_utf8_lossy(rel)
        };
        let line = format!(
            "dirserve: cannot read {rel} in {}: {}; {FIX} (said once, for all of them)",
            root.display(),
            denied_to()
        );
        access_log::log_note(&line);
    }
}

impl Default for UnreadableNote {
    fn default() -> UnreadableNote {
        UnreadableNote::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_directories_are_shown_from_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(as_known(Path::new(".")), cwd);
        assert_eq!(as_known(Path::new("./a/./b/")), cwd.join("a/b"));
        assert_eq!(as_known(Path::new("../a")), cwd.join("../a"));
        assert_eq!(as_known(Path::new("/src/./x")), Path::new("/src/./x"));
    }

    #[test]
    fn only_a_permission_gets_the_fix() {
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let message = cannot_serve(Path::new("/src"), &denied);
        let (first, second) = message.split_once('\n').unwrap();
        assert!(first.starts_with("cannot serve /src: permission denied to uid "));
        assert!(second.starts_with("dirserve: fix: chmod -R a+rX"));
        let missing = io::Error::new(io::ErrorKind::NotFound, "no such directory");
        let message = cannot_serve(Path::new("/src"), &missing);
        assert_eq!(message, "cannot serve /src: no such directory");
    }

    #[test]
    fn the_note_is_said_once() {
        let note = UnreadableNote::new();
        assert!(!note.said.load(Ordering::Relaxed));
        note.note(Path::new("/src"), b"a");
        assert!(note.said.load(Ordering::Relaxed));
    }
}
