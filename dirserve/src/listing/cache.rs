//! Listing pages already made, one copy shared by every reader, kept while they stay true.
//!
//! A listing costs a `getdents` batch and a `stat` per entry, a sort and the rendering: about
//! 1.8 ms for 1,000 entries, hundreds of milliseconds for 100,000. A page is made once and each
//! reader gets the same bytes ([`Bytes`] pointing into one allocation), so sixty slow readers of a
//! 5 MB page hold one copy between them, not sixty.
//!
//! A kept page is still true when:
//! - (HTML in name order, no I/O at all) its directory's mtime is the one it was made at. The
//!   page shows names and kinds, which change only by creating, removing or renaming entries, and
//!   each of those updates the directory's mtime. The clock behind mtimes is coarse: two changes a few
//!   milliseconds apart can share one timestamp. Like git's "racily clean" rule, the mtime only
//!   vouches for a page read once it was at least [`RACY_WINDOW`] old, so no later change can
//!   carry the same timestamp.
//! - (otherwise: JSON, whose sizes and times the directory's mtime does not track, a page ordered
//!   by them, or an HTML page whose directory's mtime moved or was too recent) the directory, read again without keeping
//!   anything ([`super::fingerprint`]), hashes the same as when the page was made. That
//!   costs the `stat`s but neither the memory nor the rendering of a new page.
//!
//! What the cache holds is bounded, counted as allocated: at most [`MAX_PAGES`] directories and
//! [`MAX_BYTES`] bytes, each page counted by its allocation's capacity and each entry by its
//! share of the map and its headers ([`ENTRY_BYTES`]), so empty directories count too. A page
//! over [`MAX_KEPT_BYTES`] is not made whole at all (see `page`): its entries, shared by its
//! readers, are only *lent*, found through a weak reference while any reader holds them and
//! freed with the last one; as is a page pushed out by others while someone still reads it.

use super::page::{Made, PageBody, StreamedPage};
use super::{Order, Shown};
use crate::meta::FileMeta;
use bytes::Bytes;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime};

/// All kept pages and their bookkeeping together: about three pages of 100,000 names.
const MAX_BYTES: usize = 16 << 20;
/// Directories remembered at once (kept or lent).
const MAX_PAGES: usize = 4096;
/// The largest page kept: half the bound, so one huge directory cannot push out all others.
pub const MAX_KEPT_BYTES: usize = MAX_BYTES / 2;
/// What an entry costs besides its page: up to three map slots per entry (the map runs between
/// 7/16 and 7/8 full, and never shrinks), plus the shared page's and its owner's headers.
const ENTRY_BYTES: usize = 3 * (size_of::<(Key, Cached)>() + 1) + 128;
// The bookkeeping of a full map fits the byte bound with room for pages.
const _: () = assert!(ENTRY_BYTES * MAX_PAGES <= MAX_BYTES / 4);
/// Changes closer than this to a directory's mtime could share its timestamp.
const RACY_WINDOW: Duration = Duration::from_secs(1);

/// A directory, by device and inode.
pub type DirId = (u64, u64);

/// One page: a directory (device and inode) in one form and order. A directory has at most
/// 2 forms × 6 orders (the server's `dirs_first` is fixed), all within the bounds below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    dev: u64,
    ino: u64,
    shown: Shown,
    order: Order,
}

impl Key {
    pub fn new(dir: &FileMeta, shown: Shown, order: Order) -> Key {
        Key {
            dev: dir.dev,
            ino: dir.ino,
            shown,
            order,
        }
    }

    /// The directory's identity: device and inode.
    pub fn dir(&self) -> DirId {
        (self.dev, self.ino)
    }

    pub fn shown(&self) -> Shown {
        self.shown
    }

    pub fn order(&self) -> Order {
        self.order
    }

    /// Whether the page shows or is ordered by sizes and times, which its directory's mtime does
    /// not track: such a page is always checked against the directory.
    pub fn reads_metadata(&self) -> bool {
        self.shown == Shown::Everything || self.order.reads_metadata()
    }
}

