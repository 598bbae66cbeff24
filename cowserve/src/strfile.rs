//! The strfile format: fortune text files and their `.dat` indexes.
//!
//! A fortune file is text with entries separated by lines holding only the
//! delimiter (`%`). Its index, written by `strfile`, is a 24-byte
//! big-endian header (version, number of entries, longest and shortest
//! entry length, flags, delimiter byte + 3 pad bytes) followed by
//! `numstr + 1` big-endian `u32` offsets: where each entry starts, then the
//! end. Entry lengths count the text bytes including newlines, but not the
//! delimiter line; empty entries are not indexed.
//!
//! Everything read here comes from files we do not control, so nothing is
//! trusted: the entry count is checked against the index size before any
//! allocation, and every offset against the text size.

use std::fmt;
use std::ops::Range;

/// Size of the `.dat` header.
pub const HEADER_LEN: usize = 24;
/// The format version Debian's strfile writes.
pub const VERSION: u32 = 2;
/// Flag: offsets were shuffled (`strfile -r`).
pub const STR_RANDOM: u32 = 0x1;
/// Flag: offsets were sorted by text (`strfile -o`).
pub const STR_ORDERED: u32 = 0x2;
/// Flag: the text is rot13-encoded (`strfile -x`, Debian's offensive sets).
pub const STR_ROTATED: u32 = 0x4;
/// The usual delimiter.
pub const DEFAULT_DELIMITER: u8 = b'%';

/// The decoded header of a `.dat` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `str_version`: the format version, 1 or [`VERSION`].
    pub version: u32,
    /// `str_numstr`: the number of entries indexed (empty ones are not).
    pub numstr: u32,
    /// `str_longlen`: the longest entry's length, in bytes (0 when there are none).
    pub longlen: u32,
    /// `str_shortlen`: the shortest entry's length, in bytes (`u32::MAX` when there are none).
    pub shortlen: u32,
    /// `str_flags`: [`STR_RANDOM`], [`STR_ORDERED`] and [`STR_ROTATED`], or-ed together.
    pub flags: u32,
    /// `str_delim`: the byte that, alone on a line, separates entries (usually `%`); three
    /// pad bytes follow it in the file.
    pub delimiter: u8,
}

/// A header and its offsets (`numstr + 1` of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The decoded header.
    pub header: Header,
    /// Byte offsets into the text: where each entry starts, in index order, then the end of
    /// the text.
    pub offsets: Vec<u32>,
}

/// Why an index or text could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexError {
    /// Shorter than the 24-byte header.
    TruncatedHeader {
        /// The index's length, in bytes.
        len: usize,
    },
    /// A version this reader does not know.
    BadVersion(u32),
    /// The header promises more offsets than the file holds.
    TruncatedOffsets {
        /// The number of entries the header claims.
        numstr: u32,
        /// The index's length, in bytes.
        len: usize,
    },
    /// An offset points past the end of the text file.
    OffsetOutOfRange {
        /// Which offset, counted from 0 (`numstr` is the end offset).
        entry: usize,
        /// The offset, in bytes.
        offset: u32,
        /// The text's length, in bytes.
        text_len: usize,
    },
    /// Offsets go backwards in an index not flagged random or ordered.
    Unsorted {
        /// The first offset smaller than the one before it, counted from 0.
        entry: usize,
    },
    /// An entry starts inside another one (or at the same offset).
    Overlapping {
        /// The entry, counted from 0 in index order, that reaches the next entry's start
        /// without a delimiter line.
        entry: usize,
    },
    /// The text is too big for 32-bit offsets.
    TextTooLarge {
        /// The text's length, in bytes (more than `u32::MAX`).
        len: usize,
    },
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TruncatedHeader { len } => {
                write!(
                    f,
                    "index is {len} bytes, shorter than its {HEADER_LEN}-byte header; rebuild it with strfile"
                )
            }
            Self::BadVersion(v) => {
                write!(f, "index has unknown version {v}; rebuild it with strfile")
            }
            Self::TruncatedOffsets { numstr, len } => write!(
                f,
                "index claims {numstr} entries but its {len} bytes hold fewer; rebuild it with strfile"
            ),
            Self::OffsetOutOfRange {
                entry,
                offset,
                text_len,
            } => write!(
                f,
                "entry {entry} starts at byte {offset}, past the end of the {text_len}-byte text; the index is stale, rebuild it with strfile"
            ),
            Self::Unsorted { entry } => {
                write!(
                    f,
                    "index offsets go backwards at entry {entry}; rebuild it with strfile"
                )
            }
            Self::Overlapping { entry } => write!(
                f,
                "index entry {entry} overlaps another one; rebuild it with strfile"
            ),
            Self::TextTooLarge { len } => write!(f, "text is {len} bytes, too large to index"),
        }
    }
}

impl std::error::Error for IndexError {}

fn be32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_be_bytes(word)
}

