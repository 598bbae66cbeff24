//! The link from a listing to each entry, the same in every format.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

use super::Entry;

/// What CPython's `urllib.parse.quote` leaves alone: RFC 3986 unreserved characters (and `/`,
/// which no name contains; the one we append to directory links is added after encoding).
pub(super) const HREF_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The relative link to an entry: its raw name bytes percent-encoded (so it decodes back to
/// exactly that name), plus `/` for a directory or a symlink to one, as CPython links them.
pub fn href(entry: Entry<'_>) -> String {
    let mut link = Vec::new();
    push_href(&mut link, entry);
    String::from_utf8(link).expect("percent-encoded: ASCII")
}

/// [`href`], written at the end of `out`.
pub fn push_href(out: &mut Vec<u8>, entry: Entry<'_>) {
    for piece in percent_encode(entry.name, HREF_KEEP) {
        out.extend_from_slice(piece.as_bytes());
    }
    if entry.kind.leads_to_dir() {
        out.push(b'/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Kind;
    use std::time::UNIX_EPOCH;

    #[test]
    fn hrefs_decode_back_to_the_raw_name() {
        for name in [
            &b"\x80"[..],
            b"caf\xe9",
            b"a b",
            b"%2e%2e",
            b"?#&",
            "\u{1f600}".as_bytes(),
        ] {
            let e = Entry {
                name,
                kind: Kind::File,
                size: 0,
                modified: UNIX_EPOCH,
            };
            let link = href(e);
            assert!(link.bytes().all(|b| b.is_ascii_graphic()), "{link}");
            let back: Vec<u8> = percent_encoding::percent_decode_str(&link).collect();
            assert_eq!(back, name);
        }
    }
}