/// Whether a directory whose mtime is `modified`, read at `read_at`, is old enough for its mtime
/// to vouch for what was read.
pub fn settled(modified: SystemTime, read_at: SystemTime) -> bool {
    read_at
        .duration_since(modified)
        .is_ok_and(|age| age >= RACY_WINDOW)
}

/// Listing pages by directory and form.
pub struct ListingCache {
    inner: Mutex<Inner>,
    /// Fingerprint keys, random per process: names chosen to collide cannot be precomputed.
    keys: RandomState,
}

#[derive(Default)]
struct Inner {
    pages: HashMap<Key, Cached>,
    /// What `pages` holds, as [`cost`] counts it.
    bytes: usize,
}

struct Cached {
    /// The directory's mtime when the page was read (or last found true).
    modified: SystemTime,
    /// Whether `modified` vouches for the page by itself (see [`settled`]).
    settled: bool,
    /// What [`super::fingerprint`] gave for the directory the page shows.
    fingerprint: u64,
    page: Held,
}

/// A page, owned by the cache or only found through it.
enum Held {
    Kept(Arc<Page>),
    Lent(Weak<Page>),
    /// Made as it is sent: alive while a reader sends it.
    Streamed(Weak<StreamedPage>),
}

struct Page(Vec<u8>);

/// What each [`Bytes`] handed out holds on to: the page stays alive while any reader has it.
struct Reader(Arc<Page>);

impl AsRef<[u8]> for Reader {
    fn as_ref(&self) -> &[u8] {
        &self.0.0
    }
}

impl Held {
    /// The page to send, if it is still alive.
    fn body(&self) -> Option<PageBody> {
        let page = match self {
            Held::Kept(page) => Arc::clone(page),
            Held::Lent(page) => page.upgrade()?,
            Held::Streamed(page) => return page.upgrade().map(PageBody::Streamed),
        };
        Some(PageBody::Whole(Bytes::from_owner(Reader(page))))
    }

    /// Whether no one holds the page any more.
    fn dead(&self) -> bool {
        match self {
            Held::Kept(_) => false,
            Held::Lent(page) => page.strong_count() == 0,
            Held::Streamed(page) => page.strong_count() == 0,
        }
    }
}

/// What an entry costs the bound.
fn cost(cached: &Cached) -> usize {
    ENTRY_BYTES
        + match &cached.page {
            Held::Kept(page) => page.0.capacity(),
            Held::Lent(_) | Held::Streamed(_) => 0,
        }
}

impl Default for ListingCache {
    fn default() -> ListingCache {
        ListingCache {
            inner: Mutex::default(),
            keys: RandomState::new(),
        }
    }
}

impl ListingCache {
    /// The keys every fingerprint of this cache is made with.
    pub fn keys(&self) -> &RandomState {
        &self.keys
    }

    /// A page its directory's mtime alone vouches for (HTML by name only): no I/O at all.
    pub fn by_mtime(&self, key: Key, modified: SystemTime) -> Option<PageBody> {
        if key.reads_metadata() {
            return None;
        }
        let mut inner = self.lock();
        let cached = inner.pages.get(&key)?;
        if !(cached.settled && cached.modified == modified) {
            return None;
        }
        let page = cached.page.body();
        if page.is_none() {
            inner.remove(key);
        }
        page
    }

    /// The fingerprint of the page held for `key`, if there is one to check.
    pub fn fingerprint_of(&self, key: Key) -> Option<u64> {
        let inner = self.lock();
        let cached = inner.pages.get(&key)?;
        (!cached.page.dead()).then_some(cached.fingerprint)
    }

    /// The page held for `key` if the directory, read with its mtime at `modified`, still
    /// fingerprints as `fingerprint`; from now on that mtime vouches for it if `settled`.
    pub fn checked(
        &self,
        key: Key,
        fingerprint: u64,
        modified: SystemTime,
        settled: bool,
    ) -> Option<PageBody> {
        let mut inner = self.lock();
        let cached = inner.pages.get_mut(&key)?;
        if cached.fingerprint != fingerprint {
            return None;
        }
        let page = cached.page.body()?;
        cached.modified = modified;
        cached.settled = settled;
        Some(page)
    }

