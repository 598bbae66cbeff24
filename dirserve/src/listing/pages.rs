//! Listing pages, made off the connection threads and shared by every reader.
//!
//! A worker thread answers a listing itself only when the cache holds a page the directory's
//! mtime vouches for ([`ListingPages::ready`]: a lookup, no I/O). Anything else, checking a kept
//! page against the directory or reading and rendering a new one, is a job for the listing
//! threads ([`servekit::offload`]), while the worker goes on serving its other connections; the
//! request waits for the page without holding up anyone.
//!
//! A job is for a directory, not for one page of it: every request for any form or order of the
//! directory that comes while its job is queued joins it, and the job reads the directory once
//! for all of them. Ten clients looping over the orders and the JSON of a 100,000-entry
//! directory cost one reading per round, not ten; each still gets a page read after it asked. A
//! job whose clients have all gone is skipped.
//!
//! Two lanes, so a small listing never waits behind big ones: a directory that looks small (its
//! own size at most [`SMALL_DIR_BYTES`], which grows with the names it holds on ext4, tmpfs,
//! btrfs and xfs, and not seen to hold more than [`SMALL_ENTRIES`]) is listed on a thread of its
//! own, in a few milliseconds at most; the others share the listing threads, one job per
//! directory, first come first served.
//!
//! Entries still held by readers of a page made as it is sent (see `page`) are lent to the next
//! job for their directory when it has not changed: one copy of a million entries, however many
//! of its forms are read at once.

use super::cache::{DirId, Key, ListingCache, MAX_KEPT_BYTES, settled};
use super::page::{self, PageBody};
use super::{Links, Listing, Order, Prints, Shown, Sorted, fingerprints, read};
use crate::meta::FileMeta;
use crate::resolve::{Resolved, ServedRoot};
use servekit::offload::{Offload, oneshot};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::SystemTime;

/// A directory this large or smaller (its own `st_size`) looks small, unless seen otherwise.
const SMALL_DIR_BYTES: u64 = 64 * 1024;
/// A directory with more entries than this is listed on the big directories' threads, whatever
/// its size says (a few milliseconds of `stat`s and sorting).
const SMALL_ENTRIES: usize = 2000;
/// Directories remembered as large though their size looks small: more, and all are forgotten.
const MAX_LARGE_REMEMBERED: usize = 4096;

/// A listing's page, or why the directory could not be read (shared by everyone who waited).
pub type Listed = Result<PageBody, Arc<io::Error>>;

/// Clients waiting for a directory's job, with the page each asked for.
type Waiting = Vec<(Key, oneshot::Sender<Listed>)>;

/// The listings of one served root.
pub struct ListingPages {
    root: Arc<ServedRoot>,
    cache: ListingCache,
    /// Clients waiting for a job that has not started yet, by directory.
    queued: Mutex<HashMap<DirId, Waiting>>,
    /// Entries that readers still hold, by directory, with the prints they were read with.
    held: Mutex<HashMap<DirId, (Prints, Weak<Listing>)>>,
    /// Directories that hold more than [`SMALL_ENTRIES`] though their size looks small.
    large: Mutex<HashSet<DirId>>,
    small_lane: Offload,
    large_lane: Offload,
}

impl ListingPages {
    /// Listings of `root`, big ones made on `threads` threads and small ones on one more (0:
    /// all at once, on the caller's thread).
    pub fn new(root: Arc<ServedRoot>, threads: usize) -> ListingPages {
        ListingPages {
            root,
            cache: ListingCache::default(),
            queued: Mutex::default(),
            held: Mutex::default(),
            large: Mutex::default(),
            small_lane: Offload::new(threads.min(1)),
            large_lane: Offload::new(threads),
        }
    }

    /// The page at once, if the cache holds one the directory's mtime vouches for.
    pub fn ready(&self, dir: &Resolved, shown: Shown, order: Order) -> Option<PageBody> {
        self.cache
            .by_mtime(Key::new(&dir.meta, shown, order), dir.meta.modified)
    }

    /// The page, checked or made by a listing thread; resolves when it is ready.
    pub fn later(
        self: &Arc<Self>,
        dir: Resolved,
        shown: Shown,
        order: Order,
    ) -> impl Future<Output = Listed> + Send + use<> {
        let key = Key::new(&dir.meta, shown, order);
        let (sender, receiver) = oneshot::channel();
        let first = {
            let mut queued = lock(&self.queued);
            let waiting = queued.entry(key.dir()).or_default();
            waiting.push((key, sender));
            waiting.len() == 1
        };
        if first {
            let lane = match self.looks_small(&dir) {
                true => &self.small_lane,
                false => &self.large_lane,
            };
            let pages = Arc::clone(self);
            lane.spawn(move || pages.job(&dir));
        }
        async move {
            receiver
                .await
                .unwrap_or_else(|_| Err(Arc::new(io::Error::other("the listing job failed"))))
        }
    }

