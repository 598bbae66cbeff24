//! What the fuzz targets share: the tree dirserve serves (with secrets beside it), a client
//! connection held in memory, and a runtime whose clock never waits.

use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use dirserve::resolve::ServedRoot;
use servekit::Handler;
use servekit::serve::StreamServer;
use testkit::Tree;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The contents of every file outside the served root: if a response ever holds it, a path
/// escaped.
pub const SECRET: &[u8] = b"fromscratch-fuzz-secret-7c1e";

/// The served tree: files, directories, a name that is not UTF-8, symlinks that stay inside and
/// symlinks that leave (relative, absolute, through a directory, looping), a FIFO; and the
/// identity of everything inside and of the secrets outside.
pub struct Served {
    _tree: Tree,
    /// `openat2` with `RESOLVE_BENEATH`, as dirserve serves by default.
    pub root: ServedRoot,
    /// The `realpath` fallback for kernels without `openat2`.
    pub fallback: ServedRoot,
    /// `(dev, ino)` of every file and directory under the root, symlinks not followed.
    pub inside: HashSet<(u64, u64)>,
    /// `(dev, ino)` of the secrets and the directory that holds them.
    pub secrets: HashSet<(u64, u64)>,
}

/// The tree, built once per process.
pub fn served() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| {
        let tree = Tree::new("fuzz");
        tree.file("secret.txt", SECRET)
            .file("secret-dir/inner.txt", SECRET)
            .file("root/a.txt", "moo\n")
            .file("root/index-less/b.txt", "b")
            .file("root/site/index.html", "<p>site</p>")
            .file("root/dir/sub/c.html", "<p>c</p>")
            .file(b"root/caf\xe9 %41 &<>.txt", "odd name")
            .file(
                "root/big.bin",
                (0..200_000u32).map(|i| i as u8).collect::<Vec<_>>(),
            )
            .symlink("dir/sub/c.html", "root/inside")
            .symlink("dir", "root/dirlink")
            .symlink("../secret.txt", "root/up")
            .symlink("../secret-dir", "root/updir")
            .symlink("dir/../../secret.txt", "root/dir-up")
            .symlink(
                tree.at("secret.txt").as_os_str().as_bytes(),
                "root/absolute",
            )
            .symlink("loop_b", "root/loop_a")
            .symlink("loop_a", "root/loop_b");
        tree.fifo("root/fifo");
        let root_path = tree.at("root");
        let mut inside = HashSet::new();
        identities(&root_path, &mut inside);
        let secrets = ["secret.txt", "secret-dir", "secret-dir/inner.txt"]
            .iter()
            .map(|rel| identity(&tree.at(rel).symlink_metadata().unwrap()))
            .collect();
        Served {
            root: ServedRoot::open(&root_path).expect("open the root"),
            fallback: ServedRoot::open_without_openat2(&root_path).expect("open the root"),
            _tree: tree,
            inside,
            secrets,
        }
    })
}

pub fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

/// Every directory and regular file under `dir` (and `dir` itself), symlinks not followed.
fn identities(dir: &Path, out: &mut HashSet<(u64, u64)>) {
    out.insert(identity(&dir.symlink_metadata().unwrap()));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = path.symlink_metadata().unwrap();
        if meta.is_dir() {
            identities(&path, out);
        } else if meta.is_file() {
            out.insert(identity(&meta));
        }
    }
}

/// Bytes of the server's answer kept for the checks; the rest is counted, not stored.
const KEPT_OUTPUT: usize = 1 << 20;

/// Sends `input` to `server` as one client connection that then closes its side, and returns
/// what the server wrote back (up to 1 MiB). The first input byte sets how the rest arrives:
/// under 128, in reads of that many bytes plus one (requests split anywhere); else all at once.
pub fn exchange<H: Handler>(server: &StreamServer<H>, input: &[u8]) -> Vec<u8> {
    thread_local! {
        /// Time is paused: whatever the server waits for (timeouts) happens at once.
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("tokio runtime");
    }
    let Some((&split, input)) = input.split_first() else {
        return Vec::new();
    };
    let chunk = if split < 128 {
        usize::from(split) + 1
    } else {
        usize::MAX
    };
    let output = Arc::new(Mutex::new(Vec::new()));
    let client = ScriptedClient {
        input: input.to_vec(),
        read: 0,
        chunk,
        output: Arc::clone(&output),
    };
    RUNTIME.with(|runtime| {
        runtime.block_on(server.serve(client, IpAddr::V4(Ipv4Addr::LOCALHOST)));
    });
    std::mem::take(&mut *output.lock().unwrap())
}

/// A client that sends its bytes, then end of stream, and reads everything it is sent.
struct ScriptedClient {
    input: Vec<u8>,
    read: usize,
    chunk: usize,
    output: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for ScriptedClient {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let rest = &this.input[this.read..];
        let n = rest.len().min(this.chunk).min(buf.remaining());
        buf.put_slice(&rest[..n]);
        this.read += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ScriptedClient {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut output = self.output.lock().unwrap();
        let room = KEPT_OUTPUT.saturating_sub(output.len());
        output.extend_from_slice(&buf[..buf.len().min(room)]);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Checks what a server wrote for `input`: nothing, or HTTP/1.x responses; and never a secret,
/// unless the client sent it itself (error pages quote the method, as python's do).
pub fn check_answer(input: &[u8], output: &[u8]) {
    assert!(
        output.is_empty() || output.starts_with(b"HTTP/1.1 ") || output.starts_with(b"HTTP/1.0 "),
        "not an HTTP response: {:?}",
        String::from_utf8_lossy(&output[..output.len().min(200)])
    );
    assert!(
        !contains(output, SECRET) || contains(input, SECRET),
        "a file outside the served root was sent"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    servekit::substring::find(haystack, needle).is_some()
}
