//! Property tests of the parsers that read files cowserve does not control: strfile `.dat`
//! indexes, fortune texts, and `.cow` files.
//!
//! Invariants:
//! 1. **`Index::read` is total and bounded.** For arbitrary bytes, and for near-valid indexes
//!    (real 24-byte headers with random versions, counts near 0 and near 2^32, random flags and
//!    offsets, cut at random lengths), it returns an index or an [`IndexError`], never panics,
//!    and never allocates more than the `.dat` file's own size (measured by a per-thread
//!    allocation tracker installed as the global allocator). A returned index is consistent:
//!    `numstr + 1` offsets that are really in the file, none past the text, in order unless
//!    flagged shuffled; its entries are in-bounds ranges of any text of that length.
//! 2. **`Index::build` agrees with a reference split**, and `build` → `to_bytes` → `read`
//!    round-trips to the same index.
//! 3. **`CowFile::parse` is total and never amplifies.** Arbitrary text and near-valid cow files
//!    (lines from a vocabulary of heredoc heads, terminators, variables, escapes, Perl bits)
//!    parse or fail cleanly; a parsed cow renders without panicking and (with two-character
//!    eyes and tongue) to no more bytes than the file had. Well-formed cows render exactly
//!    their picture, with the variables substituted.
//! 4. **Loading fortune files from disk never panics**: text plus a valid, corrupted, random or
//!    missing `.dat`; every pick is `Ok` or "no fortunes", and with a valid index every pick is
//!    one of the file's entries.
//!
//! Why: these read files from `COWPATH` and the fortune paths given on the command line, and
//! the server loads them at start-up; a crafted file must be an error message, not a crash or
//! an out-of-memory kill. Cases are bounded (no regression files; a failure prints the minimal
//! input).
//!
//! Unsafe code (denied elsewhere in the workspace) only for the allocation tracker: a global
//! allocator is an unsafe trait.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cowserve::cowfile::CowFile;
use cowserve::fortune::{Filter, FortuneSet, Length};
use cowserve::strfile::{
    HEADER_LEN, Index, IndexError, STR_ORDERED, STR_RANDOM, STR_ROTATED, VERSION,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use testkit::Tree;
use testkit::property::check;

/// Cases for the cheap, pure properties.
const CASES: u32 = 2000;
/// Cases for properties that write files.
const FILE_CASES: u32 = 300;

// ---- allocation tracking ------------------------------------------------------------------

/// The system allocator, noting the largest single request made on each thread.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: allocations during thread teardown must not panic.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping touches only a
// const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f`, returning its result and the largest single allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get))
}

// ---- strfile indexes ----------------------------------------------------------------------

/// Checks everything `Index::read` promises about one input.
fn check_read(dat: &[u8], text_len: usize) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let (result, largest) = largest_allocation(|| Index::read(dat, text_len));
    let elapsed = started.elapsed();
    prop_assert!(
        largest <= dat.len(),
        "allocated {} bytes for a {}-byte index",
        largest,
        dat.len()
    );
    // Linear in the file (at most a few hundred bytes here): far under this, even in debug.
    prop_assert!(elapsed < Duration::from_millis(200), "took {:?}", elapsed);
    let room = dat.len().saturating_sub(HEADER_LEN) / 4;
    match result {
        Ok(index) => {
            let h = index.header;
            prop_assert!((1..=VERSION).contains(&h.version));
            prop_assert_eq!(index.offsets.len(), h.numstr as usize + 1);
            prop_assert!(index.offsets.len() <= room);
            for (i, &offset) in index.offsets.iter().enumerate() {
                let at = HEADER_LEN + 4 * i;
                prop_assert_eq!(&offset.to_be_bytes()[..], &dat[at..at + 4]);
                prop_assert!(offset as usize <= text_len);
            }
            if h.flags & (STR_RANDOM | STR_ORDERED) == 0 {
                prop_assert!(index.offsets.windows(2).all(|w| w[0] <= w[1]));
            }
            prop_assert_eq!(index.rotated(), h.flags & STR_ROTATED != 0);
            // Entries of a text of that length (delimiter lines sprinkled in) are in bounds.
            let text: Vec<u8> = (0..text_len)
                .map(|i| match i % 7 {
                    3 => h.delimiter,
                    4 | 6 => b'\n',
                    _ => b'x',
                })
                .collect();
            // Entries of a text of that length (delimiter lines sprinkled in) are in bounds and
            // never overlap, or the index is refused as overlapping.
            match index.entries(&text) {
                Ok(entries) => {
                    prop_assert_eq!(entries.len(), h.numstr as usize);
                    let mut sorted: Vec<_> = entries.iter().filter(|r| !r.is_empty()).collect();
                    sorted.sort_by_key(|r| r.start);
                    prop_assert!(sorted.windows(2).all(|w| w[0].end <= w[1].start));
                    for r in &entries {
                        prop_assert!(r.start <= r.end && r.end <= text.len(), "{:?}", r);
                    }
                }
                Err(e) => prop_assert!(matches!(e, IndexError::Overlapping { .. }), "{e}"),
            }
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            if let IndexError::TruncatedOffsets { numstr, .. } = e {
                prop_assert!(numstr as usize >= room);
            }
        }
    }
    Ok(())
}

