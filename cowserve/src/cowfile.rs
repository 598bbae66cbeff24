//! Reading `.cow` files as data.
//!
//! A cow file is a small Perl program that cowsay runs with `do`. We never
//! run it: we find the heredoc assigned to `$the_cow`, and interpolate the
//! three variables cowsay provides. What is understood:
//! * `$the_cow = <<EOC;`, `<<"EOC"` (interpolating) and `<<'EOC'` (literal),
//!   any terminator word, with or without the `;`;
//! * inside interpolating heredocs: `$eyes`, `$tongue`, `$thoughts` (also as
//!   `${eyes}`), backslash escapes (`\\`, `\@`, `\$`, `\n`, `\t`, `\e`, and
//!   `\X` for any other X), other `$name` / `@name` variables (which are
//!   empty when cowsay runs them, so empty here too);
//! * outside the heredoc: comments, blank lines, and the two statements
//!   Debian's `three-eyes.cow` uses (`$extra = chop($eyes);` and
//!   `$eyes .= ($extra x 2);`), which repeat the last eye. Any other Perl
//!   statement is ignored.
//!
//! Deliberate difference: Perl's special variables (`$.`, `$$`, ...) that a
//! stray `$` can form (Debian's `calvin.cow` has one at a line end, which
//! Perl reads as `$.`, the count of lines read from stdin) are always empty.

use std::fmt;

/// One piece of a cow picture.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Eyes,
    Tongue,
    Thoughts,
}

/// A parsed cow: a picture with holes for the eyes, tongue and thoughts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CowFile {
    pieces: Vec<Piece>,
    /// How many times the last eye character is repeated (three-eyes.cow).
    extra_eyes: usize,
}

/// Why a cow file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CowFileError {
    /// No `$the_cow = <<TAG` line was found.
    NoCow,
    /// The heredoc starting on this line has no terminator line.
    Unterminated {
        /// The line of the `$the_cow = <<TAG` statement, counted from 1.
        line: usize,
        /// The terminator word that never appears alone on a line.
        tag: String,
    },
    /// The heredoc on this line has no usable terminator word.
    BadTag {
        /// The line of the `$the_cow = <<` statement, counted from 1.
        line: usize,
    },
}

impl fmt::Display for CowFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCow => write!(f, "no `$the_cow = <<EOC` picture in the cow file"),
            Self::Unterminated { line, tag } => {
                write!(
                    f,
                    "the picture starting on line {line} never ends (no `{tag}` line)"
                )
            }
            Self::BadTag { line } => write!(f, "line {line}: `<<` must be followed by a word"),
        }
    }
}

impl std::error::Error for CowFileError {}

impl CowFile {
    /// Parses the text of a cow file.
    pub fn parse(text: &str) -> Result<Self, CowFileError> {
        let mut extra_eyes = 0;
        let mut chopped = false;
        let mut lines = text.split_inclusive('\n').enumerate();
        while let Some((index, line)) = lines.next() {
            let statement: String = line.split_whitespace().collect();
            if statement == "$extra=chop($eyes);" {
                chopped = true;
            } else if chopped && statement == "$eyes.=($extrax2);" {
                extra_eyes = 2;
            }
            let Some(head) = heredoc_head(&statement) else {
                continue;
            };
            let (tag, interpolate) =
                parse_tag(head).ok_or(CowFileError::BadTag { line: index + 1 })?;
            let mut body = String::new();
            let mut closed = false;
            for (_, line) in lines.by_ref() {
                if line.trim_end_matches(['\n', '\r']) == tag {
                    closed = true;
                    break;
                }
                body.push_str(line);
            }
            if !closed {
                return Err(CowFileError::Unterminated {
                    line: index + 1,
                    tag: tag.to_owned(),
                });
            }
            let pieces = if interpolate {
                interpolate_body(&body)
            } else {
                vec![Piece::Text(body)]
            };
            return Ok(Self { pieces, extra_eyes });
        }
        Err(CowFileError::NoCow)
    }

    /// Draws the cow with these eyes, tongue and thought trail.
    pub fn render(&self, eyes: &str, tongue: &str, thoughts: &str) -> String {
        let eyes = with_extra_eyes(eyes, self.extra_eyes);
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Eyes => out.push_str(&eyes),
                Piece::Tongue => out.push_str(tongue),
                Piece::Thoughts => out.push_str(thoughts),
            }
        }
        out
    }
}

/// `three-eyes.cow`: the last eye character, repeated.
fn with_extra_eyes(eyes: &str, extra: usize) -> String {
    if extra == 0 {
        return eyes.to_owned();
    }
    let mut out = eyes.to_owned();
    if let Some(last) = out.pop() {
        out.extend(std::iter::repeat_n(last, extra));
    }
    out
}

/// If this statement (whitespace removed) starts `$the_cow = <<`, what follows.
fn heredoc_head(statement: &str) -> Option<&str> {
    statement.strip_prefix("$the_cow=<<")
}

/// The terminator word and whether the body interpolates.
fn parse_tag(head: &str) -> Option<(&str, bool)> {
    let (tag, interpolate) = if let Some(rest) = head.strip_prefix('"') {
        (rest.split('"').next()?, true)
    } else if let Some(rest) = head.strip_prefix('\'') {
        (rest.split('\'').next()?, false)
    } else {
        let end = head
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(head.len());
        (&head[..end], true)
    };
    (!tag.is_empty()).then_some((tag, interpolate))
}

/// True for characters that may continue a Perl identifier.
fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits an interpolating heredoc body into text and variables.
fn interpolate_body(body: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => text.push('\n'),
                Some('t') => text.push('\t'),
                Some('e') => text.push('\u{1b}'),
                Some('r') => text.push('\r'),
                Some('a') => text.push('\u{7}'),
                Some('f') => text.push('\u{c}'),
                Some(other) => text.push(other),
                None => text.push('\\'),
            },
            '$' => {
                let mut lookahead = chars.clone();
                while lookahead.next_if(|c| c.is_whitespace()).is_some() {}
                let braced = lookahead.next_if_eq(&'{').is_some();
                let name: String =
                    std::iter::from_fn(|| lookahead.next_if(|&c| is_ident(c))).collect();
                if braced && lookahead.next_if_eq(&'}').is_none() {
                    text.push('$');
                    continue;
                }
                if name.is_empty() {
                    // A punctuation variable such as `$.` is empty; a `$` at
                    // the very end stays a dollar sign.
                    match lookahead.next() {
                        Some(_) => chars = lookahead,
                        None => text.push('$'),
                    }
                    continue;
                }
                chars = lookahead;
                let piece = match name.as_str() {
                    "eyes" => Piece::Eyes,
                    "tongue" => Piece::Tongue,
                    "thoughts" => Piece::Thoughts,
                    _ => continue,
                };
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(piece);
            }
            '@' if chars.peek().is_some_and(|&c| is_ident(c) || c == '{') => {
                // An array: cowsay has none, so it interpolates to nothing.
                if chars.next_if_eq(&'{').is_some() {
                    while chars.next().is_some_and(|c| c != '}') {}
                } else {
                    while chars.next_if(|&c| is_ident(c)).is_some() {}
                }
            }
            _ => text.push(c),
        }
    }
    pieces.push(Piece::Text(text));
    pieces.retain(|p| *p != Piece::Text(String::new()));
    pieces
}

#[cfg(test)]
mod tests;