    fn looks_small(&self, dir: &Resolved) -> bool {
        let id = (dir.meta.dev, dir.meta.ino);
        dir.meta.size <= SMALL_DIR_BYTES && !lock(&self.large).contains(&id)
    }

    /// One job: the pages of everyone queued for `dir` until now.
    fn job(&self, dir: &Resolved) {
        let id = (dir.meta.dev, dir.meta.ino);
        let mut waiting = lock(&self.queued).remove(&id).unwrap_or_default();
        waiting.retain(|(_, client)| !client.is_closed());
        if waiting.is_empty() {
            return;
        }
        let mut keys: Vec<Key> = Vec::new();
        for (key, _) in &waiting {
            if !keys.contains(key) {
                keys.push(*key);
            }
        }
        // Each page goes out as soon as it is made, not once all are.
        let mut deliver = |key: Key, page: &Listed| {
            let mut i = 0;
            while i < waiting.len() {
                if waiting[i].0 == key {
                    let _ = waiting.swap_remove(i).1.send(page.clone());
                } else {
                    i += 1;
                }
            }
        };
        if let Err(e) = self.pages(dir, &keys, &mut |key, page| deliver(key, &Ok(page))) {
            let e = Err(Arc::new(e));
            for key in keys {
                deliver(key, &e);
            }
        }
    }

