//! A fortune index (`.dat`) and text from anywhere: `Index::read` gives an index or an error,
//! never a panic; a read index yields in-bounds entries or an error; and any text indexes,
//! serialises and reads back to the same index.
#![no_main]

use cowserve::strfile::{DEFAULT_DELIMITER, Index};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first two bytes say where the index ends and the text begins.
    let [a, b, rest @ ..] = data else {
        return;
    };
    let split = usize::from(u16::from_le_bytes([*a, *b])).min(rest.len());
    let (dat, text) = rest.split_at(split);
    if let Ok(index) = Index::read(dat, text.len())
        && let Ok(entries) = index.entries(text)
    {
        assert!(
            entries
                .iter()
                .all(|r| r.start <= r.end && r.end <= text.len())
        );
    }
    if let Ok(built) = Index::build(text, DEFAULT_DELIMITER) {
        let again = Index::read(&built.to_bytes(), text.len()).expect("our own index reads back");
        assert_eq!(again.to_bytes(), built.to_bytes());
        let entries = again.entries(text).expect("our own index has no overlaps");
        assert!(
            entries
                .iter()
                .all(|r| r.start <= r.end && r.end <= text.len())
        );
    }
});
