//! A tiny HTTP/1.1 client, because a `FROM scratch` image has no curl, wget or shell:
//! `--healthcheck` asks the local server whether it is up (Docker's `HEALTHCHECK`: `OPTIONS *`,
//! see `probe`, or GET the health path), and `--fetch URL` prints a page (the compose file's
//! client container).

use crate::probe;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// Each of connect, write and read gets this long; Docker's own health timeout is 30 s.
const TIMEOUT: Duration = Duration::from_secs(3);
/// The most `--healthcheck` reads: a status line is a few dozen bytes, whatever the body.
const MAX_STATUS_LINE: u64 = 1024;
/// The most `--fetch` reads; a page larger than this is an error, not a memory hog.
const MAX_RESPONSE: usize = 16 << 20;

/// What the client was asked to do instead of serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMode {
    /// `--healthcheck`: exit 0 if the server on 127.0.0.1:PORT (or `[::1]`) answers `OPTIONS *`
    /// or `GET PATH` with a 2xx or 3xx, else 1.
    Healthcheck {
        /// The server's port on 127.0.0.1.
        port: u16,
        /// [`probe::TARGET`] (`*`, asked with `OPTIONS`), or the server's `--health-path`.
        path: String,
    },
    /// `--fetch URL`: print the body of `GET URL` and exit 0 on a 2xx, else say why and exit 1.
    Fetch {
        /// An `http://` URL.
        url: String,
    },
}

/// Runs the mode and returns `main`'s exit code.
pub fn run(mode: &ClientMode) -> ExitCode {
    match mode {
        ClientMode::Healthcheck { port, path } => healthcheck(*port, path),
        ClientMode::Fetch { url } => fetch(url),
    }
}

/// Asks for `path` on IPv4, then IPv6 loopback (a server bound to `::1` alone), and judges the
/// status line alone: the body of a health path's answer could be anything.
fn healthcheck(port: u16, path: &str) -> ExitCode {
    let addrs = [
        SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
    ];
    let mut failures = Vec::new();
    for addr in addrs {
        match status_of(addr, &addr.to_string(), path) {
            Ok(status) if (200..400).contains(&status) => return ExitCode::SUCCESS,
            Ok(status) if path == probe::TARGET => {
                eprintln!("healthcheck: OPTIONS * on {addr} answered {status}");
                return ExitCode::FAILURE;
            }
            Ok(status) => {
                eprintln!("healthcheck: http://{addr}{path} answered {status}");
                return ExitCode::FAILURE;
            }
            Err(e) => failures.push(format!("{addr}: {e}")),
        }
    }
    eprintln!(
        "healthcheck: no answer on port {port}: {}",
        failures.join("; ")
    );
    ExitCode::FAILURE
}

fn fetch(url: &str) -> ExitCode {
    let result = parse_url(url).and_then(|(host, port, path)| {
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host} has no address"))?;
        get(addr, &format!("{host}:{port}"), &path, MAX_RESPONSE).map_err(|e| format!("{url}: {e}"))
    });
    match result {
        Ok((status, body)) if (200..300).contains(&status) => {
            match std::io::stdout().write_all(&body) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Ok((status, _)) => {
            eprintln!("fetch: {url} answered {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("fetch: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `http://host[:port][/path]` into its parts (port 80, path `/` by default).
fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url:?}: only http:// URLs can be fetched"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            let port = port
                .parse()
                .map_err(|_| format!("{url:?}: bad port {port:?}"))?;
            (host, port)
        }
        _ => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || path.bytes().any(|b| b <= b' ') {
        return Err(format!("{url:?}: not a URL this client can fetch"));
    }
    Ok((host.to_owned(), port, path.to_owned()))
}

/// Sends `GET path` (`OPTIONS *` for the probe's target) on a new connection, for the answer to
/// be read from the returned stream.
fn send_get(addr: SocketAddr, host: &str, path: &str) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let method = if path == probe::TARGET {
        "OPTIONS"
    } else {
        "GET"
    };
    // One write, so the request goes out whole even to a peer that answers its first bytes.
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: fromscratch-client\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    Ok(stream)
}

/// The status of the answer to `GET path` (or the probe), reading its status line and nothing
/// more.
fn status_of(addr: SocketAddr, host: &str, path: &str) -> std::io::Result<u16> {
    let stream = send_get(addr, host, path)?;
    let mut line = Vec::new();
    BufReader::new(stream.take(MAX_STATUS_LINE)).read_until(b'\n', &mut line)?;
    parse_status(&line)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP status line"))
}

/// `GET path` on a new connection; the status and the body (everything after the head, which
/// `Connection: close` ends), at most `max` bytes in all.
fn get(addr: SocketAddr, host: &str, path: &str, max: usize) -> std::io::Result<(u16, Vec<u8>)> {
    let stream = send_get(addr, host, path)?;
    let mut response = Vec::new();
    stream.take(max as u64 + 1).read_to_end(&mut response)?;
    if response.len() > max {
        return Err(std::io::Error::other(format!(
            "answer larger than {max} bytes"
        )));
    }
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP response");
    let status = parse_status(&response).ok_or_else(invalid)?;
    let body_start =
        crate::substring::find(&response, b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    Ok((status, response.split_off(body_start)))
}

/// The code from `HTTP/1.1 200 OK`.
fn parse_status(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\n').next()?;
    let mut parts = line.split(|&b| b == b' ');
    parts.next()?.starts_with(b"HTTP/").then_some(())?;
    let code = std::str::from_utf8(parts.next()?).ok()?;
    code.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(parse_status(b"HTTP/1.0 404 File not found\r\n"), Some(404));
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(parse_status(b""), None);
    }

    #[test]
    fn urls() {
        let parse = |u| parse_url(u).map(|(h, p, path)| format!("{h}|{p}|{path}"));
        assert_eq!(parse("http://myserv:8000").unwrap(), "myserv|8000|/");
        assert_eq!(
            parse("http://myserv:8000/a?b=1").unwrap(),
            "myserv|8000|/a?b=1"
        );
        assert_eq!(parse("http://example").unwrap(), "example|80|/");
        assert_eq!(parse("http://[::1]:9000/x").unwrap(), "::1|9000|/x");
        assert!(parse("https://x/").unwrap_err().contains("only http://"));
        assert!(parse("http://x:port/").unwrap_err().contains("bad port"));
        assert!(parse("http:///").is_err());
        assert!(parse("http://x/a b").is_err());
    }

    #[test]
    fn nothing_listening_is_a_failure() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // The listener is dropped: nothing answers on that port now.
        assert_eq!(healthcheck(port, probe::TARGET), ExitCode::FAILURE);
        assert_eq!(
            fetch(&format!("http://127.0.0.1:{port}/")),
            ExitCode::FAILURE
        );
    }
}
