//! HTTP/1.1 over a real socket: keep-alive, limits, stalled and malformed clients, the log.
//! What the handler answers (ranges, validators, JSON listings, redirects) is tested in-process
//! in `dirserve/tests/handler.rs`.

use e2e::http::{Connection, get, request};
use e2e::server::Server;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use testkit::Tree;

fn numbers(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn serve(tree: &Tree, extra: &[&str]) -> Server {
    let mut args = vec!["-d", tree.path_str()];
    args.extend_from_slice(extra);
    Server::start("dirserve", &args)
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let tree = Tree::new("keepalive");
    tree.file("a.txt", "aaa").file("d/b.txt", "bbb");
    let server = serve(&tree, &[]);
    let mut conn = Connection::open(server.addr);
    for (path, body) in [("/a.txt", "aaa"), ("/d/b.txt", "bbb"), ("/a.txt", "aaa")] {
        let response = conn
            .exchange(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .expect("answer on the same connection");
        assert_eq!(response.text(), body);
    }
    // Pipelined: two requests in one write, two answers in order.
    conn.send(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /d/b.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(conn.read_response(false).unwrap().text(), "aaa");
    assert_eq!(conn.read_response(false).unwrap().text(), "bbb");
    let head = conn
        .exchange(b"HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(head.header("content-length"), Some("3"));
    assert!(head.body.is_empty());
    assert_eq!(
        conn.exchange(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .text(),
        "aaa"
    );

    // --protocol HTTP/1.0 closes after each answer, as python does by default.
    let closing = serve(&tree, &["-p", "HTTP/1.0"]);
    let mut conn = Connection::open(closing.addr);
    assert_eq!(
        conn.exchange(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .text(),
        "aaa"
    );
    assert!(conn.is_closed());
}

#[test]
fn malformed_requests_get_4xx_and_the_server_goes_on() {
    let tree = Tree::new("malformed");
    tree.file("ok.txt", "ok");
    let server = serve(&tree, &[]);
    let bad: &[&[u8]] = &[
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nNo-Colon-Header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /<script> HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    ];
    for raw in bad {
        let mut conn = Connection::open(server.addr);
        conn.send(raw);
        // hyper may answer 400 or just close; either way nothing is served and nothing breaks.
        if let Some(response) = conn.read_response(false) {
            assert!(
                (400..500).contains(&response.status) || response.status == 505,
                "{:?}: {}",
                String::from_utf8_lossy(raw),
                response.status
            );
        }
    }
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let mut conn = Connection::open(server.addr);
    conn.send(huge.as_bytes());
    let response = conn
        .read_response(false)
        .expect("an answer to a huge header");
    assert_eq!(response.status, 431);
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let response = request(
        server.addr,
        &format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n"),
    );
    assert_eq!(response.status, 431);
    assert_eq!(get(server.addr, "/ok.txt").text(), "ok");
}

/// Whatever the request, an error answer is small (issue 23): python's phrase for an ordinary
/// error, whole; a method or query value of kilobytes, echoed in the message, cut to a status
/// line under 100 bytes (python would send it whole) and a page under 2 KiB.
#[test]
fn error_answers_stay_small_whatever_the_request() {
    let tree = Tree::new("small-errors");
    tree.file("ok.txt", "ok").dir("dir");
    let server = serve(&tree, &["-q"]);
    let long = "x".repeat(8000);
    let method = "M".repeat(8000);
    let cases = [
        format!("{method} / HTTP/1.1"),
        format!("GET /?sort={long} HTTP/1.1"),
        format!("GET /dir/?order={} HTTP/1.1", "%3C".repeat(2600)),
        format!("GET /{long} HTTP/1.1"),
        format!("GET /../{long} HTTP/1.1"),
        format!("GET /ok.txt/{long}/ HTTP/1.1"),
    ];
    for line in &cases {
        let raw = format!("{line}\r\nHost: x\r\nConnection: close\r\n\r\n");
        let response = request(server.addr, &raw);
        assert!(response.status >= 400, "{}", &line[..20]);
        response.assert_small_error(&line[..20]);
    }
    let cut = request(
        server.addr,
        &format!("{method} / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(cut.status, 501);
    assert_eq!(
        cut.reason,
        format!("Unsupported method ('{}...", &method[..56])
    );
    let post = request(
        server.addr,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        post.status_line(),
        "HTTP/1.1 501 Unsupported method ('POST')\r\n"
    );
}

/// 50 clients download a 5 MB file at once; every copy is byte-exact.
#[test]
fn concurrent_large_downloads_are_exact() {
    let tree = Tree::new("large");
    let data = numbers(5_000_000);
    tree.file("big.bin", &data);
    let server = serve(&tree, &["--quiet"]);
    let addr = server.addr;
    let threads: Vec<_> = (0..50)
        .map(|_| std::thread::spawn(move || get(addr, "/big.bin").body))
        .collect();
    for thread in threads {
        let body = thread.join().unwrap();
        assert!(body == data, "a download differed ({} bytes)", body.len());
    }
}

/// A client that sends half a request head blocks no one, and is dropped after the timeout.
#[test]
fn stalled_clients_are_dropped_and_block_no_one() {
    let tree = Tree::new("stall");
    tree.file("ok.txt", "ok");
    let server = serve(&tree, &["--timeout", "1"]);
    let mut stalled: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"GET /ok.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    let idle = TcpStream::connect(server.addr).unwrap();
    let start = Instant::now();
    assert_eq!(get(server.addr, "/ok.txt").text(), "ok");
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "served while others stall"
    );
    for s in stalled.iter_mut().chain(std::iter::once(&mut { idle })) {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let started = Instant::now();
        let _ = s.read_to_end(&mut buf);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "stalled client not dropped"
        );
    }
    // Idle keep-alive connections are closed after the timeout too.
    let mut conn = Connection::open(server.addr);
    assert_eq!(
        conn.exchange(b"GET /ok.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .text(),
        "ok"
    );
    let started = Instant::now();
    assert!(conn.is_closed());
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// A client that stops reading a large download is dropped, and its slot freed.
#[test]
fn clients_that_stop_reading_are_dropped() {
    let tree = Tree::new("slowreader");
    tree.file("big.bin", numbers(20_000_000));
    let server = serve(&tree, &["--timeout", "1", "--quiet"]);
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    // By now the server gave up: reading drains what the kernel buffered, then ends.
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut total = 0;
    let mut buf = vec![0; 1 << 16];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        total += n;
    }
    assert!(
        total < 20_000_000,
        "the whole file arrived ({total} bytes): not dropped"
    );
}

/// RFC 9112: an HTTP/1.1 request without `Host`, or with two, is a 400, as nginx answers;
/// HTTP/1.0 needs none. The same for cowserve, whose plumbing is shared.
#[test]
fn host_is_required_in_http_1_1() {
    let tree = Tree::new("host");
    tree.file("a.txt", "a");
    let dirserve = serve(&tree, &["-q"]);
    let cowserve = Server::start("cowserve", &["-q"]);
    for server in [&dirserve, &cowserve] {
        let path = if server.addr == dirserve.addr {
            "/a.txt"
        } else {
            "/fortune"
        };
        let missing = request(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(missing.status, 400, "{missing:?}");
        assert!(missing.reason.contains("Host"), "{}", missing.reason);
        let twice = request(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(twice.status, 400, "{twice:?}");
        let old = request(server.addr, &format!("GET {path} HTTP/1.0\r\n\r\n"));
        assert_eq!(old.status, 200, "{old:?}");
        assert_eq!(get(server.addr, path).status, 200);
    }
}

/// A `"` in the request line is logged as `\x22`, as nginx does, so a log parser that splits on
/// quotes reads the line as it was.
#[test]
fn quotes_in_the_request_line_are_escaped_in_the_log() {
    let tree = Tree::new("quote-log");
    let server = serve(&tree, &[]);
    let answer = request(
        server.addr,
        "GET /a\"b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(answer.status, 404);
    let log = server.stop_and_read_log();
    assert!(log.contains("\"GET /a\\x22b HTTP/1.1\" 404 -"), "{log}");
}

/// RFC 9112: a transfer coding the server does not know gets 501 and the connection closes (its
/// body cannot be skipped), as `gzip, chunked` or `gzip` and `chunked` on two lines; `chunked`
/// not last (on one line or two) is hyper's 400 (6.3: the length cannot be known), and closes
/// too; `chunked` in any case is served, and the next request on the connection answered. The
/// same for cowserve.
#[test]
fn unknown_transfer_codings_get_501_and_close() {
    let tree = Tree::new("transfer-codings");
    tree.file("a.txt", "a");
    let dirserve = serve(&tree, &["-q"]);
    let cowserve = Server::start("cowserve", &["-q"]);
    let cases: [(&str, u16); 8] = [
        ("Transfer-Encoding: gzip, chunked", 501),
        ("Transfer-Encoding: GZIP ,Chunked", 501),
        ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked", 501),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip", 400),
        ("Transfer-Encoding: chunked, gzip", 400),
        ("Transfer-Encoding: identity", 400),
        ("Transfer-Encoding: chunked", 200),
        ("Transfer-Encoding: CHUNKED", 200),
    ];
    for (server, path) in [(&dirserve, "/a.txt"), (&cowserve, "/fortune")] {
        for (headers, status) in cases {
            let mut conn = Connection::open(server.addr);
            conn.send(
                format!(
                    "GET {path} HTTP/1.1\r\nHost: a\r\n{headers}\r\n\r\n0\r\n\r\n\
                     GET {path} HTTP/1.1\r\nHost: a\r\n\r\n"
                )
                .as_bytes(),
            );
            let answer = conn.read_response(false).expect("an answer");
            assert_eq!(answer.status, status, "{path} {headers:?}: {answer:?}");
            if status == 200 {
                let next = conn.read_response(false).expect("the next answer");
                assert_eq!(next.status, 200, "{path} {headers:?}, then: {next:?}");
                continue;
            }
            if status == 501 {
                assert!(
                    answer.reason.contains("transfer coding"),
                    "{}",
                    answer.reason
                );
                assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
            }
            assert!(conn.is_closed(), "{path} {headers:?}: still open");
        }
    }
}
