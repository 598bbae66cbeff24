//! Reading a directory for a listing: names, kinds, sizes and times, sorted as CPython sorts them.
//!
//! The entries come from `getdents64` on the descriptor the resolver already opened, in large
//! batches, and each is `fstatat`-ed relative to that descriptor (one short lookup per name;
//! std's `read_dir` + `metadata` on musl does a full-path `lstat` per entry and many small
//! `getdents64` calls). The data is plain and owned (`Vec<Entry>`), so a cache keyed on the
//! directory's identity and mtime can keep it, or its rendering, without borrowing anything.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, FileType, RawDir, SeekFrom};

use crate::meta::{modified_of_stat, size_of_stat};

/// Bytes of directory records fetched per `getdents64` call: a few hundred names at a time
/// (musl's `readdir` asks for 2 KiB). Much larger than the biggest single record (~280 bytes).
const GETDENTS_BUF_BYTES: usize = 32 * 1024;

/// One name in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name exactly as stored: raw bytes, which need not be UTF-8.
    pub name: Vec<u8>,
    pub kind: Kind,
    /// Size in bytes, of the entry itself (for a symlink, the link, not its target: a link out
    /// of the root must not reveal the size of what it points to).
    pub size: u64,
    /// Modification time, of the entry itself (a link's own time, for the same reason).
    pub modified: SystemTime,
}

/// What an entry is, as far as a listing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A symbolic link; `to_dir` when it leads to a directory (CPython's `os.path.isdir`, which
    /// follows links), so the listing can link to it with a trailing `/`.
    Symlink {
        to_dir: bool,
    },
    /// A FIFO, socket or device, or a name that vanished before we could `stat` it. Listed (as
    /// CPython lists them) but never served.
    Other,
}

/// Reads every entry of an opened directory (except `.` and `..`), sorted as CPython's
/// `list.sort(key=lambda a: a.lower())` sorts `os.listdir()`.
///
/// Starts from the first entry whatever the descriptor's position, so the same `File` can be
/// listed again. An entry that vanishes between `getdents64` and `fstatat` is listed as
/// [`Kind::Other`] rather than failing the listing.
pub fn read_listing(dir: &File) -> io::Result<Vec<Entry>> {
    rustix::fs::seek(dir, SeekFrom::Start(0))?;
    let mut buf = Vec::with_capacity(GETDENTS_BUF_BYTES);
    let mut raw = RawDir::new(dir.as_fd(), buf.spare_capacity_mut());
    let mut entries = Vec::new();
    while let Some(next) = raw.next() {
        let name = next?.file_name().to_bytes().to_vec();
        if name == b"." || name == b".." {
            continue;
        }
        entries.push(entry_at(dir.as_fd(), name));
    }
    sort_like_python(&mut entries);
    Ok(entries)
}

/// `fstatat`s one name in `dir` (not following it), and for a symlink asks where it leads.
fn entry_at(dir: BorrowedFd<'_>, name: Vec<u8>) -> Entry {
    let lstat = match rustix::fs::statat(dir, name.as_slice(), AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(_) => {
            return Entry {
                name,
                kind: Kind::Other,
                size: 0,
                modified: UNIX_EPOCH,
            };
        }
    };
    let kind = match FileType::from_raw_mode(lstat.st_mode) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink {
            to_dir: rustix::fs::statat(dir, name.as_slice(), AtFlags::empty())
                .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Directory),
        },
        _ => Kind::Other,
    };
    Entry {
        name,
        kind,
        size: size_of_stat(&lstat),
        modified: modified_of_stat(&lstat),
    }
}

/// Sorts as CPython sorts `os.listdir()` names with `key=str.lower`: stable, by code point of
/// the lowercased name.
pub fn sort_like_python(entries: &mut [Entry]) {
    // `sort_by_cached_key` is stable: equal keys ("A" and "a") keep `getdents` order, as in
    // Python's stable `list.sort`.
    entries.sort_by_cached_key(|e| python_lower_key(&e.name));
}

