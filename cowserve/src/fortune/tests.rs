use super::*;
use rand::SeedableRng;
use rand::rngs::SmallRng;

fn file(name: &str, entries: &[&str]) -> FortuneFile {
    let mut text = String::new();
    let mut ranges = Vec::new();
    for e in entries {
        let start = text.len();
        text.push_str(e);
        ranges.push((start..text.len(), e.len()));
    }
    FortuneFile {
        name: name.into(),
        text,
        entries: ranges,
    }
}

fn set() -> FortuneSet {
    FortuneSet {
        sources: vec![
            Source {
                name: "big".into(),
                files: vec![file("big", &["a\n", "b\n", "c\n"])],
                is_dir: false,
            },
            Source {
                name: "small".into(),
                files: vec![file("small", &["z\n"])],
                is_dir: false,
            },
        ],
    }
}

#[test]
fn every_fortune_equally_likely_by_default() {
    let mut rng = SmallRng::seed_from_u64(7);
    let set = set();
    let z = (0..4000)
        .filter(|_| set.pick(&mut rng, &Filter::default()).unwrap() == "z\n")
        .count();
    assert!(
        (800..1200).contains(&z),
        "z picked {z} of 4000, expected about 1000"
    );
}

#[test]
fn equal_files_makes_each_source_equally_likely() {
    let mut rng = SmallRng::seed_from_u64(7);
    let set = set();
    let filter = Filter {
        equal_files: true,
        ..Filter::default()
    };
    let z = (0..4000)
        .filter(|_| set.pick(&mut rng, &filter).unwrap() == "z\n")
        .count();
    assert!(
        (1800..2200).contains(&z),
        "z picked {z} of 4000, expected about 2000"
    );
}

#[test]
fn short_and_long() {
    let set = FortuneSet {
        sources: vec![Source {
            name: "f".into(),
            files: vec![file("f", &["short\n", &"x".repeat(200)])],
            is_dir: false,
        }],
    };
    let mut rng = SmallRng::seed_from_u64(1);
    let short = Filter {
        length: Length::Short,
        ..Filter::default()
    };
    let long = Filter {
        length: Length::Long,
        ..Filter::default()
    };
    for _ in 0..50 {
        assert_eq!(set.pick(&mut rng, &short).unwrap(), "short\n");
        assert_eq!(set.pick(&mut rng, &long).unwrap().len(), 200);
    }
    let none = Filter {
        length: Length::Short,
        short_max: 2,
        ..Filter::default()
    };
    assert!(matches!(set.pick(&mut rng, &none), Err(Error::NoFortunes)));
    let picked = set.pick_entry(&mut rng, &short).unwrap();
    assert_eq!(picked.file, "f");
}

#[test]
fn shares_as_fortune_f() {
    let shares = set().shares(false);
    assert_eq!(shares[0].percent, 75.0);
    assert_eq!(shares[1].percent, 25.0);
    assert_eq!(set().shares(true)[0].percent, 50.0);
}

#[test]
fn matching_groups_by_file() {
    let set = set();
    let found = set.matching(&Filter::default(), |t| t.contains('z') || t.contains('a'));
    assert_eq!(found, vec![("big", vec!["a\n"]), ("small", vec!["z\n"])]);
}

#[test]
fn builtin_set_is_big_and_well_formed() {
    let set = FortuneSet::builtin().unwrap();
    let files = &set.sources()[0].files;
    let count: usize = files.iter().map(FortuneFile::len).sum();
    assert!(count >= 150, "only {count} built-in fortunes");
    for f in files {
        for i in 0..f.len() {
            let text = f.entry(i);
            assert!(
                text.ends_with('\n') && !text.trim().is_empty(),
                "{}: entry {i}",
                f.name
            );
            assert!(!text.lines().any(|l| l == "%"), "{}: entry {i}", f.name);
        }
    }
}

