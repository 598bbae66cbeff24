//! Turning a message into balloon lines, as cowsay 3.03 does with Perl's
//! `Text::Wrap::fill` (reflow) or `Text::Tabs::expand` (`-n`).
//!
//! The rules, learned from the reference and restated:
//! * Reflow: the message lines are joined with `\n`; a newline followed by
//!   whitespace (a blank line, or an indented line) starts a new paragraph.
//!   Inside a paragraph every run of whitespace becomes one space. Paragraphs
//!   are wrapped separately and separated by one empty line. Empty lines at
//!   the very end are dropped; at the start they stay.
//! * Wrapping counts characters (a code point with its combining marks), not
//!   columns: a line holds at most `width - 1` of them. A line is cut before
//!   a space; the space is dropped. A word longer than a line is split.
//!   A line may end with a space only at the end of the paragraph.
//! * `-n`: lines are kept as they are, tabs expanded to stops every 8
//!   characters.
//!
//! Deliberate difference: for a width of 1 or less (including `-W 0` and
//! negative widths) cowsay prints the digit `3` instead of the message (a
//! `Text::Wrap` fallback that returns its argument count); we wrap as at
//! width 2, which is what `Text::Wrap` itself falls back to on its next call.

use super::width::{char_count, clusters, is_space};

/// The narrowest width that still makes progress: one character a line.
pub const MIN_WIDTH: usize = 2;

/// Tab stops are every this many characters, as in `Text::Tabs`.
const TAB_STOP: usize = 8;

/// Reflows `text` (message lines joined with `\n`) into paragraphs
/// wrapped to `width` columns.
pub fn fill(text: &str, width: usize) -> Vec<String> {
    let mut paragraphs = split_paragraphs(text);
    while paragraphs.last().is_some_and(|p| p.is_empty()) {
        paragraphs.pop();
    }
    let wrapped: Vec<String> = paragraphs
        .iter()
        .map(|p| wrap_paragraph(&squeeze_spaces(p), width.max(MIN_WIDTH)))
        .collect();
    let mut out: Vec<String> = wrapped
        .join("\n\n")
        .split('\n')
        .map(str::to_owned)
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// Splits at every newline that is followed by at least one whitespace
/// character, swallowing that whitespace.
fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c != '\n' || !iter.peek().is_some_and(|&(_, n)| is_space(n)) {
            continue;
        }
        out.push(&text[start..i]);
        let mut end = text.len();
        while let Some(&(j, n)) = iter.peek() {
            if !is_space(n) {
                end = j;
                break;
            }
            iter.next();
        }
        start = end;
    }
    out.push(&text[start..]);
    out
}

/// Replaces every run of whitespace with a single space.
fn squeeze_spaces(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut in_space = false;
    for c in p.chars() {
        if is_space(c) {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// True for a character that may end a line: one that starts with a space.
fn is_break(cluster: &str) -> bool {
    cluster.chars().next().is_some_and(is_space)
}

/// Wraps one paragraph to lines of at most `width - 1` characters.
pub fn wrap_paragraph(p: &str, width: usize) -> String {
    let cl = clusters(p);
    let per_line = width.max(MIN_WIDTH) - 1;
    // The paragraph and a newline for each line it makes, at the most.
    let mut out = String::with_capacity(p.len() + p.len() / per_line.max(1) + 2);
    let mut pos = 0;
    // What follows the last line: the space it was cut at, or nothing.
    let mut tail = "";
    let mut first = true;
    while !cl[pos..].iter().all(|c| is_break(c)) {
        let avail = per_line.min(cl.len() - pos);
        // The longest run that ends right before a space or at the end.
        let fit = (0..=avail)
            .rev()
            .find(|&k| pos + k == cl.len() || is_break(cl[pos + k]));
        if !first {
            out.push('\n');
        }
        first = false;
        match fit {
            Some(k) => {
                out.extend(cl[pos..pos + k].iter().copied());
                pos += k;
                tail = "";
                if pos < cl.len() {
                    tail = cl[pos];
                    pos += 1;
                }
            }
            None => {
                out.extend(cl[pos..pos + per_line].iter().copied());
                pos += per_line;
                tail = "\n";
            }
        }
    }
    out.push_str(tail);
    out
}

/// Expands tabs to the next multiple of 8 characters (marks don't count).
pub fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, piece) in line.split('\t').enumerate() {
        if i > 0 {
            let column = char_count(&out);
            out.extend(std::iter::repeat_n(' ', TAB_STOP - column % TAB_STOP));
        }
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(msg: &str, width: usize) -> Vec<String> {
        fill(msg, width)
    }

    #[test]
    fn wrapping_table() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("hello world", 40, &["hello world"]),
            ("hello world", 6, &["hello", "world"]),
            ("hello world", 5, &["hell", "o", "worl", "d"]),
            ("hello ", 40, &["hello "]),
            ("hello world ", 6, &["hello", "world "]),
            ("a  b\t\tc", 40, &["a b c"]),
            ("a\nb", 40, &["a b"]),
            ("a\n\nb", 40, &["a", "", "b"]),
            ("a\n  b", 40, &["a", "", "b"]),
            ("\n\na", 40, &["", "", "a"]),
            ("a\n\n\n", 40, &["a"]),
            ("", 40, &[]),
            (" hello", 4, &["", "hel", "lo"]),
            ("abc", 2, &["a", "b", "c"]),
            ("abc", 1, &["a", "b", "c"]),
            ("abc", 0, &["a", "b", "c"]),
            ("漢字かな", 3, &["漢字", "かな"]),
            (
                "e\u{301}e\u{301}e\u{301}",
                3,
                &["e\u{301}e\u{301}", "e\u{301}"],
            ),
        ];
        for (msg, width, want) in cases {
            assert_eq!(f(msg, *width), *want, "{msg:?} at {width}");
        }
    }

    #[test]
    fn narrow_widths_wrap_as_two_not_print_three() {
        // cowsay -W 1 hello prints "3"; we print one character a line.
        assert_eq!(f("hello", 1), f("hello", 2));
        assert_eq!(f("hi", 1), vec!["h", "i"]);
    }

    #[test]
    fn tabs_expand_by_characters() {
        assert_eq!(expand_tabs("a\tb"), "a       b");
        assert_eq!(expand_tabs("\tc"), "        c");
        assert_eq!(expand_tabs("12345678\tx"), "12345678        x");
        assert_eq!(expand_tabs("漢\tx"), "漢       x");
        assert_eq!(expand_tabs("e\u{301}\tx"), "e\u{301}       x");
    }
}
