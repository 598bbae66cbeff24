//! Traversal tests: a tree with a secret OUTSIDE the served root, and every trick we know to
//! reach it, run through both strategies (`openat2` and the `realpath` fallback).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use super::*;
use testkit::{Rng, Tree, as_any_user};

const SECRET: &[u8] = b"TOP SECRET, outside the root";

/// `base/` holds the secret; `base/root/` is served.
fn fixture() -> Tree {
    let t = Tree::new("resolve");
    t.file("secret.txt", SECRET)
        .file("secretdir/inner.txt", SECRET)
        .file("root/index.txt", b"hello")
        .file("root/sub/file.txt", b"sub file")
        .file("root/sub/deeper/x.txt", b"deeper")
        .file("root/%2e%2e", b"literal percent name")
        .file("root/..\\", b"literal backslash name")
        .file("root/etc/passwd", b"fake passwd inside the root")
        .file(b"root/\xc0\xae\xc0\xae", b"overlong bytes name")
        .file("root/a b#?&.txt", b"odd name")
        .symlink("sub/file.txt", "root/link_rel_inside")
        .symlink(
            t.at("root/sub/file.txt").as_os_str().as_encoded_bytes(),
            "root/link_abs_inside",
        )
        .symlink("../secret.txt", "root/link_outside")
        .symlink(
            t.at("secret.txt").as_os_str().as_encoded_bytes(),
            "root/link_abs_outside",
        )
        .symlink("chain2", "root/chain1")
        .symlink("sub/../sub/file.txt", "root/chain2")
        .symlink("chain_out2", "root/chain_out1")
        .symlink("sub/../../secret.txt", "root/chain_out2")
        .symlink("../secretdir", "root/dirlink_out")
        .symlink("sub", "root/dirlink_in")
        .symlink("loop2", "root/loop1")
        .symlink("loop1", "root/loop2")
        .symlink("self_loop", "root/self_loop")
        .symlink("nowhere", "root/broken")
        .symlink("/proc/self/environ", "root/environ_link")
        .fifo("root/fifo");
    t
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    /// Served, and the file holds these bytes.
    File(&'static [u8]),
    /// Served, a directory.
    Dir,
    BadRequest,
    Forbidden,
    NotFound,
}

/// (request path, with openat2, with the realpath fallback)
const TABLE: &[(&str, Want, Want)] = {
    use Want::*;
    &[
        ("/", Dir, Dir),
        ("/index.txt", File(b"hello"), File(b"hello")),
        ("/sub", Dir, Dir),
        ("/sub/", Dir, Dir),
        ("/sub/file.txt", File(b"sub file"), File(b"sub file")),
        ("//sub//deeper///x.txt", File(b"deeper"), File(b"deeper")),
        ("/./sub/./file.txt", File(b"sub file"), File(b"sub file")),
        ("/sub%2ffile.txt", File(b"sub file"), File(b"sub file")),
        ("/a%20b%23%3F%26.txt", File(b"odd name"), File(b"odd name")),
        // Climbing, in every spelling: 400 before any syscall.
        ("/..", BadRequest, BadRequest),
        ("/../secret.txt", BadRequest, BadRequest),
        ("/%2e%2e/secret.txt", BadRequest, BadRequest),
        ("/%2E%2e/secret.txt", BadRequest, BadRequest),
        ("/.%2e/secret.txt", BadRequest, BadRequest),
        ("/..%2fsecret.txt", BadRequest, BadRequest),
        ("/%2f..%2fsecret.txt", BadRequest, BadRequest),
        ("/sub/../../secret.txt", BadRequest, BadRequest),
        ("/./../", BadRequest, BadRequest),
        ("/sub/..", BadRequest, BadRequest),
        // Double encoding decodes once: the literal file named "%2e%2e".
        (
            "/%252e%252e",
            File(b"literal percent name"),
            File(b"literal percent name"),
        ),
        ("/%252e%252e/secret.txt", NotFound, NotFound),
        // A backslash is a filename byte, not a separator.
        (
            "/..%5c",
            File(b"literal backslash name"),
            File(b"literal backslash name"),
        ),
        (
            "/..\\",
            File(b"literal backslash name"),
            File(b"literal backslash name"),
        ),
        ("/..%5csecret.txt", NotFound, NotFound),
        ("/\\..\\secret.txt", NotFound, NotFound),
        // Absolute-looking paths stay under the root.
        (
            "//etc/passwd",
            File(b"fake passwd inside the root"),
            File(b"fake passwd inside the root"),
        ),
        (
            "/%2fetc%2fpasswd",
            File(b"fake passwd inside the root"),
            File(b"fake passwd inside the root"),
        ),
        // Overlong UTF-8 dots are just bytes.
        (
            "/%c0%ae%c0%ae",
            File(b"overlong bytes name"),
            File(b"overlong bytes name"),
        ),
        ("/%c0%ae%c0%ae/secret.txt", NotFound, NotFound),
        ("/%00", BadRequest, BadRequest),
        ("/index.txt%00.html", BadRequest, BadRequest),
        ("index.txt", BadRequest, BadRequest),
        // A file used as a directory.
        ("/index.txt/x", NotFound, NotFound),
        ("/index.txt/", File(b"hello"), File(b"hello")),
        ("/missing", NotFound, NotFound),
        // Symlinks.
        ("/link_rel_inside", File(b"sub file"), File(b"sub file")),
        ("/link_abs_inside", Forbidden, File(b"sub file")),
        ("/link_outside", Forbidden, Forbidden),
        ("/link_abs_outside", Forbidden, Forbidden),
        ("/chain1", File(b"sub file"), File(b"sub file")),
        ("/chain_out1", Forbidden, Forbidden),
        ("/dirlink_in/file.txt", File(b"sub file"), File(b"sub file")),
        ("/dirlink_in/", Dir, Dir),
        ("/dirlink_out", Forbidden, Forbidden),
        ("/dirlink_out/inner.txt", Forbidden, Forbidden),
        ("/loop1", NotFound, NotFound),
        ("/self_loop", NotFound, NotFound),
        ("/broken", NotFound, NotFound),
        ("/environ_link", Forbidden, Forbidden),
        ("/fifo", Forbidden, Forbidden),
    ]
};

fn check(root: &ServedRoot, path: &str, want: Want) {
    let got = root.resolve(path);
    match (want, got) {
        (Want::File(contents), Ok(mut r)) => {
            assert!(!r.meta.is_dir, "{path}: expected a file");
            let mut buf = Vec::new();
            r.file.read_to_end(&mut buf).expect("read");
            assert_eq!(buf, contents, "{path}");
            assert_eq!(r.meta.size, contents.len() as u64, "{path}");
        }
        (Want::Dir, Ok(r)) => assert!(r.meta.is_dir, "{path}: expected a directory"),
        (Want::BadRequest, Err(ResolveError::BadRequest(_)))
        | (Want::Forbidden, Err(ResolveError::Forbidden(_)))
        | (Want::NotFound, Err(ResolveError::NotFound(_))) => {}
        (want, got) => panic!("{path}: wanted {want:?}, got {got:?}"),
    }
}

#[test]
fn traversal_table_with_openat2() {
    let t = fixture();
    let root = ServedRoot::open(&t.at("root")).expect("open root");
    assert!(
        root.uses_openat2(),
        "this kernel has openat2; the fallback would hide bugs"
    );
    for &(path, want, _) in TABLE {
        check(&root, path, want);
    }
}

#[test]
fn traversal_table_with_fallback() {
    let t = fixture();
    let root = ServedRoot::open_without_openat2(&t.at("root")).expect("open root");
    assert!(!root.uses_openat2());
    for &(path, _, want) in TABLE {
        check(&root, path, want);
    }
}

#[test]
fn overlong_paths_are_not_found() {
    let t = fixture();
    for root in roots(&t.at("root")) {
        let long_name = format!("/{}", "n".repeat(300));
        check(&root, &long_name, Want::NotFound);
        let deep = "/sub".repeat(2000);
        check(&root, &deep, Want::NotFound);
        // Just under the limits: still looked up, still not found.
        check(&root, &format!("/{}", "n".repeat(255)), Want::NotFound);
    }
}

#[test]
fn rel_path_and_trailing_slash_are_reported() {
    let t = fixture();
    let root = ServedRoot::open(&t.at("root")).expect("open root");
    let r = root.resolve("/sub/./deeper/").expect("resolve");
    assert_eq!(r.rel_path, b"sub/deeper");
    assert!(r.trailing_slash);
    let r = root.resolve("/").expect("resolve");
    assert_eq!(r.rel_path, b"");
    assert!(r.trailing_slash);
    let r = root.resolve("/%c0%ae%c0%ae").expect("resolve");
    assert_eq!(r.rel_path, b"\xc0\xae\xc0\xae");
    assert!(!r.trailing_slash);
}

#[test]
fn fifo_never_blocks() {
    let t = fixture();
    let fifo_root = t.at("root");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let answers: Vec<bool> = [
            ServedRoot::open(&fifo_root),
            ServedRoot::open_without_openat2(&fifo_root),
        ]
        .into_iter()
        .map(|root| {
            matches!(
                root.expect("open").resolve("/fifo"),
                Err(ResolveError::Forbidden(_))
            )
        })
        .collect();
        let _ = tx.send(answers);
    });
    let answers = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("resolving a FIFO blocked");
    assert_eq!(answers, [true, true]);
}

