//! cowsay on any message, width, balloon kind and face: no panic, and the balloon is a clean
//! rectangle (every content line as wide as the rules plus one column).
#![no_main]

use cowserve::cowfile::CowFile;
use cowserve::cows::CowCatalog;
use cowserve::cowsay::width::str_width;
use cowserve::cowsay::{Mode, Options, render};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static COW: OnceLock<CowFile> = OnceLock::new();
    let cow = COW.get_or_init(|| CowCatalog::builtin().resolve("default").unwrap());
    let [flags, width, modes, message @ ..] = data else {
        return;
    };
    let options = Options {
        think: flags & 1 != 0,
        reflow: flags & 2 == 0,
        eyes: (flags & 4 != 0).then(|| "Oo".to_owned()),
        tongue: (flags & 8 != 0).then(|| "U ".to_owned()),
        width: usize::from(*width),
        modes: Mode::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| modes & (1 << i) != 0)
            .map(|(_, mode)| mode)
            .collect(),
    };
    let message = String::from_utf8_lossy(message);
    let Ok(out) = render(&options, cow, &message) else {
        return;
    };
    let lines: Vec<&str> = out.split('\n').collect();
    let top = lines[0];
    assert!(top.starts_with(" _"), "{out}");
    // The bottom rule is the first later line that starts with a space: content lines start
    // with a border character.
    let bottom = 1 + lines[1..].iter().position(|l| l.starts_with(' ')).unwrap();
    assert_eq!(str_width(lines[bottom]), str_width(top), "{out}");
    for line in &lines[1..bottom] {
        assert_eq!(str_width(line), str_width(top) + 1, "{line:?} in\n{out}");
    }
});
