//! Property tests of the path resolver, the one gate every file dirserve serves goes through.
//!
//! Invariants checked, for request paths built from hostile pieces (`..` and `.` in every
//! spelling, `%2f`, `%5c`, `%00`, `\`, raw and percent-encoded arbitrary bytes, names of the
//! test tree, symlink chains, paths of several kilobytes):
//!
//! 1. **Containment.** [`ServedRoot::resolve`] either fails or returns a descriptor whose real
//!    location is inside the served root: its `(dev, ino)` is one of the files and directories
//!    found by walking the root (without following symlinks), its `/proc/self/fd` link names a
//!    path under the root, and it is never one of the secrets placed next to the root (reached
//!    through relative, absolute, chained and looping symlinks that point outside). The same
//!    holds for the `realpath` fallback ([`ServedRoot::open_without_openat2`]), and when both
//!    strategies succeed they open the same file.
//! 2. **Decoding is clean.** Whatever [`decode_request_path`] accepts has no empty, `.` or `..`
//!    segment, no NUL, no leading or trailing `/`, and fits `PATH_MAX`.
//! 3. **Listing links lead back.** For arbitrary file and directory names (any bytes but `/`
//!    and NUL, not `.` or `..`), every name [`read_listing`] reports, rendered as a link by
//!    [`href`], resolves (`"/" + href`) to exactly that file (same inode), with `rel_path` equal
//!    to the raw name: what a browser or mirror tool clicks is what is on disk.
//!
//! Why: the resolver is the security boundary (a traversal means serving the machine), and the
//! listing's links are the only URLs most clients ever use. Example-based tests pin known
//! attacks; these look for the spelling nobody thought of. Each test builds its tree once and
//! runs a bounded number of cases (no regression files are written; a failure prints the
//! minimal input).

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use dirserve::listing::{Kind, Links, href, read_listing};
use dirserve::resolve::decode::{MAX_PATH_BYTES, decode_request_path};
use dirserve::resolve::{ResolveError, ServedRoot};
use proptest::prelude::*;
use testkit::Tree;
use testkit::property::check;

/// Cases per containment property (each case is a handful of syscalls).
const RESOLVE_CASES: u32 = 4000;
/// Cases for the pure decoder.
const DECODE_CASES: u32 = 2000;
/// Cases for the listing round trip (each creates and lists a few files).
const LISTING_CASES: u32 = 300;

/// The served tree, the secrets beside it, and the identity of everything inside.
struct Fixture {
    _tmp: Tree,
    root: PathBuf,
    /// `(dev, ino)` of every directory and regular file under the root, symlinks not followed.
    inside: HashSet<(u64, u64)>,
    /// `(dev, ino)` of the secrets outside the root (files and the outside directory).
    secrets: HashSet<(u64, u64)>,
}

/// Names used in the tree (and by the path strategy, so paths actually hit things).
const TREE_NAMES: &[&str] = &[
    "a.txt",
    "b.html",
    "dir with space",
    "e.txt",
    "sub",
    "c.txt",
    "deeper",
    "d.txt",
    "up",
    "up2",
    "link_in",
    "link_dir_in",
    "escape",
    "escape_dir",
    "escape2",
    "escape3",
    "chain",
    "abs_secret",
    "abs_in",
    "abs_dir",
    "loop",
    "loop_a",
    "loop_b",
    "slash",
    "etc",
    "passwd",
    "proc_self",
    "environ",
    "fifo",
    "%2e%2e",
    "..\\secret.txt",
    "back\\slash",
    "secret.txt",
    "secret2.txt",
    "outside_dir",
    "root",
];

