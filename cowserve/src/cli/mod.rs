//! The command lines: which command runs, its flags, its exit codes.
//!
//! Exit codes, the same for every command: 0 done, 1 the command could not
//! do its job (unknown cow, unreadable file, no fortunes), 2 the command
//! line was wrong (usage on stderr). cowsay 3.03's own codes are accidents
//! of Perl's `die` (usually 2, sometimes 255, and 0 after warning about an
//! unknown option); fortune-mod uses 1 for everything.

pub mod cowsay;
pub mod fortune;
pub mod getopt;

use std::io::{Read, Write};
use std::path::Path;

/// Success.
pub const EXIT_OK: i32 = 0;
/// The command ran but could not do what was asked.
pub const EXIT_FAILURE: i32 = 1;
/// The command line was wrong.
pub const EXIT_USAGE: i32 = 2;

/// What the binary was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// cowsay or cowthink, with the name it goes by and its arguments.
    Cowsay { program: String, args: Vec<String> },
    /// fortune and its arguments.
    Fortune { args: Vec<String> },
    /// `cowserve --help`.
    Help,
    /// `cowserve --version`.
    Version,
    /// Anything else: the web server, with its arguments.
    Server { args: Vec<String> },
}

/// Decides the command from the program name (`argv[0]`'s base name, as
/// when the binary is linked as `cowsay`) or the first argument.
pub fn invocation(argv0: &str, mut args: Vec<String>) -> Invocation {
    let base = Path::new(argv0)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(argv0);
    match base {
        "cowsay" | "cowthink" => {
            return Invocation::Cowsay {
                program: base.to_owned(),
                args,
            };
        }
        "fortune" => return Invocation::Fortune { args },
        _ => {}
    }
    match args.first().map(String::as_str) {
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

/// `cowserve --help`.
pub const HELP: &str = "\
cowserve: the cowsay + fortune web page, in one static binary

Usage: cowserve [SERVER OPTIONS] [PORT]  serve the page on PORT (default: 8000)
       cowserve cowsay [-bdgpstwy] [-e eyes] [-f cowfile] [-l] [-n] [-T tongue] [-W width] [message]
       cowserve cowthink ...             the same, thinking
       cowserve fortune [-acefils] [-n length] [-m pattern] [file|dir ...]
       cowserve --help | --version

Linked or copied as `cowsay`, `cowthink` or `fortune`, it is that command.

Server options (environment variables in brackets; options win):
  -b, --bind ADDRESS     address to bind (default: all interfaces)       [COWSERVE_BIND]
  -p, --protocol VERSION HTTP/1.1 (default, keep-alive) or HTTP/1.0
  -q, --quiet            no access log on stderr                         [COWSERVE_QUIET=1]
      --timeout SECS     drop clients silent for this long (default: 10) [COWSERVE_TIMEOUT]
      --fortunes PATH    fortune file or directory, repeatable (default: built in)
                                                             [COWSERVE_FORTUNES, a : list]
      --cow NAME         the page's cow (default: default)               [COWSERVE_COW]
      --healthcheck      ask http://127.0.0.1:PORT/; exit 0 if it answers 2xx/3xx, else 1
      --fetch URL        print the page at an http:// URL and exit (0 on a 2xx)
  PORT                                                                    [COWSERVE_PORT]
Cows come from COWPATH (a : list of directories of .cow files) and the built-in set.

Pages: /  the cow saying a fresh fortune: HTML for browsers, plain text for curl, JSON for
          Accept: application/json. Query: message, cow, think, mode (borg, dead, greedy,
          paranoid, stoned, tired, wired, youthful), eyes, tongue, width (2-200),
          format (html, text, json). Example: /?message=Moo&cow=whale&mode=dead
       /fortune  a fortune as plain text       /cows  the cows' names
";

/// `cowserve --version`.
pub fn version() -> String {
    format!("cowserve {}\n", env!("CARGO_PKG_VERSION"))
}

/// The standard streams and environment a command runs with, so tests can
/// supply their own.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// The `COWPATH` variable.
    pub cowpath: Option<std::ffi::OsString>,
}

/// Runs a command and returns its exit code. A write error (a closed
/// pipe) ends the command quietly with [`EXIT_FAILURE`].
pub fn run(invocation: Invocation, io: &mut Io<'_>) -> i32 {
    let result = match invocation {
        Invocation::Cowsay { program, args } => cowsay::run(&program, &args, io),
        Invocation::Fortune { args } => fortune::run(&args, io),
        Invocation::Help => io.stdout.write_all(HELP.as_bytes()).map(|_| EXIT_OK),
        Invocation::Version => io.stdout.write_all(version().as_bytes()).map(|_| EXIT_OK),
        Invocation::Server { .. } => Ok(EXIT_USAGE),
    };
    let flushed = io.stdout.flush();
    match (result, flushed) {
        (Ok(code), Ok(())) => code,
        _ => EXIT_FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
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
}
