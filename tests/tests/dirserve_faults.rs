//! Faults under dirserve's feet (issue 7): a file truncated, deleted or replaced while or just
//! before it is sent, unreadable files and directories, the served tree or a mount inside it
//! disappearing, and no file descriptor left. Each gets a clear answer, and the server goes on
//! serving.

use e2e::http::{Connection, Response, get};
use e2e::server::{Server, unprivileged};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::Tree;

/// Large enough that the kernel's socket buffers cannot hold it all: the server is still reading
/// the file when the fault strikes.
const BIG: usize = 32 << 20;
/// What the client reads before the fault.
const HEAD_START: usize = 1 << 20;
/// How long any one download may take before the test gives up.
const DEADLINE: Duration = Duration::from_secs(10);

/// Never zero, and different in every 64 KiB block, so padding or a repeated chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i + (i >> 16)) % 255 + 1) as u8)
        .collect()
}

fn serve(tree: &Tree) -> Server {
    Server::start("dirserve", &["-q", "-d", tree.path_str()])
}

/// The server has not exited and still answers a plain request with a 200.
fn assert_serving(server: &mut Server, path: &str) {
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
    let response = get(server.addr, path);
    assert_eq!(response.status, 200, "{path} after the fault: {response:?}");
}

/// A download read at the client's pace: the test decides when the fault strikes.
struct Download {
    stream: TcpStream,
    content_length: usize,
    body: Vec<u8>,
}

/// How a download ended.
#[derive(Debug, PartialEq)]
enum End {
    /// The server closed the connection (EOF or reset).
    Closed,
    /// Content-Length bytes arrived.
    Complete,
}

impl Download {
    fn start(addr: SocketAddr, path: &str) -> Download {
        let mut stream = TcpStream::connect_timeout(&addr, DEADLINE).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut buffered = Vec::new();
        let head_end = loop {
            if let Some(i) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(buffered.len() < 64 * 1024, "no end of head");
            let mut chunk = [0; 4096];
            let n = stream.read(&mut chunk).expect("response head");
            assert!(n > 0, "closed before the head");
            buffered.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffered[..head_end]).into_owned();
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
        let content_length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("Content-Length");
        Download {
            stream,
            content_length,
            body: buffered[head_end..].to_vec(),
        }
    }

    /// Reads until at least `at_least` body bytes are in, or the connection ends.
    fn read_until(&mut self, at_least: usize) -> Option<End> {
        let started = Instant::now();
        let mut chunk = vec![0; 64 * 1024];
        while self.body.len() < at_least {
            assert!(started.elapsed() < DEADLINE, "download stalled");
            match self.stream.read(&mut chunk) {
                Ok(0) => return Some(End::Closed),
                Ok(n) => self.body.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    return Some(End::Closed);
                }
                Err(e) => panic!("download: {e} after {} bytes", self.body.len()),
            }
        }
        None
    }

    /// Reads on to the end: all of Content-Length (and nothing more), or a closed connection.
    fn finish(mut self) -> (End, Vec<u8>) {
        let end = self
            .read_until(self.content_length)
            .unwrap_or(End::Complete);
        if end == End::Complete {
            assert_eq!(self.body.len(), self.content_length, "bytes past the body");
        }
        (end, self.body)
    }
}

