//! SIGTERM and SIGINT: stop accepting, finish what is in flight, exit 0.

use e2e::http::get;
use e2e::server::Server;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use testkit::Tree;

#[test]
fn idle_server_exits_0_at_once() {
    let tree = Tree::new("stop-idle");
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let server = Server::start("dirserve", &["-d", tree.path_str()]);
        let start = Instant::now();
        let status = server
            .stop_with(signal, Duration::from_secs(5))
            .expect("exits after the signal");
        assert_eq!(status.code(), Some(0), "signal {signal}");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn in_flight_download_finishes_and_new_connections_are_refused() {
    let tree = Tree::new("stop-busy");
    let data: Vec<u8> = (0..8_000_000u32).map(|i| (i % 253) as u8).collect();
    tree.file("big.bin", &data);
    let server = Server::start("dirserve", &["-d", tree.path_str(), "-q"]);
    let addr = server.addr;
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut first = [0; 1024];
    stream.read_exact(&mut first).unwrap();
    let mut server = server;
    e2e::process::send_signal(server.child.id(), libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "no new connections after SIGTERM"
    );
    let mut rest = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.read_to_end(&mut rest).unwrap();
    let response = [&first[..], &rest].concat();
    let body_start = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(
        response[body_start..] == data[..],
        "the in-flight download was cut"
    );
    let status = e2e::process::wait(&mut server.child, Duration::from_secs(5));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    let _ = get;
}
