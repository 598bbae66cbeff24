//! Directory listings. This module reads a directory's entries: names, kinds, sizes and times,
//! sorted as CPython sorts them, or in an [`Order`] asked for. Around it:
//! - `order`: those orders;
//! - [`href()`]: the link to each entry, the same in every format;
//! - `html`: CPython's listing page, byte for byte; `json`: the same listing for scripts;
//! - `page`: a page made whole, or made as it is sent when too large to hold;
//! - `cache`: pages already made, shared by every reader while they stay true;
//! - `pages`: where pages are made (listing threads) and looked up, for the handler.
//!
//! The entries come from `getdents64` on the descriptor the resolver already opened, in large
//! batches, and each is `fstatat`-ed relative to that descriptor (one short lookup per name;
//! std's `read_dir` + `metadata` on musl does a full-path `lstat` per entry and many small
//! `getdents64` calls). The data is plain, owned and compact ([`Listing`]), shared by every
//! order of the directory ([`Sorted`]) and by every reader of a page made from it.
//!
//! A symlink is described without following it out of the served root: whether it gets the `/`
//! of a directory is decided by the resolver's own rules ([`Links`]), so a listing never tells a
//! visitor whether something outside the root exists or is a directory.
//!
//! `fingerprints` reads the same facts without keeping them: hashes of what the pages show, so a
//! page already made can be checked against the directory without making it again.

use std::fs::File;
use std::hash::{BuildHasher, Hash, Hasher};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, FileType, RawDir, SeekFrom};

use crate::meta::{modified_of_stat, size_of_stat};
use crate::resolve::ServedRoot;

mod cache;
mod href;
pub(crate) mod html;
mod json;
mod order;
pub(crate) mod page;
pub(crate) mod pages;

pub use href::href;
pub use order::{Order, SortBy, parse_descending};

/// Bytes of directory records fetched per `getdents64` call: a few hundred names at a time
/// (musl's `readdir` asks for 2 KiB). Much larger than the biggest single record (~280 bytes).
const GETDENTS_BUF_BYTES: usize = 32 * 1024;

/// One name in a directory, as a listing shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The name exactly as stored: raw bytes, which need not be UTF-8.
    pub name: &'a [u8],
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

    fn to_byte(self) -> u8 {
        match self {
            Kind::File => 0,
            Kind::Dir => 1,
            Kind::Symlink { to_dir: false } => 2,
            Kind::Symlink { to_dir: true } => 3,
            Kind::Other => 4,
        }
    }

    fn from_byte(byte: u8) -> Kind {
        match byte {
            0 => Kind::File,
            1 => Kind::Dir,
            2 => Kind::Symlink { to_dir: false },
            3 => Kind::Symlink { to_dir: true },
            _ => Kind::Other,
        }
    }
}

/// A directory's entries as read, in the kernel's order, kept compactly so that a listing of
/// 1,000,000 names fits the memory a container is given: the names one after another in one
/// buffer, each after its kind and length (3 bytes), and an offset (4 bytes) per entry; sizes
/// and times (20 bytes) only when a page shows or sorts by them. A `Vec` per name and a
/// `SystemTime` would cost three times that.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Per entry: its kind (a byte), its name's length (2 bytes), its name.
    names: Vec<u8>,
    /// Where each entry starts in `names`.
    name_at: Vec<u32>,
    /// Sizes and times, when read.
    metadata: Option<Metadata>,
}

/// The sizes and times of a listing's entries, by entry; times as whole seconds (floored) and
/// nanoseconds after them, kept apart so that no padding is.
#[derive(Debug, Default, PartialEq, Eq)]
struct Metadata {
    sizes: Vec<u64>,
    secs: Vec<i64>,
    nanos: Vec<u32>,
}