/// A file cut short while it is being sent: the client never gets a response that looks whole,
/// and what it got is the file's true prefix (no zero padding, no garbage).
#[test]
fn file_truncated_mid_download_ends_the_connection_short() {
    let tree = Tree::new("fault-truncate");
    let data = pattern(BIG);
    tree.file("big.bin", &data);
    let mut server = serve(&tree);
    let mut download = Download::start(server.addr, "/big.bin");
    assert_eq!(download.content_length, BIG);
    assert_eq!(download.read_until(HEAD_START), None);
    // Not a multiple of the server's 64 KiB reads: the last one comes back short, then empty.
    let short = BIG / 2 + 12_345;
    std::fs::OpenOptions::new()
        .write(true)
        .open(tree.at("big.bin"))
        .unwrap()
        .set_len(short as u64)
        .unwrap();
    let (end, body) = download.finish();
    eprintln!(
        "truncated to {short} of {BIG} bytes: {end:?} after {} bytes",
        body.len()
    );
    assert_eq!(end, End::Closed, "a truncated file must not look complete");
    assert!(body.len() < BIG, "{} bytes arrived", body.len());
    assert!(body.len() >= HEAD_START);
    // The socket buffers (a few MiB) were far from the cut when it came: nothing past it left.
    assert!(
        body.len() <= short,
        "{} bytes past the cut",
        body.len() - short
    );
    assert!(
        body == data[..body.len()],
        "the bytes sent are not the file's"
    );
    // The file as it is now is served whole.
    assert_serving(&mut server, "/");
    let now = get(server.addr, "/big.bin");
    assert_eq!(
        now.header("content-length"),
        Some(short.to_string().as_str())
    );
    assert!(now.body == data[..short]);
}

/// A file unlinked while it is being sent: the open descriptor keeps the data, so the download
/// completes byte for byte; the name is gone for the next request.
#[test]
fn file_deleted_mid_download_completes_then_404() {
    let tree = Tree::new("fault-unlink");
    let data = pattern(BIG);
    tree.file("big.bin", &data).file("ok.txt", "ok");
    let mut server = serve(&tree);
    let mut download = Download::start(server.addr, "/big.bin");
    assert_eq!(download.read_until(HEAD_START), None);
    std::fs::remove_file(tree.at("big.bin")).unwrap();
    let (end, body) = download.finish();
    assert_eq!(end, End::Complete);
    assert!(body == data, "the download differed ({} bytes)", body.len());
    assert_eq!(get(server.addr, "/big.bin").status, 404);
    assert_serving(&mut server, "/ok.txt");
}

/// Starts dirserve as an unprivileged user when the tests run as root (root reads everything, so
/// the permission checks would never be reached), and checks that it really runs as one.
fn serve_unprivileged(tree: &Tree) -> Server {
    let (mut cmd, _, _copy) = unprivileged("dirserve");
    cmd.args(["-q", "-d", tree.path_str(), "-b", "127.0.0.1", "0"]);
    let server = Server::spawn(cmd);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid.split_whitespace().skip(1).all(|id| id != "0"),
        "the server runs as root, permissions would not be checked: {uid}"
    );
    server
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gives modes back on the way out, so the tree can be removed even by a non-root user.
struct RestoreModes<'a>(Vec<(&'a Path, u32)>);

impl Drop for RestoreModes<'_> {
    fn drop(&mut self) {
        for (path, mode) in &self.0 {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode));
        }
    }
}

fn assert_forbidden(response: &Response, what: &str) {
    assert_eq!(response.status, 403, "{what}: {response:?}");
    assert_eq!(response.reason, "permission denied", "{what}");
    let page = response.text();
    assert!(
        page.contains("Error code: 403") && page.contains("Message: permission denied."),
        "{what}: {page}"
    );
}

