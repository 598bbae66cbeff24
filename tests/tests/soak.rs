//! Soak: mixed traffic at dirserve and cowserve for a bounded time (loopback only), sampling
//! the server's resident memory and open descriptors. Afterwards both return to their idle
//! level (no descriptor leak, memory within a stated bound) and every completed download was
//! byte-exact. `FROMSCRATCH_SOAK_SECS` sets the duration (default 20 s per server). Ignored in a bare
//! `cargo test`, to keep it quick; tests/run.sh runs it explicitly (60 s per server).

use e2e::http::Connection;
use e2e::server::Server;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use testkit::Tree;

/// Client threads driving traffic at once.
const CLIENTS: usize = 16;
/// How far resident memory may stay above its idle level once the load is over.
const RSS_SLACK_KIB: u64 = 4096;

fn duration() -> Duration {
    let secs = std::env::var("FROMSCRATCH_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// (resident KiB, open descriptors) of a process.
fn sample(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    (rss, fds)
}

#[derive(Default)]
struct Counts {
    exact: AtomicU64,
    refused: AtomicU64,
    abandoned: AtomicU64,
}

/// One client's loop: a weighted mix of requests until `stop`.
fn client(
    addr: SocketAddr,
    kind: Kind,
    big: Arc<Vec<u8>>,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
    seed: u64,
) {
    let mut n = seed;
    while !stop.load(Ordering::Relaxed) {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = (n >> 33) % 10;
        match (kind, pick) {
            // Downloads, whole and ranged, checked byte for byte.
            (Kind::Dir, 0..=2) => {
                let mut conn = Connection::open(addr);
                let r = conn
                    .exchange(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                    .expect("answer");
                assert!(r.body == *big, "a download differed");
                counts.exact.fetch_add(1, Ordering::Relaxed);
            }
            (Kind::Dir, 3) => {
                let start = (n >> 20) as usize % (big.len() - 100);
                let raw = format!(
                    "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes={start}-{}\r\nConnection: close\r\n\r\n",
                    start + 99
                );
                let r = Connection::open(addr)
                    .exchange(raw.as_bytes())
                    .expect("answer");
                assert_eq!(r.status, 206);
                assert!(r.body == big[start..start + 100], "a range differed");
                counts.exact.fetch_add(1, Ordering::Relaxed);
            }
            (Kind::Dir, 4..=5) => {
                let r = Connection::open(addr)
                    .exchange(b"GET /list/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .expect("answer");
                assert_eq!(r.status, 200);
            }
            (Kind::Cow, 0..=5) => {
                let r = Connection::open(addr)
                    .exchange(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .expect("answer");
                assert_eq!(r.status, 200);
                assert!(r.text().contains("(oo)"));
            }
            // Malformed requests: a 4xx or a closed connection, never a crash.
            (_, 6) => {
                let mut s = TcpStream::connect(addr).unwrap();
                let _ = s.write_all(b"GARBAGE \x00\xff\r\n\r\n");
                let mut sink = Vec::new();
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = s.read_to_end(&mut sink);
                counts.refused.fetch_add(1, Ordering::Relaxed);
            }
            // A client that hangs up in the middle of a body.
            (_, 7) => {
                let mut s = TcpStream::connect(addr).unwrap();
                let path: &[u8] = if kind == Kind::Dir { b"/big.bin" } else { b"/" };
                let _ = s.write_all(&[b"GET ", path, b" HTTP/1.1\r\nHost: x\r\n\r\n"].concat());
                let mut some = [0; 1000];
                let _ = s.read(&mut some);
                drop(s);
                counts.abandoned.fetch_add(1, Ordering::Relaxed);
            }
            // A client that sends half a request head and goes quiet (the server drops it).
            (_, 8) => {
                let mut s = TcpStream::connect(addr).unwrap();
                let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
                std::thread::sleep(Duration::from_millis(50));
                drop(s);
                counts.abandoned.fetch_add(1, Ordering::Relaxed);
            }
            // Keep-alive: several requests on one connection.
            _ => {
                let mut conn = Connection::open(addr);
                for _ in 0..5 {
                    let path = if kind == Kind::Dir {
                        "/small.txt"
                    } else {
                        "/fortune"
                    };
                    let r = conn
                        .exchange(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                        .expect("answer");
                    assert_eq!(r.status, 200);
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    Cow,
}

fn soak(kind: Kind, server: Server) {
    let pid = server.child.id();
    let addr = server.addr;
    let big: Arc<Vec<u8>> = Arc::new((0..1_500_000u32).map(|i| (i % 253) as u8).collect());
    std::thread::sleep(Duration::from_millis(200));
    let (idle_rss, idle_fds) = sample(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (big, stop, counts) = (Arc::clone(&big), Arc::clone(&stop), Arc::clone(&counts));
            std::thread::spawn(move || client(addr, kind, big, stop, counts, i as u64 + 1))
        })
        .collect();
    let start = Instant::now();
    let (mut peak_rss, mut peak_fds) = (idle_rss, idle_fds);
    while start.elapsed() < duration() {
        std::thread::sleep(Duration::from_millis(250));
        let (rss, fds) = sample(pid);
        peak_rss = peak_rss.max(rss);
        peak_fds = peak_fds.max(fds);
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("a client failed");
    }
    // Stalled and abandoned connections are dropped within the server's timeout.
    let settle = Instant::now();
    let (mut rss, mut fds) = sample(pid);
    while fds > idle_fds && settle.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(250));
        (rss, fds) = sample(pid);
    }
    eprintln!(
        "soak {}: {:?}, {} exact downloads, {} malformed, {} abandoned; RSS KiB idle {idle_rss} peak {peak_rss} after {rss}; fds idle {idle_fds} peak {peak_fds} after {fds}",
        if kind == Kind::Dir {
            "dirserve"
        } else {
            "cowserve"
        },
        duration(),
        counts.exact.load(Ordering::Relaxed),
        counts.refused.load(Ordering::Relaxed),
        counts.abandoned.load(Ordering::Relaxed),
    );
    assert_eq!(fds, idle_fds, "descriptors leaked");
    assert!(
        rss <= idle_rss + RSS_SLACK_KIB,
        "RSS {rss} KiB after, {idle_rss} KiB idle"
    );
    assert!(
        server
            .stop_with(libc::SIGTERM, Duration::from_secs(5))
            .is_some_and(|s| s.success())
    );
}

#[test]
#[ignore = "a 20 s soak: tests/run.sh runs it (cargo test --test soak -- --ignored)"]
fn dirserve_soak() {
    let tree = Tree::new("soak");
    let big: Vec<u8> = (0..1_500_000u32).map(|i| (i % 253) as u8).collect();
    tree.file("big.bin", &big).file("small.txt", "small");
    for i in 0..200 {
        tree.file(format!("list/file-{i:03}.txt"), "x");
    }
    let server = Server::start("dirserve", &["-d", tree.path_str(), "-q", "--timeout", "2"]);
    soak(Kind::Dir, server);
}

#[test]
#[ignore = "a 20 s soak: tests/run.sh runs it (cargo test --test soak -- --ignored)"]
fn cowserve_soak() {
    let server = Server::start("cowserve", &["-q", "--timeout", "2"]);
    soak(Kind::Cow, server);
}
