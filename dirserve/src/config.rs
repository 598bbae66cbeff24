//! dirserve's command line and environment, validated into a [`Config`]; nothing else in the
//! crate sees raw flags.

use crate::listing::{Order, SortBy, parse_descending};
use lexopt::Parser;
use servekit::cli::{CommonArgs, Flag, parse_bool, value};
use servekit::client::ClientMode;
use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variables are `DIRSERVE_PORT`, `DIRSERVE_BIND`, `DIRSERVE_DIRECTORY`, ...
const ENV_PREFIX: &str = "DIRSERVE";

/// dirserve's own long flags, for "did you mean" beside the shared ones (checked by a test).
const LONG_FLAGS: &[&str] = &[
    "directory",
    "no-compress",
    "sort",
    "order",
    "dirs-first",
    "dark-mode",
    "help",
    "version",
];

/// The one-line usage, printed after a usage error.
pub const USAGE: &str = "Usage: dirserve [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [--quiet] \
[--timeout SECS] [-H 'NAME: VALUE']... [--cors] [--health-path PATH] [--no-compress] \
[--sort name|size|mtime] [--order asc|desc] [--dirs-first] [--dark-mode] \
[--healthcheck | --fetch URL] [PORT]";

/// The `--help` text.
pub const HELP: &str = concat!(
    "dirserve ",
    env!("CARGO_PKG_VERSION"),
    ": serves a directory over HTTP, a drop-in for `python3 -m http.server`.

Usage: dirserve [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [--quiet] [--timeout SECS]
                [-H 'NAME: VALUE']... [--cors] [--health-path PATH] [--no-compress]
                [--sort name|size|mtime] [--order asc|desc] [--dirs-first] [--dark-mode]
                [--healthcheck | --fetch URL] [PORT]

Arguments (as python's):
  PORT                      port to listen on (default: 8000; 0 picks a free one)
  -b, --bind ADDRESS        address or host name to bind (default: all interfaces, IPv4 and IPv6)
  -d, --directory DIRECTORY directory to serve (default: the current directory)
  -p, --protocol VERSION    HTTP/1.1 (default) keeps connections open; HTTP/1.0 closes each
                            after its response, as python does by default

Beyond python:
  -q, --quiet               no access log on stderr
      --timeout SECS        drop a client that takes longer than this to send its request
                            head, or moves no byte for this long (default: 10)
  -H, --header 'NAME: VALUE'
                            add this header to every answer (repeatable; the first of a name
                            replaces the server's own)
      --cors                let any web page read the answers (Access-Control-Allow-Origin: *)
                            and answer CORS preflights (GET, HEAD, OPTIONS)
      --health-path PATH    answer GET PATH (e.g. /healthz) with 200 ok, without touching the
                            disk and without a log line: for Kubernetes probes
      --no-compress         never compress: no precompressed sibling (FILE.br, FILE.zst,
                            FILE.gz) stands for FILE when Accept-Encoding allows its coding,
                            and nothing is gzipped on the fly
      --sort name|size|mtime, --order asc|desc
                            list directories by name (python's order), size or modification
                            time; a listing's own ?sort=mtime&order=desc query wins over these
      --dirs-first          list directories (and links to them) before everything else
      --dark-mode           listing and error pages follow the system's dark mode (the style
                            python 3.14 added to its pages)
      --healthcheck         ask the server on 127.0.0.1:PORT whether it is up (OPTIONS *, answered
                            from memory and never logged; or GET the health path) and exit 0 on
                            a 2xx or 3xx, else 1: a HEALTHCHECK for images without a shell. With
                            no PORT it asks the port of the dirserve that is PID 1 (the server
                            of its container), else DIRSERVE_PORT or 8000
      --fetch URL           print the page at an http:// URL and exit (0 on a 2xx): a client
                            for containers without curl
  -h, --help                this help
  -V, --version             the version

Every option has an environment variable, for containers; options win over them:
  DIRSERVE_PORT, DIRSERVE_BIND, DIRSERVE_DIRECTORY, DIRSERVE_QUIET=1, DIRSERVE_TIMEOUT,
  DIRSERVE_HEADERS (one 'NAME: VALUE' a line), DIRSERVE_CORS=1, DIRSERVE_HEALTH_PATH,
  DIRSERVE_NO_COMPRESS=1, DIRSERVE_SORT, DIRSERVE_ORDER, DIRSERVE_DIRS_FIRST=1,
  DIRSERVE_DARK_MODE=1

Safety: nothing outside DIRECTORY is ever served: `..` in any encoding is refused, symbolic
links are followed only while they stay inside DIRECTORY, and /proc, /sys and device files are
never served. Directory listings are HTML as python's, or JSON with `Accept: application/json`.
SIGTERM or SIGINT stop it gracefully (in-flight responses get 3 s); a second one stops it now.
"
);

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Serve a directory.
    Serve(Config),
    /// `--healthcheck` or `--fetch URL`: act as a client, not a server.
    Client(ClientMode),
    /// `--help`.
    Help,
    /// `--version`.
    Version,
}

/// A validated configuration.
#[derive(Debug)]
pub struct Config {
    /// The flags every server shares: address, port, timeouts, logging.
    pub common: CommonArgs,
    /// The directory to serve.
    pub directory: PathBuf,
    /// Whether precompressed siblings may answer (`--no-compress` turns it off).
    pub compress: bool,
    /// The listings' order unless a query asks for another.
    pub order: Order,
    /// Whether listing and error pages follow the system's dark mode.
    pub dark_mode: bool,
}

/// Reads the environment, then the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    parse_as(args.into_iter().collect(), true)
}

/// [`parse`]; with `follow`, a health check given no PORT reads the arguments of the dirserve
/// beside it (PID 1 in a container: see `servekit::pid1`, feature `follow-pid1`) with this same
/// parser, for its port.
/// One copy for both callers (a `Vec`, not a generic iterator): the parser is the larger part
/// of the binary's start-up code.
fn parse_as(args: Vec<OsString>, follow: bool) -> Result<Command, String> {
    let mut common = CommonArgs::from_env(ENV_PREFIX)?;
    let mut directory = std::env::var_os(format!("{ENV_PREFIX}_DIRECTORY"))
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let mut compress = !env(parse_bool, "NO_COMPRESS")?.unwrap_or(false);
    let mut order = Order {
        by: env(SortBy::parse, "SORT")?.unwrap_or_default(),
        descending: env(parse_descending, "ORDER")?.unwrap_or(false),
        dirs_first: env(parse_bool, "DIRS_FIRST")?.unwrap_or(false),
    };
    let mut dark_mode = env(parse_bool, "DARK_MODE")?.unwrap_or(false);
    let mut parser = Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        let flag = Flag::from(arg);
        if common.accept(&flag, &mut parser)? {
            continue;
        }
        if flag.is(Some('d'), "directory") {
            directory = parser
                .value()
                .map_err(|_| "--directory needs a value".to_string())?
                .into();
        } else if flag.is(None, "no-compress") {
            compress = false;
        } else if flag.is(None, "sort") {
            order.by = flag_value(&mut parser, "--sort", SortBy::parse)?;
        } else if flag.is(None, "order") {
            order.descending = flag_value(&mut parser, "--order", parse_descending)?;
        } else if flag.is(None, "dirs-first") {
            order.dirs_first = true;
        } else if flag.is(None, "dark-mode") {
            dark_mode = true;
        } else if flag.is(Some('h'), "help") {
            return Ok(Command::Help);
        } else if flag.is(Some('V'), "version") {
            return Ok(Command::Version);
        } else if flag.is(None, "cgi") {
            return Err("--cgi is not supported: dirserve serves files, it never runs them".into());
        } else {
            return Err(flag.unexpected(LONG_FLAGS));
        }
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
        directory,
        compress,
        order,
        dark_mode,
    }))
}

