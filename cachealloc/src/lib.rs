//! A per-thread cache of small memory blocks in front of the system allocator.
//!
//! musl's allocator takes one global lock for every `malloc` and `free`. With two worker
//! threads allocating per request, the lock is contended and the server spent 2.7 times the CPU
//! per request of one thread (measured: 52 µs against 19.6 µs). mimalloc removes the contention
//! but keeps 7-15 MB resident. This cache keeps a short free list per size class and thread, so
//! the common request-sized allocations never touch the lock, and it bounds what it holds to a
//! few hundred KiB per thread.
//!
//! The one crate of the workspace that needs `unsafe` throughout (a global allocator hands out
//! raw memory), kept apart so the rest can deny it; `bash tests/run.sh` runs its tests under Miri.
//!
//! ```
//! #[global_allocator]
//! static ALLOCATOR: cachealloc::ThreadCacheAlloc = cachealloc::ThreadCacheAlloc;
//! ```

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Size classes are powers of two from 16 bytes to 16 KiB (hyper's read buffer is 8 KiB and
/// grows once); larger blocks go straight to the system allocator.
const MIN_SHIFT: u32 = 4;
const MAX_SHIFT: u32 = 14;
const CLASSES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
/// Every cached block is aligned to this; stricter alignments bypass the cache.
const ALIGN: usize = 16;
/// A class keeps at most this many free blocks per thread...
const MAX_BLOCKS: usize = 32;
/// ...and at most this many bytes, so one thread holds at most 11 x 16 KiB = 176 KiB.
const MAX_CLASS_BYTES: usize = 16 * 1024;

/// A free list: each free block stores the pointer to the next in its first word.
#[derive(Clone, Copy)]
struct Bin {
    head: *mut u8,
    len: usize,
}

struct Cache(UnsafeCell<[Bin; CLASSES]>);

thread_local! {
    // Const-initialised and without `Drop`, so using it never allocates or registers a
    // destructor: safe inside the allocator. A thread's cached blocks are simply not returned
    // when it exits; the servers' threads live as long as the process.
    static CACHE: Cache = const {
        Cache(UnsafeCell::new([Bin { head: ptr::null_mut(), len: 0 }; CLASSES]))
    };
}

/// The system allocator with a per-thread cache of small blocks.
pub struct ThreadCacheAlloc;

/// The size class of `layout`, or `None` if it is not cached.
fn class_of(layout: Layout) -> Option<usize> {
    if layout.align() > ALIGN || layout.size() > 1 << MAX_SHIFT {
        return None;
    }
    let shift = layout
        .size()
        .max(1)
        .next_power_of_two()
        .trailing_zeros()
        .max(MIN_SHIFT);
    Some((shift - MIN_SHIFT) as usize)
}

fn class_layout(class: usize) -> Layout {
    // SAFETY: a power of two no larger than 16 KiB with a power-of-two alignment is valid.
    unsafe { Layout::from_size_align_unchecked(1 << (class as u32 + MIN_SHIFT), ALIGN) }
}

fn capacity(class: usize) -> usize {
    (MAX_CLASS_BYTES >> (class as u32 + MIN_SHIFT)).clamp(1, MAX_BLOCKS)
}

/// Runs `f` on this thread's bins; `None` only while the thread is being torn down.
fn with_bins<R>(f: impl FnOnce(&mut [Bin; CLASSES]) -> R) -> Option<R> {
    // SAFETY: the bins are only ever touched by their own thread, one call at a time (the
    // allocator is not re-entered from inside `f`, which only moves pointers).
    CACHE
        .try_with(|cache| f(unsafe { &mut *cache.0.get() }))
        .ok()
}

// SAFETY: every block handed out comes from `System`, with the layout asked for (uncached sizes
// and alignments) or with its class's layout, at least as large and as aligned; a freed block
// sits in one thread's list until it is handed out again, to one caller.
unsafe impl GlobalAlloc for ThreadCacheAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            // SAFETY: forwarded as received.
            return unsafe { System.alloc(layout) };
        };
        let cached = with_bins(|bins| {
            let bin = &mut bins[class];
            let block = bin.head;
            if !block.is_null() {
                // SAFETY: `block` is a free block this cache owns; its first word is `next`.
                bin.head = unsafe { block.cast::<*mut u8>().read() };
                bin.len -= 1;
            }
            block
        });
        match cached {
            Some(block) if !block.is_null() => block,
            // SAFETY: a valid, non-zero-size layout.
            _ => unsafe { System.alloc(class_layout(class)) },
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: allocated by `System` with this layout (see `alloc`).
            return unsafe { System.dealloc(block, layout) };
        };
        let kept = with_bins(|bins| {
            let bin = &mut bins[class];
            if bin.len >= capacity(class) {
                return false;
            }
            // SAFETY: the block is at least 16 bytes and 16-aligned, and now ours.
            unsafe { block.cast::<*mut u8>().write(bin.head) };
            bin.head = block;
            bin.len += 1;
            true
        });
        if kept != Some(true) {
            // SAFETY: every cached-class block comes from `System` with its class layout.
            unsafe { System.dealloc(block, class_layout(class)) };
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `new_size` was checked by the caller to make a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            // Big to big: let the system grow it in place where it can.
            // SAFETY: forwarded as received.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            // Same class: the block already has room.
            (Some(a), Some(b)) if a == b => block,
            _ => {
                // SAFETY: allocate, copy what both hold, free the old block.
                unsafe {
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    new
                }
            }
        }
    }
}