impl Listing {
    /// An empty listing with room for `entries` entries and `name_bytes` bytes of names, with
    /// sizes and times if `metadata`.
    fn with_capacity(entries: usize, name_bytes: usize, metadata: bool) -> Listing {
        let mut names = Vec::new();
        names.reserve_exact(name_bytes + 3 * entries);
        let mut name_at = Vec::new();
        name_at.reserve_exact(entries);
        let metadata = metadata.then(|| {
            let mut metadata = Metadata::default();
            metadata.sizes.reserve_exact(entries);
            metadata.secs.reserve_exact(entries);
            metadata.nanos.reserve_exact(entries);
            metadata
        });
        Listing {
            names,
            name_at,
            metadata,
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.name_at.len()
    }

    /// Whether the directory held nothing but `.` and `..`.
    pub fn is_empty(&self) -> bool {
        self.name_at.is_empty()
    }

    /// Whether sizes and times were read: pages that show or sort by them need them.
    pub fn has_metadata(&self) -> bool {
        self.metadata.is_some()
    }

    /// The `i`th entry read (its size 0 and time the epoch if they were not read).
    pub fn get(&self, i: usize) -> Entry<'_> {
        let (size, secs, nanos) = self.metadata_of(i);
        Entry {
            name: self.name(i),
            kind: self.kind(i),
            size,
            modified: time_of(secs, nanos),
        }
    }

    /// The `i`th entry's name: what sorting by name reads, millions of times.
    fn name(&self, i: usize) -> &[u8] {
        let at = self.name_at[i] as usize;
        let len = usize::from(u16::from_le_bytes([self.names[at + 1], self.names[at + 2]]));
        &self.names[at + 3..at + 3 + len]
    }

    fn kind(&self, i: usize) -> Kind {
        Kind::from_byte(self.names[self.name_at[i] as usize])
    }

    fn metadata_of(&self, i: usize) -> (u64, i64, u32) {
        match &self.metadata {
            Some(m) => (m.sizes[i], m.secs[i], m.nanos[i]),
            None => (0, 0, 0),
        }
    }

    /// The `i`th entry's kind, size and time in nanoseconds from the epoch: what the other
    /// orders compare.
    fn sort_facts(&self, i: usize) -> (Kind, u64, i128) {
        let (size, secs, nanos) = self.metadata_of(i);
        let nanos = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        (self.kind(i), size, nanos)
    }

    /// Adds an entry; a listing whose names outgrow 4 GiB is refused.
    fn push(&mut self, name: &[u8], kind: Kind, size: u64, modified: SystemTime) -> io::Result<()> {
        let too_large = || io::Error::other("the directory is too large to list");
        let name_at = u32::try_from(self.names.len()).map_err(|_| too_large())?;
        let len = u16::try_from(name.len()).map_err(|_| too_large())?;
        self.names.push(kind.to_byte());
        self.names.extend_from_slice(&len.to_le_bytes());
        self.names.extend_from_slice(name);
        self.name_at.push(name_at);
        if let Some(metadata) = &mut self.metadata {
            let (secs, nanos) = secs_and_nanos(modified);
            metadata.sizes.push(size);
            metadata.secs.push(secs);
            metadata.nanos.push(nanos);
        }
        Ok(())
    }

    /// A listing of these entries, in this order (for tests of what is made from listings).
    #[cfg(test)]
    pub fn of<'a>(entries: impl IntoIterator<Item = Entry<'a>>) -> Listing {
        let mut listing = Listing::with_capacity(0, 0, true);
        for e in entries {
            listing
                .push(e.name, e.kind, e.size, e.modified)
                .expect("small");
        }
        listing
    }
}

/// A listing in an order: every order of one directory shares its [`Listing`].
#[derive(Debug, Clone)]
pub struct Sorted {
    listing: Arc<Listing>,
    /// The listing's indices, in this order.
    order: Vec<u32>,
}

impl Sorted {
    /// `listing` in `order`.
    pub fn new(listing: Arc<Listing>, order: Order) -> Sorted {
        let order = order.sorted(&listing);
        Sorted { listing, order }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `i`th entry in this order.
    pub fn get(&self, i: usize) -> Entry<'_> {
        self.listing.get(self.order[i] as usize)
    }

    /// The entries in this order.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl PartialEq for Sorted {
    fn eq(&self, other: &Sorted) -> bool {
        self.iter().eq(other.iter())
    }
}

/// `t` as whole seconds from the epoch (floored) and nanoseconds after them.
fn secs_and_nanos(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => (after.as_secs() as i64, after.subsec_nanos()),
        Err(before) => {
            let before = before.duration();
            let secs = -(before.as_secs() as i64);
            match before.subsec_nanos() {
                0 => (secs, 0),
                nanos => (secs - 1, 1_000_000_000 - nanos),
            }
        }
    }
}

