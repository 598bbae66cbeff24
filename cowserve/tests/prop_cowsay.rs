//! Property tests of the balloon cowsay draws, for any message and any `-W`.
//!
//! Messages are arbitrary Unicode with the hard cases overweighted: wide (CJK, emoji) and
//! zero-width characters, combining marks (including spacing marks), tabs, newlines, blank and
//! indented lines, C0/C1 controls, `\r`, Unicode spaces, and ANSI colour sequences. Widths run
//! over 1..=200; both `say` and `think`; reflow on and off (`-n`).
//!
//! The balloon is the output's lines from the first (the `_` rule) to the first later line that
//! starts with a space (the `-` rule): a content line always starts with a border character.
//! Invariants, derived from `balloon.rs` and `wrap.rs` (display widths measured with the
//! crate's own [`str_width`], which is what pads the lines):
//!
//! 1. [`render`] never panics on a message under its size limit.
//! 2. The rules are ` ` + `_` x (M + 2) and ` ` + `-` x (M + 2), M being the widest wrapped line
//!    in columns; every content line is `B ` + line + padding + ` B'` and exactly M + 4 columns
//!    wide (one more than the rules, which have no right-hand border). The borders are `< >`
//!    for one line, else `/ \`, `| |`, `\ /` for first, middle, last; `( )` for thoughts. The
//!    content lines are exactly the wrapped lines ([`wrap::fill`], or the message's lines with
//!    tabs expanded under `-n`), and after the balloon comes exactly the cow.
//! 3. With reflow, a line holds at most max(W, 2) - 1 characters (a character being a code
//!    point with its combining marks, [`width::clusters`]), except that the last line of a
//!    paragraph may carry one more: the space it ended with (cowsay's `Text::Wrap` keeps it,
//!    e.g. `"hello world "` at `-W 6` gives `hello`, `world `). No whitespace but ` ` is left.
//!    So for text whose characters are all one column wide, no balloon line is wider than
//!    max(W, 2) + 3 columns, or max(W, 2) + 4 when a paragraph ends in a space; wide
//!    characters can make a line up to twice that (cowsay wraps by characters, not columns).
//! 4. With `-n` only (2) applies: lines are kept whole, so there is no width bound.

use cowserve::cowfile::CowFile;
use cowserve::cows::CowCatalog;
use cowserve::cowsay::width::{clusters, is_space, str_width};
use cowserve::cowsay::{Options, draw, face, render, wrap};
use proptest::prelude::*;
use testkit::property::check;

/// Cases per property; each renders one cow (a few hundred characters).
const CASES: u32 = 1500;

fn default_cow() -> CowFile {
    CowCatalog::builtin()
        .resolve("default")
        .expect("default cow")
}

/// One piece of a message: a character from a hard class, or a short sequence.
fn piece() -> impl Strategy<Value = String> {
    let ch = |lo: u32, hi: u32| {
        (lo..=hi).prop_map(|cp| char::from_u32(cp).map_or(String::new(), String::from))
    };
    prop_oneof![
        10 => ch(0x61, 0x7a),
        3 => Just(" ".to_owned()),
        3 => ch(0x20, 0x7e),
        2 => Just("\n".to_owned()),
        1 => Just("\n\n".to_owned()),
        1 => Just("\n  ".to_owned()),
        2 => Just("\t".to_owned()),
        // C0 controls (\r, \x0b, \x0c among them), DEL and C1 (NEL is a Unicode space).
        1 => ch(0x00, 0x1f),
        1 => ch(0x7f, 0x9f),
        // Combining marks, spacing marks (Devanagari), zero-width and format characters.
        2 => ch(0x300, 0x36f),
        1 => ch(0x900, 0x97f),
        1 => prop::sample::select(&["\u{200b}", "\u{200d}", "\u{feff}", "\u{ad}"][..])
            .prop_map(str::to_owned),
        // Wide: CJK, Hangul, fullwidth forms, emoji.
        3 => ch(0x4e00, 0x9fff),
        1 => ch(0xac00, 0xd7a3),
        1 => ch(0xff01, 0xff60),
        1 => ch(0x1f300, 0x1f64f),
        // Unicode spaces (U+00A0, U+2000..U+200A, U+2028, U+3000...).
        1 => prop::sample::select(
            &["\u{a0}", "\u{2003}", "\u{2028}", "\u{2029}", "\u{3000}", "\u{85}"][..]
        )
        .prop_map(str::to_owned),
        // ANSI colour, plus broken escapes.
        1 => prop::sample::select(&["\u{1b}[31m", "\u{1b}[0m", "\u{1b}[1;32m", "\u{1b}[", "\u{1b}"][..])
            .prop_map(str::to_owned),
        2 => any::<char>().prop_map(String::from),
    ]
}

fn message() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(piece(), 0..300).prop_map(|p| p.concat()),
        // Any code points at all (proptest's `any::<char>()` favours the awkward ones).
        2 => prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
    ]
}

/// Everything that varies: message, width, think, reflow.
fn inputs() -> impl Strategy<Value = (String, usize, bool, bool)> {
    (message(), 1..=200usize, any::<bool>(), any::<bool>())
}

