//! A raw HTTP/1.1 client for tests: sends exactly the bytes a test writes (malformed ones too) and
//! parses what comes back, with deadlines so nothing hangs.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::FromRawFd;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(10);

/// One parsed response.
#[derive(Debug, Clone)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Header names lowercased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The status line as sent, CRLF included (`HTTP/1.1 404 File not found\r\n`), for a
    /// reason phrase that is UTF-8.
    pub fn status_line(&self) -> String {
        format!("{} {} {}\r\n", self.version, self.status, self.reason)
    }

    /// Asserts that this error answer is small, whatever made it: a status line under
    /// [`MOST_STATUS_LINE_BYTES`] and a body of at most [`MOST_ERROR_PAGE_BYTES`].
    pub fn assert_small_error(&self, what: &str) {
        let (line, body) = (self.status_line().len(), self.body.len());
        assert!(
            line < MOST_STATUS_LINE_BYTES && body <= MOST_ERROR_PAGE_BYTES,
            "{what}: a status line of {line} bytes, a body of {body}: {:?}",
            self.status_line().chars().take(200).collect::<String>()
        );
    }
}

/// What an error's status line must stay under, in bytes: one of kilobytes is refused by
/// proxies and clients (nginx answers 502, python's `http.client` raises `LineTooLong`, curl
/// runs out of memory: issue 23).
pub const MOST_STATUS_LINE_BYTES: usize = 100;

/// The most bytes an error page may take, whatever the request and the data on disk.
pub const MOST_ERROR_PAGE_BYTES: usize = 2048;

/// A connection that can carry several requests (keep-alive).
pub struct Connection {
    stream: TcpStream,
    buffered: Vec<u8>,
}

impl Connection {
    pub fn open(addr: SocketAddr) -> Connection {
        let stream = TcpStream::connect_timeout(&addr, DEADLINE).expect("connect");
        Connection::over(stream)
    }

    /// Like [`Connection::open`], from the loopback address `source` (such as 127.0.0.2): another
    /// client, as the server sees it.
    pub fn open_from(addr: SocketAddr, source: Ipv4Addr) -> Connection {
        Connection::over(connect_from(addr, source).expect("connect"))
    }

    fn over(stream: TcpStream) -> Connection {
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        stream.set_write_timeout(Some(DEADLINE)).unwrap();
        Connection {
            stream,
            buffered: Vec::new(),
        }
    }

    /// Waits up to `deadline` for each read: for answers the server takes long to begin.
    pub fn with_read_deadline(self, deadline: Duration) -> Connection {
        self.stream.set_read_timeout(Some(deadline)).unwrap();
        self
    }

    /// Writes raw bytes.
    pub fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).expect("send request");
    }

    /// Reads one response; `head_only` for answers to HEAD, which have no body.
    pub fn read_response(&mut self, head_only: bool) -> Option<Response> {
        let head_end = loop {
            if let Some(i) = servekit::substring::find(&self.buffered, b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill() {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buffered[..head_end]).into_owned();
        self.buffered.drain(..head_end);
        let mut lines = head.split("\r\n");
        let status_line = lines.next()?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next()?.to_owned();
        let status = parts.next()?.parse().ok()?;
        let reason = parts.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut response = Response {
            version,
            status,
            reason,
            headers,
            body: Vec::new(),
        };
        let no_body = head_only || status == 304 || status == 204 || (100..200).contains(&status);
        if !no_body {
            match response
                .header("content-length")
                .map(|l| l.parse::<usize>())
            {
                Some(Ok(len)) => {
                    while self.buffered.len() < len {
                        if !self.fill() {
                            break;
                        }
                    }
                    let len = len.min(self.buffered.len());
                    response.body = self.buffered.drain(..len).collect();
                }
                _ => {
                    while self.fill() {}
                    response.body = std::mem::take(&mut self.buffered);
                }
            }
        }
        Some(response)
    }

    /// Sends a request and reads its response.
    pub fn exchange(&mut self, raw: &[u8]) -> Option<Response> {
        self.send(raw);
        self.read_response(raw.starts_with(b"HEAD "))
    }

    /// Whether the server has closed the connection (reads end) within the read deadline.
    pub fn is_closed(&mut self) -> bool {
        !self.fill() && self.buffered.is_empty()
    }

    fn fill(&mut self) -> bool {
        let mut buf = [0; 64 * 1024];
        match self.stream.read(&mut buf) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buffered.extend_from_slice(&buf[..n]);
                true
            }
        }
    }
}

/// `GET path` on a new connection, `Connection: close`.
pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
    )
}

/// `GET path`, retried while the server is still starting (a container, say), for at most 10 s.
pub fn get_when_up(addr: SocketAddr, path: &str) -> Response {
    let start = std::time::Instant::now();
    loop {
        if let Some(response) = try_get(addr, path) {
            return response;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "nothing answered on {addr} in {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET path`, or `None` if nothing accepts or answers.
fn try_get(addr: SocketAddr, path: &str) -> Option<Response> {
    let stream = TcpStream::connect_timeout(&addr, DEADLINE).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    let mut conn = Connection {
        stream,
        buffered: Vec::new(),
    };
    let raw = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    conn.stream.write_all(raw.as_bytes()).ok()?;
    conn.read_response(false)
}

/// Sends a whole raw request on a new connection and reads the answer.
pub fn request(addr: SocketAddr, raw: &str) -> Response {
    Connection::open(addr)
        .exchange(raw.as_bytes())
        .unwrap_or_else(|| panic!("no response to {raw:?}"))
}

/// A TCP connection to the IPv4 `addr` from `source` (std cannot bind before connecting).
fn connect_from(addr: SocketAddr, source: Ipv4Addr) -> io::Result<TcpStream> {
    let SocketAddr::V4(addr) = addr else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not IPv4"));
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: a new socket, owned by `stream` from the next line on (closed on every path);
    // the addresses are valid `sockaddr_in`s of the length given.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        // Bounds the blocking connect below too (Linux applies the send timeout to it).
        stream.set_write_timeout(Some(DEADLINE))?;
        let local = sockaddr(source, 0);
        if libc::bind(fd, (&raw const local).cast(), len) != 0 {
            return Err(io::Error::last_os_error());
        }
        let remote = sockaddr(*addr.ip(), addr.port());
        if libc::connect(fd, (&raw const remote).cast(), len) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(stream)
    }
}