/// The time [`secs_and_nanos`] took apart.
fn time_of(secs: i64, nanos: u32) -> SystemTime {
    match u64::try_from(secs) {
        Ok(secs) => UNIX_EPOCH + Duration::new(secs, nanos),
        Err(_) => UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + Duration::new(0, nanos),
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
pub fn read_listing(dir: &File, links: &Links<'_>) -> io::Result<Sorted> {
    let (listing, _) = read(dir, links, &std::hash::RandomState::new(), true)?;
    Ok(Sorted::new(Arc::new(listing), Order::default()))
}

/// What a page shows of each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Shown {
    /// Names and kinds: the HTML page.
    NamesAndKinds,
    /// Sizes and times too: the JSON listing.
    Everything,
}

/// Hashes of what a directory's pages show, from one reading: the same hash (from the same
/// keys) means the same page. Entries are hashed in the kernel's order, before sorting, so even
/// the order of names that sort as equal (`A` and `a`) is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prints {
    /// Names and kinds: what an HTML page in name order shows.
    names: u64,
    /// Sizes and times too: what JSON shows, and pages ordered by them.
    everything: u64,
    /// How many entries were read.
    pub entries: usize,
}

impl Prints {
    /// The hash a page shows: with sizes and times (`metadata`) or without.
    pub fn of(&self, metadata: bool) -> u64 {
        if metadata {
            self.everything
        } else {
            self.names
        }
    }
}

/// Two hashers, fed each entry as it is read.
struct Hashing<H> {
    names: H,
    everything: H,
    entries: usize,
}

impl<H: Hasher> Hashing<H> {
    fn new(keys: &impl BuildHasher<Hasher = H>) -> Hashing<H> {
        Hashing {
            names: keys.build_hasher(),
            everything: keys.build_hasher(),
            entries: 0,
        }
    }

    fn add(&mut self, name: &[u8], kind: Kind, size: u64, modified: SystemTime) {
        for hasher in [&mut self.names, &mut self.everything] {
            // Length first, so that no two lists of names hash the same bytes.
            hasher.write_usize(name.len());
            hasher.write(name);
            kind.hash(hasher);
        }
        self.everything.write_u64(size);
        modified.hash(&mut self.everything);
        self.entries += 1;
    }

    fn finish(&self) -> Prints {
        Prints {
            names: self.names.finish(),
            everything: self.everything.finish(),
            entries: self.entries,
        }
    }
}

/// The [`Prints`] of `dir`, read as [`read`] reads it but without keeping anything.
fn fingerprints(dir: &File, links: &Links<'_>, keys: &impl BuildHasher) -> io::Result<Prints> {
    let mut hashing = Hashing::new(keys);
    walk(dir, links, |name, kind, size, modified| {
        hashing.add(name, kind, size, modified);
        Ok(())
    })?;
    Ok(hashing.finish())
}

/// The entries of `dir`, in the kernel's order (with their sizes and times if `metadata`), and
/// their [`Prints`]. Its names are counted first (`getdents` alone, a small part of the cost
/// of the `stat`s), so the listing is allocated once at its size: grown by doubling, a million
/// entries would briefly hold half as much again, and as much unused.
fn read(
    dir: &File,
    links: &Links<'_>,
    keys: &impl BuildHasher,
    metadata: bool,
) -> io::Result<(Listing, Prints)> {
    let (entries, name_bytes) = count(dir)?;
    let mut hashing = Hashing::new(keys);
    let mut listing = Listing::with_capacity(entries, name_bytes, metadata);
    walk(dir, links, |name, kind, size, modified| {
        hashing.add(name, kind, size, modified);
        listing.push(name, kind, size, modified)
    })?;
    Ok((listing, hashing.finish()))
}

/// How many entries `dir` holds but `.` and `..`, and the bytes of their names.
fn count(dir: &File) -> io::Result<(usize, usize)> {
    let (mut entries, mut name_bytes) = (0, 0);
    each_name(dir, |name| {
        entries += 1;
        name_bytes += name.len();
        Ok(())
    })?;
    Ok((entries, name_bytes))
}

