//! Directory listings. This module reads a directory's entries: names, kinds, sizes and times,
//! sorted as CPython sorts them, or in an [`Order`] asked for. Around it:
//! - `order`: those orders;
//! - [`href()`]: the link to each entry, the same in every format;
//! - `html`: CPython's listing page, byte for byte; `json`: the same listing for scripts;
//! - `cache`: pages already made, shared by every reader while they stay true;
//! - `pages`: where pages are made (listing threads) and looked up, for the handler.
//!
//! The entries come from `getdents64` on the descriptor the resolver already opened, in large
//! batches, and each is `fstatat`-ed relative to that descriptor (one short lookup per name;
//! std's `read_dir` + `metadata` on musl does a full-path `lstat` per entry and many small
//! `getdents64` calls). The data is plain and owned (`Vec<Entry>`), so a cache keyed on the
//! directory's identity and mtime can keep it, or its rendering, without borrowing anything.
//!
//! A symlink is described without following it out of the served root: whether it gets the `/`
//! of a directory is decided by the resolver's own rules ([`Links`]), so a listing never tells a
//! visitor whether something outside the root exists or is a directory.
//!
//! `fingerprint` reads the same facts without keeping them: a hash of what a page shows, so a
//! page already made can be checked against the directory without making it again.

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, FileType, RawDir, SeekFrom};

use crate::meta::{modified_of_stat, size_of_stat};
use crate::resolve::ServedRoot;

mod cache;
mod href;
pub(crate) mod html;
mod json;
mod order;
pub(crate) mod pages;

pub use href::href;
pub use order::{Order, SortBy, parse_descending};

/// Bytes of directory records fetched per `getdents64` call: a few hundred names at a time
/// (musl's `readdir` asks for 2 KiB). Much larger than the biggest single record (~280 bytes).
const GETDENTS_BUF_BYTES: usize = 32 * 1024;

/// One name in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name exactly as stored: raw bytes, which need not be UTF-8.
    pub name: Vec<u8>,
    /// What it is, a symlink described without following it out of the root.
    pub kind: Kind,
    /// Size in bytes, of the entry itself (for a symlink, the link, not its target: a link out
    /// of the root must not reveal the size of what it points to).
    pub size: u64,
    /// Modification time, of the entry itself (a link's own time, for the same reason).
    pub modified: SystemTime,
}

/// What an entry is, as far as a listing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link; `to_dir` when following it as a request would (only inside the served
    /// root) reaches a directory, so the listing links to it with a trailing `/` as CPython's
    /// `os.path.isdir` would. A link that leaves the root never has it, whatever it points to.
    Symlink {
        /// Whether it leads to a directory inside the root.
        to_dir: bool,
    },
    /// A FIFO, socket or device, or a name that vanished before we could `stat` it. Listed (as
    /// CPython lists them) but never served.
    Other,
}

impl Kind {
    /// Whether the listing links to it as a directory (with a trailing `/`).
    pub fn leads_to_dir(self) -> bool {
        matches!(self, Kind::Dir | Kind::Symlink { to_dir: true })
    }
}

/// Where the symbolic links of one listed directory lead, judged by the resolver
/// (`ServedRoot::leads_to_dir`) exactly as a request for the link would be: followed only
/// while inside the root, so a link out of it is described without being followed.
pub struct Links<'a> {
    root: &'a ServedRoot,
    /// The listed directory, decoded and relative to the root (as `Resolved::rel_path`).
    dir: &'a [u8],
}

impl<'a> Links<'a> {
    /// The links of the directory `dir` (decoded, relative to `root`; empty for the root).
    pub fn new(root: &'a ServedRoot, dir: &'a [u8]) -> Links<'a> {
        Links { root, dir }
    }

    /// Whether the link `name` in the listed directory leads to a directory inside the root.
    fn to_dir(&self, name: &[u8]) -> bool {
        let mut rel = Vec::with_capacity(self.dir.len() + 1 + name.len());
        rel.extend_from_slice(self.dir);
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name);
        self.root.leads_to_dir(&rel)
    }
}

