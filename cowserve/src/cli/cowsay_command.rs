//! `cowsay` and `cowthink` command lines.
//!
//! Deliberate differences from cowsay 3.03 (beyond those of the renderer):
//! * an unknown option or a missing option value is a usage error (exit 2);
//!   cowsay warns and carries on;
//! * `-W` must be an integer (cowsay reads `abc` as 0 and `12abc` as 12);
//! * any argument is the message, even `0` or an empty string (cowsay
//!   then reads stdin, Perl finding them false);
//! * `-h`, `--help` print the usage to stdout and exit 0; `--version`
//!   prints ours (cowsay exits 2, or prints Perl's `Getopt::Std` banner);
//! * invalid UTF-8 in arguments or stdin becomes U+FFFD.
//!
//! Added from cowsay 3.8: `-r` draws a cow picked at random from the cows `-f NAME` can name
//! (those in `COWPATH`, and ours built in), a new pick each run. As in cowsay 3.8.4, whose
//! `pick_cow` looks at `-r` before `-f`, `-r` wins over `-f` (the `-f` cow is not even looked
//! up). Unlike it, a cow file that does not parse is passed over rather than picked and fatal.
//! cowsay 3.8's `-C` (true-colour cows) is not supported.

use std::ffi::OsString;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use servekit::cli::EXIT_USAGE;

use super::getopt::{Opt, UsageError, getopt};
use super::{EXIT_FAILURE, EXIT_OK, Io};
use crate::cows::CowCatalog;
use crate::cowsay::{self, Mode, Options, wrap};

/// cowsay's option letters (`-L` and `-N` are accepted and ignored, as
/// cowsay does), and cowsay 3.8's `-r`.
const SPEC: &str = "bde:f:ghlLnNprstT:wW:y";

/// `cowsay -l` wraps the names at this width, as Text::Wrap's default.
const LIST_WIDTH: usize = 76;

/// The usage text for `program`.
fn usage(program: &str) -> String {
    format!(
        "cow{{say,think}} (cowserve {}), compatible with cowsay 3.03\n\
         Usage: {program} [-bdgpstwy] [-h] [-e eyes] [-f cowfile] [-r] \n          \
         [-l] [-n] [-T tongue] [-W wrapcolumn] [message]\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    Help,
    Version,
    List,
    /// Draw: options, which cow, and the message words (none: read stdin).
    Draw {
        options: Options,
        cow: CowChoice,
        words: Vec<String>,
    },
}

/// Which cow to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CowChoice {
    /// `-f`, or `default` without it.
    Named(String),
    /// `-r`: any cow of the catalog, picked now.
    Random,
}

/// Reads the command line of `cowsay` (or `cowthink`, if `program` says so).
fn parse(program: &str, args: &[OsString]) -> Result<Request, UsageError> {
    let (opts, words) = getopt(args, SPEC)?;
    let mut options = Options {
        think: program.to_lowercase().contains("think"),
        ..Options::default()
    };
    let mut cow = None;
    let (mut help, mut list, mut random) = (false, false, false);
    for opt in opts {
        match opt {
            Opt::Long(word) if word == "help" => help = true,
            Opt::Long(word) if word == "version" => return Ok(Request::Version),
            Opt::Long(word) => return Err(UsageError::UnknownLong(word)),
            Opt::Flag('h') => help = true,
            Opt::Flag('l') => list = true,
            Opt::Flag('r') => random = true,
            Opt::Flag('n') => options.reflow = false,
            Opt::Flag(c) => options.modes.extend(Mode::from_flag(c)),
            Opt::Value('e', v) => options.eyes = Some(v),
            Opt::Value('T', v) => options.tongue = Some(v),
            Opt::Value('f', v) => cow = Some(v),
            Opt::Value(_, v) => options.width = parse_width(&v)?,
        }
    }
    if help {
        return Ok(Request::Help);
    }
    if list {
        return Ok(Request::List);
    }
    if !options.reflow && !words.is_empty() {
        return Err(UsageError::Other(
            "-n reads the message from stdin, not from arguments".into(),
        ));
    }
    let cow = match cow {
        _ if random => CowChoice::Random,
        Some(name) => CowChoice::Named(name),
        None => CowChoice::Named("default".into()),
    };
    Ok(Request::Draw {
        options,
        cow,
        words,
    })
}

/// `-W`: an integer; 1 or less wraps as 2 (see [`wrap::MIN_WIDTH`]).
fn parse_width(value: &str) -> Result<usize, UsageError> {
    let width: i64 = value.trim().parse().map_err(|_| {
        UsageError::Other(format!("-W needs a whole number of columns, not {value:?}"))
    })?;
    Ok(usize::try_from(width).unwrap_or(0).max(wrap::MIN_WIDTH))
}

/// Runs cowsay or cowthink; returns the exit code.
pub fn run(program: &str, args: &[OsString], io: &mut Io<'_>) -> std::io::Result<u8> {
    let request = match parse(program, args) {
        Ok(request) => request,
        Err(err) => {
            write!(io.stderr, "{program}: {err}\n{}", usage(program))?;
            return Ok(EXIT_USAGE);
        }
    };
    let catalog = CowCatalog::from_cowpath(io.cowpath.as_deref());
    match request {
        Request::Help => io.stdout.write_all(usage(program).as_bytes())?,
        Request::Version => return super::version(io),
        Request::List => match catalog.listings() {
            Ok(listings) => {
                for listing in listings {
                    let names = wrap::wrap_paragraph(&listing.names.join(" "), LIST_WIDTH);
                    write!(io.stdout, "{}\n{names}\n", listing.title)?;
                }
            }
            Err(err) => {
                writeln!(io.stderr, "{program}: {err}")?;
                return Ok(EXIT_FAILURE);
            }
        },
        Request::Draw {
            options,
            cow,
            words,
        } => {
            let cow = match cow {
                CowChoice::Named(name) => catalog.load(&name, program),
                CowChoice::Random => catalog
                    .random(&mut SmallRng::from_os_rng(), program)
                    .map(|(_, cow)| cow),
            };
            let cow = match cow {
                Ok(cow) => cow,
                Err(err @ crate::Error::UnknownCow { .. }) => {
                    writeln!(io.stderr, "{err}")?;
                    return Ok(EXIT_FAILURE);
                }
                Err(err) => {
                    writeln!(io.stderr, "{program}: {err}")?;
                    return Ok(EXIT_FAILURE);
                }
            };
            let message = if words.is_empty() {
                read_stdin(io)?
            } else {
                words.join(" ")
            };
            io.stdout
                .write_all(cowsay::draw(&options, &cow, &message).as_bytes())?;
        }
    }
    Ok(EXIT_OK)
}

/// The message from stdin: all of it, without its final newline.
fn read_stdin(io: &mut Io<'_>) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    io.stdin.read_to_end(&mut bytes)?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests;
