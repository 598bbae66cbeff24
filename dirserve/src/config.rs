//! dirserve's command line and environment, validated into a [`Config`]; nothing else in the
//! crate sees raw flags.

use lexopt::Parser;
use servekit::cli::{CommonArgs, Flag};
use servekit::client::ClientMode;
use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variables are `DIRSERVE_PORT`, `DIRSERVE_BIND`, `DIRSERVE_DIRECTORY`, ...
const ENV_PREFIX: &str = "DIRSERVE";

/// The one-line usage, printed after a usage error.
pub const USAGE: &str = "Usage: dirserve [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [--quiet] \
[--timeout SECS] [-H 'NAME: VALUE']... [--cors] [--health-path PATH] [--no-compress] \
[--healthcheck | --fetch URL] [PORT]";

/// The `--help` text.
pub const HELP: &str = concat!(
    "dirserve ",
    env!("CARGO_PKG_VERSION"),
    ": serves a directory over HTTP, a drop-in for `python3 -m http.server`.

Usage: dirserve [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [--quiet] [--timeout SECS]
                [-H 'NAME: VALUE']... [--cors] [--health-path PATH] [--no-compress]
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
                            and answer CORS preflights for GET and HEAD
      --health-path PATH    answer GET PATH (e.g. /healthz) with 200 ok, without touching the
                            disk and without a log line: for Kubernetes probes
      --no-compress         never answer with a precompressed sibling (FILE.br, FILE.zst,
                            FILE.gz), which otherwise stand for FILE when Accept-Encoding
                            allows their coding
      --healthcheck         ask http://127.0.0.1:PORT/ (or the health path) and exit 0 if it
                            answers 2xx or 3xx, else 1: a HEALTHCHECK for images without a shell
      --fetch URL           print the page at an http:// URL and exit (0 on a 2xx): a client
                            for containers without curl
  -h, --help                this help
  -V, --version             the version

Every option has an environment variable, for containers; options win over them:
  DIRSERVE_PORT, DIRSERVE_BIND, DIRSERVE_DIRECTORY, DIRSERVE_QUIET=1, DIRSERVE_TIMEOUT,
  DIRSERVE_HEADERS (one 'NAME: VALUE' a line), DIRSERVE_CORS=1, DIRSERVE_HEALTH_PATH,
  DIRSERVE_NO_COMPRESS=1

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
}

/// Reads the environment, then the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut common = CommonArgs::from_env(ENV_PREFIX)?;
    let mut directory = std::env::var_os(format!("{ENV_PREFIX}_DIRECTORY"))
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let mut compress = match std::env::var(format!("{ENV_PREFIX}_NO_COMPRESS")).as_deref() {
        Err(_) | Ok("" | "0" | "false" | "no") => true,
        Ok("1" | "true" | "yes") => false,
        Ok(other) => {
            return Err(format!(
                "{ENV_PREFIX}_NO_COMPRESS: expected 1 or 0, not {other:?}"
            ));
        }
    };
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
        } else if flag.is(Some('h'), "help") {
            return Ok(Command::Help);
        } else if flag.is(Some('V'), "version") {
            return Ok(Command::Version);
        } else if flag.is(None, "cgi") {
            return Err("--cgi is not supported: dirserve serves files, it never runs them".into());
        } else {
            return Err(flag.unexpected());
        }
    }
    if let Some(mode) = common.client_mode() {
        return Ok(Command::Client(mode));
    }
    Ok(Command::Serve(Config {
        common,
        directory,
        compress,
    }))
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
}
