//! The server's command line and environment, validated into a [`Config`]; its usage and help.

use lexopt::Parser;
use servekit::cli::{CommonArgs, Flag};
use servekit::client::ClientMode;
use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variables are `COWSERVE_PORT`, `COWSERVE_BIND`, `COWSERVE_FORTUNES`, ...
const ENV_PREFIX: &str = "COWSERVE";

/// The server's own long flags, for "did you mean" beside the shared ones (checked by a test).
const LONG_FLAGS: &[&str] = &["fortunes", "cow"];

pub const USAGE: &str = "Usage: cowserve [-b ADDRESS] [-p VERSION] [--quiet] [--timeout SECS] \
[--fortunes PATH]... [--cow NAME] [-H 'NAME: VALUE']... [--cors] [--health-path PATH] \
[--healthcheck | --fetch URL] [PORT]";

/// The server's part of `cowserve --help`, after the commands' (in `cli`): its options and pages.
pub const HELP: &str = "\
Server options (environment variables in brackets; options win):
  -b, --bind ADDRESS     address to bind (default: all interfaces)       [COWSERVE_BIND]
  -p, --protocol VERSION HTTP/1.1 (default, keep-alive) or HTTP/1.0
  -q, --quiet            no access log on stderr                         [COWSERVE_QUIET=1]
      --timeout SECS     drop clients silent for this long (default: 10) [COWSERVE_TIMEOUT]
      --fortunes PATH    fortune file or directory, repeatable (default: built in)
                                                             [COWSERVE_FORTUNES, a : list]
      --cow NAME         the page's cow, or random: any cow, new each visit
                         (default: default)                              [COWSERVE_COW]
  -H, --header 'NAME: VALUE'  add this header to every answer (repeatable)
                                              [COWSERVE_HEADERS, one a line]
      --cors             Access-Control-Allow-Origin: * and CORS
                         preflights (GET, HEAD, OPTIONS)                 [COWSERVE_CORS=1]
      --health-path PATH answer GET PATH with 200 ok, unlogged (Kubernetes probes)
                                                                 [COWSERVE_HEALTH_PATH]
      --healthcheck      ask the server on 127.0.0.1:PORT (OPTIONS *, never logged; or GET
                         the health path); exit 0 if it answers 2xx/3xx, else 1. With no
                         PORT, the port of the cowserve that is PID 1 (its container's)
      --fetch URL        print the page at an http:// URL and exit (0 on a 2xx)
  PORT                                                                    [COWSERVE_PORT]
Cows come from COWPATH (a : list of directories of .cow files) and the built-in set.

Pages: /  the cow saying a fresh fortune: HTML for browsers, plain text for curl, JSON for
          Accept: application/json. Query: message, cow (a name, or random), think,
          mode (borg, dead, greedy, paranoid, stoned, tired, wired, youthful), eyes, tongue,
          width (2-200), format (html, text, json), color (none, or rainbow: ANSI colours in
          the plain text only; also spelt colour). Example: /?message=Moo&cow=whale&mode=dead
          In a terminal: curl 'http://localhost:8000/?cow=random&color=rainbow'
       /fortune  a fortune as plain text       /cows  the cows' names
";

/// What the server command line asks for.
#[derive(Debug)]
pub enum Command {
    Serve(Config),
    /// `--healthcheck` or `--fetch URL`: act as a client, not a server.
    Client(ClientMode),
}

/// A validated server configuration.
#[derive(Debug)]
pub struct Config {
    pub common: CommonArgs,
    /// Fortune files or directories (of files with `.dat` indexes); empty for the built-in set.
    pub fortunes: Vec<PathBuf>,
    /// The cow of the page when the query names none (`random`: any, picked per request).
    pub cow: String,
}

/// Reads `args` (after the program name) over the `COWSERVE_*` environment.
///
/// An argument that is not UTF-8 is read with U+FFFD for its bad bytes, as the commands read
/// theirs: a bad port, address or cow is reported as the text it became (not as "not UTF-8"),
/// and a `--fortunes` path is the one with U+FFFD in it.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    parse_as(args.into_iter().collect(), true)
}

