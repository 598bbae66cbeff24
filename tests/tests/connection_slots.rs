//! The connection cap (1,024 slots): one client holding every slot with idle keep-alive
//! connections cannot lock another out. A full server closes idle connections, oldest first, to
//! answer a new client, and never one in the middle of a response.

use e2e::http::Connection;
use e2e::server::Server;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};
use testkit::Tree;

/// servekit's `Limits::default().max_connections`, what dirserve runs with.
const MAX_CONNECTIONS: usize = 1024;
/// The first client's connections beyond the cap: 1,100 in all, as in issue 12.
const EXTRA: usize = 76;
/// New clients from another address, one after another, each answered while the first client
/// still fills the server.
const NEW_CLIENTS: usize = 5;
/// How soon a new client must be answered.
const PROMPTLY: Duration = Duration::from_secs(2);
/// Larger than what the kernel buffers between server and client (several MiB on loopback), so
/// a client that stops reading leaves its response in the middle.
const BIG: usize = 32 << 20;

const GET: &[u8] = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn a_full_server_closes_idle_connections_oldest_first_for_a_new_client() {
    raise_fd_limit(MAX_CONNECTIONS + EXTRA + NEW_CLIENTS + 64);
    let tree = Tree::new("slots");
    tree.file("a.txt", "aaa").file("big.bin", numbers(BIG));
    // A timeout longer than the test, so that only the server's cap closes connections.
    let server = Server::start(
        "dirserve",
        &["-d", tree.path_str(), "--quiet", "--timeout", "60"],
    );

    // The oldest connection: a download its client stops reading, so mid-response throughout.
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut received = vec![0; 64 * 1024];
    slow.read_exact(&mut received).unwrap();

    // Every other slot: keep-alive connections from 127.0.0.1, each idle after one request.
    let mut idle: Vec<Connection> = (1..MAX_CONNECTIONS)
        .map(|_| {
            let mut conn = Connection::open(server.addr);
            let response = conn.exchange(GET).expect("an answer while slots are free");
            assert_eq!(response.status, 200);
            conn
        })
        .collect();
    // More from the same client, on a full server: each takes the slot of the oldest idle one.
    let mut extra: Vec<Connection> = (0..EXTRA)
        .map(|_| {
            let mut conn = Connection::open(server.addr);
            conn.send(GET);
            conn
        })
        .collect();

    // A new client, from another address, again and again; each stays connected (idle), so the
    // server stays full for the next.
    let mut new_clients = Vec::new();
    for n in 0..NEW_CLIENTS {
        let start = Instant::now();
        let mut conn = Connection::open_from(server.addr, Ipv4Addr::new(127, 0, 0, 2));
        let response = conn.exchange(GET);
        let waited = start.elapsed();
        assert!(
            response.is_some_and(|r| r.status == 200) && waited < PROMPTLY,
            "new client {n} answered after {waited:?} (or not at all)"
        );
        new_clients.push(conn);
    }

    for conn in &mut extra {
        assert_eq!(conn.read_response(false).expect("an answer").status, 200);
    }
    // Oldest first: the connections idle the longest were closed, the newest is still served.
    for (n, conn) in idle.iter_mut().take(EXTRA + NEW_CLIENTS).enumerate() {
        assert!(conn.is_closed(), "idle connection {n} was not closed");
    }
    let newest = idle.last_mut().unwrap();
    assert_eq!(newest.exchange(GET).expect("still open").status, 200);

    // The download in the middle of its response was left alone: all of it arrives.
    let body_at = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut chunk = vec![0; 1 << 16];
    while received.len() < body_at + BIG {
        match slow.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
    assert!(
        received[body_at..] == numbers(BIG),
        "the download was cut: {} of {BIG} bytes",
        received.len() - body_at
    );
}

fn numbers(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Lifts this process's soft limit on open files to at least `needed` (the default soft limit is
/// often 1,024), within the hard limit.
fn raise_fd_limit(needed: usize) {
    // SAFETY: getrlimit/setrlimit with a valid struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if (limit.rlim_cur as usize) < needed {
            assert!(
                limit.rlim_max as usize >= needed,
                "the hard limit on open files ({}) is below {needed}",
                limit.rlim_max
            );
            limit.rlim_cur = needed as libc::rlim_t;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}
