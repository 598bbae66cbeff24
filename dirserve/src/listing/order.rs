//! The order of a listing: CPython's `list.sort(key=lambda a: a.lower())` of `os.listdir()`,
//! for names that are raw bytes.

use super::Entry;

/// Sorts as CPython sorts `os.listdir()` names with `key=str.lower`: stable, by code point of
/// the lowercased name.
pub(super) fn sort_like_python(entries: &mut [Entry]) {
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

    /// Asks Python 3 to sort `names` with `key=str.lower` after a surrogateescape decode.
    fn python_sorted(names: &[&[u8]]) -> Vec<Vec<u8>> {
        let script = "import sys\n\
            names = [bytes.fromhex(l).decode('utf-8', 'surrogateescape') for l in sys.stdin.read().split(',')]\n\
            names.sort(key=lambda a: a.lower())\n\
            print(','.join(n.encode('utf-8', 'surrogateescape').hex() for n in names), end='')\n";
        let mut child = cpython311()
            .args(["-c", script])
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
        // Try both input orders: ties must stay in input order, as in Python's stable sort.
        for reversed in [false, true] {
            let mut input: Vec<&[u8]> = TRICKY.to_vec();
            if reversed {
                input.reverse();
            }
            let want = python_sorted(&input);
            let mut entries: Vec<Entry> = input
                .iter()
                .map(|n| Entry {
                    name: n.to_vec(),
                    kind: Kind::File,
                    size: 0,
                    modified: UNIX_EPOCH,
                })
                .collect();
            sort_like_python(&mut entries);
            let got: Vec<Vec<u8>> = entries.into_iter().map(|e| e.name).collect();
            assert_eq!(got, want, "reversed={reversed}");
        }
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
