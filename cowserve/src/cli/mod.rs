//! The binary's command line: which command runs ([`invocation`]), and the
//! commands `cowsay`, `cowthink` and `fortune`. The server reads its own
//! flags (`server::config`).
//!
//! Exit codes, the same for every command: 0 done, 1 the command could not
//! do its job (unknown cow, unreadable file, no fortunes), 2 the command
//! line was wrong (usage on stderr; servekit's `EXIT_USAGE`, as for the
//! servers). cowsay 3.03's own codes are accidents of Perl's `die` (usually
//! 2, sometimes 255, and 0 after warning about an unknown option);
//! fortune-mod uses 1 for everything.

pub mod cowsay_command;
pub mod fortune_command;
mod getopt;

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::path::Path;

/// Success.
const EXIT_OK: u8 = 0;
/// The command ran but could not do what was asked, or could not write its output.
pub const EXIT_FAILURE: u8 = 1;

/// What the binary was asked to do. The arguments stay as the OS gave
/// them: each command decides how to read bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// cowsay or cowthink, with the name it goes by and its arguments.
    Cowsay {
        /// `"cowsay"` or `"cowthink"`: the name it was invoked as.
        program: String,
        /// The arguments after the program name or subcommand.
        args: Vec<OsString>,
    },
    /// fortune and its arguments.
    Fortune {
        /// The arguments after the program name or subcommand.
        args: Vec<OsString>,
    },
    /// `cowserve --help`.
    Help,
    /// `cowserve --version`.
    Version,
    /// Anything else: the web server, with its arguments.
    Server {
        /// All the arguments after the program name, for the server to parse.
        args: Vec<OsString>,
    },
}

/// Decides the command from the program name (`argv[0]`'s base name, as
/// when the binary is linked as `cowsay`) or the first argument.
pub fn invocation(argv0: &OsStr, mut args: Vec<OsString>) -> Invocation {
    match Path::new(argv0).file_name().and_then(OsStr::to_str) {
        Some(program @ ("cowsay" | "cowthink")) => {
            return Invocation::Cowsay {
                program: program.to_owned(),
                args,
            };
        }
        Some("fortune") => return Invocation::Fortune { args },
        _ => {}
    }
    match args.first().and_then(|arg| arg.to_str()) {
        Some(name @ ("cowsay" | "cowthink")) => {
            let program = name.to_owned();
            args.remove(0);
            Invocation::Cowsay { program, args }
        }
        Some("fortune") => {
            args.remove(0);
            Invocation::Fortune { args }
        }
        Some("--help" | "-h") => Invocation::Help,
        Some("--version" | "-V") => Invocation::Version,
        _ => Invocation::Server { args },
    }
}

/// The commands' part of `cowserve --help`; the server's options and pages
/// follow ([`crate::server::HELP`]).
const HELP: &str = "\
cowserve: the cowsay + fortune web page, in one static binary

Usage: cowserve [SERVER OPTIONS] [PORT]  serve the page on PORT (default: 8000)
       cowserve cowsay [-bdgpstwy] [-e eyes] [-f cowfile] [-r] [-l] [-n] [-T tongue] [-W width] [message]
       cowserve cowthink ...             the same, thinking
       cowserve fortune [-acefils] [-n length] [-m pattern] [file|dir ...]
       cowserve --help | --version

Linked or copied as `cowsay`, `cowthink` or `fortune`, it is that command.

";

/// `cowserve --help`.
pub fn help(io: &mut Io<'_>) -> io::Result<u8> {
    io.stdout.write_all(HELP.as_bytes())?;
    io.stdout.write_all(crate::server::HELP.as_bytes())?;
    Ok(EXIT_OK)
}

/// `--version`, of cowserve and of each command.
pub fn version(io: &mut Io<'_>) -> io::Result<u8> {
    writeln!(io.stdout, "cowserve {}", env!("CARGO_PKG_VERSION"))?;
    Ok(EXIT_OK)
}

/// The standard streams and environment a command runs with, so tests can
/// supply their own.
pub struct Io<'a> {
    /// Standard input: the message, when cowsay has no message arguments.
    pub stdin: &'a mut dyn Read,
    /// Standard output: the command's output (the cow, the fortune, the usage).
    pub stdout: &'a mut dyn Write,
    /// Standard error: error messages, and `fortune -f`'s list and `-m`'s file names.
    pub stderr: &'a mut dyn Write,
    /// The `COWPATH` variable.
    pub cowpath: Option<OsString>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    fn invocation(argv0: &str, args: Vec<OsString>) -> Invocation {
        super::invocation(argv0.as_ref(), args)
    }

    #[test]
    fn dispatch_by_name_and_subcommand() {
        assert_eq!(
            invocation("/usr/bin/cowthink", args(&["hi"])),
            Invocation::Cowsay {
                program: "cowthink".into(),
                args: args(&["hi"])
            }
        );
        assert_eq!(
            invocation("fortune", args(&["-s"])),
            Invocation::Fortune {
                args: args(&["-s"])
            }
        );
        assert_eq!(
            invocation("./cowserve", args(&["cowsay", "-b", "x"])),
            Invocation::Cowsay {
                program: "cowsay".into(),
                args: args(&["-b", "x"])
            }
        );
        assert_eq!(
            invocation("cowserve", args(&["--version"])),
            Invocation::Version
        );
        assert_eq!(
            invocation("cowserve", vec![]),
            Invocation::Server { args: vec![] }
        );
        assert_eq!(
            invocation("cowserve", args(&["--port", "80"])),
            Invocation::Server {
                args: args(&["--port", "80"])
            }
        );
    }

    /// Bytes that are not UTF-8 name no command, and reach the server as they came.
    #[test]
    fn arguments_that_are_not_utf8_pass_unchanged() {
        let odd = || vec![OsString::from_vec(b"cowsay\xff".to_vec())];
        assert_eq!(
            super::invocation(OsStr::from_bytes(b"/bin/cowsay\xff"), odd()),
            Invocation::Server { args: odd() }
        );
    }
}
