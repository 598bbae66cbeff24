//! The server's command line and environment, validated into a [`Config`].

use lexopt::Parser;
use servekit::cli::{CommonArgs, Flag};
use servekit::client::ClientMode;
use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variables are `COWSERVE_PORT`, `COWSERVE_BIND`, `COWSERVE_FORTUNES`, ...
const ENV_PREFIX: &str = "COWSERVE";

pub const USAGE: &str = "Usage: cowserve [-b ADDRESS] [-p VERSION] [--quiet] [--timeout SECS] \
[--fortunes PATH]... [--cow NAME] [--healthcheck | --fetch URL] [PORT]";

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
    /// The cow of the page when the query names none.
    pub cow: String,
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut common = CommonArgs::from_env(ENV_PREFIX)?;
    let mut fortunes: Vec<PathBuf> = std::env::var_os(format!("{ENV_PREFIX}_FORTUNES"))
        .map(|list| std::env::split_paths(&list).collect())
        .unwrap_or_default();
    let mut cow = std::env::var(format!("{ENV_PREFIX}_COW")).unwrap_or_else(|_| "default".into());
    let mut fortunes_from_flags = Vec::new();
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
            return Err(flag.unexpected());
        }
    }
    if !fortunes_from_flags.is_empty() {
        fortunes = fortunes_from_flags;
    }
    if let Some(mode) = common.client_mode() {
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
        assert!(matches!(
            parse_strs(&["--healthcheck"]),
            Ok(Command::Client(ClientMode::Healthcheck { port: 8000 }))
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
}
