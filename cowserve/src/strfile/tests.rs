use super::*;

const SAMPLE: &[u8] = b"a\n%\nbb\n%\n\n%\n%\nccc\n";

#[test]
fn build_matches_strfile() {
    // Bytes produced by Debian's `strfile` for SAMPLE.
    let want: &[u8] = &[
        0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, b'%', 0, 0, 0, //
        0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 14, 0, 0, 0, 18,
    ];
    let index = Index::build(SAMPLE, b'%').unwrap();
    assert_eq!(index.to_bytes(), want);
    let entries: Vec<&[u8]> = index
        .entries(SAMPLE)
        .unwrap()
        .into_iter()
        .map(|r| &SAMPLE[r])
        .collect();
    assert_eq!(entries, vec![&b"a\n"[..], b"bb\n", b"\n", b"ccc\n"]);
}

#[test]
fn build_without_final_newline_or_with_final_delimiter() {
    let index = Index::build(b"a\n%\nbb", b'%').unwrap();
    assert_eq!(index.offsets, vec![0, 4, 6]);
    // Offsets and headers as Debian's strfile writes them.
    let cases: &[(&[u8], &[u32], u32)] = &[
        (b"a\n%\nbb\n%\n", &[0, 4, 9], 2),
        (b"%\na\n", &[2, 4], 2),
        (b"a\n%\n%\nb\n", &[0, 6, 8], 2),
        (b"%\n%\n", &[4], u32::MAX),
        (b"", &[0], u32::MAX),
        (b"a", &[0, 1], 1),
    ];
    for (text, offsets, shortlen) in cases {
        let index = Index::build(text, b'%').unwrap();
        assert_eq!(
            index.offsets,
            *offsets,
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(
            index.header.shortlen,
            *shortlen,
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(index.header.numstr as usize, offsets.len() - 1);
    }
}

#[test]
fn read_round_trips() {
    let index = Index::build(SAMPLE, b'%').unwrap();
    assert_eq!(Index::read(&index.to_bytes(), SAMPLE.len()).unwrap(), index);
}

#[test]
fn truncated_header() {
    let bytes = Index::build(SAMPLE, b'%').unwrap().to_bytes();
    for len in 0..HEADER_LEN {
        assert_eq!(
            Index::read(&bytes[..len], SAMPLE.len()),
            Err(IndexError::TruncatedHeader { len })
        );
    }
}

#[test]
fn truncated_offsets_and_huge_numstr() {
    let mut bytes = Index::build(SAMPLE, b'%').unwrap().to_bytes();
    let short = &bytes[..bytes.len() - 1];
    assert!(matches!(
        Index::read(short, SAMPLE.len()),
        Err(IndexError::TruncatedOffsets { .. })
    ));
    bytes[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        Index::read(&bytes, SAMPLE.len()),
        Err(IndexError::TruncatedOffsets { .. })
    ));
}

#[test]
fn offsets_out_of_range_or_unsorted() {
    let bytes = Index::build(SAMPLE, b'%').unwrap().to_bytes();
    assert!(matches!(
        Index::read(&bytes, 10),
        Err(IndexError::OffsetOutOfRange { entry: 3, .. })
    ));
    let mut swapped = bytes.clone();
    swapped[28..32].copy_from_slice(&9u32.to_be_bytes());
    swapped[32..36].copy_from_slice(&4u32.to_be_bytes());
    assert_eq!(
        Index::read(&swapped, SAMPLE.len()),
        Err(IndexError::Unsorted { entry: 2 })
    );
    // The same order is fine in a shuffled (strfile -r) index.
    swapped[19] = STR_RANDOM as u8;
    let index = Index::read(&swapped, SAMPLE.len()).unwrap();
    assert_eq!(&SAMPLE[index.entries(SAMPLE).unwrap()[2].clone()], b"bb\n");
}

#[test]
fn bad_version() {
    let mut bytes = Index::build(SAMPLE, b'%').unwrap().to_bytes();
    bytes[3] = 9;
    assert_eq!(
        Index::read(&bytes, SAMPLE.len()),
        Err(IndexError::BadVersion(9))
    );
    assert!(IndexError::BadVersion(9).to_string().contains("strfile"));
}

#[test]
fn rot13_letters_only() {
    assert_eq!(rot13("Uryyb, jbeyq! 42"), "Hello, world! 42");
    assert_eq!(rot13(&rot13("Ünïcode ok")), "Ünïcode ok");
}

/// Our index of each Debian fortune file equals the `.dat` Debian ships.
#[test]
#[ignore = "reads Debian's fortunes: tests/run.sh runs it (cargo test -p cowserve -- --ignored)"]
fn debian_indexes_match_ours() {
    let dir = std::path::Path::new("/usr/share/games/fortunes");
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (apt-get install -y fortunes-min)", dir.display()));
    let mut checked = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "dat") {
            continue;
        }
        let dat = std::fs::read(&path).unwrap();
        let text = std::fs::read(path.with_extension("")).unwrap();
        let theirs = Index::read(&dat, text.len()).unwrap();
        let ours = Index::build(&text, theirs.header.delimiter).unwrap();
        assert_eq!(ours.offsets, theirs.offsets, "{}", path.display());
        assert_eq!(ours.header.numstr, theirs.header.numstr);
        assert_eq!(
            ours.header.longlen,
            theirs.header.longlen,
            "{}",
            path.display()
        );
        assert_eq!(
            ours.header.shortlen,
            theirs.header.shortlen,
            "{}",
            path.display()
        );
        if theirs.header.flags == 0 {
            assert_eq!(ours.to_bytes(), dat, "{}", path.display());
        }
        checked += 1;
    }
    assert!(checked > 0, "no .dat files in {}", dir.display());
}

/// Offsets that repeat or point into another entry would make every entry a copy of the text:
/// refused (found by the property tests).
#[test]
fn overlapping_entries_are_refused() {
    let text = b"one\ntwo\n%\nthree\n";
    let index_with = |offsets: &[u32]| {
        let mut dat = Vec::new();
        for word in [2u32, offsets.len() as u32 - 1, 0, 0, 0] {
            dat.extend_from_slice(&word.to_be_bytes());
        }
        dat.extend_from_slice(&[b'%', 0, 0, 0]);
        for o in offsets {
            dat.extend_from_slice(&o.to_be_bytes());
        }
        Index::read(&dat, text.len()).unwrap()
    };
    let good = index_with(&[0, 10, 16]);
    let ranges = good.entries(text).unwrap();
    assert_eq!(&text[ranges[0].clone()], b"one\ntwo\n");
    assert_eq!(&text[ranges[1].clone()], b"three\n");
    for bad in [&[0, 0, 16][..], &[0, 4, 16], &[0, 0, 0, 0, 16]] {
        let err = index_with(bad).entries(text).unwrap_err();
        assert!(
            matches!(err, IndexError::Overlapping { .. }),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains("rebuild it with strfile"));
    }
}