impl Index {
    /// Decodes a `.dat` file and checks it against the text's length.
    pub fn read(dat: &[u8], text_len: usize) -> Result<Self, IndexError> {
        if dat.len() < HEADER_LEN {
            return Err(IndexError::TruncatedHeader { len: dat.len() });
        }
        let header = Header {
            version: be32(dat, 0),
            numstr: be32(dat, 4),
            longlen: be32(dat, 8),
            shortlen: be32(dat, 12),
            flags: be32(dat, 16),
            delimiter: dat[20],
        };
        if !(1..=VERSION).contains(&header.version) {
            return Err(IndexError::BadVersion(header.version));
        }
        let room = (dat.len() - HEADER_LEN) / 4;
        let count = header.numstr as usize;
        if count >= room {
            return Err(IndexError::TruncatedOffsets {
                numstr: header.numstr,
                len: dat.len(),
            });
        }
        let offsets: Vec<u32> = (0..=count).map(|i| be32(dat, HEADER_LEN + 4 * i)).collect();
        let shuffled = header.flags & (STR_RANDOM | STR_ORDERED) != 0;
        for (entry, pair) in offsets.windows(2).enumerate() {
            if !shuffled && pair[1] < pair[0] {
                return Err(IndexError::Unsorted { entry: entry + 1 });
            }
        }
        for (entry, &offset) in offsets.iter().enumerate() {
            if offset as usize > text_len {
                return Err(IndexError::OffsetOutOfRange {
                    entry,
                    offset,
                    text_len,
                });
            }
        }
        Ok(Self { header, offsets })
    }

    /// Indexes a text as Debian's `strfile` does (no flags): the same bytes.
    pub fn build(text: &[u8], delimiter: u8) -> Result<Self, IndexError> {
        if u32::try_from(text.len()).is_err() {
            return Err(IndexError::TextTooLarge { len: text.len() });
        }
        let mut offsets = Vec::new();
        let (mut longlen, mut shortlen) = (0u32, u32::MAX);
        // Each entry runs from `start` to the next delimiter line; empty
        // entries are skipped. The last offset is the end of the text.
        let mut start = 0usize;
        let mut pos = 0usize;
        for line in text.split_inclusive(|&b| b == b'\n') {
            if is_delimiter(line, delimiter) {
                record(&mut offsets, &mut longlen, &mut shortlen, start..pos);
                start = pos + line.len();
            }
            pos += line.len();
        }
        record(&mut offsets, &mut longlen, &mut shortlen, start..pos);
        // Fits: the text length was checked against u32::MAX.
        offsets.push(text.len() as u32);
        let numstr = offsets.len() as u32 - 1;
        let header = Header {
            version: VERSION,
            numstr,
            longlen,
            shortlen,
            flags: 0,
            delimiter,
        };
        Ok(Self { header, offsets })
    }

    /// The `.dat` bytes for this index.
    pub fn to_bytes(&self) -> Vec<u8> {
        let h = &self.header;
        let mut out = Vec::with_capacity(HEADER_LEN + 4 * self.offsets.len());
        for word in [h.version, h.numstr, h.longlen, h.shortlen, h.flags] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        out.extend_from_slice(&[h.delimiter, 0, 0, 0]);
        for offset in &self.offsets {
            out.extend_from_slice(&offset.to_be_bytes());
        }
        out
    }

    /// The byte range of each entry in `text`: from its offset to the next
    /// delimiter line or the end. Call only with the text this index was
    /// checked against.
    ///
    /// Entries may not overlap: in offset order, each must end before the
    /// next one starts. An index whose offsets point into another entry (or
    /// repeat) is corrupt, and taking it as written would copy and scan the
    /// text once per entry: a 40 KiB index over a 1 MiB text could cost
    /// gigabytes. Each scan stops at the next entry, so this is linear.
    pub fn entries(&self, text: &[u8]) -> Result<Vec<Range<usize>>, IndexError> {
        let count = self.header.numstr as usize;
        let starts: Vec<usize> = self.offsets[..count]
            .iter()
            .map(|&start| (start as usize).min(text.len()))
            .collect();
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_unstable_by_key(|&i| starts[i]);
        let mut ranges = vec![0..0; count];
        for (k, &entry) in order.iter().enumerate() {
            let start = starts[entry];
            let next = order.get(k + 1).map_or(text.len(), |&n| starts[n]);
            let end = entry_end(&text[..next], start, self.header.delimiter);
            if end == next && next < text.len() {
                return Err(IndexError::Overlapping { entry });
            }
            ranges[entry] = start..end;
        }
        Ok(ranges)
    }

    /// True if the text must be rot13-decoded before showing.
    pub fn rotated(&self) -> bool {
        self.header.flags & STR_ROTATED != 0
    }
}

/// Notes a non-empty entry: its start offset and its length.
fn record(offsets: &mut Vec<u32>, longlen: &mut u32, shortlen: &mut u32, entry: Range<usize>) {
    if entry.is_empty() {
        return;
    }
    // Both fit: the text length was checked against u32::MAX.
    let length = entry.len() as u32;
    offsets.push(entry.start as u32);
    *longlen = (*longlen).max(length);
    *shortlen = (*shortlen).min(length);
}

/// A delimiter line: the delimiter byte and a newline, nothing else.
fn is_delimiter(line: &[u8], delimiter: u8) -> bool {
    line == [delimiter, b'\n']
}

/// Where the entry starting at `start` ends.
fn entry_end(text: &[u8], start: usize, delimiter: u8) -> usize {
    let mut pos = start;
    for line in text[start..].split_inclusive(|&b| b == b'\n') {
        if is_delimiter(line, delimiter) {
            return pos;
        }
        pos += line.len();
    }
    text.len()
}

/// Decodes rot13 (ASCII letters only), as fortune does for rotated files.
pub fn rot13(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests;