#[test]
fn index_read_of_arbitrary_bytes() {
    let input = (
        prop::collection::vec(any::<u8>(), 0..200),
        prop_oneof![0..1000usize, any::<usize>()],
    );
    check(CASES, input, |(dat, text_len)| check_read(&dat, text_len));
}

/// How the header's entry count relates to the offsets actually present.
#[derive(Debug, Clone)]
enum Count {
    /// Exactly right: `offsets.len() - 1`.
    Exact,
    /// Off by a little.
    Near(i8),
    /// Anything, including 2^32 - 1.
    Raw(u32),
}

fn near_valid_index() -> impl Strategy<Value = (Vec<u8>, usize)> {
    let version = prop_oneof![4 => Just(VERSION), 1 => Just(1u32), 1 => any::<u32>()];
    let count = prop_oneof![
        4 => Just(Count::Exact),
        2 => any::<i8>().prop_map(Count::Near),
        1 => prop_oneof![
            Just(u32::MAX),
            (u32::MAX - 64)..=u32::MAX,
            (1u32 << 28)..(1u32 << 31),
            any::<u32>()
        ]
        .prop_map(Count::Raw),
    ];
    let text_len = 0..600usize;
    (
        version,
        count,
        any::<[u32; 3]>(),
        prop_oneof![3 => 0..8u32, 1 => any::<u32>()],
        any::<u8>(),
        text_len,
        // Offsets mostly within the text (taken modulo its length + 1), sometimes anything.
        prop::collection::vec((any::<u32>(), prop::bool::weighted(0.05)), 1..40),
        any::<bool>(),
        prop::option::of(any::<usize>()),
    )
        .prop_map(
            |(version, count, [longlen, shortlen, _], flags, delim, text_len, raw, sort, cut)| {
                let mut offsets: Vec<u32> = raw
                    .into_iter()
                    .map(|(o, wild)| if wild { o } else { o % (text_len as u32 + 1) })
                    .collect();
                if sort {
                    offsets.sort_unstable();
                }
                let numstr = match count {
                    Count::Exact => offsets.len() as u32 - 1,
                    Count::Near(d) => (offsets.len() as i64 - 1 + i64::from(d)).max(0) as u32,
                    Count::Raw(n) => n,
                };
                let mut dat = Vec::new();
                for word in [version, numstr, longlen, shortlen, flags] {
                    dat.extend_from_slice(&word.to_be_bytes());
                }
                dat.extend_from_slice(&[delim, 0, 0, 0]);
                for o in offsets {
                    dat.extend_from_slice(&o.to_be_bytes());
                }
                if let Some(cut) = cut {
                    dat.truncate(cut % (dat.len() + 1));
                }
                (dat, text_len)
            },
        )
}