fn build_fixture(tag: &str) -> Fixture {
    let tmp = Tree::new(tag);
    // Canonical, so links and /proc/self/fd paths compare with it (the temp dir may be a link).
    let outer = fs::canonicalize(tmp.path()).expect("canonicalize temp dir");
    let root = outer.join("root");
    fs::create_dir(&root).expect("root");
    fs::write(outer.join("secret.txt"), b"SECRET outside the root").expect("secret");
    fs::create_dir(outer.join("outside_dir")).expect("outside dir");
    fs::write(outer.join("outside_dir/secret2.txt"), b"SECRET 2").expect("secret2");

    let file = |rel: &str, body: &[u8]| fs::write(root.join(rel), body).expect("file");
    let dir = |rel: &str| fs::create_dir_all(root.join(rel)).expect("dir");
    let link = |target: &str, rel: &str| symlink(target, root.join(rel)).expect("symlink");
    file("a.txt", b"a");
    file("b.html", b"<p>b</p>");
    dir("dir with space");
    file("dir with space/e.txt", b"e");
    dir("sub/deeper");
    file("sub/c.txt", b"c");
    file("sub/deeper/d.txt", b"d");
    file("%2e%2e", b"literal percent name");
    file("..\\secret.txt", b"a backslash name, inside");
    file("back\\slash", b"backslash");
    // Relative symlinks that stay inside.
    link("..", "sub/up");
    link("../..", "sub/deeper/up2");
    link("a.txt", "link_in");
    link("sub", "link_dir_in");
    link("sub/up/sub/deeper/up2/link_in", "chain");
    // Relative symlinks that leave.
    link("../secret.txt", "escape");
    link("../outside_dir", "escape_dir");
    link("../../secret.txt", "sub/escape2");
    link("../../../secret.txt", "sub/deeper/escape3");
    link("up/../escape", "sub/escape_via_up");
    // Absolute symlinks, out and in.
    let abs = |p: &Path| p.to_str().expect("utf-8 temp path").to_owned();
    link(&abs(&outer.join("secret.txt")), "abs_secret");
    link(&abs(&outer.join("outside_dir")), "abs_dir");
    link(&abs(&root.join("a.txt")), "abs_in");
    link("/", "slash");
    link("/etc", "etc");
    link("/proc/self", "proc_self");
    // Loops.
    link("loop", "loop");
    link("loop_b", "loop_a");
    link("loop_a", "loop_b");
    // A FIFO: must be refused without hanging.
    rustix::fs::mknodat(
        rustix::fs::CWD,
        root.join("fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .expect("mkfifo");

    let mut inside = HashSet::new();
    walk(&root, &mut inside);
    let mut secrets = HashSet::new();
    for p in ["secret.txt", "outside_dir", "outside_dir/secret2.txt", ""] {
        let m = fs::symlink_metadata(outer.join(p)).expect("secret meta");
        secrets.insert((m.dev(), m.ino()));
    }
    Fixture {
        _tmp: tmp,
        root,
        inside,
        secrets,
    }
}

/// Collects `(dev, ino)` of `dir` and every directory and regular file beneath it.
fn walk(dir: &Path, out: &mut HashSet<(u64, u64)>) {
    let m = fs::symlink_metadata(dir).expect("meta");
    out.insert((m.dev(), m.ino()));
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let m = fs::symlink_metadata(&path).expect("meta");
        if m.is_dir() {
            walk(&path, out);
        } else if m.is_file() {
            out.insert((m.dev(), m.ino()));
        }
    }
}

// ---- strategies -------------------------------------------------------------------------

/// Percent-encodes every byte.
fn pct_all(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// Percent-encodes bytes that cannot appear raw in a `&str` path, plus a random-ish selection
/// (every byte whose low bit matches `mask`): the same bytes, spelled both ways.
fn pct_some(bytes: &[u8], mask: u8) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_graphic() && b != b'%' && (b ^ mask) & 1 == 0 {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// Spellings that decoders have historically got wrong.
const TRICKY: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    "%2e",
    "%2E",
    "%2e%2e",
    "%2E%2e",
    ".%2e",
    "%2e.",
    "%252e%252e",
    "%2f",
    "%2F",
    "..%2f",
    "%2f..",
    "%5c",
    "%5C",
    "..%5c",
    "..\\",
    "\\..",
    "\\",
    "%00",
    "\0",
    "%",
    "%%",
    "%2",
    "%zz",
    "%25",
    "%c0%ae%c0%ae",
    "%c0%af",
    "%e0%80%ae",
    "#",
    "%23",
    "?",
    "~",
    ".. ",
    " ..",
    "..;",
    "%20",
    "con",
    "*",
    ":",
];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(TREE_NAMES).prop_map(str::to_owned),
        // Tree names percent-encoded (so `%2e%2e` and `..\\` names are reached too).
        2 => prop::sample::select(TREE_NAMES).prop_map(|n| pct_all(n.as_bytes())),
        3 => prop::sample::select(TRICKY).prop_map(str::to_owned),
        1 => (prop::collection::vec(any::<u8>(), 0..10), any::<u8>())
            .prop_map(|(b, mask)| pct_some(&b, mask)),
        1 => prop::collection::vec(any::<char>(), 0..6).prop_map(|c| c.into_iter().collect()),
    ]
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "/", "/", "/", "/", "/", "//", "/./", "%2f", "%2F", "\\", "%5c", "/%2e/",
        ][..],
    )
}

