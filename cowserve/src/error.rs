//! The crate's errors, each with a message that says what to do next.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::cowfile::CowFileError;
use crate::strfile::IndexError;

/// Everything that can go wrong in cowsay, cowthink and fortune.
#[derive(Debug)]
pub enum Error {
    /// A message over the library's size limit.
    MessageTooLong {
        /// The message's length, in bytes.
        len: usize,
        /// The limit, in bytes ([`crate::cowsay::MAX_MESSAGE_BYTES`]).
        max: usize,
    },
    /// A web caller's message would draw a balloon many times its own size.
    BalloonTooLarge {
        /// The balloon's length, in bytes.
        len: usize,
        /// The most this message may draw, in bytes.
        max: usize,
    },
    /// No cow by that name in the catalog. The text matches cowsay's.
    UnknownCow {
        /// The command to name in the message: `cowsay` or `cowthink`.
        program: String,
        /// The cow name asked for.
        name: String,
    },
    /// A web caller asked for a cow by something that is not a plain name.
    BadCowName(String),
    /// A cow file that is not a cow.
    CowFile {
        /// The cow file's path, or a built-in cow's name.
        path: String,
        /// What is wrong with it.
        source: CowFileError,
    },
    /// A file or directory that could not be read.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error, or why the file was refused (too large, not a regular file).
        source: io::Error,
    },
    /// A fortune file or its `.dat` index that does not hold together.
    Fortune {
        /// The `.dat` index if one was read, else the fortune file.
        path: PathBuf,
        /// What does not hold together.
        source: IndexError,
    },
    /// A fortune file that is not UTF-8 text; `line` holds the first bad byte.
    NotUtf8 {
        /// The fortune file.
        path: PathBuf,
        /// The line holding the first bad byte, counted from 1.
        line: usize,
    },
    /// A path that is neither a fortune file nor a directory of them.
    NotFortunes(PathBuf),
    /// Nothing to choose from after filtering.
    NoFortunes,
    /// A `-m` pattern that is not a regular expression.
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// The regular expression parser's complaint.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MessageTooLong { len, max } => {
                write!(f, "message too long: {len} bytes, at most {max} allowed")
            }
            Self::BalloonTooLarge { len, max } => write!(
                f,
                "the balloon would take {len} bytes, more than the {max} this message may \
                 draw: ask for a wider width"
            ),
            Self::UnknownCow { program, name } => {
                write!(f, "{program}: Could not find {name} cowfile!")
            }
            Self::BadCowName(name) => {
                write!(
                    f,
                    "{name:?} is not a cow name (use a name from the list, no paths)"
                )
            }
            Self::CowFile { path, source } => write!(f, "{path}: {source}"),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Fortune { path, source } => write!(f, "{}: {source}", path.display()),
            Self::NotUtf8 { path, line } => write!(
                f,
                "{}: not UTF-8 text (line {line}); convert it, e.g. with iconv -f LATIN1 -t UTF-8",
                path.display()
            ),
            Self::NotFortunes(path) => {
                write!(f, "{} is not a fortune file or directory", path.display())
            }
            Self::NoFortunes => write!(f, "No fortunes found"),
            Self::BadPattern { pattern, reason } => write!(f, "bad pattern: {pattern} ({reason})"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CowFile { source, .. } => Some(source),
            Self::Io { source, .. } => Some(source),
            Self::Fortune { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
