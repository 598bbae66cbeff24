//! `?color=rainbow`: the plain-text cow in terminal colours, a diagonal rainbow as lolcat draws
//! one (the colour moves one step per line and per [`BAND_COLUMNS`] columns).
//!
//! The colours are ANSI 256-colour escapes (`ESC [ 38 ; 5 ; N m`), which every terminal of this
//! century shows. Each line is coloured on its own and ends with a reset (`ESC [ 0 m`) before its
//! newline, so the terminal is left clean wherever the output stops (`| head`), and no escape
//! runs into the next line. An escape is written only where the colour changes, before a visible
//! character: never before a space, nor between a character and its combining marks. Take the
//! escapes out and the text is what it was, byte for byte. Escapes already in the text (a
//! visitor's message, a cow file's `\e`) are copied whole, never cut by one of ours.

use crate::cowsay::width::char_width;
use std::fmt::Write;

/// One turn of the colour wheel in the 6×6×6 colour cube of 256-colour terminals (colour
/// `16 + 36 r + 6 g + b`), red, yellow, green, cyan, blue, magenta and back, in four steps
/// between each. No channel goes below 1, so the blues stay light enough to read on black.
const WHEEL: [u8; 24] = wheel();

/// How many columns share a colour along a line.
const BAND_COLUMNS: usize = 4;

/// Back to the terminal's own colours.
const RESET: &str = "\x1b[0m";

const fn wheel() -> [u8; 24] {
    let mut colours = [0; 24];
    let mut step = 0;
    while step < 24 {
        // Within each sixth of the turn one channel moves from 1 to 5 or from 5 to 1.
        let (up, down) = (1 + (step % 4) as u8, 5 - (step % 4) as u8);
        let (r, g, b) = match step / 4 {
            0 => (5, up, 1),
            1 => (down, 5, 1),
            2 => (1, 5, up),
            3 => (1, down, 5),
            4 => (up, 1, 5),
            _ => (5, 1, down),
        };
        colours[step] = 16 + 36 * r + 6 * g + b;
        step += 1;
    }
    colours
}

/// `text` with a rainbow of colour escapes in it (see the module's docs).
pub fn rainbow(text: &str) -> String {
    // About two escapes for each band of visible text; a cow is mostly spaces.
    let mut out = String::with_capacity(text.len() * 3);
    for (row, line) in text.split_inclusive('\n').enumerate() {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        paint_line(&mut out, body, row);
        out.push_str(newline);
    }
    out
}

/// One line without its newline, coloured from `row`'s place on the wheel, with a reset at the
/// end if anything set a colour.
fn paint_line(out: &mut String, line: &str, row: usize) {
    let mut column = 0;
    let mut current = None;
    let mut escaped = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if let Some(len) = escape_len(rest) {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            // It may have set a colour or reset ours: the next visible character says its own.
            (current, escaped) = (None, true);
            continue;
        }
        let width = char_width(c);
        if width > 0 && !c.is_whitespace() {
            let colour = WHEEL[(row + column / BAND_COLUMNS) % WHEEL.len()];
            if current != Some(colour) {
                // Writing to a String cannot fail.
                let _ = write!(out, "\x1b[38;5;{colour}m");
                (current, escaped) = (Some(colour), true);
            }
        }
        out.push(c);
        column += width;
        rest = &rest[c.len_utf8()..];
    }
    if escaped {
        out.push_str(RESET);
    }
}

