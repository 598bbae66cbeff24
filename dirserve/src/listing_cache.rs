//! The `<li>` lines of listing pages, cached per directory and checked against its mtime.
//!
//! A listing costs one `getdents` batch and one `stat` per entry, a sort and the rendering:
//! about 1.8 ms for 1,000 entries, against a few microseconds for a cached copy. The lines
//! depend only on the entries' names and kinds, which change only by creating, removing or
//! renaming entries, and each of those updates the directory's mtime. So a cached copy is
//! served while the directory's mtime is the one it was rendered at.
//!
//! The clock behind mtimes is coarse: two changes a few milliseconds apart can share one
//! timestamp. Like git's "racily clean" rule, a listing is only cached once its directory's
//! mtime is at least [`RACY_WINDOW`] old, so no later change can carry the same timestamp.
//! The JSON form carries sizes and times, which a directory's mtime does not track: never cached.

use crate::meta::FileMeta;
use bytes::Bytes;
use std::collections::HashMap;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// All cached listings together stay under this many bytes (about 80 listings of 1,000 entries).
const MAX_BYTES: usize = 4 << 20;
/// Changes closer than this to a directory's mtime could share its timestamp.
const RACY_WINDOW: Duration = Duration::from_secs(1);

/// Rendered `<li>` lines by directory (device and inode).
#[derive(Default)]
pub struct ListingCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    listings: HashMap<(u64, u64), Cached>,
    bytes: usize,
}

struct Cached {
    modified: SystemTime,
    items: Bytes,
}

impl ListingCache {
    /// The lines for the directory `meta` describes: cached, or made by `render` and cached.
    pub fn items(
        &self,
        meta: &FileMeta,
        render: impl FnOnce() -> io::Result<Vec<u8>>,
    ) -> io::Result<Bytes> {
        let key = (meta.dev, meta.ino);
        if let Some(cached) = self.lock().listings.get(&key) {
            if cached.modified == meta.modified {
                return Ok(cached.items.clone());
            }
        }
        let items = Bytes::from(render()?);
        let settled = SystemTime::now()
            .duration_since(meta.modified)
            .is_ok_and(|age| age >= RACY_WINDOW);
        if settled && items.len() <= MAX_BYTES / 4 {
            self.lock().insert(key, meta.modified, items.clone());
        }
        Ok(items)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map is always consistent between statements: a panic elsewhere cannot poison it
        // into an unusable state.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn insert(&mut self, key: (u64, u64), modified: SystemTime, items: Bytes) {
        self.bytes += items.len();
        if let Some(old) = self.listings.insert(key, Cached { modified, items }) {
            self.bytes -= old.items.len();
        }
        // Over the bound: drop other listings (any; a miss only costs one render) until under.
        while self.bytes > MAX_BYTES {
            let Some(victim) = self.listings.keys().copied().find(|k| *k != key) else {
                break;
            };
            if let Some(old) = self.listings.remove(&victim) {
                self.bytes -= old.items.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(ino: u64, modified: SystemTime) -> FileMeta {
        FileMeta {
            size: 0,
            modified,
            ino,
            dev: 1,
            is_dir: true,
        }
    }

    #[test]
    fn serves_cached_lines_until_the_mtime_changes() {
        let cache = ListingCache::default();
        let old = SystemTime::now() - Duration::from_secs(60);
        let mut renders = 0;
        let mut render = |text: &'static str| {
            renders += 1;
            move || Ok(text.as_bytes().to_vec())
        };
        assert_eq!(cache.items(&meta(1, old), render("a")).unwrap(), "a");
        assert_eq!(cache.items(&meta(1, old), render("b")).unwrap(), "a");
        let newer = old + Duration::from_secs(1);
        assert_eq!(cache.items(&meta(1, newer), render("c")).unwrap(), "c");
        assert_eq!(cache.items(&meta(2, old), render("d")).unwrap(), "d");
        assert_eq!(renders, 4);
    }

    #[test]
    fn a_just_modified_directory_is_not_cached() {
        let cache = ListingCache::default();
        let now = SystemTime::now();
        assert_eq!(
            cache.items(&meta(1, now), || Ok(b"a".to_vec())).unwrap(),
            "a"
        );
        assert_eq!(
            cache.items(&meta(1, now), || Ok(b"b".to_vec())).unwrap(),
            "b"
        );
    }

    #[test]
    fn stays_under_its_bound() {
        let cache = ListingCache::default();
        let old = SystemTime::now() - Duration::from_secs(60);
        for ino in 0..40 {
            cache
                .items(&meta(ino, old), || Ok(vec![b'x'; MAX_BYTES / 8]))
                .unwrap();
        }
        let inner = cache.lock();
        assert!(inner.bytes <= MAX_BYTES, "{}", inner.bytes);
        assert_eq!(
            inner.bytes,
            inner
                .listings
                .values()
                .map(|c| c.items.len())
                .sum::<usize>()
        );
    }
}
