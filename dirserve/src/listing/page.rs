//! A listing's page: everything after the request's own head (HTML: the `<li>` lines and the
//! tail; JSON: the whole document). Made whole when it is small enough to keep; otherwise only
//! measured, and made a piece at a time as each reader's connection sends it, from the sorted
//! entries every reader shares. So the page of 1,000,000 names (73 MB of HTML) never exists in
//! memory: what it costs is its entries (see `Listing`: 7 bytes and the name each, 20 more
//! with sizes and times) and a piece per reader.

use super::{Entry, Shown, Sorted, html, json};
use bytes::Bytes;
use std::sync::Arc;

/// About what one piece of a page made as it is sent holds: a few hundred entries, so a
/// connection's worker makes a little of a page at a time (see `servekit::Body::Chunks`).
const PIECE_BYTES: usize = 32 * 1024;

/// A page to send.
#[derive(Clone)]
pub enum PageBody {
    /// Made whole, one copy shared by every reader.
    Whole(Bytes),
    /// Made as it is sent.
    Streamed(Arc<StreamedPage>),
}

/// A page too large to keep, as its readers share it: its entries and its length.
#[derive(Debug)]
pub struct StreamedPage {
    sorted: Sorted,
    shown: Shown,
    len: u64,
}

impl StreamedPage {
    /// The page's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The pieces of the page, after `head` (the request's own, or empty).
    pub fn pieces(self: &Arc<Self>, head: Bytes) -> Pieces {
        Pieces {
            page: Arc::clone(self),
            head: Some(head),
            next: 0,
            prefix_sent: false,
            done: false,
        }
    }
}

/// What [`make`] made.
pub enum Made {
    Whole(Vec<u8>),
    Streamed(Arc<StreamedPage>),
}

/// The page of `sorted` in the form `shown`: whole when it is at most `keep_bytes` long, else
/// measured to be made as it is sent.
pub fn make(sorted: Sorted, shown: Shown, keep_bytes: usize) -> Made {
    let len = measure(&sorted, shown);
    if len <= keep_bytes as u64 {
        let mut page = Vec::with_capacity(len as usize);
        page.extend_from_slice(prefix(shown));
        for (i, entry) in sorted.iter().enumerate() {
            write_entry(shown, &mut page, i, entry);
        }
        page.extend_from_slice(suffix(shown, sorted.is_empty()));
        return Made::Whole(page);
    }
    Made::Streamed(Arc::new(StreamedPage { sorted, shown, len }))
}

/// The page's length, made piece by piece and thrown away: the same code makes it later, so the
/// length is exact by construction.
fn measure(sorted: &Sorted, shown: Shown) -> u64 {
    let mut len = (prefix(shown).len() + suffix(shown, sorted.is_empty()).len()) as u64;
    let mut piece = Vec::with_capacity(PIECE_BYTES * 2);
    for (i, entry) in sorted.iter().enumerate() {
        write_entry(shown, &mut piece, i, entry);
        if piece.len() >= PIECE_BYTES {
            len += piece.len() as u64;
            piece.clear();
        }
    }
    len + piece.len() as u64
}

fn prefix(shown: Shown) -> &'static [u8] {
    match shown {
        Shown::NamesAndKinds => b"",
        Shown::Everything => json::HEAD,
    }
}

fn suffix(shown: Shown, empty: bool) -> &'static [u8] {
    match shown {
        Shown::NamesAndKinds => html::PAGE_TAIL,
        Shown::Everything => json::tail(empty),
    }
}

/// The `i`th entry, in the form `shown`.
fn write_entry(shown: Shown, out: &mut Vec<u8>, i: usize, entry: Entry<'_>) {
    match shown {
        Shown::NamesAndKinds => html::write_item(out, entry),
        Shown::Everything => json::write_entry(out, i, entry),
    }
}

/// One reader's way through a [`StreamedPage`].
pub struct Pieces {
    page: Arc<StreamedPage>,
    head: Option<Bytes>,
    /// The next entry to make.
    next: usize,
    prefix_sent: bool,
    done: bool,
}

impl servekit::Chunks for Pieces {
    fn next_chunk(&mut self) -> Bytes {
        if let Some(head) = self.head.take().filter(|head| !head.is_empty()) {
            return head;
        }
        let (sorted, shown) = (&self.page.sorted, self.page.shown);
        let mut piece = Vec::with_capacity(PIECE_BYTES * 2);
        if !self.prefix_sent {
            self.prefix_sent = true;
            piece.extend_from_slice(prefix(shown));
        }
        while self.next < sorted.len() && piece.len() < PIECE_BYTES {
            write_entry(shown, &mut piece, self.next, sorted.get(self.next));
            self.next += 1;
        }
        if self.next == sorted.len() && !self.done {
            self.done = true;
            piece.extend_from_slice(suffix(shown, sorted.is_empty()));
        }
        Bytes::from(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::{Kind, Listing, Order};
    use servekit::Chunks;
    use std::time::UNIX_EPOCH;

    fn sorted(count: usize) -> Sorted {
        let names: Vec<String> = (0..count).map(|i| format!("name <{i}>")).collect();
        let listing = Listing::of(names.iter().map(|name| Entry {
            name: name.as_bytes(),
            kind: Kind::File,
            size: 1,
            modified: UNIX_EPOCH,
        }));
        Sorted::new(Arc::new(listing), Order::default())
    }

    /// Made whole or in pieces, a page is the same bytes, of the length measured.
    #[test]
    fn pieces_make_the_whole_page() {
        for count in [0, 1, 3, 5000] {
            for shown in [Shown::NamesAndKinds, Shown::Everything] {
                let Made::Whole(whole) = make(sorted(count), shown, usize::MAX) else {
                    panic!("kept whole");
                };
                let Made::Streamed(page) = make(sorted(count), shown, 0) else {
                    panic!("too large to keep");
                };
                assert_eq!(page.len(), whole.len() as u64);
                let mut pieces = page.pieces(Bytes::from_static(b"head"));
                let mut sent = Vec::new();
                loop {
                    let piece = pieces.next_chunk();
                    if piece.is_empty() {
                        break;
                    }
                    assert!(piece.len() < 3 * PIECE_BYTES);
                    sent.extend_from_slice(&piece);
                }
                assert_eq!(sent, [&b"head"[..], &whole].concat(), "{count} {shown:?}");
            }
        }
    }
}