/// The length in bytes of the escape sequence at the start of `s`, if `s` starts with ESC: a
/// control sequence (`ESC [`, parameters, the final byte) whole, as far as it goes; any other
/// escape with the character after it.
fn escape_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('\x1b')?;
    let Some(sequence) = rest.strip_prefix('[') else {
        return Some(1 + rest.chars().next().map_or(0, char::len_utf8));
    };
    let bytes = sequence.as_bytes();
    let body = bytes
        .iter()
        .take_while(|b| (0x20..=0x3f).contains(*b))
        .count();
    let last = bytes.get(body).is_some_and(|b| (0x40..=0x7e).contains(b));
    Some(2 + body + usize::from(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cows::CowCatalog;
    use crate::cowsay::{self, Options};

    /// The text with every control sequence taken out.
    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match escape_len(rest) {
                Some(len) => rest = &rest[len..],
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out
    }

    fn cow_saying(message: &str, width: usize) -> String {
        let cow = CowCatalog::builtin().resolve("default").unwrap();
        let options = Options {
            width,
            ..Options::default()
        };
        cowsay::render(&options, &cow, message).unwrap()
    }

    #[test]
    fn the_wheel_is_24_distinct_cube_colours() {
        assert_eq!(&WHEEL[..6], [203, 209, 215, 221, 227, 191]);
        let mut sorted = WHEEL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), WHEEL.len());
        assert!(WHEEL.iter().all(|c| (16..=231).contains(c)));
    }

    #[test]
    fn without_the_escapes_the_text_is_unchanged() {
        let texts = [
            cow_saying("Moo", 40),
            cow_saying(
                "The quick brown fox jumps over the lazy dog, twice over.",
                10,
            ),
            cow_saying("漢字 e\u{301}\u{302} tabs\tand 😀", 6),
            "no newline at the end".into(),
            "\n\n  \n".into(),
            String::new(),
        ];
        for text in texts {
            let coloured = rainbow(&text);
            assert_eq!(strip(&coloured), text);
            if text.trim().is_empty() {
                assert_eq!(coloured, text, "nothing visible, nothing added");
            } else {
                assert!(coloured.contains("\x1b[38;5;"), "{coloured:?}");
            }
        }
    }

    /// Every line that sets a colour ends with a reset, so none leaks into the next line or
    /// the prompt; no line has a reset with nothing before it to undo.
    #[test]
    fn every_coloured_line_ends_with_a_reset() {
        let coloured = rainbow(&cow_saying("a long message to wrap over lines", 12));
        let mut lines = 0;
        for line in coloured.lines() {
            assert_eq!(line.contains('\x1b'), line.ends_with(RESET), "{line:?}");
            lines += usize::from(line.contains('\x1b'));
        }
        assert!(lines >= 8, "{coloured}");
        assert!(rainbow("x").ends_with(RESET), "without a newline too");
    }

    #[test]
    fn colours_change_along_and_down_lines_but_not_on_spaces() {
        assert_eq!(rainbow("ab"), "\x1b[38;5;203mab\x1b[0m");
        assert_eq!(
            rainbow("abcdefgh"),
            "\x1b[38;5;203mabcd\x1b[38;5;209mefgh\x1b[0m"
        );
        assert_eq!(
            rainbow("a   \nb"),
            "\x1b[38;5;203ma   \x1b[0m\n\x1b[38;5;209mb\x1b[0m"
        );
        assert_eq!(rainbow("    x"), "    \x1b[38;5;209mx\x1b[0m");
        let row = |n: usize| WHEEL[n % WHEEL.len()];
        let many = rainbow(&"x\n".repeat(30));
        let line_29 = many.lines().nth(29).unwrap();
        assert_eq!(line_29, format!("\x1b[38;5;{}mx{RESET}", row(29)));
    }

    /// No escape comes between a character and its combining mark; wide characters take two
    /// columns of the band.
    #[test]
    fn marks_stay_with_their_character() {
        assert_eq!(
            rainbow("abce\u{301}f"),
            "\x1b[38;5;203mabce\u{301}\x1b[38;5;209mf\x1b[0m"
        );
        assert_eq!(rainbow("漢字x"), "\x1b[38;5;203m漢字\x1b[38;5;209mx\x1b[0m");
    }

    /// Escapes in the text are copied whole; the next visible character gets our colour again.
    #[test]
    fn escapes_in_the_text_are_kept_whole() {
        assert_eq!(
            rainbow("a\x1b[1;31mb\x1b[0mc"),
            "\x1b[38;5;203ma\x1b[1;31m\x1b[38;5;203mb\x1b[0m\x1b[38;5;203mc\x1b[0m"
        );
        assert_eq!(
            rainbow(" \x1b[2J "),
            " \x1b[2J \x1b[0m",
            "a reset: it had an escape"
        );
        assert_eq!(rainbow("\x1b"), "\x1b\x1b[0m");
        assert_eq!(rainbow("\x1b["), "\x1b[\x1b[0m");
        assert_eq!(rainbow("\x1b\u{e9}"), "\x1b\u{e9}\x1b[0m");
        assert_eq!(escape_len("\x1b[38;5;1mx"), Some(9));
        assert_eq!(escape_len("x"), None);
    }
}
