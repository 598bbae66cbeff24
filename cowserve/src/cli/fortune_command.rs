//! The `fortune` command line, after fortune-mod.
//!
//! Deliberate differences from fortune-mod 1.99.1: with no file arguments
//! the built-in set is used (not `/usr/share/games/fortunes`); `-a` is
//! accepted but changes nothing (no set here is offensive); percentages
//! (`30% file`), `all`, `-o`, `-w` and `-u` are not supported; `-m` uses
//! Rust regex syntax (`regex-lite`, `.` matching newlines) rather than
//! POSIX extended regular expressions; `-s` with `-l` is a usage error;
//! bad flags exit 2 (fortune-mod: 1); invalid UTF-8 in arguments (paths
//! too) becomes U+FFFD.

use std::ffi::OsString;
use std::path::PathBuf;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use servekit::cli::EXIT_USAGE;

use super::getopt::{Opt, UsageError, getopt};
use super::{EXIT_FAILURE, EXIT_OK, Io};
use crate::error::Error;
use crate::fortune::{Filter, FortuneSet, Length};

const SPEC: &str = "acefilm:n:s";

/// The usage text.
const USAGE: &str =
    "Usage: fortune [-acefi] [-l|-s] [-n length] [-m pattern] [file|directory ...]\n";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    pub filter: Filter,
    /// `-c`: say which file the fortune came from.
    pub show_file: bool,
    /// `-f`: list the files and their chances instead.
    pub list_files: bool,
    /// `-m`: print every fortune matching this pattern.
    pub pattern: Option<String>,
    /// `-i`: `-m` ignores case.
    pub ignore_case: bool,
    pub paths: Vec<PathBuf>,
    pub help: bool,
    pub version: bool,
}

/// Reads the command line.
fn parse(args: &[OsString]) -> Result<Request, UsageError> {
    let (opts, paths) = getopt(args, SPEC)?;
    let mut request = Request {
        filter: Filter::default(),
        show_file: false,
        list_files: false,
        pattern: None,
        ignore_case: false,
        paths: paths.into_iter().map(PathBuf::from).collect(),
        help: false,
        version: false,
    };
    let (mut short, mut long) = (false, false);
    for opt in opts {
        match opt {
            Opt::Long(w) if w == "help" => request.help = true,
            Opt::Long(w) if w == "version" => request.version = true,
            Opt::Long(w) => return Err(UsageError::UnknownLong(w)),
            Opt::Flag('c') => request.show_file = true,
            Opt::Flag('e') => request.filter.equal_files = true,
            Opt::Flag('f') => request.list_files = true,
            Opt::Flag('i') => request.ignore_case = true,
            Opt::Flag('s') => short = true,
            Opt::Flag('l') => long = true,
            Opt::Flag(_) => {} // -a: nothing here is offensive.
            Opt::Value('m', p) => request.pattern = Some(p),
            Opt::Value(_, n) => {
                request.filter.short_max = n.trim().parse().map_err(|_| {
                    UsageError::Other(format!("-n needs a length in bytes, not {n:?}"))
                })?;
            }
        }
    }
    request.filter.length = match (short, long) {
        (true, true) => return Err(UsageError::Other("-s and -l exclude each other".into())),
        (true, false) => Length::Short,
        (false, true) => Length::Long,
        (false, false) => Length::Any,
    };
    Ok(request)
}

/// Runs fortune; returns the exit code.
pub fn run(args: &[OsString], io: &mut Io<'_>) -> std::io::Result<u8> {
    let request = match parse(args) {
        Ok(request) => request,
        Err(err) => {
            write!(io.stderr, "fortune: {err}\n{USAGE}")?;
            return Ok(EXIT_USAGE);
        }
    };
    if request.help {
        io.stdout.write_all(USAGE.as_bytes())?;
        return Ok(EXIT_OK);
    }
    if request.version {
        return super::version(io);
    }
    let matcher = match &request.pattern {
        Some(pattern) => match regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(request.ignore_case)
            .dot_matches_new_line(true)
            .build()
        {
            Ok(re) => Some(re),
            Err(e) => {
                let err = Error::BadPattern {
                    pattern: pattern.clone(),
                    reason: e.to_string(),
                };
                writeln!(io.stderr, "fortune: {err}")?;
                return Ok(EXIT_USAGE);
            }
        },
        None => None,
    };
    let set = match FortuneSet::load(&request.paths) {
        Ok(set) => set,
        Err(err) => {
            writeln!(io.stderr, "fortune: {err}")?;
            return Ok(EXIT_FAILURE);
        }
    };
    if request.list_files {
        for share in set.shares(request.filter.equal_files) {
            let indent = " ".repeat(4 * share.depth);
            writeln!(io.stderr, "{indent}{:5.2}% {}", share.percent, share.name)?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(re) = matcher {
        let found = set.matching(&request.filter, |t| re.is_match(t));
        for (file, texts) in &found {
            write!(io.stderr, "({file})\n%\n")?;
            for text in texts {
                writeln!(io.stdout, "{text}%")?;
            }
        }
        return Ok(if found.is_empty() {
            EXIT_FAILURE
        } else {
            EXIT_OK
        });
    }
    let mut rng = SmallRng::from_os_rng();
    match set.pick_entry(&mut rng, &request.filter) {
        Ok(fortune) => {
            if request.show_file {
                write!(io.stdout, "({})\n%\n", fortune.file)?;
            }
            io.stdout.write_all(fortune.text.as_bytes())?;
            Ok(EXIT_OK)
        }
        Err(err) => {
            writeln!(io.stderr, "fortune: {err}")?;
            Ok(EXIT_FAILURE)
        }
    }
}