#[test]
fn index_read_of_near_valid_indexes() {
    let accepted = AtomicUsize::new(0);
    check(CASES, near_valid_index(), |(dat, text_len)| {
        if Index::read(&dat, text_len).is_ok() {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        check_read(&dat, text_len)
    });
    // Not vacuous: many near-valid indexes are valid.
    let accepted = accepted.into_inner();
    eprintln!("{CASES} near-valid indexes: {accepted} accepted");
    assert!(accepted * 10 >= CASES as usize, "only {accepted} accepted");
}

/// The motivating case: a 30-byte file claiming 2^32 - 1 entries is refused at once, without
/// allocating for them.
#[test]
fn huge_count_in_tiny_file_is_refused_cheaply() {
    let mut dat = Vec::new();
    for word in [VERSION, u32::MAX, 0, 0, 0] {
        dat.extend_from_slice(&word.to_be_bytes());
    }
    dat.extend_from_slice(&[b'%', 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(dat.len(), 30);
    let started = Instant::now();
    let (result, largest) = largest_allocation(|| Index::read(&dat, 1 << 20));
    assert!(matches!(
        result,
        Err(IndexError::TruncatedOffsets {
            numstr: u32::MAX,
            len: 30
        })
    ));
    assert_eq!(largest, 0, "allocated before refusing");
    assert!(started.elapsed() < Duration::from_millis(50));
}

/// Fortune-ish text: lines that are often the delimiter, sometimes almost.
fn fortune_text() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        3 => Just(b"%".to_vec()),
        1 => Just(b"%%".to_vec()),
        1 => Just(b"% ".to_vec()),
        1 => Just(b"%\r".to_vec()),
        1 => Just(Vec::new()),
        4 => prop::collection::vec(prop_oneof![8 => b'a'..=b'z', 1 => Just(b' '), 1 => any::<u8>()], 1..20),
    ];
    prop_oneof![
        4 => (prop::collection::vec(line, 0..30), any::<bool>()).prop_map(|(lines, final_nl)| {
            let mut text = lines.join(&b'\n');
            if final_nl && !text.is_empty() {
                text.push(b'\n');
            }
            text
        }),
        1 => prop::collection::vec(prop_oneof![Just(b'%'), Just(b'\n'), any::<u8>()], 0..200),
    ]
}

/// The entries `strfile` would index, computed the obvious way: split the text into lines,
/// cut at lines that are exactly `%\n`, keep the non-empty pieces.
fn reference_entries(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut pos) = (0, 0);
    for line in text.split_inclusive(|&b| b == b'\n') {
        if line == b"%\n" {
            if pos > start {
                out.push(start..pos);
            }
            start = pos + line.len();
        }
        pos += line.len();
    }
    if pos > start {
        out.push(start..pos);
    }
    out
}

#[test]
fn index_build_matches_reference_and_round_trips() {
    check(CASES, fortune_text(), |text| {
        let index = Index::build(&text, b'%').map_err(|e| TestCaseError::fail(e.to_string()))?;
        let want = reference_entries(&text);
        prop_assert_eq!(
            index.entries(&text).expect("a built index never overlaps"),
            want.clone()
        );
        prop_assert_eq!(index.header.numstr as usize, want.len());
        let lens: Vec<u32> = want.iter().map(|r| r.len() as u32).collect();
        prop_assert_eq!(
            index.header.longlen,
            lens.iter().copied().max().unwrap_or(0)
        );
        prop_assert_eq!(
            index.header.shortlen,
            lens.iter().copied().min().unwrap_or(u32::MAX)
        );
        prop_assert_eq!(index.offsets.last().copied(), Some(text.len() as u32));
        let bytes = index.to_bytes();
        prop_assert_eq!(bytes.len(), HEADER_LEN + 4 * index.offsets.len());
        prop_assert_eq!(Index::read(&bytes, text.len()), Ok(index));
        Ok(())
    });
}