    /// Keeps (or lends) a newly made page and returns it to send.
    pub fn insert(
        &self,
        key: Key,
        fingerprint: u64,
        modified: SystemTime,
        settled: bool,
        page: Made,
    ) -> PageBody {
        let (held, body) = match page {
            Made::Whole(mut page) => {
                // Vectors grow by doubling: unshrunk, a page could hold twice its size.
                page.shrink_to_fit();
                let page = Arc::new(Page(page));
                let bytes = Bytes::from_owner(Reader(Arc::clone(&page)));
                let held = if ENTRY_BYTES + page.0.capacity() <= MAX_KEPT_BYTES {
                    Held::Kept(page)
                } else {
                    Held::Lent(Arc::downgrade(&page))
                };
                (held, PageBody::Whole(bytes))
            }
            Made::Streamed(page) => (
                Held::Streamed(Arc::downgrade(&page)),
                PageBody::Streamed(page),
            ),
        };
        let cached = Cached {
            modified,
            settled,
            fingerprint,
            page: held,
        };
        let mut inner = self.lock();
        inner.remove(key);
        inner.bytes += cost(&cached);
        inner.pages.insert(key, cached);
        inner.make_room(key);
        body
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map and its count are consistent between statements: a panic elsewhere cannot
        // poison them into an unusable state.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn remove(&mut self, key: Key) {
        if let Some(old) = self.pages.remove(&key) {
            self.bytes -= cost(&old);
        }
    }