/// A directory or file the server may not read: a clear 403, and the server goes on. Each is
/// then made readable again and served, so the 403 really was the permission check.
#[test]
fn unreadable_files_and_directories_are_403() {
    let tree = Tree::new("fault-perms");
    tree.file("locked/inside.txt", "inside")
        .file("secret.txt", "secret")
        .file("noread/inside.txt", "reachable")
        .file("ok.txt", "ok");
    chmod(tree.path(), 0o755);
    let (locked, secret, noread) = (tree.at("locked"), tree.at("secret.txt"), tree.at("noread"));
    let _restore = RestoreModes(vec![(&locked, 0o755), (&secret, 0o644), (&noread, 0o755)]);
    chmod(&locked, 0o000);
    chmod(&secret, 0o000);
    // Searchable but not readable: its files can be fetched, it cannot be listed.
    chmod(&noread, 0o311);
    let mut server = serve_unprivileged(&tree);
    let addr = server.addr;
    assert_forbidden(&get(addr, "/locked/"), "a mode 000 directory");
    assert_forbidden(&get(addr, "/locked"), "a mode 000 directory, no slash");
    assert_forbidden(&get(addr, "/locked/inside.txt"), "a file in it");
    assert_forbidden(&get(addr, "/secret.txt"), "a mode 000 file");
    assert_forbidden(&get(addr, "/noread/"), "a directory without r");
    assert_eq!(get(addr, "/noread/inside.txt").text(), "reachable");
    // The listing of their parent still works, and names them.
    let listing = get(addr, "/");
    assert_eq!(listing.status, 200);
    for name in ["locked/", "secret.txt", "noread/"] {
        assert!(listing.text().contains(name), "{name} not listed");
    }
    assert_serving(&mut server, "/ok.txt");
    chmod(&locked, 0o755);
    chmod(&secret, 0o644);
    chmod(&noread, 0o755);
    assert_eq!(get(addr, "/locked/inside.txt").text(), "inside");
    assert_eq!(get(addr, "/secret.txt").text(), "secret");
    assert_eq!(get(addr, "/noread/").status, 200);
}

/// Puts `make` (built at a temporary name) in place of `name` in one step, as `mv` does; a
/// directory cannot be renamed over a file, so it is exchanged with it instead.
fn replace(tree: &Tree, name: &str, make: impl FnOnce(&Path)) {
    let tmp = tree.at(format!("{name}.new"));
    make(&tmp);
    let (from, to) = (cstring(&tmp), cstring(&tree.at(name)));
    if tmp.is_dir() {
        // SAFETY: two valid C strings and the cwd descriptor.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        assert_eq!(rc, 0, "renameat2: {}", std::io::Error::last_os_error());
        std::fs::remove_file(&tmp).unwrap();
    } else {
        std::fs::rename(&tmp, tree.at(name)).unwrap();
    }
}

fn cstring(path: &Path) -> std::ffi::CString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap()
}

/// The client saw a listing, then the name changed under it before the download: whatever is
/// there now is what it gets, with validators of its own.
#[test]
fn file_replaced_between_listing_and_download() {
    let tree = Tree::new("fault-replace");
    let outside = Tree::new("fault-replace-outside");
    outside.file("private.txt", "private");
    tree.file("doc.txt", "the old contents\n")
        .file("ok.txt", "ok");
    let mut server = serve(&tree);
    let addr = server.addr;
    let old = get(addr, "/doc.txt");
    assert_eq!(old.text(), "the old contents\n");
    let listing = get(addr, "/");
    assert!(listing.text().contains("href=\"doc.txt\""));

    let new_text = "new, and longer than what it replaced\n";
    replace(&tree, "doc.txt", |tmp| {
        std::fs::write(tmp, new_text).unwrap()
    });
    let new = get(addr, "/doc.txt");
    assert_eq!(new.status, 200);
    assert_eq!(new.text(), new_text);
    let length = new_text.len().to_string();
    assert_eq!(new.header("content-length"), Some(length.as_str()));
    assert_ne!(new.header("etag"), old.header("etag"));
    assert!(new.header("etag").is_some());

    replace(&tree, "doc.txt", |tmp| std::fs::create_dir(tmp).unwrap());
    let dir = get(addr, "/doc.txt");
    assert_eq!(dir.status, 301, "{dir:?}");
    assert_eq!(dir.header("location"), Some("/doc.txt/"));
    assert_eq!(get(addr, "/doc.txt/").status, 200);
    std::fs::remove_dir(tree.at("doc.txt")).unwrap();

    replace(&tree, "doc.txt", testkit::mkfifo);
    let started = Instant::now();
    let fifo = get(addr, "/doc.txt");
    assert_eq!(fifo.status, 403, "{fifo:?}");
    assert!(fifo.reason.contains("FIFO"), "{}", fifo.reason);
    assert!(started.elapsed() < Duration::from_secs(2), "a FIFO stalled");

    let escape = format!(
        "../{}/private.txt",
        outside.path().file_name().unwrap().to_str().unwrap()
    );
    replace(&tree, "doc.txt", |tmp| {
        std::os::unix::fs::symlink(&escape, tmp).unwrap()
    });
    assert!(tree.at("doc.txt").exists(), "the link resolves");
    let link = get(addr, "/doc.txt");
    assert_eq!(link.status, 403, "{link:?}");
    assert_eq!(link.reason, "symlink leads outside the served directory");
    assert!(!link.text().contains("private"));
    assert_serving(&mut server, "/ok.txt");
}

