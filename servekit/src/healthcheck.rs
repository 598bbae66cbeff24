//! A tiny HTTP client for `--healthcheck`: a `FROM scratch` image has no curl or shell, so the
//! server binary checks itself for Docker's `HEALTHCHECK`.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Each of connect, write and read gets this long; Docker's own timeout is 30 s by default.
const TIMEOUT: Duration = Duration::from_secs(2);
/// The status line is all we read.
const MAX_HEAD: usize = 1024;

/// Asks `http://127.0.0.1:PORT/` (or `[::1]` if IPv4 does not answer) and returns the status
/// code, or why there is none.
pub fn check(port: u16) -> Result<u16, String> {
    let addrs = [
        SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
    ];
    let mut last_error = String::new();
    for addr in addrs {
        match status_of(addr) {
            Ok(status) => return Ok(status),
            Err(e) => last_error = format!("{addr}: {e}"),
        }
    }
    Err(last_error)
}

fn status_of(addr: SocketAddr) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: healthcheck\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = Vec::with_capacity(MAX_HEAD);
    let mut buf = [0; 256];
    while !head.contains(&b'\n') && head.len() < MAX_HEAD {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    parse_status(&head)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP status line"))
}

/// The code from `HTTP/1.1 200 OK`.
fn parse_status(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\n').next()?;
    let mut parts = line.split(|&b| b == b' ');
    parts.next()?.starts_with(b"HTTP/").then_some(())?;
    let code = std::str::from_utf8(parts.next()?).ok()?;
    code.trim().parse().ok()
}

/// What the `--healthcheck` mode exits with: 0 for 2xx and 3xx, 1 otherwise (Docker's contract).
pub fn exit_code(port: u16) -> std::process::ExitCode {
    match check(port) {
        Ok(status) if (200..400).contains(&status) => std::process::ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("healthcheck: http://127.0.0.1:{port}/ answered {status}");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("healthcheck: no answer on port {port}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
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
    fn nothing_listening_is_an_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // The listener is dropped: nothing answers on that port now.
        assert!(check(port).is_err());
    }
}
