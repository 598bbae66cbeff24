//! Short options the way Perl's `Getopt::Std` and POSIX `getopt` read
//! them: bundles (`-bd`), attached values (`-W20`, `-tW 15`), `--` to stop,
//! and the first non-option (or a lone `-`) ends the options.

use std::ffi::OsString;

/// One option read from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt {
    /// A flag like `-b`.
    Flag(char),
    /// An option with its value, like `-W 20`.
    Value(char, String),
    /// `--word`: only `--help` and `--version` mean anything.
    Long(String),
}

/// A command line that does not follow the option spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    Unknown(char),
    MissingValue(char),
    UnknownLong(String),
    /// Anything else a command refuses, already worded.
    Other(String),
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown(c) => write!(f, "Unknown option: {c}"),
            Self::MissingValue(c) => write!(f, "option -{c} needs a value"),
            Self::UnknownLong(s) => {
                write!(f, "Unknown option: --{s}")?;
                // The commands' only long options; the nearest of them, as the server suggests
                // (with feature `suggest`).
                match servekit::suggest::nearest(s, ["help", "version"].into_iter()) {
                    Some(meant) => write!(f, "; did you mean --{meant}?"),
                    None => Ok(()),
                }
            }
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// Splits `args` into options and operands. `spec` lists the option
/// letters; a letter followed by `:` takes a value. Bytes that are not
/// UTF-8 read as U+FFFD: the commands work on text.
pub fn getopt(args: &[OsString], spec: &str) -> Result<(Vec<Opt>, Vec<String>), UsageError> {
    let args: Vec<String> = args
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let mut opts = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            opts.push(Opt::Long(long.to_owned()));
            i += 1;
            continue;
        }
        let Some(bundle) = arg.strip_prefix('-').filter(|b| !b.is_empty()) else {
            break;
        };
        i += 1;
        for (at, c) in bundle.char_indices() {
            let Some(pos) = spec.find(c).filter(|_| c != ':') else {
                return Err(UsageError::Unknown(c));
            };
            if !spec[pos + c.len_utf8()..].starts_with(':') {
                opts.push(Opt::Flag(c));
                continue;
            }
            let attached = &bundle[at + c.len_utf8()..];
            let value = if !attached.is_empty() {
                attached.to_owned()
            } else {
                let next = args.get(i).ok_or(UsageError::MissingValue(c))?;
                i += 1;
                next.clone()
            };
            opts.push(Opt::Value(c, value));
            break;
        }
    }
    Ok((opts, args[i.min(args.len())..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<(Vec<Opt>, Vec<String>), UsageError> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        getopt(&args, "bde:W:")
    }

    #[test]
    fn bundles_and_values() {
        let (opts, rest) = run(&["-bd", "-W20", "-be", "^^", "hi", "-b"]).unwrap();
        assert_eq!(
            opts,
            vec![
                Opt::Flag('b'),
                Opt::Flag('d'),
                Opt::Value('W', "20".into()),
                Opt::Flag('b'),
                Opt::Value('e', "^^".into())
            ]
        );
        assert_eq!(rest, vec!["hi", "-b"]);
    }

    #[test]
    fn value_may_look_like_an_option() {
        let (opts, rest) = run(&["-dW", "-3", "x"]).unwrap();
        assert_eq!(opts, vec![Opt::Flag('d'), Opt::Value('W', "-3".into())]);
        assert_eq!(rest, vec!["x"]);
    }

    #[test]
    fn double_dash_and_lone_dash_end_options() {
        assert_eq!(run(&["--", "-b"]).unwrap(), (vec![], vec!["-b".into()]));
        assert_eq!(
            run(&["-", "-b"]).unwrap(),
            (vec![], vec!["-".into(), "-b".into()])
        );
    }

    #[test]
    fn errors() {
        assert_eq!(run(&["-z"]), Err(UsageError::Unknown('z')));
        assert_eq!(run(&["-:"]), Err(UsageError::Unknown(':')));
        assert_eq!(run(&["-bW"]), Err(UsageError::MissingValue('W')));
        assert_eq!(run(&["--help"]).unwrap().0, vec![Opt::Long("help".into())]);
        let hepl = match cfg!(feature = "suggest") {
            true => "Unknown option: --hepl; did you mean --help?",
            false => "Unknown option: --hepl",
        };
        assert_eq!(UsageError::UnknownLong("hepl".into()).to_string(), hepl);
        assert_eq!(
            UsageError::UnknownLong("think".into()).to_string(),
            "Unknown option: --think"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_read_as_replacement_characters() {
        use std::os::unix::ffi::OsStringExt;
        let args = [b"-e\xff".to_vec(), b"a\xffb".to_vec()].map(OsString::from_vec);
        assert_eq!(
            getopt(&args, "e:").unwrap(),
            (
                vec![Opt::Value('e', "\u{fffd}".into())],
                vec!["a\u{fffd}b".into()]
            )
        );
    }
}