// ---- cow files --------------------------------------------------------------------------

/// Checks what any parse result promises.
fn check_cow(text: &str) -> Result<(), TestCaseError> {
    match CowFile::parse(text) {
        Ok(cow) => {
            for (eyes, tongue, thoughts) in [("oo", "  ", "\\"), ("xx", "U ", "o"), ("", "", "")] {
                let drawn = cow.render(eyes, tongue, thoughts);
                prop_assert!(
                    drawn.len() <= text.len(),
                    "a {}-byte cow file drew {} bytes",
                    text.len(),
                    drawn.len()
                );
            }
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

#[test]
fn cow_parse_of_arbitrary_text() {
    check(
        CASES,
        prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
        |text| check_cow(&text),
    );
}

/// Lines a cow file is made of, whole or in pieces.
const COW_LINES: &[&str] = &[
    "$the_cow = <<EOC;",
    "$the_cow = <<\"EOC\";",
    "$the_cow = <<'EOC';",
    "$the_cow = << \"EOC\" ;",
    "$the_cow = <<EOC",
    "$the_cow = <<\"EOC",
    "$the_cow = <<'",
    "$the_cow = <<\"\";",
    "$the_cow = <<;",
    "$the_cow=<<X",
    "EOC",
    "EOC\r",
    " EOC",
    "X",
    "",
    "##",
    "# a comment",
    "$extra = chop($eyes);",
    "$eyes .= ($extra x 2);",
    "$thoughts   ^__^",
    "($eyes)\\\\_______",
    "$tongue ||----w |",
    "${eyes} ${tongue} ${thoughts} ${",
    "${eyes",
    "$ eyes $",
    "$",
    "\\",
    "\\e[31m\\n\\t\\x",
    "@arr @{x} @{ a@ b@",
    "@{",
    "$.$$$@",
    "\u{1f404} \u{301}",
];

fn near_valid_cow() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(COW_LINES).prop_map(str::to_owned),
        1 => prop::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
    ];
    let line = prop::collection::vec(piece, 1..3).prop_map(|p| p.concat());
    (
        prop::collection::vec(line, 0..16),
        prop::sample::select(&["\n", "\r\n"][..]),
        any::<bool>(),
    )
        .prop_map(|(lines, eol, final_eol)| {
            let mut text = lines.join(eol);
            if final_eol {
                text.push_str(eol);
            }
            text
        })
}

#[test]
fn cow_parse_of_near_valid_files() {
    let parsed = AtomicUsize::new(0);
    check(CASES, near_valid_cow(), |text| {
        if CowFile::parse(&text).is_ok() {
            parsed.fetch_add(1, Ordering::Relaxed);
        }
        check_cow(&text)
    });
    let parsed = parsed.into_inner();
    eprintln!("{CASES} near-valid cow files: {parsed} parsed");
    assert!(parsed * 40 >= CASES as usize, "only {parsed} parsed");
}

/// Picture text with nothing Perl would interpolate: no `$`, `@` or `\`.
fn plain_picture_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(&[' ', '(', ')', '_', '|', '/', '^', '-', 'w', 'o', '\n'][..]),
            1 => any::<char>().prop_filter("not Perl-special", |c| !matches!(c, '$' | '@' | '\\')),
        ],
        0..80,
    )
    .prop_map(String::from_iter)
}

/// One piece of a well-formed interpolating picture: text or a variable.
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Eyes,
    Tongue,
    Thoughts,
}