    /// Over a bound: pages no one holds any more go first, then (over the bytes) kept pages,
    /// then any other (a miss costs one more reading). A kept page someone still reads is lent
    /// rather than forgotten, so its readers keep sharing it.
    fn make_room(&mut self, keep: Key) {
        while self.bytes > MAX_BYTES || self.pages.len() > MAX_PAGES {
            let dead = |cached: &Cached| cached.page.dead();
            let kept = |cached: &Cached| matches!(cached.page, Held::Kept(_));
            let over_bytes = self.bytes > MAX_BYTES;
            let others = || self.pages.iter().filter(|(key, _)| **key != keep);
            let victim = others()
                .find(|(_, cached)| dead(cached))
                .or_else(|| others().find(|(_, cached)| over_bytes && kept(cached)))
                .or_else(|| others().next())
                .map(|(key, _)| *key);
            let Some(victim) = victim else { break };
            let cached = self.pages.get_mut(&victim).expect("just found");
            match &cached.page {
                Held::Kept(page) if Arc::strong_count(page) > 1 && !page.0.is_empty() => {
                    self.bytes -= page.0.capacity();
                    cached.page = Held::Lent(Arc::downgrade(page));
                }
                _ => self.remove(victim),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ListingCache {
        /// [`ListingCache::insert`] of a page made whole.
        fn put(
            &self,
            key: Key,
            print: u64,
            modified: SystemTime,
            settled: bool,
            page: Vec<u8>,
        ) -> Bytes {
            bytes(self.insert(key, print, modified, settled, Made::Whole(page)))
        }
    }

    fn bytes(body: PageBody) -> Bytes {
        match body {
            PageBody::Whole(bytes) => bytes,
            PageBody::Streamed(_) => panic!("made whole"),
        }
    }

    fn key(ino: u64) -> Key {
        Key {
            dev: 1,
            ino,
            shown: Shown::NamesAndKinds,
            order: Order::default(),
        }
    }

    fn old() -> SystemTime {
        SystemTime::now() - Duration::from_secs(60)
    }

    #[test]
    fn the_mtime_vouches_only_for_settled_html_pages() {
        let cache = ListingCache::default();
        let (then, now) = (old(), SystemTime::now());
        assert_eq!(cache.put(key(1), 7, then, true, b"a".to_vec()), "a");
        assert_eq!(bytes(cache.by_mtime(key(1), then).unwrap()), "a");
        assert!(cache.by_mtime(key(1), now).is_none(), "the mtime moved");
        assert!(cache.by_mtime(key(2), then).is_none());
        cache.put(key(3), 7, now, false, b"b".to_vec());
        assert!(cache.by_mtime(key(3), now).is_none(), "too recent to vouch");
        let json = Key {
            shown: Shown::Everything,
            ..key(4)
        };
        cache.put(json, 7, then, true, b"[]".to_vec());
        assert!(
            cache.by_mtime(json, then).is_none(),
            "JSON is always checked"
        );
        let by_size = Key {
            order: Order {
                by: super::super::SortBy::Size,
                ..Order::default()
            },
            ..key(5)
        };
        cache.put(by_size, 7, then, true, b"b".to_vec());
        assert!(
            cache.by_mtime(by_size, then).is_none(),
            "a page by size is always checked"
        );
        let dirs_first = Key {
            order: Order {
                dirs_first: true,
                descending: true,
                ..Order::default()
            },
            ..key(6)
        };
        cache.put(dirs_first, 7, then, true, b"c".to_vec());
        assert_eq!(bytes(cache.by_mtime(dirs_first, then).unwrap()), "c");
    }

    #[test]
    fn a_matching_fingerprint_renews_the_page() {
        let cache = ListingCache::default();
        let (then, later) = (old(), old() + Duration::from_secs(5));
        cache.put(key(1), 7, then, true, b"a".to_vec());
        assert_eq!(cache.fingerprint_of(key(1)), Some(7));
        assert!(cache.checked(key(1), 8, later, true).is_none());
        assert!(cache.by_mtime(key(1), later).is_none());
        assert_eq!(bytes(cache.checked(key(1), 7, later, true).unwrap()), "a");
        assert_eq!(bytes(cache.by_mtime(key(1), later).unwrap()), "a");
    }

    /// Every reader gets the same memory.
    #[test]
    fn readers_share_one_copy() {
        let cache = ListingCache::default();
        let first = cache.put(key(1), 7, old(), true, vec![b'x'; 100_000]);
        let second = bytes(cache.checked(key(1), 7, old(), true).unwrap());
        assert_eq!(first.as_ptr(), second.as_ptr());
    }

    #[test]
    fn stays_within_its_bounds_counting_empty_directories() {
        let cache = ListingCache::default();
        for ino in 0..40 {
            cache.put(key(ino), 0, old(), true, vec![b'x'; MAX_BYTES / 8]);
        }
        for ino in 100..(100 + 2 * MAX_PAGES as u64) {
            cache.put(key(ino), 0, old(), true, Vec::new());
        }
        let inner = cache.lock();
        assert!(inner.bytes <= MAX_BYTES, "{}", inner.bytes);
        assert!(inner.pages.len() <= MAX_PAGES);
        assert_eq!(inner.bytes, inner.pages.values().map(cost).sum::<usize>());
    }

    /// A page too big to keep is shared while someone reads it, then freed.
    #[test]
    fn huge_pages_are_only_lent() {
        let cache = ListingCache::default();
        let huge = cache.put(key(1), 7, old(), true, vec![b'x'; MAX_KEPT_BYTES + 1]);
        assert_eq!(cache.lock().bytes, ENTRY_BYTES);
        let again = bytes(cache.checked(key(1), 7, old(), true).expect("still read"));
        assert_eq!(again.as_ptr(), huge.as_ptr());
        drop((huge, again));
        assert_eq!(cache.fingerprint_of(key(1)), None);
        assert!(cache.checked(key(1), 7, old(), true).is_none());
    }

    /// Pushed out while someone reads it, a page is lent: new readers still share it.
    #[test]
    fn pages_pushed_out_while_read_are_still_shared() {
        let cache = ListingCache::default();
        let read = cache.put(key(1), 7, old(), true, vec![b'x'; MAX_KEPT_BYTES - 1024]);
        for ino in 2..6 {
            cache.put(key(ino), 0, old(), true, vec![b'y'; MAX_KEPT_BYTES - 1024]);
        }
        assert!(cache.lock().bytes <= MAX_BYTES);
        let shared = bytes(cache.checked(key(1), 7, old(), true).expect("lent"));
        assert_eq!(shared.as_ptr(), read.as_ptr());
    }
}