#[test]
fn root_must_be_a_directory() {
    let t = fixture();
    let err = ServedRoot::open(&t.at("root/index.txt")).expect_err("a file is not a root");
    assert!(err.to_string().contains("not a directory"), "{err}");
    let err = ServedRoot::open(&t.at("nope")).expect_err("missing root");
    assert!(err.to_string().contains("no such directory"), "{err}");
}

#[test]
fn root_path_is_held_by_descriptor() {
    // Renaming the served directory does not break (or redirect) the openat2 resolver.
    let t = fixture();
    let root = ServedRoot::open(&t.at("root")).expect("open root");
    std::fs::rename(t.at("root"), t.at("moved")).expect("rename");
    std::fs::create_dir(t.at("root")).expect("recreate");
    check(&root, "/index.txt", Want::File(b"hello"));
}

#[test]
fn unreadable_is_forbidden() {
    use std::os::unix::fs::PermissionsExt;
    let t = fixture();
    let p = t.at("root/index.txt");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let roots = roots(&t.at("root"));
    as_any_user(move || {
        assert!(std::fs::File::open(&p).is_err(), "the file is unreadable");
        for root in &roots {
            check(root, "/index.txt", Want::Forbidden);
        }
    });
}

/// Serving `/` must not expose the kernel's pseudo filesystems or devices.
#[test]
fn pseudo_filesystems_and_devices_are_refused() {
    assert!(
        Path::new("/proc/self/environ").exists(),
        "/proc must be mounted for this test"
    );
    for root in roots(Path::new("/")) {
        check(&root, "/proc/self/environ", Want::Forbidden);
        check(&root, "/proc/self/status", Want::Forbidden);
        check(&root, "/proc/", Want::Forbidden);
        check(&root, "/dev/null", Want::Forbidden);
        if Path::new("/sys/kernel").is_dir() {
            check(&root, "/sys/kernel/", Want::Forbidden);
        }
        // Real files on the same root are still served.
        assert!(root.resolve("/etc/").is_ok_and(|r| r.meta.is_dir));
    }
    // A root that is itself on /proc serves nothing, not even its own listing.
    for root in roots(Path::new("/proc/self")) {
        check(&root, "/", Want::Forbidden);
        check(&root, "/environ", Want::Forbidden);
    }
}