/// A request path from hostile pieces: mostly starting with `/`, sometimes not.
fn request_path() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(&["/", "/", "/", "/", "", "//", "%2f", "\\", "./"][..]);
    let suffix = prop::sample::select(&["", "", "", "/", "//", "/.", "#x", "%00", "?q"][..]);
    let pieces = prop::collection::vec((segment(), separator()), 0..5);
    let short = (prefix, pieces, segment(), suffix).prop_map(|(prefix, pieces, last, suffix)| {
        let mut s = prefix.to_owned();
        for (seg, sep) in pieces {
            s.push_str(&seg);
            s.push_str(sep);
        }
        s.push_str(&last);
        s.push_str(suffix);
        s
    });
    // Long paths: symlink chains (ELOOP), many `.`/empty segments, names near NAME_MAX,
    // totals around PATH_MAX.
    let unit = prop::sample::select(
        &[
            "sub/up",
            "link_dir_in",
            "sub",
            ".",
            "",
            "%2e",
            "sub/deeper/up2",
            "a",
            "aaaaaaaa",
        ][..],
    );
    let long = (unit, 1..700usize, segment()).prop_map(|(unit, n, last)| {
        let mut s = String::from("/");
        for _ in 0..n {
            s.push_str(unit);
            s.push('/');
        }
        s.push_str(&last);
        s
    });
    let long_name = (
        250..4200usize,
        prop::sample::select(&["a", "%61", "/a", "."][..]),
    )
        .prop_map(|(n, unit)| format!("/{}", unit.repeat(n)));
    prop_oneof![
        4 => short,
        6 => mutated_known_path(),
        2 => long,
        1 => long_name,
        1 => any::<String>().prop_map(|s| format!("/{s}")),
    ]
}

/// Paths that reach something in the fixture (a file or a directory); see also [`TRAPS`].
const KNOWN_PATHS: &[&str] = &[
    "/",
    "/a.txt",
    "/b.html",
    "/sub/",
    "/sub/c.txt",
    "/sub/deeper/d.txt",
    "/sub/up/a.txt",
    "/sub/up/sub/up/sub/c.txt",
    "/sub/deeper/up2/b.html",
    "/link_dir_in/deeper/up2/link_in",
    "/link_in",
    "/chain",
    "/dir%20with%20space/e.txt",
    "/dir with space/",
    "/%252e%252e",
    "/..%5Csecret.txt",
    "/back%5cslash",
    "/abs_in",
];

/// The fixture's traps: paths that reach outside the root, a FIFO or a loop, each refused.
const TRAPS: &[&str] = &[
    "/escape",
    "/escape_dir/secret2.txt",
    "/sub/escape2",
    "/sub/deeper/escape3",
    "/sub/escape_via_up",
    "/abs_secret",
    "/abs_dir/secret2.txt",
    "/slash/etc/passwd",
    "/etc/passwd",
    "/proc_self/environ",
    "/fifo",
    "/loop",
    "/loop_a",
    "/loop_a/x",
];