    /// The page for each of `keys` (all of `dir`), given to `deliver` as it is found or made:
    /// kept ones still true, else new ones, from one reading of the directory at most (two when
    /// kept pages must be checked first).
    fn pages(
        &self,
        dir: &Resolved,
        keys: &[Key],
        deliver: &mut dyn FnMut(Key, PageBody),
    ) -> io::Result<()> {
        let id = (dir.meta.dev, dir.meta.ino);
        // The mtime now, not when the first client asked: later ones may have joined since.
        let modified = FileMeta::from_stat(&rustix::fs::fstat(&dir.file)?).modified;
        // Another job may have made some while this one waited.
        let mut missing = Vec::new();
        for &key in keys {
            match self.cache.by_mtime(key, modified) {
                Some(page) => deliver(key, page),
                None => missing.push(key),
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let settled = settled(modified, SystemTime::now());
        let links = Links::new(&self.root, &dir.rel_path);
        let held = lock(&self.held)
            .get(&id)
            .and_then(|(prints, listing)| Some((*prints, listing.upgrade()?)));
        let checkable = missing
            .iter()
            .any(|&key| self.cache.fingerprint_of(key).is_some());
        let mut now = None;
        if checkable || held.is_some() {
            let prints = fingerprints(&dir.file, &links, self.cache.keys())?;
            missing.retain(|&key| {
                let print = prints.of(key.reads_metadata());
                let Some(page) = self.cache.checked(key, print, modified, settled) else {
                    return true;
                };
                deliver(key, page);
                false
            });
            now = Some(prints);
        }
        if !missing.is_empty() {
            let metadata = missing.iter().any(Key::reads_metadata);
            let (listing, prints) = match (held, now) {
                (Some((then, listing)), Some(now))
                    if then == now && (listing.has_metadata() || !metadata) =>
                {
                    (listing, now)
                }
                _ => {
                    let (listing, prints) = read(&dir.file, &links, self.cache.keys(), metadata)?;
                    (Arc::new(listing), prints)
                }
            };
            for key in missing {
                let sorted = Sorted::new(Arc::clone(&listing), key.order());
                let made = page::make(sorted, key.shown(), MAX_KEPT_BYTES);
                if matches!(made, page::Made::Streamed(_)) {
                    self.hold(id, prints, &listing);
                }
                let print = prints.of(key.reads_metadata());
                deliver(key, self.cache.insert(key, print, modified, settled, made));
            }
            now = Some(prints);
        }
        if let Some(prints) = now {
            self.note_entries(id, prints.entries);
        }
        Ok(())
    }

    /// Remembers `listing`, read with `prints`, while its readers hold it.
    fn hold(&self, id: DirId, prints: Prints, listing: &Arc<Listing>) {
        let mut held = lock(&self.held);
        held.retain(|_, (_, listing)| listing.strong_count() > 0);
        held.insert(id, (prints, Arc::downgrade(listing)));
    }

    /// Remembers which lane the directory's next job goes to.
    fn note_entries(&self, id: DirId, entries: usize) {
        let mut large = lock(&self.large);
        if entries <= SMALL_ENTRIES {
            large.remove(&id);
            return;
        }
        if large.len() >= MAX_LARGE_REMEMBERED {
            large.clear();
        }
        large.insert(id);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Consistent between statements: a panic elsewhere cannot poison it into disuse.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use servekit::substring;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use testkit::Tree;

    /// With no listing threads a job runs at once, so the answer is ready on the first poll.
    fn at_once(made: impl Future<Output = Listed>) -> Bytes {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(made).poll(&mut cx) {
            Poll::Ready(Ok(PageBody::Whole(page))) => page,
            Poll::Ready(Ok(PageBody::Streamed(_))) => panic!("a small page made as it is sent"),
            Poll::Ready(Err(e)) => panic!("no page: {e}"),
            Poll::Pending => panic!("not made at once"),
        }
    }

    /// An HTML page of these `<li>` lines.
    fn html(items: &[u8]) -> Vec<u8> {
        [items, super::super::html::PAGE_TAIL].concat()
    }

    #[test]
    fn pages_are_shared_until_the_directory_changes() {
        let t = Tree::new("pages");
        t.file("a", b"1").dir("d");
        let root = Arc::new(ServedRoot::open(t.path()).expect("open root"));
        let pages = Arc::new(ListingPages::new(Arc::clone(&root), 0));
        let page = |shown| {
            let dir = root.resolve("/").expect("resolve");
            at_once(pages.later(dir, shown, Order::default()))
        };
        for shown in [Shown::NamesAndKinds, Shown::Everything] {
            let (first, again) = (page(shown), page(shown));
            assert_eq!(first, again);
            assert_eq!(first.as_ptr(), again.as_ptr(), "{shown:?}: one copy");
        }
        // The directory was just made: its mtime cannot vouch for the page yet.
        let dir = root.resolve("/").expect("resolve");
        let ready = pages.ready(&dir, Shown::NamesAndKinds, Order::default());
        assert!(ready.is_none());
        let html = page(Shown::NamesAndKinds);
        assert_eq!(
            html,
            self::html(b"<li><a href=\"a\">a</a></li>\n<li><a href=\"d/\">d/</a></li>\n")
        );
        // A new name shows in both; a new size only in the JSON, where it shows at once.
        t.file("b", b"");
        assert!(substring::find(&page(Shown::NamesAndKinds), b"href=\"b\"").is_some());
        let json = page(Shown::Everything);
        t.file("a", b"12345");
        let grown = page(Shown::Everything);
        assert_ne!(json, grown);
        assert!(
            substring::find(&grown, b"\"size\":5").is_some(),
            "{grown:?}"
        );
    }

    /// A page ordered by size follows sizes, which do not move the directory's mtime.
    #[test]
    fn pages_by_size_follow_sizes() {
        let t = Tree::new("pages-by-size");
        t.file("a", b"1").file("b", b"12345");
        let root = Arc::new(ServedRoot::open(t.path()).expect("open root"));
        let pages = Arc::new(ListingPages::new(Arc::clone(&root), 0));
        let by_size = Order {
            by: super::super::SortBy::Size,
            ..Order::default()
        };
        let page = || {
            at_once(pages.later(
                root.resolve("/").expect("resolve"),
                Shown::NamesAndKinds,
                by_size,
            ))
        };
        let a_then_b = html(b"<li><a href=\"a\">a</a></li>\n<li><a href=\"b\">b</a></li>\n");
        assert_eq!(page(), a_then_b);
        let modified = std::fs::metadata(t.path()).and_then(|m| m.modified());
        std::fs::write(t.at("a"), b"1234567890").expect("grow a");
        assert_eq!(
            std::fs::metadata(t.path()).and_then(|m| m.modified()).ok(),
            modified.ok(),
            "the directory's mtime stays"
        );
        assert_eq!(
            page(),
            html(b"<li><a href=\"b\">b</a></li>\n<li><a href=\"a\">a</a></li>\n")
        );
        // Python's order of the same directory is unaffected, and a page of its own.
        let dir = root.resolve("/").expect("resolve");
        let by_name = at_once(pages.later(dir, Shown::NamesAndKinds, Order::default()));
        assert_eq!(by_name, a_then_b);
    }
}