/// Calls `each` with every entry of `dir` but `.` and `..`, in the kernel's order, from the
/// first whatever the descriptor's position.
fn walk(
    dir: &File,
    links: &Links<'_>,
    mut each: impl FnMut(&[u8], Kind, u64, SystemTime) -> io::Result<()>,
) -> io::Result<()> {
    each_name(dir, |name| {
        let (kind, size, modified) = stat_at(dir.as_fd(), name, links);
        each(name, kind, size, modified)
    })
}

/// Calls `each` with the name of every entry of `dir` but `.` and `..`, from the first.
fn each_name(dir: &File, mut each: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
    rustix::fs::seek(dir, SeekFrom::Start(0))?;
    let mut buf = Vec::with_capacity(GETDENTS_BUF_BYTES);
    let mut raw = RawDir::new(dir.as_fd(), buf.spare_capacity_mut());
    while let Some(next) = raw.next() {
        let next = next?;
        let name = next.file_name().to_bytes();
        if name != b"." && name != b".." {
            each(name)?;
        }
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

    fn names_of(entries: &Sorted) -> Vec<&[u8]> {
        entries.iter().map(|e| e.name).collect()
    }

    /// The listing of the tree's root directory, served from that root.
    fn list(t: &Tree) -> Sorted {
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
        assert_eq!(entries.get(1).size, 5);
        let std_mtime = std::fs::metadata(t.at("b.txt")).and_then(|m| m.modified());
        assert_eq!(entries.get(1).modified, std_mtime.expect("mtime"));
        // A symlink reports itself, not its target.
        assert_eq!(entries.get(4).size, b"b.txt".len() as u64);
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
            let entries = read_listing(&dir, &Links::new(&root, rel.as_bytes())).expect("list");
            entries
                .iter()
                .map(|e| (String::from_utf8(e.name.to_vec()).unwrap(), e.kind))
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
        let keys = std::hash::RandomState::new();
        let prints = || fingerprints(&dir, &links, &keys).expect("fingerprints");
        let print = |metadata| prints().of(metadata);
        let (names, everything) = (print(false), print(true));
        assert_eq!(prints().entries, 2);
        let by_size = Order {
            by: SortBy::Size,
            descending: true,
            ..Order::default()
        };
        let (listing, read) = read(&dir, &links, &keys, true).expect("list");
        assert_eq!(read, prints());
        let entries = Sorted::new(Arc::new(listing), by_size);
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

    /// Times before the epoch and far from it survive the compact form.
    #[test]
    fn entries_survive_the_compact_form() {
        let times = [
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::new(1_714_564_800, 123_456_789),
            UNIX_EPOCH - Duration::new(1, 1),
            UNIX_EPOCH - Duration::from_secs(86_400),
            UNIX_EPOCH + Duration::from_secs(i64::MAX as u64 / 2),
            UNIX_EPOCH - Duration::from_secs(i64::MAX as u64 / 2),
        ];
        let long = vec![b'n'; 255];
        let entries: Vec<Entry> = times
            .iter()
            .enumerate()
            .map(|(i, &modified)| Entry {
                name: if i == 2 { &long } else { b"a\xffb" },
                kind: [Kind::File, Kind::Dir, Kind::Other][i % 3],
                size: u64::MAX - i as u64,
                modified,
            })
            .chain([Entry {
                name: b"",
                kind: Kind::Symlink { to_dir: true },
                size: 0,
                modified: UNIX_EPOCH,
            }])
            .collect();
        let listing = Listing::of(entries.iter().copied());
        let back: Vec<Entry> = (0..listing.len()).map(|i| listing.get(i)).collect();
        assert_eq!(back, entries);
    }

    #[test]
    fn empty_directory() {
        let t = Tree::new("listing-empty");
        assert!(list(&t).is_empty());
    }

    #[test]
    fn many_entries_span_several_getdents_calls() {
        let t = Tree::new("listing-many");
        for i in 0..3000 {
            t.file(format!("file-{i:04}-{}", "x".repeat(200)), b"");
        }
        let entries = list(&t);
        assert_eq!(entries.len(), 3000);
        let names = names_of(&entries);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
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