/// Reads every entry of an opened directory (except `.` and `..`), sorted as CPython's
/// `list.sort(key=lambda a: a.lower())` sorts `os.listdir()`.
///
/// Starts from the first entry whatever the descriptor's position, so the same `File` can be
/// listed again. An entry that vanishes between `getdents64` and `fstatat` is listed as
/// [`Kind::Other`] rather than failing the listing.
pub fn read_listing(dir: &File, links: &Links<'_>) -> io::Result<Vec<Entry>> {
    read_sorted(dir, links, Order::default(), |_, _, _, _| {})
}

/// What a page shows of each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Shown {
    /// Names and kinds: the HTML page.
    NamesAndKinds,
    /// Sizes and times too: the JSON listing.
    Everything,
}

/// A hash of what a page would show for `dir`, read as [`read_listing`] reads it but without
/// keeping anything: the same hash (from the same `hasher` keys) means the same page. Names and
/// kinds always count; sizes and times when the page shows them or is ordered by them
/// (`metadata`). Entries are hashed in the kernel's order, before sorting, so even the order of
/// names that sort as equal (`A` and `a`) is covered.
fn fingerprint(
    dir: &File,
    links: &Links<'_>,
    metadata: bool,
    mut hasher: impl Hasher,
) -> io::Result<u64> {
    walk(dir, links, |name, kind, size, modified| {
        hash_entry(&mut hasher, metadata, name, kind, size, modified);
    })?;
    Ok(hasher.finish())
}

/// The entries of `dir` in `order` and the [`fingerprint`] of what was read, in one pass.
fn read_listing_and_fingerprint(
    dir: &File,
    links: &Links<'_>,
    order: Order,
    metadata: bool,
    mut hasher: impl Hasher,
) -> io::Result<(Vec<Entry>, u64)> {
    let entries = read_sorted(dir, links, order, |name, kind, size, modified| {
        hash_entry(&mut hasher, metadata, name, kind, size, modified);
    })?;
    Ok((entries, hasher.finish()))
}

/// The entries of `dir` in `order`, each also shown to `also` as it is read.
fn read_sorted(
    dir: &File,
    links: &Links<'_>,
    order: Order,
    mut also: impl FnMut(&[u8], Kind, u64, SystemTime),
) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    walk(dir, links, |name, kind, size, modified| {
        also(name, kind, size, modified);
        entries.push(Entry {
            name: name.to_vec(),
            kind,
            size,
            modified,
        });
    })?;
    order.sort(&mut entries);
    Ok(entries)
}

fn hash_entry(
    hasher: &mut impl Hasher,
    metadata: bool,
    name: &[u8],
    kind: Kind,
    size: u64,
    modified: SystemTime,
) {
    // Length first, so that no two lists of names hash the same bytes.
    hasher.write_usize(name.len());
    hasher.write(name);
    kind.hash(hasher);
    if metadata {
        hasher.write_u64(size);
        modified.hash(hasher);
    }
}

/// Calls `each` with every entry of `dir` but `.` and `..`, in the kernel's order, from the
/// first whatever the descriptor's position.
fn walk(
    dir: &File,
    links: &Links<'_>,
    mut each: impl FnMut(&[u8], Kind, u64, SystemTime),
) -> io::Result<()> {
    rustix::fs::seek(dir, SeekFrom::Start(0))?;
    let mut buf = Vec::with_capacity(GETDENTS_BUF_BYTES);
    let mut raw = RawDir::new(dir.as_fd(), buf.spare_capacity_mut());
    while let Some(next) = raw.next() {
        let next = next?;
        let name = next.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let (kind, size, modified) = stat_at(dir.as_fd(), name, links);
        each(name, kind, size, modified);
    }
    Ok(())
}

