//! The flags and environment variables both servers take, parsed once here.
//!
//! `[-b ADDR] [-p VERSION] [--quiet] [--timeout SECS] [--header 'NAME: VALUE']... [--cors]
//! [--health-path PATH] [--healthcheck | --fetch URL] [PORT]`, python's names where python has
//! them. Each has an environment variable, `<PREFIX>_PORT` and so on, for
//! containers; flags win over the environment.

use crate::additions::Additions;
use lexopt::{Arg, Parser};
use std::ffi::OsString;
use std::time::Duration;

/// The exit status of a usage error (a bad flag or value) and of an address that cannot be
/// bound, as python's: the same for every binary.
pub const EXIT_USAGE: u8 = 2;

/// The long flags [`CommonArgs::accept`] takes, for "did you mean" (checked by a test).
pub const LONG_FLAGS: &[&str] = &[
    "bind",
    "protocol",
    "quiet",
    "timeout",
    "healthcheck",
    "fetch",
    "header",
    "cors",
    "health-path",
];

/// The shared settings, before each binary adds its own.
#[derive(Debug, Clone)]
pub struct CommonArgs {
    /// `-b`/`--bind ADDRESS`; `None` is every interface, IPv4 and IPv6.
    pub bind: Option<String>,
    /// The port (positional; 8000 by default).
    pub port: u16,
    /// Whether the port came from the command line (the positional PORT), which a health check
    /// then asks rather than the port of the server beside it.
    port_argument: bool,
    /// `-q`/`--quiet`: no access log.
    pub quiet: bool,
    /// Off for `--protocol HTTP/1.0`.
    pub keep_alive: bool,
    /// `--timeout SECONDS`: for a request head, and for a connection where nothing moves.
    pub timeout: Duration,
    /// `--healthcheck`: ask the server on this port instead of serving.
    pub healthcheck: bool,
    /// `--fetch URL`: print a page instead of serving.
    pub fetch: Option<String>,
    /// `--header`, `--cors`, `--health-path`: what the operator adds to every answer.
    pub additions: Additions,
}

/// A command-line argument with nothing borrowed from the parser, so it can be handed around.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// `-x`.
    Short(char),
    /// `--name`.
    Long(String),
    /// A positional argument.
    Value(OsString),
}

impl From<Arg<'_>> for Flag {
    fn from(arg: Arg<'_>) -> Flag {
        match arg {
            Arg::Short(c) => Flag::Short(c),
            Arg::Long(name) => Flag::Long(name.to_owned()),
            Arg::Value(value) => Flag::Value(value),
        }
    }
}

impl Flag {
    /// Whether this is `-short` or `--long`.
    pub fn is(&self, short: Option<char>, long: &str) -> bool {
        match self {
            Flag::Short(c) => Some(*c) == short,
            Flag::Long(name) => name == long,
            Flag::Value(_) => false,
        }
    }

    /// The error for a flag nobody takes; for a long one, with the nearest of the shared flags
    /// and the binary's `own` long flags, if one is near (`unknown option '--bnd'; did you mean
    /// '--bind'?`) and feature `suggest` is on.
    pub fn unexpected(self, own: &[&str]) -> String {
        match self {
            Flag::Short(c) => format!("unknown option '-{c}'"),
            Flag::Long(name) => {
                let known = LONG_FLAGS.iter().chain(own).copied();
                match crate::suggest::nearest(&name, known) {
                    Some(meant) => format!("unknown option '--{name}'; did you mean '--{meant}'?"),
                    None => format!("unknown option '--{name}'"),
                }
            }
            Flag::Value(value) => format!("unexpected argument {value:?}"),
        }
    }
}