/// Checks invariant 2 on one rendering; returns the balloon's content lines (borders and
/// padding included).
fn check_balloon(
    out: &str,
    cow: &CowFile,
    options: &Options,
    want_lines: &[String],
) -> Result<Vec<String>, TestCaseError> {
    // Not `str::lines`: that would also split at "\r\n" inside a message line.
    let lines: Vec<&str> = out.split('\n').collect();
    let top = lines[0];
    prop_assert!(
        top.starts_with(' ') && top[1..].chars().all(|c| c == '_'),
        "top rule {:?}",
        top
    );
    let rule = top.len() - 1;
    let max = want_lines.iter().map(|l| str_width(l)).max().unwrap_or(0);
    prop_assert_eq!(rule, max + 2, "top rule length");
    let bottom_at = lines
        .iter()
        .skip(1)
        .position(|l| l.starts_with(' '))
        .map(|i| i + 1);
    let Some(bottom_at) = bottom_at else {
        return Err(TestCaseError::fail("no bottom rule"));
    };
    prop_assert_eq!(lines[bottom_at], format!(" {}", "-".repeat(rule)));
    let content = &lines[1..bottom_at];
    prop_assert_eq!(content.len(), want_lines.len().max(1), "line count");

    let (s, f, m, l) = if options.think {
        (('(', ')'), ('(', ')'), ('(', ')'), ('(', ')'))
    } else {
        (('<', '>'), ('/', '\\'), ('|', '|'), ('\\', '/'))
    };
    let empty = String::new();
    for (i, line) in content.iter().enumerate() {
        // Every content line is exactly one column wider than the rules.
        prop_assert_eq!(str_width(line), rule + 2, "width of line {}: {:?}", i, line);
        let (left, right) = match i {
            _ if content.len() == 1 => s,
            0 => f,
            _ if i + 1 == content.len() => l,
            _ => m,
        };
        let text = want_lines.get(i).unwrap_or(&empty);
        let pad = " ".repeat(max - str_width(text));
        prop_assert_eq!(*line, format!("{left} {text}{pad} {right}"));
    }
    // After the balloon: the cow, and nothing else.
    let rest_at: usize = lines[..=bottom_at].iter().map(|l| l.len() + 1).sum();
    let (eyes, tongue) = face::face(None, None, &options.modes);
    let thoughts = if options.think { "o" } else { "\\" };
    prop_assert_eq!(&out[rest_at..], cow.render(&eyes, &tongue, thoughts));
    Ok(content.iter().map(|l| (*l).to_owned()).collect())
}

/// The cow `draw` gives, after checking that `render` (the web's path) gives the same or refuses
/// it for its balloon's size: blank lines padded to a long line's width, or marks that take no
/// column, can draw many times the message.
fn drawn(options: &Options, cow: &CowFile, msg: &str) -> Result<String, TestCaseError> {
    let out = draw(options, cow, msg);
    match render(options, cow, msg) {
        Ok(rendered) => prop_assert_eq!(&rendered, &out),
        Err(e) => prop_assert!(e.to_string().contains("wider width"), "{}", e),
    }
    Ok(out)
}

#[test]
fn balloon_is_rectangular_and_bounded() {
    let cow = default_cow();
    check(CASES, inputs(), |(msg, width, think, reflow)| {
        let options = Options {
            think,
            width,
            reflow,
            ..Options::default()
        };
        let out = drawn(&options, &cow, &msg)?;
        let want: Vec<String> = if reflow {
            wrap::fill(&msg, width)
        } else if msg.is_empty() {
            Vec::new()
        } else {
            msg.split('\n').map(wrap::expand_tabs).collect()
        };
        check_balloon(&out, &cow, &options, &want)?;
        if !reflow {
            for line in &want {
                prop_assert!(!line.contains('\t'), "tab left in {:?}", line);
            }
            return Ok(());
        }
        let per_line = width.max(wrap::MIN_WIDTH) - 1;
        for line in &want {
            let cl = clusters(line);
            let ends_in_space = cl.last().is_some_and(|c| c.starts_with(' '));
            prop_assert!(
                cl.len() <= per_line || (cl.len() == per_line + 1 && ends_in_space),
                "{} characters at -W {}: {:?}",
                cl.len(),
                width,
                line
            );
            prop_assert!(
                !line.chars().any(|c| is_space(c) && c != ' '),
                "whitespace other than ' ' left in {:?}",
                line
            );
        }
        Ok(())
    });
}

/// Invariant 3 in columns, for text of one-column characters only.
#[test]
fn narrow_text_balloon_fits_the_width() {
    let cow = default_cow();
    let narrow = prop::collection::vec(
        prop_oneof![
            8 => (b'a'..=b'z').prop_map(|b| char::from(b).to_string()),
            3 => Just(" ".to_owned()),
            1 => (b'!'..=b'~').prop_map(|b| char::from(b).to_string()),
            1 => Just("\t".to_owned()),
            1 => Just("\n".to_owned()),
            1 => Just("\n\n".to_owned()),
            1 => Just("\n ".to_owned()),
        ],
        0..400,
    )
    .prop_map(|p| p.concat());
    check(
        CASES,
        (narrow, 1..=200usize, any::<bool>()),
        |(msg, width, think)| {
            let options = Options {
                think,
                width,
                ..Options::default()
            };
            let out = drawn(&options, &cow, &msg)?;
            let lines = wrap::fill(&msg, width);
            let w = width.max(wrap::MIN_WIDTH);
            let trailing_space = lines.iter().any(|l| l.ends_with(' '));
            let bound = w + 3 + usize::from(trailing_space);
            let balloon = check_balloon(&out, &cow, &options, &lines)?;
            for line in &balloon {
                prop_assert!(
                    str_width(line) <= bound,
                    "{:?} is {} columns, over {} at -W {}",
                    line,
                    str_width(line),
                    bound,
                    width
                );
            }
            Ok(())
        },
    );
}