/// `fstatat`s one name in `dir` (not following it), and for a symlink asks where it leads.
fn stat_at(dir: BorrowedFd<'_>, name: &[u8], links: &Links<'_>) -> (Kind, u64, SystemTime) {
    let Ok(lstat) = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) else {
        return (Kind::Other, 0, UNIX_EPOCH);
    };
    let kind = match FileType::from_raw_mode(lstat.st_mode) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink {
            to_dir: links.to_dir(name),
        },
        _ => Kind::Other,
    };
    (kind, size_of_stat(&lstat), modified_of_stat(&lstat))
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::Tree;

    fn names_of(entries: &[Entry]) -> Vec<&[u8]> {
        entries.iter().map(|e| e.name.as_slice()).collect()
    }

    /// The listing of the tree's root directory, served from that root.
    fn list(t: &Tree) -> Vec<Entry> {
        let root = ServedRoot::open(t.path()).expect("open root");
        let dir = File::open(t.path()).expect("open dir");
        read_listing(&dir, &Links::new(&root, b"")).expect("list")
    }

    #[test]
    fn kinds_sizes_and_times() {
        let t = Tree::new("listing");
        t.file("b.txt", b"12345")
            .dir("Adir")
            .symlink("b.txt", "link_to_file")
            .symlink("Adir", "link_to_dir")
            .symlink("nowhere", "broken")
            .fifo("pipe");
        let entries = list(&t);
        assert_eq!(
            names_of(&entries),
            [
                &b"Adir"[..],
                b"b.txt",
                b"broken",
                b"link_to_dir",
                b"link_to_file",
                b"pipe"
            ]
        );
        let kinds: Vec<Kind> = entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Dir,
                Kind::File,
                Kind::Symlink { to_dir: false },
                Kind::Symlink { to_dir: true },
                Kind::Symlink { to_dir: false },
                Kind::Other
            ]
        );
        assert_eq!(entries[1].size, 5);
        let std_mtime = std::fs::metadata(t.at("b.txt")).and_then(|m| m.modified());
        assert_eq!(entries[1].modified, std_mtime.expect("mtime"));
        // A symlink reports itself, not its target.
        assert_eq!(entries[4].size, b"b.txt".len() as u64);
        // Listing the same descriptor twice gives the same answer.
        let root = ServedRoot::open(t.path()).expect("open root");
        let dir = File::open(t.path()).expect("open dir");
        let links = Links::new(&root, b"");
        let first = read_listing(&dir, &links).expect("list");
        assert_eq!(read_listing(&dir, &links).expect("list again"), first);
        assert_eq!(first, entries);
    }

    /// A link that leaves the served root is described without being followed: no directory
    /// marker, whatever lies outside; links that stay inside are followed as requests are.
    #[test]
    fn links_out_of_the_root_are_not_followed() {
        let t = Tree::new("listing-links");
        t.dir("outside-dir")
            .file("outside-file", b"x")
            .dir("served/sub")
            .file("served/sub/f", b"f")
            .symlink("../outside-dir", "served/up-dir")
            .symlink("../outside-file", "served/up-file")
            .symlink("..", "served/parent")
            .symlink(
                t.at("served/sub").as_os_str().as_encoded_bytes(),
                "served/abs-in",
            )
            .symlink("/", "served/abs-root")
            .symlink("../served/sub", "served/out-and-back")
            .symlink("sub", "served/in-dir")
            .symlink("sub/f", "served/in-file")
            .symlink("../up-dir", "served/sub/via-up")
            .symlink("../in-dir", "served/sub/via-in");
        let root = ServedRoot::open(&t.at("served")).expect("open root");
        let kinds = |rel: &str| -> Vec<(String, Kind)> {
            let dir = File::open(t.at(format!("served/{rel}"))).expect("open dir");
            let rel = rel.trim_end_matches('/');
            read_listing(&dir, &Links::new(&root, rel.as_bytes()))
                .expect("list")
                .into_iter()
                .map(|e| (String::from_utf8(e.name).unwrap(), e.kind))
                .collect()
        };
        let link = |to_dir| Kind::Symlink { to_dir };
        // `openat2` refuses every absolute link and every `..` above the root, even one that
        // comes back (requests get 403 for both); the fallback without it follows them inside.
        let fallback = !root.uses_openat2();
        assert_eq!(
            kinds(""),
            [
                ("abs-in".into(), link(fallback)),
                ("abs-root".into(), link(false)),
                ("in-dir".into(), link(true)),
                ("in-file".into(), link(false)),
                ("out-and-back".into(), link(fallback)),
                ("parent".into(), link(false)),
                ("sub".into(), Kind::Dir),
                ("up-dir".into(), link(false)),
                ("up-file".into(), link(false)),
            ]
        );
        assert_eq!(
            kinds("sub/"),
            [
                ("f".into(), Kind::File),
                ("via-in".into(), link(true)),
                ("via-up".into(), link(false)),
            ]
        );
        // Reached through a link, the same directory lists the same.
        let through = File::open(t.at("served/sub")).expect("open dir");
        let entries = read_listing(&through, &Links::new(&root, b"in-dir")).expect("list");
        let kinds_through: Vec<Kind> = entries.iter().map(|e| e.kind).collect();
        assert_eq!(kinds_through, [Kind::File, link(true), link(false)]);
    }

    /// The fingerprint covers what the page shows or is ordered by, and nothing else.
    #[test]
    fn fingerprints_follow_what_the_page_shows() {
        let t = Tree::new("listing-fingerprint");
        // Not empty: an empty directory is 0 bytes on some filesystems (btrfs).
        t.file("a", b"1").file("d/x", b"");
        let root = ServedRoot::open(t.path()).expect("open root");
        let dir = File::open(t.path()).expect("open dir");
        let links = Links::new(&root, b"");
        let keys = std::collections::hash_map::RandomState::new();
        let print = |metadata| {
            use std::hash::BuildHasher;
            fingerprint(&dir, &links, metadata, keys.build_hasher()).expect("fingerprint")
        };
        let (names, everything) = (print(false), print(true));
        let by_size = Order {
            by: SortBy::Size,
            descending: true,
            ..Order::default()
        };
        let (entries, read) = read_listing_and_fingerprint(&dir, &links, by_size, true, {
            use std::hash::BuildHasher;
            keys.build_hasher()
        })
        .expect("list");
        assert_eq!(read, everything);
        assert_eq!(
            names_of(&entries),
            [&b"d"[..], b"a"],
            "a directory is larger than 1 byte"
        );
        assert_eq!(print(false), names, "the same directory");
        // A size changes: it counts only with the metadata.
        t.file("a", b"12");
        assert_eq!(print(false), names);
        let grown = print(true);
        assert_ne!(grown, everything);
        // A kind changes.
        std::fs::remove_dir_all(t.at("d")).unwrap();
        t.file("d", b"");
        let replaced = print(false);
        assert_ne!(replaced, names);
        // A name is added.
        t.file("b", b"");
        assert_ne!(print(false), replaced);
    }

    #[test]
    fn empty_directory() {
        let t = Tree::new("listing-empty");
        assert_eq!(list(&t), []);
    }

    #[test]
    fn many_entries_span_several_getdents_calls() {
        let t = Tree::new("listing-many");
        for i in 0..3000 {
            t.file(format!("file-{i:04}-{}", "x".repeat(200)), b"");
        }
        let entries = list(&t);
        assert_eq!(entries.len(), 3000);
        assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn vanished_entry_is_listed_as_other() {
        let t = Tree::new("listing-vanish");
        let root = ServedRoot::open(t.path()).expect("open root");
        let dir = File::open(t.path()).expect("open dir");
        let links = Links::new(&root, b"");
        let (kind, size, _) = stat_at(dir.as_fd(), b"gone", &links);
        assert_eq!((kind, size), (Kind::Other, 0));
    }

    #[test]
    fn raw_names_survive() {
        let t = Tree::new("listing-raw");
        t.file(b"caf\xe9", b"latin-1 name")
            .file("café", b"utf-8 name");
        let entries = list(&t);
        assert_eq!(names_of(&entries), ["café".as_bytes(), b"caf\xe9"]);
    }
}