impl CommonArgs {
    /// Defaults (port 8000, all interfaces, keep-alive, 10 s timeout) overridden by
    /// `<prefix>_PORT`, `<prefix>_BIND`, `<prefix>_QUIET`, `<prefix>_TIMEOUT`, `<prefix>_HEADERS`
    /// (one `Name: value` a line), `<prefix>_CORS`, `<prefix>_HEALTH_PATH`.
    pub fn from_env(prefix: &str) -> Result<CommonArgs, String> {
        let var = |name: &str| std::env::var(format!("{prefix}_{name}")).ok();
        let mut args = CommonArgs {
            bind: None,
            port: 8000,
            port_argument: false,
            quiet: false,
            keep_alive: true,
            timeout: Duration::from_secs(10),
            healthcheck: false,
            fetch: None,
            additions: Additions::default(),
        };
        if let Some(port) = var("PORT") {
            args.port = parse_port(&port).map_err(|e| format!("{prefix}_PORT: {e}"))?;
        }
        args.bind = var("BIND").filter(|b| !b.is_empty());
        if let Some(quiet) = var("QUIET") {
            args.quiet = parse_bool(&quiet).map_err(|e| format!("{prefix}_QUIET: {e}"))?;
        }
        if let Some(timeout) = var("TIMEOUT") {
            args.timeout = parse_timeout(&timeout).map_err(|e| format!("{prefix}_TIMEOUT: {e}"))?;
        }
        for line in var("HEADERS").iter().flat_map(|h| h.lines()) {
            if !line.trim().is_empty() {
                let added = args.additions.add_header(line);
                added.map_err(|e| format!("{prefix}_HEADERS: {e}"))?;
            }
        }
        if let Some(cors) = var("CORS") {
            args.additions.cors = parse_bool(&cors).map_err(|e| format!("{prefix}_CORS: {e}"))?;
        }
        if let Some(path) = var("HEALTH_PATH").filter(|p| !p.is_empty()) {
            let set = args.additions.set_health_path(&path);
            set.map_err(|e| format!("{prefix}_HEALTH_PATH: {e}"))?;
        }
        Ok(args)
    }

    /// Takes `flag` (and its value) if it is one of the shared ones; `Ok(false)` if it is not.
    pub fn accept(&mut self, flag: &Flag, parser: &mut Parser) -> Result<bool, String> {
        if flag.is(Some('b'), "bind") {
            self.bind = Some(value(parser, "--bind")?);
        } else if flag.is(Some('p'), "protocol") {
            self.keep_alive = match value(parser, "--protocol")?.as_str() {
                "HTTP/1.0" => false,
                "HTTP/1.1" => true,
                other => {
                    return Err(format!(
                        "--protocol takes HTTP/1.0 or HTTP/1.1, not {other:?}"
                    ));
                }
            };
        } else if flag.is(Some('q'), "quiet") {
            self.quiet = true;
        } else if flag.is(None, "timeout") {
            self.timeout = parse_timeout(&value(parser, "--timeout")?)?;
        } else if flag.is(None, "healthcheck") {
            self.healthcheck = true;
        } else if flag.is(None, "fetch") {
            self.fetch = Some(value(parser, "--fetch")?);
        } else if flag.is(Some('H'), "header") {
            self.additions.add_header(&value(parser, "--header")?)?;
        } else if flag.is(None, "cors") {
            self.additions.cors = true;
        } else if flag.is(None, "health-path") {
            self.additions
                .set_health_path(&value(parser, "--health-path")?)?;
        } else if let Flag::Value(port) = flag {
            let port = port.to_str().ok_or("the port must be a number")?;
            self.port = parse_port(port)?;
            self.port_argument = true;
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

impl CommonArgs {
    /// The client mode asked for instead of serving, if any (`--fetch` wins).
    ///
    /// A health check given no PORT asks the port of the server beside it when it can learn it:
    /// `server_port` parses that server's arguments ([`crate::pid1::server_args`]) as the binary
    /// parses its own and returns the port it serves on (`None` if they are not a server's). Else,
    /// or for a port of 0 (the kernel's pick, unknowable), or without feature `follow-pid1`, the
    /// environment's port or 8000.
    pub fn client_mode(
        &self,
        server_port: impl FnOnce(Vec<OsString>) -> Option<u16>,
    ) -> Option<crate::client::ClientMode> {
        use crate::client::ClientMode;
        match (&self.fetch, self.healthcheck) {
            (Some(url), _) => Some(ClientMode::Fetch { url: url.clone() }),
            (None, true) => Some(ClientMode::Healthcheck {
                port: if self.port_argument {
                    self.port
                } else {
                    crate::pid1::server_args()
                        .and_then(server_port)
                        .filter(|&port| port != 0)
                        .unwrap_or(self.port)
                },
                path: self
                    .additions
                    .health_path
                    .clone()
                    .unwrap_or_else(|| crate::probe::TARGET.into()),
            }),
            (None, false) => None,
        }
    }
}

/// The value after the flag `name`, as UTF-8; an error names the flag.
pub fn value(parser: &mut Parser, name: &str) -> Result<String, String> {
    let value = parser
        .value()
        .map_err(|_| format!("{name} needs a value"))?;
    value
        .into_string()
        .map_err(|v| format!("{name}: not UTF-8: {v:?}"))
}

/// A port, 0 to 65535 (0 asks the kernel for a free one, as with python).
pub fn parse_port(text: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("invalid port {text:?}: expected a number from 0 to 65535"))
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(secs @ 1..=3600) => Ok(Duration::from_secs(secs)),
        _ => Err(format!(
            "invalid timeout {text:?}: expected whole seconds from 1 to 3600"
        )),
    }
}

/// An on/off environment variable's value: 1, true or yes; 0, false, no or empty.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" | "" => Ok(false),
        _ => Err(format!("expected 1 or 0, not {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<CommonArgs, String> {
        let mut parser = Parser::from_args(args.iter().copied());
        let mut common = CommonArgs::from_env("SERVEKIT_TEST_UNSET")?;
        while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
            let flag = Flag::from(arg);
            if !common.accept(&flag, &mut parser)? {
                return Err(flag.unexpected(&[]));
            }
        }
        Ok(common)
    }