/// The served directory removed while serving: the server holds it open, so nothing in it can be
/// found any more (404, never a 500), and it goes on answering.
#[test]
fn served_root_deleted_while_serving() {
    let tree = Tree::new("fault-rmroot");
    tree.file("a.txt", "a").file("sub/b.txt", "b");
    let server = serve(&tree);
    let addr = server.addr;
    assert_eq!(get(addr, "/sub/b.txt").status, 200);
    std::fs::remove_dir_all(tree.path()).unwrap();
    for path in ["/", "/a.txt", "/sub/", "/sub/b.txt", "/nothing"] {
        // Twice: the second answer is not a cached one, and the first left nothing broken.
        for _ in 0..2 {
            let response = get(addr, path);
            assert_eq!(response.status, 404, "{path}: {response:?}");
        }
    }
    // A new directory at the old path is not what the server holds: still gone.
    tree.file("a.txt", "new");
    assert_eq!(get(addr, "/a.txt").status, 404);
    let mut server = server;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
}

/// A filesystem mounted inside the tree, lazily unmounted while a file on it is sent.
struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(at: std::path::PathBuf) -> Mount {
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "fault-test"])
            .arg(&at)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mount -t tmpfs failed (need CAP_SYS_ADMIN)"
        );
        Mount(at)
    }

    fn lazy_unmount(&self) {
        let status = Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success(), "umount -l failed");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Quietly: it is normally gone already.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
#[cfg_attr(not(root_tests), ignore = "mounting a tmpfs needs root")]
fn mount_disappearing_mid_download() {
    let tree = Tree::new("fault-mount");
    tree.dir("mnt").file("ok.txt", "ok");
    let mount = Mount::tmpfs(tree.at("mnt"));
    let data = pattern(BIG);
    tree.file("mnt/big.bin", &data);
    let mut server = serve(&tree);
    let mut download = Download::start(server.addr, "/mnt/big.bin");
    assert_eq!(download.read_until(HEAD_START), None);
    mount.lazy_unmount();
    assert!(!tree.at("mnt/big.bin").exists(), "still mounted");
    let (end, body) = download.finish();
    assert_eq!(end, End::Complete);
    assert!(body == data, "the download differed ({} bytes)", body.len());
    // What is left is the empty directory under the mount point.
    assert_eq!(get(server.addr, "/mnt/big.bin").status, 404);
    let listing = get(server.addr, "/mnt/");
    assert_eq!(listing.status, 200);
    assert!(!listing.text().contains("big.bin"));
    assert_serving(&mut server, "/ok.txt");
}

/// A GET of a FIFO that a writer is waiting on is refused without opening it: the writer stays
/// blocked in its open (opening the FIFO for reading would let its `echo` through into a pipe
/// with no reader, and SIGPIPE would kill it). Both the listing and the file path are checked.
#[test]
fn a_fifo_is_refused_without_waking_its_writer() {
    let tree = Tree::new("fifo-writer");
    tree.file("a.txt", "a");
    let fifo = tree.fifo("pipe").at("pipe");
    let mut writer = Command::new("sh")
        .arg("-c")
        .arg("echo secret > \"$1\"")
        .arg("-")
        .arg(&fifo)
        .spawn()
        .unwrap();
    let mut server = serve(&tree);
    for path in ["/pipe", "/pipe/", "/"] {
        let response = get(server.addr, path);
        assert!(
            [200, 403, 404].contains(&response.status),
            "{path}: {response:?}"
        );
        assert!(!response.text().contains("secret"), "{path}");
    }
    assert_eq!(get(server.addr, "/pipe").status, 403);
    std::thread::sleep(Duration::from_millis(500));
    let woken = writer.try_wait().unwrap();
    let _ = writer.kill();
    let _ = writer.wait();
    assert_eq!(woken, None, "the FIFO's writer was woken");
    assert_serving(&mut server, "/a.txt");
}