/// One edit of a known path.
#[derive(Debug, Clone)]
enum Edit {
    /// Insert a tricky piece (and a separator) before byte `at` (modulo the length).
    Insert(usize, &'static str, &'static str),
    /// Percent-encode the character at `at`.
    Encode(usize),
    /// Replace the `/` at or after `at` with another separator.
    Separator(usize, &'static str),
    /// Append something.
    Append(&'static str),
}

fn mutated_known_path() -> impl Strategy<Value = String> {
    let edit = prop_oneof![
        (any::<usize>(), prop::sample::select(TRICKY), separator())
            .prop_map(|(at, piece, sep)| Edit::Insert(at, piece, sep)),
        any::<usize>().prop_map(Edit::Encode),
        (any::<usize>(), separator()).prop_map(|(at, sep)| Edit::Separator(at, sep)),
        prop::sample::select(TRICKY).prop_map(Edit::Append),
    ];
    (
        prop::sample::select([KNOWN_PATHS, TRAPS].concat()),
        prop::collection::vec(edit, 0..3),
    )
        .prop_map(|(path, edits)| {
            let mut s = path.to_owned();
            for edit in edits {
                let boundary = |at: usize| {
                    let mut at = at % (s.len() + 1);
                    while !s.is_char_boundary(at) {
                        at -= 1;
                    }
                    at
                };
                match edit {
                    Edit::Insert(at, piece, sep) => {
                        let at = boundary(at);
                        s.insert_str(at, &format!("{piece}{sep}"));
                    }
                    Edit::Encode(at) => {
                        let at = boundary(at);
                        if let Some(c) = s[at..].chars().next() {
                            let mut buf = [0; 4];
                            let enc = pct_all(c.encode_utf8(&mut buf).as_bytes());
                            s.replace_range(at..at + c.len_utf8(), &enc);
                        }
                    }
                    Edit::Separator(at, sep) => {
                        let at = boundary(at);
                        if let Some(i) = s[at..].find('/') {
                            s.replace_range(at + i..at + i + 1, sep);
                        }
                    }
                    Edit::Append(piece) => s.push_str(piece),
                }
            }
            s
        })
}

// ---- containment ------------------------------------------------------------------------

/// Checks one resolution against the fixture; returns the opened `(dev, ino)`, if any.
fn check_contained(
    fx: &Fixture,
    served: &ServedRoot,
    path: &str,
) -> Result<Option<(u64, u64)>, TestCaseError> {
    let resolved = match served.resolve(path) {
        Ok(r) => r,
        Err(ResolveError::Internal(e)) => {
            return Err(TestCaseError::fail(format!(
                "internal error (should be a client error): {e}"
            )));
        }
        Err(_) => return Ok(None),
    };
    let st = resolved.file.metadata().expect("fstat");
    let id = (st.dev(), st.ino());
    prop_assert_eq!(
        id,
        (resolved.meta.dev, resolved.meta.ino),
        "meta is not the fd's"
    );
    prop_assert!(st.is_file() || st.is_dir(), "served a non-regular file");
    prop_assert_eq!(st.is_dir(), resolved.meta.is_dir);
    prop_assert!(
        !fx.secrets.contains(&id),
        "opened a secret outside the root"
    );
    prop_assert!(
        fx.inside.contains(&id),
        "opened a file that is not under the root"
    );
    let fd_link = PathBuf::from(format!("/proc/self/fd/{}", resolved.file.as_raw_fd()));
    if let Ok(real) = fs::read_link(&fd_link) {
        prop_assert!(
            real.starts_with(&fx.root),
            "fd points at {} outside {}",
            real.display(),
            fx.root.display()
        );
    }
    // What was opened is what `rel_path` names (symlinks followed).
    let by_name = fs::metadata(fx.root.join(OsStr::from_bytes(&resolved.rel_path)))
        .map(|m| (m.dev(), m.ino()));
    prop_assert_eq!(by_name.ok(), Some(id), "rel_path names another file");
    Ok(Some(id))
}

#[test]
fn any_request_path_stays_inside_the_root() {
    let fx = build_fixture("contain");
    let with_openat2 = ServedRoot::open(&fx.root).expect("open root");
    let fallback = ServedRoot::open_without_openat2(&fx.root).expect("open root (fallback)");
    if !with_openat2.uses_openat2() {
        eprintln!("note: no openat2 here; both roots use the realpath fallback");
    }
    let opened = AtomicUsize::new(0);
    let forbidden = AtomicUsize::new(0);
    check(RESOLVE_CASES, request_path(), |path| {
        let a = check_contained(&fx, &with_openat2, &path)?;
        let b = check_contained(&fx, &fallback, &path)?;
        if let (Some(a), Some(b)) = (a, b) {
            prop_assert_eq!(a, b, "the two strategies opened different files");
        }
        if a.is_some() {
            opened.fetch_add(1, Ordering::Relaxed);
        }
        if matches!(with_openat2.resolve(&path), Err(ResolveError::Forbidden(_))) {
            forbidden.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    // Not vacuous: a good share of paths open something, and some hit a trap.
    let (opened, forbidden) = (opened.into_inner(), forbidden.into_inner());
    eprintln!("{RESOLVE_CASES} paths: {opened} opened, {forbidden} forbidden");
    assert!(
        opened * 10 >= RESOLVE_CASES as usize,
        "only {opened} opened"
    );
    assert!(
        forbidden * 50 >= RESOLVE_CASES as usize,
        "only {forbidden} forbidden"
    );
}

/// The known escapes, spelled directly: the fixture really does contain working traps (a
/// fixture whose symlinks were all broken would make the property above vacuous).
#[test]
fn fixture_traps_are_live_and_refused() {
    let fx = build_fixture("traps");
    for served in [
        ServedRoot::open(&fx.root).expect("open root"),
        ServedRoot::open_without_openat2(&fx.root).expect("open root (fallback)"),
    ] {
        for trap in TRAPS {
            assert!(served.resolve(trap).is_err(), "{trap} was served");
        }
        for ok in [
            "/",
            "/a.txt",
            "/chain",
            "/link_in",
            "/link_dir_in/c.txt",
            "/sub/up/a.txt",
        ] {
            assert!(served.resolve(ok).is_ok(), "{ok} was refused");
        }
    }
    // The secrets are readable by following the traps without the resolver.
    assert_eq!(
        fs::read(fx.root.join("escape")).expect("trap works"),
        b"SECRET outside the root"
    );
}

// ---- decoding -------------------------------------------------------------------------

#[test]
fn decoded_paths_are_clean() {
    check(DECODE_CASES, request_path(), |path| {
        let Ok(decoded) = decode_request_path(&path) else {
            return Ok(());
        };
        let rel = &decoded.rel;
        prop_assert!(rel.len() <= MAX_PATH_BYTES);
        prop_assert!(!rel.contains(&0));
        if !rel.is_empty() {
            for seg in rel.split(|&b| b == b'/') {
                prop_assert!(
                    !matches!(seg, b"" | b"." | b".."),
                    "segment {:?}",
                    String::from_utf8_lossy(seg)
                );
            }
        }
        prop_assert!(path.starts_with('/'));
        Ok(())
    });
}

// ---- listing round trip -----------------------------------------------------------------

/// A file name: any bytes but `/` and NUL, not `.` or `..`; biased toward bytes that need
/// escaping. Mostly short, sometimes near `NAME_MAX`.
fn file_name() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => any::<u8>().prop_map(|b| if b == 0 || b == b'/' { b'_' } else { b }),
        2 => prop::sample::select(&b"%.#?&;\\ ~-_+:=\"'<>\t\n\r\x7f\x80\xff"[..]),
        2 => prop::sample::select(&b"aZ09"[..]),
    ];
    prop_oneof![
        6 => prop::collection::vec(byte.clone(), 1..24),
        1 => prop::collection::vec(byte, 200..=255),
    ]
    .prop_filter("not . or ..", |n| n != b"." && n != b"..")
}

#[test]
fn listed_hrefs_resolve_to_the_listed_file() {
    let tmp = Tree::new("listing");
    let counter = AtomicUsize::new(0);
    let names = prop::collection::vec((file_name(), any::<bool>()), 1..5);
    check(LISTING_CASES, names, |names| {
        // A fresh served directory per case, so a failed case leaves nothing behind for the
        // next one.
        let dir = tmp
            .path()
            .join(format!("case-{}", counter.fetch_add(1, Ordering::Relaxed)));
        fs::create_dir(&dir).expect("case dir");
        let mut created: BTreeMap<Vec<u8>, (u64, u64)> = BTreeMap::new();
        for (name, is_dir) in names {
            if created.contains_key(&name) {
                continue;
            }
            let path = dir.join(OsStr::from_bytes(&name));
            if is_dir {
                fs::create_dir(&path).expect("create dir");
            } else {
                fs::write(&path, &name).expect("create file");
            }
            let m = fs::symlink_metadata(&path).expect("meta");
            created.insert(name, (m.dev(), m.ino()));
        }
        for served in [
            ServedRoot::open(&dir).expect("open"),
            ServedRoot::open_without_openat2(&dir).expect("open (fallback)"),
        ] {
            let listed_dir = served.resolve("/").expect("resolve root");
            let links = Links::new(&served, b"");
            let entries = read_listing(&listed_dir.file, &links).expect("list");
            // The listing holds exactly the created names.
            let listed: Vec<&[u8]> = entries.iter().map(|e| e.name).collect();
            let want: Vec<&[u8]> = created.keys().map(Vec::as_slice).collect();
            let mut sorted = listed.clone();
            sorted.sort();
            prop_assert_eq!(sorted, want);
            // Same check through a plain `File`, as a listing cache might hold it.
            prop_assert_eq!(
                read_listing(&File::open(&dir).expect("open dir"), &links).expect("list"),
                entries.clone()
            );
            for entry in entries.iter() {
                let link = href(entry);
                prop_assert!(link.is_ascii(), "href is not ASCII: {:?}", link);
                prop_assert!(
                    !link.contains(['?', '#', '"', '<', '>', ' ', '\\']),
                    "href has a raw special character: {:?}",
                    link
                );
                let request = format!("/{link}");
                let resolved = served.resolve(&request).map_err(|e| {
                    TestCaseError::fail(format!("{request:?} did not resolve: {e}"))
                })?;
                prop_assert_eq!(
                    &resolved.rel_path[..],
                    entry.name,
                    "rel_path of {}",
                    request
                );
                prop_assert_eq!(
                    (resolved.meta.dev, resolved.meta.ino),
                    created[entry.name],
                    "{} opened another file",
                    request
                );
                let is_dir = entry.kind == Kind::Dir;
                prop_assert_eq!(resolved.meta.is_dir, is_dir);
                prop_assert_eq!(link.ends_with('/'), is_dir);
                prop_assert_eq!(resolved.trailing_slash, is_dir);
            }
        }
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    });
}