    #[test]
    fn python_flags() {
        let args = parse(&["-b", "127.0.0.1", "9000"]).unwrap();
        assert_eq!(args.bind.as_deref(), Some("127.0.0.1"));
        assert_eq!(args.port, 9000);
        assert!(args.keep_alive);
        let args = parse(&["--bind=::1", "--protocol", "HTTP/1.0", "-q"]).unwrap();
        assert_eq!(args.bind.as_deref(), Some("::1"));
        assert!(!args.keep_alive && args.quiet);
        assert_eq!(args.port, 8000);
    }

    #[test]
    fn additions_flags() {
        let args = parse(&[
            "--header",
            "X-A: 1",
            "-H",
            "X-B: 2",
            "--cors",
            "--health-path=/healthz",
            "--healthcheck",
        ])
        .unwrap();
        let mut expected = Additions::default();
        expected.add_header("X-A: 1").unwrap();
        expected.add_header("X-B: 2").unwrap();
        expected.cors = true;
        expected.set_health_path("/healthz").unwrap();
        assert_eq!(args.additions, expected);
        // The health check asks the health path when there is one.
        assert_eq!(
            args.client_mode(|_| None),
            Some(crate::client::ClientMode::Healthcheck {
                port: 8000,
                path: "/healthz".into()
            })
        );
        assert!(
            parse(&["--header", "Nope"])
                .unwrap_err()
                .contains("expected 'Name: value'")
        );
        assert!(
            parse(&["--health-path", "x"])
                .unwrap_err()
                .contains("/healthz")
        );
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        assert!(parse(&["70000"]).unwrap_err().contains("0 to 65535"));
        assert!(parse(&["http"]).unwrap_err().contains("invalid port"));
        assert!(
            parse(&["-p", "HTTP/2"])
                .unwrap_err()
                .contains("HTTP/1.0 or HTTP/1.1")
        );
        assert!(
            parse(&["--timeout", "0"])
                .unwrap_err()
                .contains("1 to 3600")
        );
        assert!(parse(&["--bind"]).unwrap_err().contains("needs a value"));
        assert_eq!(parse(&["--cgi"]).unwrap_err(), "unknown option '--cgi'");
    }

    /// A mistyped long flag: the nearest real one with feature `suggest`, else the plain error.
    #[test]
    fn mistyped_long_flags() {
        let hint = |meant: &str| match cfg!(feature = "suggest") {
            true => format!("; did you mean '--{meant}'?"),
            false => String::new(),
        };
        assert_eq!(
            parse(&["--bnd", "0.0.0.0"]).unwrap_err(),
            format!("unknown option '--bnd'{}", hint("bind"))
        );
        assert_eq!(
            Flag::Long("dirs_first".into()).unexpected(&["directory", "dirs-first"]),
            format!("unknown option '--dirs_first'{}", hint("dirs-first"))
        );
    }

    /// Every name listed (so every name suggested) is a flag `accept` takes.
    #[test]
    fn the_long_flags_listed_are_the_ones_taken() {
        for name in LONG_FLAGS {
            let flag = format!("--{name}");
            let taken = parse(&[&flag, "x"])
                .err()
                .is_none_or(|e| !e.starts_with("unknown"));
            assert!(taken, "{flag} is listed but not taken");
        }
    }
}