#[test]
fn well_formed_cows_render_their_picture() {
    let part = prop_oneof![
        3 => plain_picture_text().prop_map(Part::Text),
        1 => Just(Part::Eyes),
        1 => Just(Part::Tongue),
        1 => Just(Part::Thoughts),
    ];
    let input = (
        prop::collection::vec(part, 0..10),
        prop::sample::select(&["<<EOC;", "<<\"EOC\";", "<<'EOC';"][..]),
        any::<bool>(),
    );
    check(CASES, input, |(parts, head, braced)| {
        let mut body = String::new();
        let mut want = String::new();
        for part in &parts {
            let (var, value) = match part {
                Part::Text(t) => {
                    body.push_str(t);
                    want.push_str(t);
                    continue;
                }
                Part::Eyes => ("eyes", "^^"),
                Part::Tongue => ("tongue", "U "),
                Part::Thoughts => ("thoughts", "o"),
            };
            // `${name}`, or `$name` followed by a non-identifier character.
            if braced {
                body.push_str(&format!("${{{var}}}"));
            } else {
                body.push_str(&format!("${var}."));
            }
            want.push_str(value);
            if !braced {
                want.push('.');
            }
        }
        if !body.ends_with('\n') {
            body.push('\n');
            want.push('\n');
        }
        // A body line equal to the terminator would end the picture early.
        prop_assume!(!body.lines().any(|l| l.trim_end_matches('\r') == "EOC"));
        let literal = head.contains('\'');
        let text = format!("# a cow\n$the_cow = {head}\n{body}EOC\n");
        let cow = CowFile::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let drawn = cow.render("^^", "U ", "o");
        if literal {
            prop_assert_eq!(drawn, body);
        } else {
            prop_assert_eq!(drawn, want);
        }
        Ok(())
    });
}

// ---- fortune files on disk --------------------------------------------------------------

/// What to put next to the text as its `.dat`.
#[derive(Debug, Clone)]
enum Dat {
    None,
    /// `strfile`'s own index of the text.
    Valid,
    /// The valid index with one byte changed.
    Flipped(usize, u8),
    /// The valid index cut short.
    Truncated(usize),
    /// The valid index with the shuffled/rotated flags set.
    Flags(u32),
    /// A near-valid index from the strategy above (ignoring its text length).
    Crafted(Vec<u8>),
}

fn dat_choice() -> impl Strategy<Value = Dat> {
    prop_oneof![
        1 => Just(Dat::None),
        2 => Just(Dat::Valid),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Dat::Flipped(i, b)),
        1 => any::<usize>().prop_map(Dat::Truncated),
        1 => (0..8u32).prop_map(Dat::Flags),
        2 => near_valid_index().prop_map(|(dat, _)| Dat::Crafted(dat)),
    ]
}

/// Writes the text and its `.dat` as chosen; returns whether the index is strfile's own.
fn write_fortunes(path: &Path, text: &[u8], dat: &Dat) -> bool {
    fs::write(path, text).expect("write text");
    let valid = Index::build(text, b'%').expect("build").to_bytes();
    let bytes = match dat {
        Dat::None => return true,
        Dat::Valid => valid,
        Dat::Flipped(i, b) => {
            let mut v = valid;
            let i = i % v.len();
            v[i] ^= b;
            v
        }
        Dat::Truncated(n) => {
            let mut v = valid;
            v.truncate(n % v.len());
            v
        }
        Dat::Flags(f) => {
            let mut v = valid;
            v[16..20].copy_from_slice(&f.to_be_bytes());
            v
        }
        Dat::Crafted(v) => v.clone(),
    };
    let mut dat_path = path.as_os_str().to_owned();
    dat_path.push(".dat");
    fs::write(&dat_path, &bytes).expect("write dat");
    matches!(dat, Dat::Valid | Dat::Flags(0))
}