/// [`parse`]; with `follow`, a health check given no PORT reads the arguments of the cowserve
/// beside it (PID 1 in a container: see `servekit::pid1`, feature `follow-pid1`) with this same
/// parser, for its port.
/// One copy for both callers (a `Vec`, not a generic iterator): the parser is the larger part
/// of the binary's start-up code.
fn parse_as(args: Vec<OsString>, follow: bool) -> Result<Command, String> {
    let mut common = CommonArgs::from_env(ENV_PREFIX)?;
    let mut fortunes: Vec<PathBuf> = std::env::var_os(format!("{ENV_PREFIX}_FORTUNES"))
        .map(|list| std::env::split_paths(&list).collect())
        .unwrap_or_default();
    let mut cow = std::env::var(format!("{ENV_PREFIX}_COW")).unwrap_or_else(|_| "default".into());
    let mut fortunes_from_flags = Vec::new();
    let args = args
        .into_iter()
        .map(|arg| OsString::from(arg.to_string_lossy().into_owned()));
    let mut parser = Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        let flag = Flag::from(arg);
        if common.accept(&flag, &mut parser)? {
            continue;
        }
        if flag.is(None, "fortunes") {
            let path = parser
                .value()
                .map_err(|_| "--fortunes needs a path".to_string())?;
            fortunes_from_flags.push(PathBuf::from(path));
        } else if flag.is(None, "cow") {
            cow = parser
                .value()
                .map_err(|_| "--cow needs a name".to_string())?
                .into_string()
                .map_err(|_| "--cow: not UTF-8".to_string())?;
        } else {
            return Err(flag.unexpected(LONG_FLAGS));
        }
    }
    if !fortunes_from_flags.is_empty() {
        fortunes = fortunes_from_flags;
    }
    let server_port = |args| match follow.then(|| parse_as(args, false)) {
        Some(Ok(Command::Serve(server))) => Some(server.common.port),
        _ => None,
    };
    if let Some(mode) = common.client_mode(server_port) {
        return Ok(Command::Client(mode));
    }
    Ok(Command::Serve(Config {
        common,
        fortunes,
        cow,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn flags() {
        let Ok(Command::Serve(config)) = parse_strs(&[
            "--fortunes",
            "/f1",
            "--fortunes=/f2",
            "--cow",
            "whale",
            "9000",
        ]) else {
            panic!("should parse");
        };
        assert_eq!(
            config.fortunes,
            [PathBuf::from("/f1"), PathBuf::from("/f2")]
        );
        assert_eq!(config.cow, "whale");
        assert_eq!(config.common.port, 9000);
        let Ok(Command::Serve(config)) = parse_strs(&["--cow=random"]) else {
            panic!("should parse");
        };
        assert_eq!(config.cow, "random", "checked against the cows at start-up");
        assert!(matches!(
            parse_strs(&["--healthcheck"]),
            Ok(Command::Client(ClientMode::Healthcheck { port: 8000, .. }))
        ));
        assert_eq!(
            parse_strs(&["--frob"]).unwrap_err(),
            "unknown option '--frob'"
        );
        assert!(
            parse_strs(&["--fortunes"])
                .unwrap_err()
                .contains("needs a path")
        );
    }

    /// A mistyped long flag: the nearest real one with feature `suggest`, else the plain error.
    #[test]
    fn mistyped_long_flags() {
        let expected = match cfg!(feature = "suggest") {
            true => "unknown option '--fortune'; did you mean '--fortunes'?",
            false => "unknown option '--fortune'",
        };
        assert_eq!(parse_strs(&["--fortune", "/f"]).unwrap_err(), expected);
    }

    /// Every name listed (so every name suggested) is a flag `parse` takes.
    #[test]
    fn the_long_flags_listed_are_the_ones_taken() {
        for name in LONG_FLAGS {
            let flag = format!("--{name}");
            let taken = parse_strs(&[&flag, "x"])
                .err()
                .is_none_or(|e| !e.starts_with("unknown"));
            assert!(taken, "{flag} is listed but not taken");
        }
    }

    /// Read as the commands read theirs, so a message quotes the text the bytes became.
    #[test]
    fn arguments_that_are_not_utf8_read_as_replacement_characters() {
        use std::os::unix::ffi::OsStringExt;
        let port = OsString::from_vec(b"8\xff".to_vec());
        assert_eq!(
            parse([port]).unwrap_err(),
            "invalid port \"8\u{fffd}\": expected a number from 0 to 65535"
        );
        let cow = OsString::from_vec(b"--cow=\xff".to_vec());
        let Ok(Command::Serve(config)) = parse([cow]) else {
            panic!("should parse");
        };
        assert_eq!(config.cow, "\u{fffd}");
    }
}
