//! Clients that try to take dirserve from the others (issue 23): requests whose answer is cheap to
//! ask for and dear to make. Each test measures what the server spends, by thread, from
//! `/proc/PID/task/*/stat`, so it needs no luck with timing: the connection workers must stay
//! free whatever the requests' headers, and the costly work must go to the `offload` threads,
//! whose number bounds it.

use e2e::http::{Connection, Response};
use e2e::server::Server;
use testkit::Tree;

/// A text file that compresses as prose does (about 3:1), 1 MiB: the largest gzipped on the fly.
fn prose(len: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "cow", "moo", "grass", "field", "barn", "milk", "farmer", "fence", "gate", "hay", "sun",
        "rain", "morning", "evening", "calf", "bell",
    ];
    let mut text = Vec::with_capacity(len + 16);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    while text.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        text.extend_from_slice(WORDS[(seed % 16) as usize].as_bytes());
        text.extend_from_slice(format!(" {} ", seed % 1000).as_bytes());
        if seed % 11 == 0 {
            text.push(b'\n');
        }
    }
    text.truncate(len);
    text
}

/// CPU time (user + system) the process's threads have used, in milliseconds: (connection
/// workers and everything else, `offload` threads).
fn cpu_ms(pid: u32) -> (u64, u64) {
    let ticks_per_ms = 1000 / clock_ticks_per_second();
    let (mut workers, mut offload) = (0, 0);
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("the server's threads") {
        let Ok(stat) = std::fs::read_to_string(task.unwrap().path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ...`: the name may hold spaces, so split after its closing paren.
        let (name, rest) = stat.split_once(") ").expect("a stat line");
        let fields: Vec<&str> = rest.split(' ').collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let ms = (fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap())
            * ticks_per_ms;
        if name.ends_with("(offload") {
            offload += ms;
        } else {
            workers += ms;
        }
    }
    (workers, offload)
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).expect("a clock tick rate")
}

/// `requests` requests for `path` on each of `connections` connections, all written at once
/// (pipelined), then every answer read.
fn pipelined(
    server: &Server,
    method: &str,
    path: &str,
    connections: usize,
    requests: usize,
) -> Vec<Response> {
    let raw = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
    let mut open: Vec<Connection> = (0..connections)
        .map(|_| {
            let mut connection = Connection::open(server.addr);
            connection.send(raw.repeat(requests).as_bytes());
            connection
        })
        .collect();
    let mut answers = Vec::new();
    for connection in &mut open {
        for _ in 0..requests {
            answers.push(
                connection
                    .read_response(method == "HEAD")
                    .expect("an answer"),
            );
        }
    }
    answers
}

fn served_prose() -> (Tree, Server) {
    let tree = Tree::new("hostile-gzip");
    tree.file("big.txt", prose(1 << 20))
        .file("small.txt", b"small\n");
    let server = Server::start("dirserve", &["-q", "-d", tree.path_str()]);
    (tree, server)
}

/// A HEAD costs what its answer costs: the headers a GET would get (gzip, its validators), and
/// no body compressed only to be thrown away. 200 pipelined HEADs of a 1 MiB text file cost
/// 3.2 s of a worker's CPU when each was compressed whole.
#[test]
fn a_head_of_a_compressible_file_compresses_nothing() {
    let (_tree, server) = served_prose();
    let get = Connection::open(server.addr)
        .exchange(b"GET /big.txt HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n")
        .expect("a GET");
    assert_eq!(get.header("content-encoding"), Some("gzip"));
    let before = cpu_ms(server.child.id());
    let heads = pipelined(&server, "HEAD", "/big.txt", 4, 50);
    let (workers, offload) = cpu_ms(server.child.id());
    let spent = workers - before.0 + offload - before.1;
    println!("200 pipelined HEADs of a 1 MiB text file: {spent} ms of CPU");
    for head in &heads {
        assert_eq!(head.status, 200);
        for name in [
            "content-encoding",
            "etag",
            "last-modified",
            "content-type",
            "vary",
        ] {
            assert_eq!(head.header(name), get.header(name), "{name}");
        }
        // Its length is the compressed one's, unknown without compressing: RFC 9110 8.6
        // lets a HEAD leave it out, and a wrong one would mislead a cache.
        assert_eq!(head.header("content-length"), None);
    }
    assert!(spent <= 200, "{spent} ms of CPU for 200 HEADs");
}

/// A GET gzipped on the fly is compressed on an `offload` thread: 100 of them, pipelined, leave
/// the connection workers with no more than the sending.
#[test]
fn gzip_on_the_fly_runs_off_the_connection_workers() {
    let (_tree, server) = served_prose();
    let before = cpu_ms(server.child.id());
    let gets = pipelined(&server, "GET", "/big.txt", 4, 25);
    let after = cpu_ms(server.child.id());
    let (workers, offload) = (after.0 - before.0, after.1 - before.1);
    println!("100 pipelined gzipped GETs of 1 MiB: workers {workers} ms, offload {offload} ms");
    for get in &gets {
        assert_eq!(get.status, 200);
        assert_eq!(get.header("content-encoding"), Some("gzip"));
        assert!(get.body.len() < (1 << 20) / 2, "{} bytes", get.body.len());
    }
    assert!(
        workers * 4 < offload,
        "the workers did {workers} ms of the compression's {offload} ms"
    );
    let small = Connection::open(server.addr)
        .exchange(b"GET /small.txt HTTP/1.1\r\nHost: test\r\n\r\n")
        .expect("an answer");
    assert_eq!(small.body, b"small\n");
}

/// A listing's page gzipped for the client is compressed off the workers too, when it is large:
/// 40 pipelined requests for the page of 8,000 names (about 500 KB of HTML).
#[test]
fn a_large_gzipped_listing_is_compressed_off_the_connection_workers() {
    let tree = Tree::new("hostile-gzip-listing");
    for i in 0..8000 {
        tree.file(format!("dir/a-file-with-a-long-name-{i:05}.txt"), b"");
    }
    let server = Server::start("dirserve", &["-q", "-d", tree.path_str()]);
    let before = cpu_ms(server.child.id());
    let pages = pipelined(&server, "GET", "/dir/", 4, 10);
    let after = cpu_ms(server.child.id());
    let (workers, offload) = (after.0 - before.0, after.1 - before.1);
    println!(
        "40 pipelined gzipped listings of 8,000 names: workers {workers} ms, offload {offload} ms"
    );
    for page in &pages {
        assert_eq!(page.status, 200);
        assert_eq!(page.header("content-encoding"), Some("gzip"));
    }
    assert!(
        workers * 4 < offload,
        "the workers did {workers} ms of the compression's {offload} ms"
    );
}
