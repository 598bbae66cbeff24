//! The order of a listing: CPython's `list.sort(key=lambda a: a.lower())` of `os.listdir()`,
//! for names that are raw bytes, and the orders a server or a request may choose instead
//! ([`Order`]: by size or time, descending, directories first).

use percent_encoding::percent_decode_str;

use std::cmp::Ordering;

use super::{Kind, Listing};

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

    /// The indices of `listing`'s entries (in the kernel's order) in this order. By name it is
    /// python's sort, with `reverse=True` when descending: ties (`A` and `a`) keep the kernel's
    /// order either way. By size or time, equal sizes and times keep name order. One unstable
    /// sort with the kernel's order as the last tie-break gives what python's stable sorts give,
    /// and keeps nothing per entry but its index: a million names sort in 4 MB.
    pub(super) fn sorted(self, listing: &Listing) -> Vec<u32> {
        debug_assert!(listing.has_metadata() || !self.reads_metadata());
        // A listing's names outgrow u32 offsets (4 GiB) before its count could.
        let mut order: Vec<u32> = (0..listing.len() as u32).collect();
        let by_name_only = self.by == SortBy::Name && !self.dirs_first;
        let name_descending = self.by == SortBy::Name && self.descending;
        let key = |i: u32| self.key(listing.sort_facts(i as usize));
        order.sort_unstable_by(|&a, &b| {
            let by_key = match by_name_only {
                true => Ordering::Equal,
                false => key(a).cmp(&key(b)),
            };
            by_key
                .then_with(|| {
                    let by_name = python_cmp(listing.name(a as usize), listing.name(b as usize));
                    if name_descending {
                        by_name.reverse()
                    } else {
                        by_name
                    }
                })
                .then(a.cmp(&b))
        });
        order
    }

    /// What compares as an entry (its kind, size and time in nanoseconds) sorts in this order:
    /// whether it goes after the directories, then its size or time (inverted when descending).
    fn key(self, (kind, size, nanos): (Kind, u64, i128)) -> (bool, u128) {
        let value = match self.by {
            // Name order is already there: only directories first, if asked.
            SortBy::Name => 0,
            SortBy::Size => u128::from(size),
            // The sign bit flipped, so that earlier compares lower.
            SortBy::Mtime => (nanos as u128) ^ (1 << 127),
        };
        let value = if self.descending { !value } else { value };
        (!(self.dirs_first && kind.leads_to_dir()), value)
    }
}

/// How CPython orders two `os.listdir()` names with `key=str.lower`: by their
/// [`python_lower_key`]s. ASCII names, the common case, compare byte by byte as they are read,
/// without keeping a key per name; others are lowercased for the comparison.
fn python_cmp(a: &[u8], b: &[u8]) -> Ordering {
    if !(a.is_ascii() && b.is_ascii()) {
        return python_lower_key(a).cmp(&python_lower_key(b));
    }
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// The lone surrogate U+DC80..U+DCFF that python's `surrogateescape` makes of a byte that is not
/// part of valid UTF-8, encoded as UTF-8 would encode it if surrogates were allowed (`ED B2 80`
/// ..`ED B3 BF`), which keeps its order among code points.
fn surrogate(b: u8) -> [u8; 3] {
    let surrogate = 0xDC00 | u32::from(b);
    [
        0xED,
        0x80 | (surrogate >> 6 & 0x3F) as u8,
        0x80 | (b & 0x3F),
    ]
}

/// The code points of `name.decode(errors='surrogateescape').lower()`, UTF-8 encoded: bytes
/// compare in the same order as the code points they encode.
///
/// Valid UTF-8 is lowercased with Rust's full Unicode mapping, which is Python's too (`İ`
/// becomes `i` + U+0307, a final `Σ` becomes `ς`). Each byte that is not part of valid UTF-8
/// becomes its [`surrogate`], which `lower()` leaves alone, so such names sort after almost all
/// text, exactly where Python puts them. (Python 3.11 knows Unicode 14, Rust a newer version:
/// only letters added since then could case-fold differently.)
fn python_lower_key(name: &[u8]) -> Vec<u8> {
    let mut key = Vec::new();
    for chunk in name.utf8_chunks() {
        // A surrogate breaks Python's final-sigma context just as a chunk boundary does here.
        key.extend_from_slice(chunk.valid().to_lowercase().as_bytes());
        for &b in chunk.invalid() {
            key.extend(surrogate(b));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Entry;
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
            let listing = Listing::of(input.iter().map(|n| Entry {
                name: n,
                kind: Kind::File,
                size: 0,
                modified: UNIX_EPOCH,
            }));
            let order = Order {
                descending,
                ..Order::default()
            };
            let sorted = order.sorted(&listing);
            let got: Vec<Vec<u8>> = sorted
                .iter()
                .map(|&i| listing.get(i as usize).name.to_vec())
                .collect();
            let keyed = sort_by_whole_keys(&input, descending);
            assert_eq!(got, keyed, "compared as made, or by whole keys");
            assert_eq!(got, want, "reversed={reversed}, descending={descending}");
        }
    }

    /// `names` sorted by their whole [`python_lower_key`]s, as a cached-key sort would.
    fn sort_by_whole_keys(names: &[&[u8]], descending: bool) -> Vec<Vec<u8>> {
        let mut names: Vec<Vec<u8>> = names.iter().map(|n| n.to_vec()).collect();
        if descending {
            names.reverse();
        }
        names.sort_by_cached_key(|n| python_lower_key(n));
        if descending {
            names.reverse();
        }
        names
    }

    /// The comparison made as it goes agrees with whole keys on every pair of tricky names.
    #[test]
    fn comparing_as_made_agrees_with_whole_keys() {
        for a in TRICKY {
            for b in TRICKY {
                let whole = python_lower_key(a).cmp(&python_lower_key(b));
                assert_eq!(python_cmp(a, b), whole, "{a:?} {b:?}");
            }
        }
    }

    /// Entries as the kernel lists them: `name`, kind, size, seconds since the epoch.
    fn listed(items: &[(&'static str, Kind, u64, u64)]) -> Listing {
        Listing::of(items.iter().map(|&(name, kind, size, secs)| Entry {
            name: name.as_bytes(),
            kind,
            size,
            modified: UNIX_EPOCH + std::time::Duration::from_secs(secs),
        }))
    }

    fn arranged(order: &str, dirs_first: bool) -> Vec<String> {
        let listing = listed(&[
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
        let sorted = base.with_query(order).expect("valid").sorted(&listing);
        sorted
            .into_iter()
            .map(|i| String::from_utf8(listing.get(i as usize).name.to_vec()).expect("utf-8"))
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
        let listing = Listing::of(times.iter().map(|&modified| Entry {
            name: b"x",
            kind: Kind::File,
            size: 0,
            modified,
        }));
        let keys = |order: Order| -> Vec<(bool, u128)> {
            let facts = (0..times.len()).map(|i| listing.sort_facts(i));
            facts.map(|facts| order.key(facts)).collect()
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
