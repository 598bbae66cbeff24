//! cowsay and cowthink: a message in a balloon, said or thought by a cow.
//!
//! Output matches Debian's cowsay 3.03 under a UTF-8 locale byte for byte,
//! except where cowsay is plainly broken; each such difference is written
//! down in the module that makes it ([`wrap`], [`width`], [`crate::cowfile`])
//! and pinned by a unit test there.
//!
//! * [`wrap`]: message to lines (reflow or `-n`).
//! * `balloon`: lines to a balloon.
//! * [`face`]: `-e`, `-T` and the mode flags to eyes and tongue.
//! * [`width`]: characters and display columns, from generated `tables`.

mod balloon;
pub mod face;
mod tables;
pub mod width;
pub mod wrap;

pub use face::Mode;

use crate::cowfile::CowFile;
use crate::error::Error;

/// cowsay's default `-W`.
pub const DEFAULT_WIDTH: usize = 40;

/// Widest wrap width we honour. Wider only matters for paragraphs longer
/// than this many characters, which then wrap here instead of not at all.
pub const MAX_WIDTH: usize = 10_000;

/// Longest message [`render`] accepts: a page's worth of text is plenty for
/// a web request, and it bounds the work one request can cause.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The most bytes of balloon [`render`] draws per byte of message, beyond
/// [`BALLOON_ALLOWANCE`]. Ordinary text at the narrowest width takes 6 (`| a |`,
/// one character a line); characters that take no column are wrapped as
/// characters but padded as columns, as cowsay does, and could take hundreds:
/// a 2 KB request drew a 171 KB cow.
pub const MAX_BALLOON_BYTES_PER_MESSAGE_BYTE: usize = 8;

/// Balloon bytes [`render`] allows on top of the per-byte bound: the frame of
/// a short message.
pub const BALLOON_ALLOWANCE: usize = 1024;

/// How to draw: everything the command line can say except the cow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Thought balloon and `o` trail (cowthink) instead of speech.
    pub think: bool,
    /// Mode flags; order does not matter (see [`Mode::ALL`]).
    pub modes: Vec<Mode>,
    /// `-e`: eyes, cut to two characters.
    pub eyes: Option<String>,
    /// `-T`: tongue, cut to two characters.
    pub tongue: Option<String>,
    /// `-W`: wrap so lines hold at most `width - 1` characters.
    pub width: usize,
    /// False for `-n`: keep lines as given, only expanding tabs.
    pub reflow: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            think: false,
            modes: Vec::new(),
            eyes: None,
            tongue: None,
            width: DEFAULT_WIDTH,
            reflow: true,
        }
    }
}

/// Draws `cow` saying `message`, for callers that take text from the
/// outside world: refuses messages over [`MAX_MESSAGE_BYTES`], and balloons
/// over [`MAX_BALLOON_BYTES_PER_MESSAGE_BYTE`] per byte of the message (plus
/// [`BALLOON_ALLOWANCE`]), so no message draws many times its size.
///
/// `message` is what cowsay gets from its arguments (joined with spaces) or
/// from stdin without its final newline.
pub fn render(options: &Options, cow: &CowFile, message: &str) -> Result<String, Error> {
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(Error::MessageTooLong {
            len: message.len(),
            max: MAX_MESSAGE_BYTES,
        });
    }
    let mut out = balloon_of(options, message);
    let max = MAX_BALLOON_BYTES_PER_MESSAGE_BYTE * message.len() + BALLOON_ALLOWANCE;
    if out.len() > max {
        return Err(Error::BalloonTooLarge {
            len: out.len(),
            max,
        });
    }
    out.push_str(&cow_under(options, cow));
    Ok(out)
}

/// Draws `cow` saying `message`, with no length limit (the command line,
/// where the user owns the input).
pub fn draw(options: &Options, cow: &CowFile, message: &str) -> String {
    let mut out = balloon_of(options, message);
    out.push_str(&cow_under(options, cow));
    out
}

/// The balloon holding `message`, wrapped (or not) as `options` say.
fn balloon_of(options: &Options, message: &str) -> String {
    let lines = if options.reflow {
        wrap::fill(message, options.width.min(MAX_WIDTH))
    } else if message.is_empty() {
        Vec::new()
    } else {
        message.split('\n').map(wrap::expand_tabs).collect()
    };
    balloon::balloon(&lines, options.think)
}

/// The cow below the balloon, with the face and trail `options` ask for.
fn cow_under(options: &Options, cow: &CowFile) -> String {
    let (eyes, tongue) = face::face(
        options.eyes.as_deref(),
        options.tongue.as_deref(),
        &options.modes,
    );
    cow.render(&eyes, &tongue, balloon::thoughts(options.think))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cows::CowCatalog;

    fn default_cow() -> CowFile {
        CowCatalog::builtin().resolve("default").unwrap()
    }

    #[test]
    fn classic_moo() {
        let out = render(&Options::default(), &default_cow(), "moo").unwrap();
        assert_eq!(
            out,
            " _____\n< moo >\n -----\n        \\   ^__^\n         \\  (oo)\\_______\n            (__)\\       )\\/\\\n                ||----w |\n                ||     ||\n"
        );
    }

    #[test]
    fn think_and_dead() {
        let options = Options {
            think: true,
            modes: vec![Mode::Dead],
            ..Options::default()
        };
        let out = render(&options, &default_cow(), "hmm").unwrap();
        assert!(out.starts_with(" _____\n( hmm )\n -----\n        o   ^__^\n         o  (xx)"));
        assert!(out.contains("\n             U  ||----w |\n"));
    }

    #[test]
    fn no_reflow_keeps_lines_and_expands_tabs() {
        let options = Options {
            reflow: false,
            ..Options::default()
        };
        let out = render(&options, &default_cow(), "a\tb\n\tc").unwrap();
        assert!(out.starts_with(" ___________\n/ a       b \\\n\\         c /\n"));
    }

    #[test]
    fn balloons_many_times_their_message_are_refused() {
        let narrow = Options {
            width: 2,
            ..Options::default()
        };
        let marks = format!("a{}{}", "\u{302e}".repeat(166), "b".repeat(501));
        let err = render(&narrow, &default_cow(), &marks).unwrap_err();
        assert!(err.to_string().contains("wider width"), "{err}");
        let plain = "a".repeat(1000);
        let out = render(&narrow, &default_cow(), &plain).unwrap();
        assert_eq!(out, draw(&narrow, &default_cow(), &plain));
    }

    #[test]
    fn long_messages_are_refused() {
        let long = "x".repeat(MAX_MESSAGE_BYTES + 1);
        let err = render(&Options::default(), &default_cow(), &long).unwrap_err();
        assert!(err.to_string().contains("too long"));
    }
}
