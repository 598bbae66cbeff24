//! The order of a listing: CPython's `list.sort(key=lambda a: a.lower())` of `os.listdir()`,
//! for names that are raw bytes, and the orders a server or a request may choose instead
//! ([`Order`]: by size or time, descending, directories first).

use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::percent_decode_str;

use super::Entry;

/// What a listing is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortBy {
    /// Python's order: names, ignoring case.
    #[default]
    Name,
    /// Size in bytes, as the JSON listing shows it (a directory's own size, a link's own).
    Size,
    /// Modification time, to the nanosecond (as `ls -t`; the JSON listing shows whole seconds).
    Mtime,
}

impl SortBy {
    /// `name`, `size` or `mtime`, as the flag, its variable and the query write it.
    pub fn parse(text: &str) -> Result<SortBy, String> {
        match text {
            "name" => Ok(SortBy::Name),
            "size" => Ok(SortBy::Size),
            "mtime" => Ok(SortBy::Mtime),
            _ => Err(format!("expected name, size or mtime, not {text:?}")),
        }
    }
}

/// How a listing is ordered; the default is python's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Order {
    /// Name (python's), size or modification time.
    pub by: SortBy,
    /// Last name, largest or newest first. Equal sizes and times stay in name order.
    pub descending: bool,
    /// Directories (and links to them, which link with a `/`) before everything else.
    pub dirs_first: bool,
}

/// `asc` or `desc`: whether an order is descending.
pub fn parse_descending(text: &str) -> Result<bool, String> {
    match text {
        "asc" => Ok(false),
        "desc" => Ok(true),
        _ => Err(format!("expected asc or desc, not {text:?}")),
    }
}

impl Order {
    /// Whether this order depends on sizes or times, which a directory's mtime does not track.
    pub fn reads_metadata(self) -> bool {
        self.by != SortBy::Name
    }

    /// This order with a query's `sort=` and `order=` applied: each value must be one we know,
    /// and the last of each wins; every other query parameter is left to whoever reads it.
    pub fn with_query(mut self, query: &str) -> Result<Order, String> {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode_str(name).decode_utf8_lossy();
            let value = percent_decode_str(value).decode_utf8_lossy();
            match &*name {
                "sort" => self.by = SortBy::parse(&value).map_err(|e| format!("sort: {e}"))?,
                "order" => {
                    self.descending =
                        parse_descending(&value).map_err(|e| format!("order: {e}"))?;
                }
                _ => {}
            }
        }
        Ok(self)
    }

    /// Sorts entries (in the kernel's order) into this order. By name it is python's sort, with
    /// `reverse=True` when descending: ties (`A` and `a`) keep the kernel's order either way.
    /// By size or time the sort is stable over that, so equal sizes and times keep name order.
    pub(super) fn sort(self, entries: &mut [Entry]) {
        // A stable sort of the reversed list, reversed: descending, ties in their first order.
        let by_name_descending = self.by == SortBy::Name && self.descending;
        if by_name_descending {
            entries.reverse();
        }
        sort_like_python(entries);
        if by_name_descending {
            entries.reverse();
        }
        if self.by == SortBy::Name && !self.dirs_first {
            return;
        }
        // Keys of the type python's order uses (`Vec<u8>`), so one copy of std's sort serves
        // both: a sort of another type is another 9 KB of binary (measured).
        entries.sort_by_cached_key(|entry| self.key(entry));
    }

    /// Bytes that compare as `entry` sorts in this order: whether it goes after the
    /// directories, then its size or time (inverted when descending), big-endian.
    fn key(self, entry: &Entry) -> Vec<u8> {
        let value = match self.by {
            // Name order is already there: only directories first, if asked.
            SortBy::Name => 0,
            SortBy::Size => u128::from(entry.size),
            // Nanoseconds around the epoch, the sign bit flipped so that earlier compares lower.
            SortBy::Mtime => (signed_nanos(entry.modified) as u128) ^ (1 << 127),
        };
        let value = if self.descending { !value } else { value };
        let mut key = Vec::with_capacity(17);
        key.push(u8::from(!(self.dirs_first && entry.kind.leads_to_dir())));
        key.extend_from_slice(&value.to_be_bytes());
        key
    }
}

/// Nanoseconds from the Unix epoch to `t`, negative before it.
fn signed_nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// Sorts as CPython sorts `os.listdir()` names with `key=str.lower`: stable, by code point of
/// the lowercased name.
fn sort_like_python(entries: &mut [Entry]) {
    // `sort_by_cached_key` is stable: equal keys ("A" and "a") keep `getdents` order, as in
    // Python's stable `list.sort`.
    entries.sort_by_cached_key(|e| python_lower_key(&e.name));
}

