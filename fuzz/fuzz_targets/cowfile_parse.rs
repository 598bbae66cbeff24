//! `.cow` files from anywhere (COWPATH): parse to a cow or an error, never a panic; a parsed
//! cow renders, and to no more than its own text (a file cannot amplify itself).
#![no_main]

use cowserve::cowfile::CowFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cow) = CowFile::parse(&text) {
        let picture = cow.render("oo", "U ", "\\");
        assert!(
            picture.len() <= text.len(),
            "{} bytes from {}",
            picture.len(),
            text.len()
        );
    }
});