/// The code points of `name.decode(errors='surrogateescape').lower()`.
///
/// Valid UTF-8 is lowercased with Rust's full Unicode mapping, which is Python's too (`İ`
/// becomes `i` + U+0307, a final `Σ` becomes `ς`). Each byte that is not part of valid UTF-8
/// becomes the lone surrogate U+DC80..U+DCFF, which `lower()` leaves alone, so such names sort
/// after almost all text, exactly where Python puts them. (Python 3.11 knows Unicode 14, Rust a
/// newer version: only letters added since then could case-fold differently.)
pub fn python_lower_key(name: &[u8]) -> Vec<u32> {
    let mut key = Vec::with_capacity(name.len());
    for chunk in name.utf8_chunks() {
        // A surrogate breaks Python's final-sigma context just as a chunk boundary does here.
        key.extend(chunk.valid().to_lowercase().chars().map(u32::from));
        key.extend(chunk.invalid().iter().map(|&b| 0xDC00 + u32::from(b)));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempTree;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn names(entries: &[Entry]) -> Vec<&[u8]> {
        entries.iter().map(|e| e.name.as_slice()).collect()
    }

    #[test]
    fn kinds_sizes_and_times() {
        let t = TempTree::new("listing");
        t.file("b.txt", b"12345")
            .dir("Adir")
            .symlink("b.txt", "link_to_file")
            .symlink("Adir", "link_to_dir")
            .symlink("nowhere", "broken")
            .fifo("pipe");
        let dir = File::open(t.path()).expect("open dir");
        let entries = read_listing(&dir).expect("list");
        assert_eq!(
            names(&entries),
            [
                &b"Adir"[..],
                b"b.txt",
                b"broken",
                b"link_to_dir",
                b"link_to_file",
                b"pipe"
            ]
        );
        let kinds: Vec<Kind> = entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Dir,
                Kind::File,
                Kind::Symlink { to_dir: false },
                Kind::Symlink { to_dir: true },
                Kind::Symlink { to_dir: false },
                Kind::Other
            ]
        );
        assert_eq!(entries[1].size, 5);
        let std_mtime = std::fs::metadata(t.at("b.txt")).and_then(|m| m.modified());
        assert_eq!(entries[1].modified, std_mtime.expect("mtime"));
        // A symlink reports itself, not its target.
        assert_eq!(entries[4].size, b"b.txt".len() as u64);
        // Listing the same descriptor twice gives the same answer.
        assert_eq!(read_listing(&dir).expect("list again"), entries);
    }

    #[test]
    fn empty_directory() {
        let t = TempTree::new("listing-empty");
        let dir = File::open(t.path()).expect("open dir");
        assert_eq!(read_listing(&dir).expect("list"), []);
    }

    #[test]
    fn many_entries_span_several_getdents_calls() {
        let t = TempTree::new("listing-many");
        for i in 0..3000 {
            t.file(format!("file-{i:04}-{}", "x".repeat(200)), b"");
        }
        let dir = File::open(t.path()).expect("open dir");
        let entries = read_listing(&dir).expect("list");
        assert_eq!(entries.len(), 3000);
        assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn vanished_entry_is_listed_as_other() {
        let t = TempTree::new("listing-vanish");
        let dir = File::open(t.path()).expect("open dir");
        let e = entry_at(dir.as_fd(), b"gone".to_vec());
        assert_eq!(e.kind, Kind::Other);
        assert_eq!(e.name, b"gone");
    }

    #[test]
    fn raw_names_survive() {
        let t = TempTree::new("listing-raw");
        t.file(b"caf\xe9", b"latin-1 name")
            .file("café", b"utf-8 name");
        let dir = File::open(t.path()).expect("open dir");
        let entries = read_listing(&dir).expect("list");
        assert_eq!(names(&entries), ["café".as_bytes(), b"caf\xe9"]);
    }

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
    fn python_sorted(names: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
        let script = "import sys\n\
            names = [bytes.fromhex(l).decode('utf-8', 'surrogateescape') for l in sys.stdin.read().split(',')]\n\
            names.sort(key=lambda a: a.lower())\n\
            print(','.join(n.encode('utf-8', 'surrogateescape').hex() for n in names), end='')\n";
        let mut child = match Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("SKIPPED: python3 not runnable ({e}); cannot compare with CPython");
                return None;
            }
        };
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
        Some(text.split(',').map(unhex).collect())
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
    fn order_matches_python_exactly() {
        // Try both input orders: ties must stay in input order, as in Python's stable sort.
        for reversed in [false, true] {
            let mut input: Vec<&[u8]> = TRICKY.to_vec();
            if reversed {
                input.reverse();
            }
            let Some(want) = python_sorted(&input) else {
                return;
            };
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
        assert_eq!(python_lower_key(b"Ab"), [u32::from('a'), u32::from('b')]);
        assert_eq!(python_lower_key(b"\xff"), [0xDCFF]);
        assert_eq!(python_lower_key("\u{130}".as_bytes()), [0x69, 0x307]);
    }
}
