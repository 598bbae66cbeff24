//! What dirserve tells the operator when the user it runs as may not read what it serves
//! (issue 22): the path as they know it (`/src`, not `.`), that user's ids, and the fix. A
//! client's 403 page stays python's short one. How each refusal is answered is in
//! `dirserve_faults.rs`.

use e2e::http::get;
use e2e::process::{Output, run};
use e2e::server::{Server, unprivileged};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use testkit::Tree;

const DEADLINE: Duration = Duration::from_secs(10);

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gives a mode back on the way out, so the tree can be removed even by a non-root user.
struct Restore(PathBuf, u32);

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(self.1));
    }
}

/// Whether the tests run as root: the unprivileged server is then uid 65534 and root's own
/// mode-0700 folder is what it cannot read (else the tests' user, and mode 000).
fn as_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs dirserve unprivileged in `cwd` with `args`, expecting it to refuse to start.
fn refused(cwd: &Path, args: &[&str]) -> (Output, u32) {
    let (mut cmd, uid, _copy) = unprivileged("dirserve");
    cmd.current_dir(cwd)
        .args(args)
        .args(["-b", "127.0.0.1", "0"]);
    (run(&mut cmd, b"", DEADLINE), uid)
}

/// `docker run -v "$PWD":/src alpine_web` on a root-owned mode-0700 folder: the server (uid
/// 65534, serving `.` in `/src`) names the folder by its absolute path, says who it runs as and
/// how to fix it, on two lines, and exits with the usage status (2) as before.
#[test]
fn an_unreadable_served_directory_names_itself_the_user_and_the_fix() {
    let tree = Tree::new("perm-root");
    tree.file("locked/a.txt", "a");
    chmod(tree.path(), 0o755);
    let top = std::fs::canonicalize(tree.path()).unwrap();
    let locked = top.join("locked");
    let _restore = Restore(locked.clone(), 0o755);
    chmod(&locked, if as_root() { 0o700 } else { 0o000 });
    let locked_str = locked.to_str().unwrap();
    let mut cases = vec![
        (top.clone(), vec!["-d", "locked"]),
        (top.clone(), vec!["-d", "./locked/"]),
        (PathBuf::from("/"), vec!["-d", locked_str]),
    ];
    if as_root() {
        // The image's own case: the working directory is the folder, served as `.`. Only root
        // can enter it before the server drops to uid 65534 (as Docker's runtime does).
        cases.push((locked.clone(), vec![]));
    }
    for (cwd, args) in cases {
        let (out, uid) = refused(&cwd, &args);
        let err = out.stderr_str();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(out.stdout, b"", "{args:?}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?}: {err}");
        assert!(lines.iter().all(|l| l.starts_with("dirserve: ")), "{err}");
        let named = format!("cannot serve {locked_str}: permission denied to uid {uid} (gid ");
        assert!(
            lines[0].starts_with(&format!("dirserve: {named}")),
            "{args:?}: {err}"
        );
        assert!(lines[1].contains("chmod -R a+rX"), "{err}");
        assert!(lines[1].contains(r#"--user "$(id -u):$(id -g)""#), "{err}");
    }
}

/// A folder that does not exist is named the same way, on one line: no permission advice.
#[test]
fn a_missing_relative_directory_is_named_by_its_absolute_path() {
    let tree = Tree::new("perm-missing");
    let top = std::fs::canonicalize(tree.path()).unwrap();
    let (out, _) = refused(&top, &["-d", "nothere"]);
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "dirserve: cannot serve {}: no such directory\n",
        top.join("nothere").display()
    );
    assert_eq!(out.stderr_str(), expected);
}

/// Python 3.11's error page for a 403 with dirserve's message, byte for byte.
const FORBIDDEN_PAGE: &str = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        \
<meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        \
<h1>Error response</h1>\n        <p>Error code: 403</p>\n        \
<p>Message: permission denied.</p>\n        \
<p>Error code explanation: 403 - Request forbidden -- authorization will not help.</p>\n    \
</body>\n</html>\n";

/// Root-owned mode-0600 files: each client gets the short 403 page as ever, and the server's
/// log says once (not per request, not per file) which file, who the server runs as and the
/// fix. Said even with `-q`: it is about the set-up, not a request.
#[test]
fn an_unreadable_file_is_explained_once_in_the_log_only() {
    let tree = Tree::new("perm-files");
    tree.file("secret.txt", "secret")
        .file("sub/hidden.txt", "hidden")
        .file("ok.txt", "ok");
    chmod(tree.path(), 0o755);
    let top = std::fs::canonicalize(tree.path()).unwrap();
    let (secret, hidden) = (top.join("secret.txt"), top.join("sub/hidden.txt"));
    let _restore = (
        Restore(secret.clone(), 0o644),
        Restore(hidden.clone(), 0o644),
    );
    let mode = if as_root() { 0o600 } else { 0o000 };
    chmod(&secret, mode);
    chmod(&hidden, mode);
    let (mut cmd, uid, _copy) = unprivileged("dirserve");
    cmd.args(["-q", "-d", top.to_str().unwrap(), "-b", "127.0.0.1", "0"]);
    let server = Server::spawn(cmd);
    for path in [
        "/secret.txt",
        "/sub/hidden.txt",
        "/secret.txt",
        "/sub/hidden.txt",
    ] {
        let answer = get(server.addr, path);
        assert_eq!(answer.status, 403, "{path}");
        assert_eq!(
            answer.text(),
            FORBIDDEN_PAGE,
            "{path}: the page says no more"
        );
    }
    assert_eq!(get(server.addr, "/ok.txt").text(), "ok");
    let log = server.stop_and_read_log();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 1, "once: {log}");
    let named = format!(
        "dirserve: cannot read secret.txt in {}: permission denied to uid {uid} (gid ",
        top.display()
    );
    assert!(lines[0].starts_with(&named), "{log}");
    assert!(lines[0].contains("chmod -R a+rX"), "{log}");
    assert!(lines[0].contains(r#"--user "$(id -u):$(id -g)""#), "{log}");
}
