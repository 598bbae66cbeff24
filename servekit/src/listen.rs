//! Binding the listening sockets, and python's start-up line.

use socket2::{Domain, Socket, Type};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};

/// Connections the kernel queues while all workers are busy or the connection cap is reached.
const BACKLOG: i32 = 1024;

/// Binds `port` on `bind` (an address or host name), or on all interfaces: IPv4 `0.0.0.0` as
/// python does, plus IPv6 `::` where the machine has IPv6 (containers often don't).
pub fn bind(bind: Option<&str>, port: u16) -> io::Result<Vec<TcpListener>> {
    let Some(host) = bind else {
        let v4 = listen(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port))?;
        let port = v4.local_addr()?.port();
        let mut listeners = vec![v4];
        match listen(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port)) {
            Ok(v6) => listeners.push(v6),
            // No IPv6 here: IPv4 alone is what python offers anyway.
            Err(e) if is_unavailable(&e) => {}
            Err(e) => return Err(e),
        }
        return Ok(listeners);
    };
    // `[::1]` as in a URL is accepted as well as `::1`.
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address")))?;
    Ok(vec![listen(addr)?])
}

fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if addr.is_ipv6() {
        // Separate from the IPv4 socket, so both can hold the port.
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

fn is_unavailable(e: &io::Error) -> bool {
    use rustix::io::Errno;
    matches!(
        Errno::from_io_error(e),
        Some(Errno::AFNOSUPPORT | Errno::ADDRNOTAVAIL | Errno::PROTONOSUPPORT)
    )
}

/// Python's start-up line for one socket:
/// `Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...`.
pub fn startup_line(addr: SocketAddr) -> String {
    let host = addr.ip();
    let url_host = match host {
        IpAddr::V6(_) => format!("[{host}]"),
        IpAddr::V4(_) => host.to_string(),
    };
    let port = addr.port();
    format!("Serving HTTP on {host} port {port} (http://{url_host}:{port}/) ...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_interfaces_means_both_families_on_one_port() {
        let listeners = bind(None, 0).unwrap();
        let ports: Vec<u16> = listeners
            .iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        assert!(ports.iter().all(|&p| p == ports[0]), "{ports:?}");
        assert!(listeners[0].local_addr().unwrap().is_ipv4());
    }

    #[test]
    fn a_taken_port_is_an_error() {
        let first = bind(Some("127.0.0.1"), 0).unwrap();
        let port = first[0].local_addr().unwrap().port();
        let err = bind(Some("127.0.0.1"), port).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn startup_lines_match_python() {
        assert_eq!(
            startup_line("0.0.0.0:8000".parse().unwrap()),
            "Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."
        );
        assert_eq!(
            startup_line("[::]:8000".parse().unwrap()),
            "Serving HTTP on :: port 8000 (http://[::]:8000/) ..."
        );
    }
}
