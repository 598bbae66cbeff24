//! How wide text is, and where its characters begin, as the reference sees it.
//!
//! cowsay 3.03 wraps by counting *characters* (Perl's `\PM\pM*`: a non-mark
//! code point plus the combining marks after it) but pads the balloon by
//! *display columns* (glibc's `wcwidth` summed over the line). Both views
//! live here, backed by tables generated from the reference system.
//!
//! Deliberate difference: glibc answers -1 for non-printable code points
//! (C0/C1 controls, DEL, unassigned) and cowsay adds that -1 into the line
//! width, so such lines get a balloon one column too narrow per character.
//! We count them as 0 columns. We also give ANSI SGR colour sequences
//! (`ESC [ params m`) zero width everywhere, where cowsay only ignores them
//! when finding the longest line and then pads each line as if the escape
//! bytes were visible.

use super::tables::{DOUBLE_WIDTH, MARKS, WHITESPACE, ZERO_WIDTH};

/// True if `c` lies in one of the sorted, disjoint `ranges`.
fn in_table(c: char, ranges: &[(u32, u32)]) -> bool {
    let cp = u32::from(c);
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// True for combining marks: they belong to the character before them.
pub fn is_mark(c: char) -> bool {
    // No ASCII character is a mark; this runs for every character of every page.
    !c.is_ascii() && in_table(c, MARKS)
}

/// True for what Perl's `\s` matches in a character string.
pub fn is_space(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ');
    }
    in_table(c, WHITESPACE)
}

/// Display columns of one code point: 0, 1 or 2.
pub fn char_width(c: char) -> usize {
    if c.is_ascii() {
        // Controls (and DEL) take no column, everything else one: the tables' answer, without
        // two binary searches for the common case.
        return usize::from(!c.is_ascii_control());
    }
    if in_table(c, ZERO_WIDTH) {
        0
    } else if in_table(c, DOUBLE_WIDTH) {
        2
    } else {
        1
    }
}

/// Length in bytes of an SGR escape sequence (`ESC [ digits;... m`) at the
/// start of `s`, if there is one.
fn sgr_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("\u{1b}[")?;
    let params = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (rest.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// Display columns of a line: the sum of its characters' widths, with SGR
/// colour sequences counting zero.
pub fn str_width(s: &str) -> usize {
    if s.is_ascii() && !s.contains('\u{1b}') {
        return s.bytes().filter(|b| !b.is_ascii_control()).count();
    }
    let mut width = 0;
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(len) = sgr_len(rest) {
            rest = &rest[len..];
            continue;
        }
        width += char_width(c);
        rest = &rest[c.len_utf8()..];
    }
    width
}

/// Splits `s` into characters as Perl's `\PM\pM*` does: each non-mark code
/// point with the marks that follow it. A mark with nothing before it (the
/// start of a paragraph) stands alone; cowsay dies there ("This shouldn't
/// happen"), we keep it.
pub fn clusters(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if i > start && !is_mark(c) {
            out.push(&s[start..i]);
            start = i;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The number of characters (non-marks) in `s`, the unit tab stops count in.
pub fn char_count(s: &str) -> usize {
    s.chars().filter(|&c| !is_mark(c)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII shortcuts give the tables' answers for every ASCII character.
    #[test]
    fn ascii_shortcuts_agree_with_the_tables() {
        for c in (0u8..128).map(char::from) {
            let width = if in_table(c, ZERO_WIDTH) {
                0
            } else if in_table(c, DOUBLE_WIDTH) {
                2
            } else {
                1
            };
            assert_eq!(char_width(c), width, "{c:?}");
            assert_eq!(is_mark(c), in_table(c, MARKS), "{c:?}");
            assert_eq!(is_space(c), in_table(c, WHITESPACE), "{c:?}");
            let text = format!("a{c}b");
            let summed: usize = text.chars().map(char_width).sum();
            if c != '\u{1b}' {
                assert_eq!(str_width(&text), summed, "{c:?}");
            }
        }
    }

    #[test]
    fn widths_follow_glibc() {
        assert_eq!(str_width("hello"), 5);
        assert_eq!(str_width("漢字"), 4);
        assert_eq!(str_width("e\u{301}"), 1);
        assert_eq!(str_width("😀"), 2);
        assert_eq!(str_width("\u{200b}"), 0);
        assert_eq!(str_width(""), 0);
    }

    #[test]
    fn non_printables_count_zero_not_minus_one() {
        // cowsay: mbswidth("a\x01b") == 1; we say 2 (what a terminal shows).
        assert_eq!(str_width("a\u{1}b"), 2);
        assert_eq!(str_width("a\rb"), 2);
    }

    #[test]
    fn sgr_sequences_have_no_width() {
        assert_eq!(str_width("a\u{1b}[31mred\u{1b}[0m"), 4);
        assert_eq!(str_width("\u{1b}[1;32mok\u{1b}[m"), 2);
        // Not SGR: the ESC counts 0, the rest is visible.
        assert_eq!(str_width("\u{1b}[2Jx"), 4);
    }

    #[test]
    fn clusters_keep_marks_with_their_base() {
        assert_eq!(clusters("ae\u{301}b"), vec!["a", "e\u{301}", "b"]);
        assert_eq!(clusters("\u{301}x"), vec!["\u{301}", "x"]);
        assert_eq!(clusters(""), Vec::<&str>::new());
        assert_eq!(char_count("e\u{301}\u{302}x"), 2);
    }

    #[test]
    fn whitespace_matches_unicode_white_space() {
        for cp in 0..0x11_0000u32 {
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(is_space(c), c.is_whitespace(), "U+{cp:04X}");
            }
        }
    }
}
