//! Drawing the speech or thought balloon around the wrapped lines.

use super::width::str_width;

/// The corner and side characters of a balloon.
struct Borders {
    /// One line: left and right.
    single: (char, char),
    /// Several lines: first line, middle lines, last line.
    first: (char, char),
    middle: (char, char),
    last: (char, char),
}

const SAY: Borders = Borders {
    single: ('<', '>'),
    first: ('/', '\\'),
    middle: ('|', '|'),
    last: ('\\', '/'),
};

const THINK: Borders = Borders {
    single: ('(', ')'),
    first: ('(', ')'),
    middle: ('(', ')'),
    last: ('(', ')'),
};

/// Draws the balloon: a rule of `_`, each line padded to the widest one
/// between its borders, a rule of `-`. No message draws an empty balloon.
pub fn balloon(lines: &[String], think: bool) -> String {
    let borders = if think { &THINK } else { &SAY };
    let empty = [String::new()];
    let lines = if lines.is_empty() { &empty[..] } else { lines };
    // Written piece by piece into one string sized up front: this runs for every cow page.
    let widths: Vec<usize> = lines.iter().map(|l| str_width(l)).collect();
    let max = widths.iter().copied().max().unwrap_or(0);
    let bytes: usize = lines.iter().map(String::len).sum();
    let mut out = String::with_capacity(bytes + (max + 6) * (lines.len() + 2));
    let rule = |out: &mut String, c: char| {
        out.push(' ');
        out.extend(std::iter::repeat_n(c, max + 2));
        out.push('\n');
    };
    rule(&mut out, '_');
    let count = lines.len();
    for (i, (line, width)) in lines.iter().zip(widths).enumerate() {
        let (left, right) = match i {
            _ if count == 1 => borders.single,
            0 => borders.first,
            _ if i + 1 == count => borders.last,
            _ => borders.middle,
        };
        out.push(left);
        out.push(' ');
        out.push_str(line);
        out.extend(std::iter::repeat_n(' ', max - width + 1));
        out.push(right);
        out.push('\n');
    }
    rule(&mut out, '-');
    out
}

/// The trail of thoughts from balloon to cow.
pub fn thoughts(think: bool) -> &'static str {
    if think { "o" } else { "\\" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn one_line() {
        assert_eq!(balloon(&lines(&["hi"]), false), " ____\n< hi >\n ----\n");
        assert_eq!(balloon(&lines(&["hi"]), true), " ____\n( hi )\n ----\n");
    }

    #[test]
    fn several_lines_are_padded() {
        assert_eq!(
            balloon(&lines(&["a", "bbb", "cc"]), false),
            " _____\n/ a   \\\n| bbb |\n\\ cc  /\n -----\n"
        );
        assert_eq!(
            balloon(&lines(&["a", "bb"]), true),
            " ____\n( a  )\n( bb )\n ----\n"
        );
    }

    #[test]
    fn empty_message() {
        assert_eq!(balloon(&[], false), " __\n<  >\n --\n");
        assert_eq!(balloon(&[], true), " __\n(  )\n --\n");
    }

    #[test]
    fn wide_and_combining_characters_pad_by_columns() {
        assert_eq!(
            balloon(&lines(&["漢字", "abcde"]), false),
            " _______\n/ 漢字  \\\n\\ abcde /\n -------\n"
        );
        assert_eq!(
            balloon(&lines(&["e\u{301}", "ab"]), false),
            " ____\n/ e\u{301}  \\\n\\ ab /\n ----\n"
        );
    }

    /// cowsay pads a coloured line as if its escape codes were visible
    /// (here it would add 7 spaces, not 12); we pad by what is shown.
    #[test]
    fn colour_codes_do_not_count_in_padding() {
        let red = "a\u{1b}[31mred\u{1b}[0m";
        let drawn = balloon(&lines(&[red, "longer line here"]), false);
        assert_eq!(
            drawn.lines().nth(1),
            Some(format!("/ {red}{} \\", " ".repeat(12)).as_str())
        );
    }
}