#[test]
fn loading_fortune_files_never_panics() {
    let tmp = Tree::new("fortunes");
    let counter = AtomicUsize::new(0);
    check(
        FILE_CASES,
        (fortune_text(), dat_choice(), any::<u64>()),
        |(text, dat, seed)| {
            let dir = tmp
                .path()
                .join(format!("case-{}", counter.fetch_add(1, Ordering::Relaxed)));
            fs::create_dir(&dir).expect("case dir");
            let file = dir.join("fortunes");
            let pristine = write_fortunes(&file, &text, &dat);
            let want: Vec<String> = reference_entries(&text)
                .into_iter()
                .map(|r| String::from_utf8_lossy(&text[r]).into_owned())
                .collect();
            // As a file, and as a directory of files (which needs the `.dat`).
            for path in [&file, &dir] {
                let Ok(set) = FortuneSet::load(std::slice::from_ref(path)) else {
                    continue;
                };
                let mut rng = SmallRng::seed_from_u64(seed);
                for length in [Length::Any, Length::Short, Length::Long] {
                    for equal_files in [false, true] {
                        let filter = Filter {
                            length,
                            short_max: 10,
                            equal_files,
                        };
                        match set.pick(&mut rng, &filter) {
                            Ok(picked) => {
                                if pristine {
                                    prop_assert!(
                                        want.iter().any(|w| w == picked),
                                        "picked {:?}, not an entry",
                                        picked
                                    );
                                }
                            }
                            Err(e) => prop_assert_eq!(e.to_string(), "No fortunes found"),
                        }
                    }
                }
                let _ = set.shares(false);
                let _ = set.matching(&Filter::default(), |t| t.contains('a'));
            }
            let _ = fs::remove_dir_all(&dir);
            Ok(())
        },
    );
}

/// Loading memory is bounded by the size of the files read: a `.dat` that is valid by every
/// check `Index::read` makes (offsets in order, within the text) but whose entries overlap
/// (many offsets at the same place) must not make the loader copy the text once per entry.
///
/// This property found the bug `Index::entries` now refuses (`IndexError::Overlapping`): the
/// loader copied every entry, so overlapping entries multiplied the text. Minimal input
/// `(77, 1047, 0)`: a 77-byte text without delimiter lines and a 4,216-byte `.dat` (version 2,
/// numstr 1047, offsets 1047 zeros then 77) allocated 157,696 bytes at once (1 MiB of text and
/// 40 KiB of zero offsets would have been ~10 GiB).
#[test]
fn loading_memory_is_bounded_by_the_files() {
    let tmp = Tree::new("fortune-memory");
    let counter = AtomicUsize::new(0);
    let input = (1..2000usize, 1..1500usize, any::<u32>());
    check(FILE_CASES, input, |(text_len, entries, spread)| {
        let dir = tmp
            .path()
            .join(format!("case-{}", counter.fetch_add(1, Ordering::Relaxed)));
        fs::create_dir(&dir).expect("case dir");
        let file = dir.join("fortunes");
        // A text with no delimiter line: every entry runs to its end.
        let text = vec![b'x'; text_len];
        let mut offsets: Vec<u32> = (0..entries as u32)
            .map(|i| i.wrapping_mul(spread) % (text_len as u32 + 1))
            .collect();
        offsets.sort_unstable();
        offsets.push(text_len as u32);
        let mut dat = Vec::new();
        for word in [VERSION, entries as u32, 0, 0, 0] {
            dat.extend_from_slice(&word.to_be_bytes());
        }
        dat.extend_from_slice(&[b'%', 0, 0, 0]);
        for o in &offsets {
            dat.extend_from_slice(&o.to_be_bytes());
        }
        fs::write(&file, &text).expect("write text");
        let mut dat_path = file.as_os_str().to_owned();
        dat_path.push(".dat");
        fs::write(&dat_path, &dat).expect("write dat");
        let (set, largest) = largest_allocation(|| FortuneSet::load(std::slice::from_ref(&file)));
        // Entries that overlap are refused as such; any other index loads.
        if let Err(e) = &set {
            prop_assert!(e.to_string().contains("overlaps another"), "{e}");
        }
        // Linear in the inputs: the text read (twice, growing), and per 4-byte offset one
        // 24-byte `(Range, len)` record in a doubling `Vec`.
        let bound = 4 * text.len() + 16 * dat.len() + 8192;
        prop_assert!(
            largest <= bound,
            "loading {} + {} bytes allocated {} bytes at once (bound {})",
            text.len(),
            dat.len(),
            largest,
            bound
        );
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    });
}