/// The code points of `name.decode(errors='surrogateescape').lower()`, UTF-8 encoded: bytes
/// compare in the same order as the code points they encode, at a quarter of the memory (a key
/// of 100,000 names is made for every sort).
///
/// Valid UTF-8 is lowercased with Rust's full Unicode mapping, which is Python's too (`İ`
/// becomes `i` + U+0307, a final `Σ` becomes `ς`). Each byte that is not part of valid UTF-8
/// becomes the lone surrogate U+DC80..U+DCFF, which `lower()` leaves alone, so such names sort
/// after almost all text, exactly where Python puts them; it is encoded as UTF-8 would encode it
/// if surrogates were allowed (`ED B2 80`..`ED B3 BF`), which keeps the order. (Python 3.11 knows
/// Unicode 14, Rust a newer version: only letters added since then could case-fold differently.)
fn python_lower_key(name: &[u8]) -> Vec<u8> {
    let mut key = Vec::new();
    for chunk in name.utf8_chunks() {
        // A surrogate breaks Python's final-sigma context just as a chunk boundary does here.
        let lower = chunk.valid().to_lowercase();
        if key.is_empty() && chunk.invalid().is_empty() {
            // The whole name, valid UTF-8: the lowercased text is the key as it is.
            return lower.into_bytes();
        }
        key.extend_from_slice(lower.as_bytes());
        for &b in chunk.invalid() {
            let surrogate = 0xDC00 | u32::from(b);
            key.extend([
                0xED,
                0x80 | (surrogate >> 6 & 0x3F) as u8,
                0x80 | (b & 0x3F),
            ]);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Kind;
    use std::io::Write;
    use std::process::Stdio;
    use std::time::UNIX_EPOCH;
    use testkit::cpython311;

    /// Names chosen to stress the order: case pairs, special casing, final sigma, non-ASCII,
    /// bytes that are not UTF-8, punctuation that sorts between cases.
    const TRICKY: &[&[u8]] = &[
        b"a",
        b"A",
        b"b",
        b"B",
        b"_x",
        b"[x",
        b"^x",
        b"~x",
        b"Zebra",
        b"apple",
        b"Apple",
        b"APPLE",
        "\u{130}stanbul".as_bytes(),
        b"istanbul",
        "\u{3a3}\u{391}\u{3a3}".as_bytes(),
        "\u{3c3}\u{3b1}\u{3c2}".as_bytes(),
        "\u{3a3}x".as_bytes(),
        "stra\u{df}e".as_bytes(),
        "STRA\u{1e9e}E".as_bytes(),
        "\u{212a}elvin".as_bytes(),
        b"kelvin",
        "\u{c9}cole".as_bytes(),
        "\u{e9}cole".as_bytes(),
        b"ecole",
        "\u{1c5}x".as_bytes(),
        "\u{1c4}x".as_bytes(),
        "\u{1f600}".as_bytes(),
        "\u{ff21}".as_bytes(),
        "\u{ff41}".as_bytes(),
        b"\xff",
        b"\x80abc",
        b"\xc3",
        b"\xc3(",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"a\xffb",
        b"A\xff",
        b"\xe2\x82",
        "\u{10400}".as_bytes(),
        "\u{10428}".as_bytes(),
        b"",
        "\u{2c2f}".as_bytes(),
        "\u{a7c0}".as_bytes(),
        "\u{1e921}".as_bytes(),
        "I\u{307}".as_bytes(),
    ];

    /// Asks Python 3 to sort `names` with `key=str.lower` (and `reverse`) after a
    /// surrogateescape decode.
    fn python_sorted(names: &[&[u8]], reverse: bool) -> Vec<Vec<u8>> {
        let script = "import sys\n\
            names = [bytes.fromhex(l).decode('utf-8', 'surrogateescape') for l in sys.stdin.read().split(',')]\n\
            names.sort(key=lambda a: a.lower(), reverse=sys.argv[1] == 'reverse')\n\
            print(','.join(n.encode('utf-8', 'surrogateescape').hex() for n in names), end='')\n";
        let mut child = cpython311()
            .args(["-c", script, if reverse { "reverse" } else { "" }])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3");
        let input: Vec<String> = names.iter().map(|n| hex(n)).collect();
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.join(",").as_bytes())
            .expect("write to python");
        let out = child.wait_with_output().expect("python output");
        assert!(out.status.success(), "python failed");
        let text = String::from_utf8(out.stdout).expect("hex output");
        text.split(',').map(unhex).collect()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn order_matches_python_exactly() {
        // Try both input orders: ties must stay in input order, as in Python's stable sort,
        // both ways (`?order=desc` is `reverse=True`).
        for (reversed, descending) in [(false, false), (true, false), (false, true), (true, true)] {
            let mut input: Vec<&[u8]> = TRICKY.to_vec();
            if reversed {
                input.reverse();
            }
            let want = python_sorted(&input, descending);
            let mut entries: Vec<Entry> = input
                .iter()
                .map(|n| Entry {
                    name: n.to_vec(),
                    kind: Kind::File,
                    size: 0,
                    modified: UNIX_EPOCH,
                })
                .collect();
            let order = Order {
                descending,
                ..Order::default()
            };
            order.sort(&mut entries);
            let got: Vec<Vec<u8>> = entries.into_iter().map(|e| e.name).collect();
            assert_eq!(got, want, "reversed={reversed}, descending={descending}");
        }
    }

    /// Entries as the kernel lists them: `name`, kind, size, seconds since the epoch.
    fn listed(items: &[(&str, Kind, u64, u64)]) -> Vec<Entry> {
        items
            .iter()
            .map(|&(name, kind, size, secs)| Entry {
                name: name.into(),
                kind,
                size,
                modified: UNIX_EPOCH + std::time::Duration::from_secs(secs),
            })
            .collect()
    }

    fn arranged(order: &str, dirs_first: bool) -> Vec<String> {
        let mut entries = listed(&[
            ("b-big", Kind::File, 300, 10),
            ("A-small", Kind::File, 1, 30),
            ("c-dir", Kind::Dir, 4096, 20),
            ("d-same", Kind::File, 300, 10),
            ("e-link", Kind::Symlink { to_dir: true }, 5, 40),
            ("f-link", Kind::Symlink { to_dir: false }, 5, 5),
        ]);
        let base = Order {
            dirs_first,
            ..Order::default()
        };
        base.with_query(order).expect("valid").sort(&mut entries);
        entries
            .into_iter()
            .map(|e| String::from_utf8(e.name).expect("utf-8"))
            .collect()
    }

    #[test]
    fn orders_by_size_and_time_keep_name_order_for_ties() {
        let python = ["A-small", "b-big", "c-dir", "d-same", "e-link", "f-link"];
        assert_eq!(arranged("", false), python);
        assert_eq!(arranged("sort=name", false), python);
        let mut reversed = python;
        reversed.reverse();
        assert_eq!(arranged("order=desc", false), reversed);
        assert_eq!(
            arranged("sort=size", false),
            ["A-small", "e-link", "f-link", "b-big", "d-same", "c-dir"]
        );
        assert_eq!(
            arranged("sort=size&order=desc", false),
            ["c-dir", "b-big", "d-same", "e-link", "f-link", "A-small"]
        );
        assert_eq!(
            arranged("sort=mtime&order=desc", false),
            ["e-link", "A-small", "c-dir", "b-big", "d-same", "f-link"]
        );
        // Directories and links to them first, each part in the order asked for.
        assert_eq!(
            arranged("sort=mtime", true),
            ["c-dir", "e-link", "f-link", "b-big", "d-same", "A-small"]
        );
        assert_eq!(
            arranged("x=1&sort=size&v=%2F&order=desc&sort=mtime&order=asc", false),
            arranged("sort=mtime", false),
            "the last of each wins; others are ignored"
        );
        assert_eq!(
            arranged("sort=%6Dtime", false),
            arranged("sort=mtime", false)
        );
        assert_eq!(
            arranged("%73ort=mtime", false),
            arranged("sort=mtime", false)
        );
    }

    #[test]
    fn time_keys_follow_time_across_the_epoch_and_within_a_second() {
        use std::time::Duration;
        let ascending = Order {
            by: SortBy::Mtime,
            ..Order::default()
        };
        let descending = Order {
            descending: true,
            ..ascending
        };
        let times = [
            UNIX_EPOCH - Duration::from_secs(86_400 * 365 * 100),
            UNIX_EPOCH - Duration::from_nanos(1),
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_nanos(1),
            UNIX_EPOCH + Duration::from_millis(1_500),
            UNIX_EPOCH + Duration::from_secs(2),
        ];
        let keys = |order: Order| -> Vec<Vec<u8>> {
            let entry = |modified| Entry {
                name: b"x".to_vec(),
                kind: Kind::File,
                size: 0,
                modified,
            };
            times.iter().map(|&t| order.key(&entry(t))).collect()
        };
        assert!(keys(ascending).windows(2).all(|w| w[0] < w[1]));
        assert!(keys(descending).windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn bad_queries_say_what_is_allowed() {
        let order = Order::default();
        assert_eq!(
            order.with_query("sort=date").unwrap_err(),
            "sort: expected name, size or mtime, not \"date\""
        );
        assert_eq!(
            order.with_query("sort=size&order=up").unwrap_err(),
            "order: expected asc or desc, not \"up\""
        );
        assert!(order.with_query("sort").is_err(), "sort without a value");
        assert!(
            order.with_query("sort=SIZE").is_err(),
            "values are lower case"
        );
        assert!(order.with_query("sort=%FF").is_err(), "not UTF-8");
        assert_eq!(order.with_query("&&=&sorted=1"), Ok(order));
    }

    #[test]
    fn key_examples() {
        assert_eq!(python_lower_key(b"Ab"), b"ab");
        // U+DCFF, U+DC80 and U+DCC3 as UTF-8 would encode them.
        assert_eq!(python_lower_key(b"\xff"), b"\xed\xb3\xbf");
        assert_eq!(python_lower_key(b"\x80A"), b"\xed\xb2\x80a");
        assert_eq!(python_lower_key(b"A\xc3"), b"a\xed\xb3\x83");
        assert_eq!(
            python_lower_key("\u{130}".as_bytes()),
            "i\u{307}".as_bytes()
        );
    }
}