/// The descriptor test's limit on open files: the server's own (stdio, listeners, each worker's
/// epoll, the served root) take about a dozen, its connections the rest.
const FD_LIMIT: u64 = 64;
/// Requests on the connections held while no descriptor is left, each answered 500.
const REQUESTS_WHILE_FULL: usize = 40;

/// dirserve with its open files limited to `limit`, soft and hard, so it cannot raise its own.
fn serve_with_fd_limit(tree: &Tree, limit: u64) -> Server {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(e2e::binary::binary("dirserve"));
    cmd.args(["-d", tree.path_str(), "-b", "127.0.0.1", "0"]);
    let rlimit = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: setrlimit is async-signal-safe, and `rlimit` is the closure's own copy.
    unsafe {
        cmd.pre_exec(
            move || match libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            },
        );
    }
    Server::spawn(cmd)
}

/// Out of descriptors: connections already accepted get a 500 for a file, a new one waits in
/// the kernel's queue, until some close; then all are served. The log names the limit hit once
/// over all of it, and the access log has its two lines for every 500 as ever.
#[test]
fn out_of_descriptors_is_500_said_once_with_the_limit() {
    let tree = Tree::new("fault-fds");
    tree.file("ok.txt", "ok");
    let server = serve_with_fd_limit(&tree, FD_LIMIT);
    let ok = b"GET /ok.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    // Connections, each answered, until one takes the last descriptor: its file gets the 500.
    let mut held = Vec::new();
    let first = loop {
        assert!(
            held.len() < FD_LIMIT as usize,
            "no 500 in {FD_LIMIT} connections"
        );
        let mut conn = Connection::open(server.addr);
        let response = conn.exchange(ok).expect("an answer");
        held.push(conn);
        if response.status != 200 {
            break response;
        }
    };
    assert_eq!(first.status, 500, "{first:?}");
    assert!(
        first.reason.starts_with("Cannot open the file: "),
        "{first:?}"
    );
    let count = held.len();
    for i in 0..REQUESTS_WHILE_FULL {
        let response = held[i % count].exchange(ok).expect("an answer");
        assert_eq!(response.status, 500, "{response:?}");
    }
    let mut refused = 1 + REQUESTS_WHILE_FULL;
    // The accept fails too: a new client waits until three connections close. The server
    // closes them one by one: a request may still find none free (another 500) for a moment.
    let mut waiting = Connection::open(server.addr);
    held.truncate(held.len() - 3);
    let mut late = waiting.exchange(ok).expect("an answer once some closed");
    for _ in 0..100 {
        if late.status != 500 {
            break;
        }
        refused += 1;
        std::thread::sleep(Duration::from_millis(10));
        late = waiting.exchange(ok).expect("an answer");
    }
    assert_eq!(late.status, 200, "{late:?}");
    assert_eq!(held[0].exchange(ok).expect("an answer").status, 200);
    drop((held, waiting));
    let log = server.stop_and_read_log();
    let notes: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("out of file descriptors"))
        .collect();
    let note = format!(
        "dirserve: out of file descriptors (RLIMIT_NOFILE soft limit {FD_LIMIT} reached); new \
         connections wait, and requests that need one get 500, until some close (said once)"
    );
    assert_eq!(notes, [note.as_str()], "{log}");
    let message = format!("code 500, message {}\n", first.reason);
    assert_eq!(log.matches(&message).count(), refused, "{log}");
    let request = "\"GET /ok.txt HTTP/1.1\" 500 -\n";
    assert_eq!(log.matches(request).count(), refused, "{log}");
}