/// Frees this thread's cached blocks, as a thread's end does not: so Miri, which reports every
/// block still allocated at exit, sees that nothing else is ever lost.
#[cfg(test)]
fn release_this_threads_cache() {
    with_bins(|bins| {
        for (class, bin) in bins.iter_mut().enumerate() {
            while !bin.head.is_null() {
                let block = bin.head;
                // SAFETY: a free block this cache owns: its first word is `next`, and it came
                // from `System` with its class's layout.
                unsafe {
                    bin.head = block.cast::<*mut u8>().read();
                    System.dealloc(block, class_layout(class));
                }
                bin.len -= 1;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let class = |size| class_of(Layout::from_size_align(size, 8).unwrap());
        assert_eq!(class(0), Some(0));
        assert_eq!(class(1), Some(0));
        assert_eq!(class(16), Some(0));
        assert_eq!(class(17), Some(1));
        assert_eq!(class(4096), Some(8));
        assert_eq!(class(16384), Some(10));
        assert_eq!(class(16385), None);
        assert_eq!(class_of(Layout::from_size_align(64, 64).unwrap()), None);
        assert_eq!(capacity(0), 32);
        assert_eq!(capacity(10), 1);
    }

    /// Blocks come back intact through reuse, growth and shrinking, across threads.
    #[test]
    fn blocks_round_trip() {
        static A: ThreadCacheAlloc = ThreadCacheAlloc;
        let a = &A;
        // Miri checks every access, at a thousandth of the speed: fewer rounds there.
        let rounds = if cfg!(miri) { 40 } else { 2000 };
        let threads: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut live = Vec::new();
                    for i in 0..rounds {
                        let size = (i * 37 + t) % 20_000 + 1;
                        let layout = Layout::from_size_align(size, 8).unwrap();
                        // SAFETY: valid layouts; every block is freed with its own layout.
                        unsafe {
                            let p = a.alloc(layout);
                            assert!(!p.is_null());
                            p.write_bytes((i % 251) as u8, size);
                            live.push((p, layout, (i % 251) as u8));
                            if i % 3 == 0 {
                                let (p, layout, fill) = live.swap_remove(i % live.len());
                                assert!((0..layout.size()).all(|k| *p.add(k) == fill));
                                let grown = a.realloc(p, layout, layout.size() * 2 + 1);
                                let new =
                                    Layout::from_size_align(layout.size() * 2 + 1, 8).unwrap();
                                assert!((0..layout.size()).all(|k| *grown.add(k) == fill));
                                a.dealloc(grown, new);
                            }
                        }
                    }
                    for (p, layout, fill) in live {
                        // SAFETY: as above.
                        unsafe {
                            assert!((0..layout.size()).all(|k| *p.add(k) == fill));
                            a.dealloc(p, layout);
                        }
                    }
                    release_this_threads_cache();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
}