/// `DIRSERVE_<name>` read by `parse`; unset (or empty) is `None`, a bad value an error that
/// names the variable.
fn env<T>(parse: fn(&str) -> Result<T, String>, name: &str) -> Result<Option<T>, String> {
    match std::env::var(format!("{ENV_PREFIX}_{name}")) {
        Ok(text) if !text.is_empty() => parse(&text)
            .map(Some)
            .map_err(|e| format!("{ENV_PREFIX}_{name}: {e}")),
        _ => Ok(None),
    }
}

/// The value after `flag`, read by `parse`; an error names the flag.
fn flag_value<T>(
    parser: &mut Parser,
    flag: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    parse(&value(parser, flag)?).map_err(|e| format!("{flag}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn python_command_lines() {
        let Ok(Command::Serve(config)) = parse_strs(&["-d", "/srv", "-b", "127.0.0.1", "9000"])
        else {
            panic!("should parse")
        };
        assert_eq!(config.directory, PathBuf::from("/srv"));
        assert_eq!(config.common.port, 9000);
        assert_eq!(config.common.bind.as_deref(), Some("127.0.0.1"));
        let Ok(Command::Serve(config)) = parse_strs(&["--directory=/tmp"]) else {
            panic!("should parse")
        };
        assert_eq!(config.directory, PathBuf::from("/tmp"));
    }

    #[test]
    fn listing_options() {
        let Ok(Command::Serve(config)) = parse_strs(&[]) else {
            panic!("should parse")
        };
        assert_eq!(config.order, Order::default(), "python's order by default");
        assert!(!config.dark_mode);
        let Ok(Command::Serve(config)) = parse_strs(&[
            "--sort",
            "mtime",
            "--order=desc",
            "--dirs-first",
            "--dark-mode",
        ]) else {
            panic!("should parse")
        };
        let order = Order {
            by: SortBy::Mtime,
            descending: true,
            dirs_first: true,
        };
        assert_eq!((config.order, config.dark_mode), (order, true));
        assert_eq!(
            parse_strs(&["--sort", "date"]).unwrap_err(),
            "--sort: expected name, size or mtime, not \"date\""
        );
        assert_eq!(
            parse_strs(&["--order", "up"]).unwrap_err(),
            "--order: expected asc or desc, not \"up\""
        );
        assert!(
            parse_strs(&["--sort"])
                .unwrap_err()
                .contains("needs a value")
        );
    }

    #[test]
    fn modes_and_errors() {
        assert!(matches!(parse_strs(&["--help"]), Ok(Command::Help)));
        assert!(matches!(parse_strs(&["-V"]), Ok(Command::Version)));
        assert!(matches!(
            parse_strs(&["--healthcheck", "8080"]),
            Ok(Command::Client(ClientMode::Healthcheck { port: 8080, .. }))
        ));
        assert!(
            parse_strs(&["--cgi"])
                .unwrap_err()
                .contains("not supported")
        );
        assert_eq!(
            parse_strs(&["--frob"]).unwrap_err(),
            "unknown option '--frob'"
        );
        assert!(parse_strs(&["-d"]).unwrap_err().contains("needs a value"));
    }

    /// A mistyped long flag, dirserve's own or a shared one: the nearest real one with feature
    /// `suggest`, else the plain error.
    #[test]
    fn mistyped_long_flags() {
        let hint = |meant: &str| match cfg!(feature = "suggest") {
            true => format!("; did you mean '--{meant}'?"),
            false => String::new(),
        };
        assert_eq!(
            parse_strs(&["--dirs_first"]).unwrap_err(),
            format!("unknown option '--dirs_first'{}", hint("dirs-first"))
        );
        assert_eq!(
            parse_strs(&["--bnd", "0.0.0.0"]).unwrap_err(),
            format!("unknown option '--bnd'{}", hint("bind"))
        );
    }

    /// Every name listed (so every name suggested) is a flag `parse` takes.
    #[test]
    fn the_long_flags_listed_are_the_ones_taken() {
        for name in LONG_FLAGS {
            let flag = format!("--{name}");
            let taken = parse_strs(&[&flag, "name"])
                .err()
                .is_none_or(|e| !e.starts_with("unknown"));
            assert!(taken, "{flag} is listed but not taken");
        }
    }
}