#[test]
fn corrupt_files_on_disk_are_errors_not_panics() {
    let tree = testkit::Tree::new("fortune");
    let dir = tree.path();
    let text = dir.join("f");
    std::fs::write(&text, "one\n%\ntwo\n").unwrap();
    // No index: we index it ourselves.
    let set = FortuneSet::load(std::slice::from_ref(&text)).unwrap();
    assert_eq!(set.sources()[0].files[0].len(), 2);
    // A truncated index is reported with what to do.
    std::fs::write(dir.join("f.dat"), [0u8, 0, 0, 2, 0xff, 0xff]).unwrap();
    let err = FortuneSet::load(std::slice::from_ref(&text)).unwrap_err();
    assert!(err.to_string().contains("rebuild it with strfile"), "{err}");
    // A directory now holds one fortune file (it has a .dat), still corrupt.
    assert!(FortuneSet::load(&[dir.to_path_buf()]).is_err());
    std::fs::remove_file(dir.join("f.dat")).unwrap();
    // Without .dat files a directory holds no fortune files.
    assert!(matches!(
        FortuneSet::load(&[dir.to_path_buf()]),
        Err(Error::NotFortunes(_))
    ));
    assert!(FortuneSet::load(&[dir.join("missing")]).is_err());
}

#[test]
fn long_fortunes_can_be_left_out() {
    let mut set = FortuneSet {
        sources: vec![Source {
            name: "f".into(),
            files: vec![file("f", &["short\n", &"x".repeat(100), "tiny\n"])],
            is_dir: false,
        }],
    };
    assert_eq!(set.keep_at_most(10), 1);
    assert_eq!(set.sources()[0].files[0].len(), 2);
    let mut rng = SmallRng::seed_from_u64(3);
    for _ in 0..50 {
        let picked = set.pick(&mut rng, &Filter::default()).unwrap();
        assert!(picked == "short\n" || picked == "tiny\n", "{picked:?}");
    }
    assert_eq!(set.keep_at_most(10), 0);
    assert_eq!(set.keep_at_most(5), 1);
    assert_eq!(set.pick(&mut rng, &Filter::default()).unwrap(), "tiny\n");
    assert_eq!(set.keep_at_most(0), 1);
    assert!(matches!(
        set.pick(&mut rng, &Filter::default()),
        Err(Error::NoFortunes)
    ));
}

#[test]
fn fortune_text_must_be_utf8_and_within_the_bound() {
    let tree = testkit::Tree::new("fortune-text");
    let dir = tree.path();
    let latin1 = dir.join("latin1");
    std::fs::write(&latin1, b"ok\n%\nna\xefve\n").unwrap();
    let err = FortuneSet::load(std::slice::from_ref(&latin1)).unwrap_err();
    assert!(matches!(err, Error::NotUtf8 { line: 3, .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: not UTF-8", latin1.display()))
    );
    // Sparse: refused by its size, without being read.
    let huge = dir.join("huge");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(MAX_TEXT_BYTES + 1).unwrap();
    let err = FortuneSet::load(std::slice::from_ref(&huge)).unwrap_err();
    assert!(err.to_string().contains("past 33554432 bytes"), "{err}");
}

#[test]
fn the_number_of_fortunes_is_bounded_in_all() {
    let tree = testkit::Tree::new("fortune-count");
    let dir = tree.path();
    // Each holds 60% of the bound: one loads, both are too many.
    let count = MAX_FORTUNES as usize * 6 / 10;
    let (a, b) = (dir.join("a"), dir.join("b"));
    for path in [&a, &b] {
        std::fs::write(path, "a\n%\n".repeat(count)).unwrap();
    }
    let one = FortuneSet::load(std::slice::from_ref(&a)).unwrap();
    assert_eq!(one.sources()[0].files[0].len(), count);
    let err = FortuneSet::load(&[a.clone(), b.clone()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: would take the fortunes past 1048576, the most loaded in all",
            b.display()
        )
    );
    // An index too large for the bound is refused by its size, without being read.
    let dat = dir.join("a.dat");
    let file = std::fs::File::create(&dat).unwrap();
    file.set_len(24 + 4 * (MAX_FORTUNES + 2)).unwrap();
    let err = FortuneSet::load(std::slice::from_ref(&a)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: larger than", dat.display())),
        "{err}"
    );
}