fn roots(dir: &Path) -> [ServedRoot; 2] {
    [
        ServedRoot::open(dir).expect("open root"),
        ServedRoot::open_without_openat2(dir).expect("open root"),
    ]
}

/// Where an opened descriptor really is, asked of the kernel.
fn real_path(file: &std::fs::File) -> PathBuf {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).expect("readlink fd")
}

/// Property: whatever the client sends, anything served is inside the root.
#[test]
fn random_paths_never_leave_the_root() {
    let t = fixture();
    let root_dir = t.at("root");
    let pieces: &[&str] = &[
        "/",
        "/",
        "/",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2f",
        "%2F",
        "%5c",
        "\\",
        "%25",
        "%00",
        "%",
        "2e",
        "sub",
        "deeper",
        "file.txt",
        "link_outside",
        "link_rel_inside",
        "link_abs_inside",
        "dirlink_out",
        "dirlink_in",
        "chain_out1",
        "chain1",
        "loop1",
        "secret.txt",
        "secretdir",
        "inner.txt",
        "etc",
        "passwd",
        "fifo",
        "environ_link",
        "%c0%ae",
        "%ff",
        "~",
        "#",
        "a",
    ];
    let mut rng = Rng::new(0x5eed_d15e);
    let mut served = 0;
    for root in roots(&root_dir) {
        for _ in 0..4000 {
            let mut path = String::from("/");
            for _ in 0..rng.below(12) {
                if rng.below(8) == 0 {
                    // A random byte, percent-encoded or (if printable ASCII) raw.
                    let b = rng.below(256) as u8;
                    if b.is_ascii_graphic() && b != b'?' {
                        path.push(b as char);
                    } else {
                        path.push_str(&format!("%{b:02x}"));
                    }
                } else {
                    let piece: &&str = rng.pick(pieces);
                    path.push_str(piece);
                }
            }
            match root.resolve(&path) {
                Ok(mut r) => {
                    served += 1;
                    let real = real_path(&r.file);
                    assert!(
                        real.starts_with(&root_dir),
                        "{path} escaped to {}",
                        real.display()
                    );
                    if !r.meta.is_dir {
                        let mut buf = Vec::new();
                        r.file.read_to_end(&mut buf).expect("read");
                        assert_ne!(buf, SECRET, "{path}");
                    }
                }
                Err(ResolveError::Internal(e)) => panic!("{path}: internal error {e}"),
                Err(_) => {}
            }
        }
    }
    assert!(
        served > 100,
        "the generator should also hit real files ({served})"
    );
}
