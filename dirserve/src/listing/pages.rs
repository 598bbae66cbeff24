//! Listing pages, made off the connection threads and shared by every reader.
//!
//! A worker thread answers a listing itself only when the cache holds a page the directory's
//! mtime vouches for ([`ListingPages::ready`]: a lookup, no I/O). Anything else, checking a kept
//! page against the directory or reading and rendering a new one, is a job for the listing
//! threads ([`servekit::offload`]), while the worker goes on serving its other connections; the
//! request waits for the page without holding up anyone.
//!
//! Requests for a page whose job is queued but not started join that job instead of queueing
//! another: sixty clients asking for the same listing at once cost one reading of the directory,
//! and each still gets a page read after it asked. A job whose clients have all gone is skipped.

use super::cache::{Key, ListingCache, settled};
use super::html::page_items;
use super::json::render_json;
use super::{Links, Order, Shown, fingerprint, read_listing_and_fingerprint};
use crate::meta::FileMeta;
use crate::resolve::{Resolved, ServedRoot};
use bytes::Bytes;
use servekit::offload::{Offload, oneshot};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

/// A listing's page, or why the directory could not be read (shared by everyone who waited).
pub type Made = Result<Bytes, Arc<io::Error>>;

/// The listings of one served root.
pub struct ListingPages {
    root: Arc<ServedRoot>,
    cache: ListingCache,
    /// Clients waiting for a job that has not started yet, by page.
    queued: Mutex<HashMap<Key, Vec<oneshot::Sender<Made>>>>,
    threads: Offload,
}

impl ListingPages {
    /// Listings of `root`, made on `threads` threads (0: at once, on the caller's thread).
    pub fn new(root: Arc<ServedRoot>, threads: usize) -> ListingPages {
        ListingPages {
            root,
            cache: ListingCache::default(),
            queued: Mutex::default(),
            threads: Offload::new(threads),
        }
    }

    /// The page at once, if the cache holds one the directory's mtime vouches for.
    pub fn ready(&self, dir: &Resolved, shown: Shown, order: Order) -> Option<Bytes> {
        self.cache
            .by_mtime(Key::new(&dir.meta, shown, order), dir.meta.modified)
    }

    /// The page, checked or made by a listing thread; resolves when it is ready.
    pub fn later(
        self: &Arc<Self>,
        dir: Resolved,
        shown: Shown,
        order: Order,
    ) -> impl Future<Output = Made> + Send + use<> {
        let key = Key::new(&dir.meta, shown, order);
        let (sender, receiver) = oneshot::channel();
        let first = match self.lock_queued().entry(key) {
            Entry::Occupied(mut waiting) => {
                waiting.get_mut().push(sender);
                false
            }
            Entry::Vacant(waiting) => {
                waiting.insert(vec![sender]);
                true
            }
        };
        if first {
            let pages = Arc::clone(self);
            self.threads.spawn(move || pages.job(key, &dir));
        }
        async move {
            receiver
                .await
                .unwrap_or_else(|_| Err(Arc::new(io::Error::other("the listing job failed"))))
        }
    }

    /// One job: the page for everyone queued for `key` until now.
    fn job(&self, key: Key, dir: &Resolved) {
        let waiting = self.lock_queued().remove(&key).unwrap_or_default();
        if waiting.iter().all(oneshot::Sender::is_closed) {
            return;
        }
        let made = self.page(key, dir).map_err(Arc::new);
        for client in waiting {
            let _ = client.send(made.clone());
        }
    }

    /// The kept page if it is still true, else a new one.
    fn page(&self, key: Key, dir: &Resolved) -> io::Result<Bytes> {
        // The mtime now, not when the first client asked: later ones may have joined since.
        let modified = FileMeta::from_stat(&rustix::fs::fstat(&dir.file)?).modified;
        // Another job may have made it while this one waited.
        if let Some(page) = self.cache.by_mtime(key, modified) {
            return Ok(page);
        }
        let settled = settled(modified, SystemTime::now());
        let links = Links::new(&self.root, &dir.rel_path);
        if self.cache.fingerprint_of(key).is_some() {
            let now = fingerprint(&dir.file, &links, key.reads_metadata(), self.cache.hasher())?;
            if let Some(page) = self.cache.checked(key, now, modified, settled) {
                return Ok(page);
            }
        }
        let (entries, print) = read_listing_and_fingerprint(
            &dir.file,
            &links,
            key.order(),
            key.reads_metadata(),
            self.cache.hasher(),
        )?;
        let page = match key.shown() {
            Shown::NamesAndKinds => page_items(&entries),
            Shown::Everything => render_json(&entries),
        };
        drop(entries);
        Ok(self.cache.insert(key, print, modified, settled, page))
    }

    fn lock_queued(&self) -> MutexGuard<'_, HashMap<Key, Vec<oneshot::Sender<Made>>>> {
        // Consistent between statements: a panic elsewhere cannot poison it into disuse.
        self.queued.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use servekit::substring;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use testkit::Tree;

    /// With no listing threads a job runs at once, so the answer is ready on the first poll.
    fn at_once(made: impl Future<Output = Made>) -> Bytes {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(made).poll(&mut cx) {
            Poll::Ready(made) => made.expect("a page"),
            Poll::Pending => panic!("not made at once"),
        }
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
        assert!(
            pages
                .ready(&dir, Shown::NamesAndKinds, Order::default())
                .is_none()
        );
        let html = page(Shown::NamesAndKinds);
        assert_eq!(
            html,
            &b"<li><a href=\"a\">a</a></li>\n<li><a href=\"d/\">d/</a></li>\n"[..]
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
        let a_then_b = &b"<li><a href=\"a\">a</a></li>\n<li><a href=\"b\">b</a></li>\n"[..];
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
            &b"<li><a href=\"b\">b</a></li>\n<li><a href=\"a\">a</a></li>\n"[..]
        );
        // Python's order of the same directory is unaffected, and a page of its own.
        let dir = root.resolve("/").expect("resolve");
        let by_name = at_once(pages.later(dir, Shown::NamesAndKinds, Order::default()));
        assert_eq!(by_name, a_then_b);
    }
}
