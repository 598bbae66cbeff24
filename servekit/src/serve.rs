//! Running a [`Handler`]: worker threads, the accept loop, limits and graceful shutdown.
//!
//! Each worker is a single-threaded tokio runtime on its own thread, accepting from the same
//! listening sockets (as nginx's workers do). Connections never move between threads, which
//! keeps musl's allocator uncontended: early measurements put tokio's work-stealing runtime on
//! musl at 25% below one single-threaded runtime.

use crate::access_log;
use crate::additions::{Additions, Early};
use crate::body::{self, Body};
use crate::error::HttpError;
use crate::fd_limit;
use crate::idle::{Activity, IdleTimeout, Watched};
use crate::listen;
use crate::probe;
use crate::sendfile::{FileQueue, Outgoing, SendfileStream};
use crate::slots::Slots;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HOST, HeaderValue, SERVER, TRANSFER_ENCODING};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io::{self, Write};
use std::net::{IpAddr, TcpListener as StdListener};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// What a server does with a request. Handlers answer from memory or the page cache without
/// waiting, so this is a plain function; a body that is slow to produce streams through [`Body`],
/// and work that would hold up the worker (a huge listing) goes to an [`crate::offload`] thread,
/// answered with [`Body::later`].
pub trait Handler: Send + Sync + 'static {
    /// The answer to `request` (its head: both servers answer GET and HEAD only, so a body is
    /// never read), or the error whose page answers it. A plain struct, so tests build one with
    /// `Request::builder()` and call the handler in-process.
    fn handle(&self, request: &Parts) -> Result<Response<Body>, HttpError>;

    /// Whether error pages follow the system's dark mode (python 3.14's page); python 3.11's
    /// page unless a handler says so.
    fn dark_mode_pages(&self) -> bool {
        false
    }
}

/// Resource limits, each a reason a client cannot hold the server hostage.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections served at once. When all are taken, the one idle the longest between
    /// requests is closed to make room for a new one (`slots`); with none idle, new ones wait.
    pub max_connections: usize,
    /// Time to send a whole request head (slow-loris), and the most a connection may sit with no
    /// byte moving either way (idle keep-alive, a client that stops reading).
    pub timeout: Duration,
    /// Bytes of request line and headers (hyper's floor is 8 KiB); larger gets 431.
    pub max_header_bytes: usize,
    /// Header lines per request, python's `_MAXHEADERS`.
    pub max_headers: usize,
    /// How long in-flight responses may take to finish after SIGTERM or SIGINT.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 1024,
            timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            shutdown_grace: Duration::from_secs(3),
        }
    }
}

/// Everything [`run`] needs besides the handler.
pub struct ServerConfig {
    /// Bound and listening sockets (see [`crate::listen::bind`]).
    pub listeners: Vec<StdListener>,
    /// What no client may exceed.
    pub limits: Limits,
    /// No access log.
    pub quiet: bool,
    /// Keep connections open between requests (off for `--protocol HTTP/1.0`).
    pub keep_alive: bool,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// The `Server` header, e.g. `dirserve/0.1.0`.
    pub server_name: &'static str,
    /// `--header`, `--cors`, `--health-path`.
    pub additions: Additions,
}

/// State every worker shares.
struct Shared<H> {
    handler: H,
    slots: Arc<Slots>,
    shutdown: watch::Sender<bool>,
    limits: Limits,
    quiet: bool,
    keep_alive: bool,
    server_name: HeaderValue,
    /// The product in `server_name` (`dirserve`), which the server's own log lines begin with.
    program: &'static str,
    additions: Additions,
}

impl<H: Handler> Shared<H> {
    /// The one construction [`run`] and [`StreamServer`] share.
    fn new(
        handler: H,
        limits: Limits,
        quiet: bool,
        keep_alive: bool,
        name: &'static str,
        additions: Additions,
    ) -> Arc<Self> {
        Arc::new(Shared {
            handler,
            slots: Arc::new(Slots::new(limits.max_connections)),
            shutdown: watch::Sender::new(false),
            limits,
            quiet,
            keep_alive,
            server_name: HeaderValue::from_static(name),
            program: name.split('/').next().unwrap_or(name),
            additions,
        })
    }
}

/// One handler serving connections from any byte stream rather than from sockets, quietly and
/// with the given limits: the entry point of the fuzz targets (`fuzz/`), which drive the real
/// request path (hyper's parser, the limits, the handler, the bodies) with arbitrary bytes.
pub struct StreamServer<H>(Arc<Shared<H>>);

impl<H: Handler> StreamServer<H> {
    /// A quiet server with keep-alive, named `servekit` in its `Server` header.
    pub fn new(handler: H, limits: Limits) -> StreamServer<H> {
        StreamServer::with_additions(handler, limits, Additions::default())
    }

    /// [`StreamServer::new`] with an operator's additions (`--header`, `--cors`,
    /// `--health-path`).
    pub fn with_additions(handler: H, limits: Limits, additions: Additions) -> StreamServer<H> {
        StreamServer(Shared::new(
            handler, limits, true, true, "servekit", additions,
        ))
    }

    /// Serves `stream` until the client closes it, an error, or a timeout (needs a tokio
    /// runtime with time enabled).
    pub async fn serve<S>(&self, stream: S, client: IpAddr)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let slot = self.0.slots.acquire().await;
        let activity = Arc::clone(slot.activity());
        connection(stream, None, client, Arc::clone(&self.0), activity).await;
    }
}

/// Serves until `shutdown` resolves, then stops accepting, lets in-flight responses finish within
/// the grace period and returns (with `shutdown`'s error, if it ends in one).
///
/// `shutdown` is polled once, on the runtime that will drive it, before python's start-up line
/// is printed for each socket: a future that registers signal handlers on its first poll (as
/// [`crate::serve_until_signal`]'s does) has them in place before anyone can see the server is
/// up, so even a `docker stop` right after start is handled.
pub fn run<H, F>(config: ServerConfig, handler: H, shutdown: F) -> io::Result<()>
where
    H: Handler,
    F: Future<Output = io::Result<()>> + Send + 'static,
{
    raise_fd_limit();
    let workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let shared = Shared::new(
        handler,
        config.limits,
        config.quiet,
        config.keep_alive,
        config.server_name,
        config.additions,
    );
    let main_runtime = runtime()?;
    let mut shutdown = Box::pin(shutdown);
    let first_poll = main_runtime.block_on(std::future::poll_fn(|cx| {
        Poll::Ready(shutdown.as_mut().poll(cx))
    }));
    if let Poll::Ready(ended) = first_poll {
        return ended;
    }
    for listener in &config.listeners {
        let line = listen::startup_line(listener.local_addr()?);
        // A closed stdout (`dirserve | head -1`) must not stop the server: unlike `println!`,
        // this ignores the error.
        let _ = writeln!(io::stdout(), "{line}");
    }
    let mut threads = Vec::with_capacity(workers - 1);
    for _ in 1..workers {
        let listeners = clone_all(&config.listeners)?;
        let shared = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || {
            runtime()?.block_on(worker(listeners, shared))
        }));
    }
    let stop = shared.shutdown.clone();
    let first = main_runtime.block_on(async {
        let trigger = tokio::spawn(async move {
            let ended = shutdown.await;
            stop.send_replace(true);
            ended
        });
        let served = worker(config.listeners, Arc::clone(&shared)).await;
        // The worker returns only after shutdown began, so the trigger has already ended.
        served.and(trigger.await.unwrap_or(Ok(())))
    });
    for thread in threads {
        thread.join().expect("worker thread panicked")?;
    }
    first
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
}

fn clone_all(listeners: &[StdListener]) -> io::Result<Vec<StdListener>> {
    listeners.iter().map(StdListener::try_clone).collect()
}

/// One worker: accepts on every socket until shutdown, then waits for its connections to finish
/// (at most the grace period).
async fn worker<H: Handler>(listeners: Vec<StdListener>, shared: Arc<Shared<H>>) -> io::Result<()> {
    // Every connection holds a clone of `done`; `recv` returns once all are dropped.
    let (done, mut all_done) = mpsc::channel::<()>(1);
    for listener in listeners {
        let listener = TcpListener::from_std(listener)?;
        tokio::spawn(accept_loop(listener, Arc::clone(&shared), done.clone()));
    }
    drop(done);
    let mut shutdown = shared.shutdown.subscribe();
    stopped(&mut shutdown).await;
    let _ = tokio::time::timeout(shared.limits.shutdown_grace, all_done.recv()).await;
    Ok(())
}

async fn accept_loop<H: Handler>(
    listener: TcpListener,
    shared: Arc<Shared<H>>,
    done: mpsc::Sender<()>,
) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut shutdown) => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            // Out of descriptors (said once) or a connection reset before accept: back off
            // briefly rather than spin, and go on.
            Err(error) => {
                fd_limit::note(shared.program, &error);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Accepted before it has a slot, so that a full server knows someone is waiting and
        // closes an idle connection for it; the rest wait in the kernel's queue meanwhile.
        let slot = tokio::select! {
            slot = shared.slots.acquire() => slot,
            _ = stopped(&mut shutdown) => return,
        };
        // Responses go out whole; waiting for ACKs (Nagle) only adds latency.
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let done = done.clone();
        tokio::spawn(async move {
            let (stream, files) = SendfileStream::new(stream);
            let activity = Arc::clone(slot.activity());
            connection(stream, Some(files), peer.ip(), shared, activity).await;
            // The connection's slot frees, and its worker may finish, only now.
            drop((slot, done));
        });
    }
}

/// Serves one connection, keeping `activity` up to date; on shutdown lets the response in
/// flight finish, then closes; when a full server needs its slot, closes if idle. `files` is the
/// queue of a [`SendfileStream`], whose file bodies go out as `sendfile` calls.
async fn connection<H, S>(
    stream: S,
    files: Option<Arc<FileQueue>>,
    client: IpAddr,
    shared: Arc<Shared<H>>,
    activity: Arc<Activity>,
) where
    H: Handler,
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &shared.limits;
    let stream = IdleTimeout::new(stream, limits.timeout, Arc::clone(&activity));
    let io = TokioIo::new(stream);
    let service_shared = Arc::clone(&shared);
    let service_activity = Arc::clone(&activity);
    let service = service_fn(move |request| {
        // Busy from the request's head until hyper has taken the last of the response's body.
        let answering = service_activity.request_began();
        let shared = Arc::clone(&service_shared);
        let files = files.clone();
        async move {
            let response = respond(&shared, request, client).await;
            let outgoing = |body| Watched::new(Outgoing::new(body, files), answering);
            Ok::<_, Infallible>(response.map(outgoing))
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.timeout)
        .keep_alive(shared.keep_alive)
        .max_buf_size(limits.max_header_bytes)
        .max_headers(limits.max_headers);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut shutdown = shared.shutdown.subscribe();
    tokio::select! {
        // hyper first, so that a request that arrived with the request to close is read, which
        // makes the connection busy and cancels the close.
        biased;
        _ = conn.as_mut() => return,
        _ = stopped(&mut shutdown) => {}
        _ = activity.asked_to_close() => {}
    }
    // Closes at once if idle; otherwise after the response in flight.
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// Calls the handler (waiting for a [`Body::later`] answer) unless the health check's probe
/// (`OPTIONS *`) or the operator's additions (health path, CORS preflight) are answered first,
/// turns an error into its page, adds `Server` and the operator's headers, and logs the request
/// (never the probe's or the health path's).
async fn respond<H: Handler>(
    shared: &Shared<H>,
    request: Request<Incoming>,
    client: IpAddr,
) -> Response<Body> {
    let (request, _body) = request.into_parts();
    let early = if probe::is_probe(&request) {
        Some(Early::Health(probe::answer()))
    } else {
        shared.additions.answer_early(&request)
    };
    let (mut response, error, logged) = match early {
        Some(Early::Health(response)) => (response, None, false),
        Some(Early::Preflight(response)) => (response, None, true),
        None => {
            let answer = has_one_host(&request)
                .and_then(|()| knows_transfer_codings(&request))
                .and_then(|()| shared.handler.handle(&request));
            match body::settle(answer).await {
                Ok(response) => (response, None, true),
                Err(error) => {
                    let message = (!shared.quiet).then(|| error.log_message());
                    let dark_mode = shared.handler.dark_mode_pages();
                    (error.into_response(dark_mode), message, true)
                }
            }
        }
    };
    let headers = response.headers_mut();
    headers.insert(SERVER, shared.server_name.clone());
    shared.additions.apply(headers);
    if logged && !shared.quiet {
        let line = format!("{} {} {:?}", request.method, request.uri, request.version);
        access_log::log_request(client, &line, response.status().as_u16(), error.as_deref());
    }
    response
}

/// RFC 9112 (3.2): an HTTP/1.1 request must carry exactly one `Host`; any other gets a 400, as
/// nginx answers. HTTP/1.0 needs none.
fn has_one_host(request: &Parts) -> Result<(), HttpError> {
    let hosts = request.headers.get_all(HOST).iter().count();
    if hosts > 1 || (hosts == 0 && request.version >= Version::HTTP_11) {
        return Err(HttpError::new(
            StatusCode::BAD_REQUEST,
            "An HTTP/1.1 request needs one Host header",
        ));
    }
    Ok(())
}

/// RFC 9112 (6.1): a transfer coding other than `chunked` gets 501, as the RFC suggests, in any
/// `Transfer-Encoding` line and any case. hyper has already answered 400 where `chunked` is not
/// last (6.3); what reaches here, such as `gzip, chunked`, it would decode as chunked alone and
/// hand on as if plain. The connection closes after the answer: a body framed in a coding we do
/// not understand cannot be skipped safely.
fn knows_transfer_codings(request: &Parts) -> Result<(), HttpError> {
    let codings = request.headers.get_all(TRANSFER_ENCODING).iter();
    let unknown = codings
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .any(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case(b"chunked"));
    if unknown {
        return Err(HttpError::new(
            StatusCode::NOT_IMPLEMENTED,
            "Unsupported transfer coding: only chunked is understood",
        )
        .with_header(CONNECTION, HeaderValue::from_static("close")));
    }
    Ok(())
}

/// Resolves once shutdown has begun (at once if it already has).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, so callers' futures stay `Send`.
    let _ = shutdown.wait_for(|&stop| stop).await;
}

/// Lifts the soft limit on open files to the hard limit (as Go's runtime does; at most 2^20), so
/// the connection cap, not `EMFILE`, is what limits clients. `None` is unlimited.
fn raise_fd_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let wanted = limit.maximum.unwrap_or(u64::MAX).min(1 << 20);
    if limit.current.is_some_and(|current| current < wanted) {
        // Best effort: a server that keeps the lower limit still works, with fewer clients.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(wanted),
                maximum: limit.maximum,
            },
        );
    }
}

/// A conversation with a [`StreamServer`] over an in-memory stream, for unit tests: sends
/// `requests` at once and returns everything that comes back until the server closes, with the
/// status codes in order. `paused`: tokio's clock jumps over waits (no thread of ours runs).
#[cfg(test)]
pub(crate) fn converse<H: Handler>(
    handler: H,
    requests: &[u8],
    paused: bool,
) -> (String, Vec<u16>) {
    converse_with(
        StreamServer::new(handler, Limits::default()),
        requests,
        paused,
    )
}

/// [`converse`] with a server of the caller's making.
#[cfg(test)]
pub(crate) fn converse_with<H: Handler>(
    server: StreamServer<H>,
    requests: &[u8],
    paused: bool,
) -> (String, Vec<u16>) {
    use std::net::Ipv4Addr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(paused)
        .build()
        .unwrap();
    let (mut client, stream) = tokio::io::duplex(64 * 1024);
    let answer = runtime.block_on(async move {
        let serving = server.serve(stream, IpAddr::V4(Ipv4Addr::LOCALHOST));
        let talking = async {
            client.write_all(requests).await.unwrap();
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.unwrap();
            answer
        };
        tokio::join!(serving, talking).1
    });
    let answer = String::from_utf8(answer).unwrap();
    // Bodies end without a newline, so split on the status lines themselves.
    let statuses = answer
        .split("HTTP/1.1 ")
        .skip(1)
        .map(|rest| rest[..3].parse().unwrap())
        .collect();
    (answer, statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hello;

    impl Handler for Hello {
        fn handle(&self, request: &Parts) -> Result<Response<Body>, HttpError> {
            match request.uri.path() {
                "/" => Ok(Response::new(Body::from("hello"))),
                _ => Err(HttpError::not_found()),
            }
        }
    }

    /// Pipelined requests over an in-memory stream get their answers in order, with `Server`,
    /// and a malformed one ends the connection with a 400.
    #[test]
    fn a_stream_server_answers_pipelined_requests_then_a_malformed_one() {
        let (answer, statuses) = converse(
            Hello,
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET \x01 HTTP/1.1\r\n\r\n",
            true,
        );
        assert_eq!(statuses, [200, 404, 400], "{answer}");
        assert!(answer.contains("server: servekit\r\n"), "{answer}");
    }

    /// The operator's additions reach the wire: the health path without the handler, a CORS
    /// preflight, and the headers on every answer, error pages included.
    #[test]
    fn additions_answer_and_mark_every_answer() {
        let mut additions = Additions::default();
        additions.set_health_path("/healthz").unwrap();
        additions.add_header("X-Frame-Options: DENY").unwrap();
        additions.cors = true;
        let server = StreamServer::with_additions(Hello, Limits::default(), additions);
        let (answer, statuses) = converse_with(
            server,
            b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n\
              GET /nope HTTP/1.1\r\nHost: a\r\n\r\n\
              OPTIONS / HTTP/1.1\r\nHost: a\r\nOrigin: https://b\r\n\
              Access-Control-Request-Method: GET\r\n\r\n",
            true,
        );
        assert_eq!(statuses, [200, 404, 204], "{answer}");
        assert!(answer.contains("\r\n\r\nok\n"), "{answer}");
        assert_eq!(
            answer.matches("x-frame-options: DENY\r\n").count(),
            3,
            "{answer}"
        );
        let allowed = "access-control-allow-origin: *\r\n";
        assert_eq!(answer.matches(allowed).count(), 3, "{answer}");
        assert!(answer.contains("access-control-allow-methods: GET, HEAD, OPTIONS"));
    }

    /// The health check's probe, `OPTIONS *`, is answered without the handler (which answers
    /// anything but `/` with a 404), whatever the additions, and a `GET *` is not the probe.
    #[test]
    fn the_probe_is_answered_without_the_handler() {
        let mut additions = Additions::default();
        additions.set_health_path("/healthz").unwrap();
        additions.cors = true;
        let server = StreamServer::with_additions(Hello, Limits::default(), additions);
        let (answer, statuses) = converse_with(
            server,
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n\
              OPTIONS * HTTP/1.0\r\n\r\n",
            true,
        );
        assert_eq!(statuses, [200], "{answer}");
        assert!(
            answer.contains("\r\n\r\nHTTP/1.0 200 OK\r\n"),
            "the 1.0 one too: {answer}"
        );
        assert_eq!(
            answer.matches("allow: GET, HEAD\r\n").count(),
            2,
            "{answer}"
        );
        assert!(answer.contains("content-length: 0\r\n"), "{answer}");
        let (answer, statuses) = converse(Hello, b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", true);
        assert_eq!(statuses, [404], "{answer}");
    }

    /// A transfer coding hyper lets through but does not decode (`gzip, chunked`) gets 501 and
    /// the connection closes: the request pipelined after it is never read.
    #[test]
    fn an_unknown_transfer_coding_is_501_and_closes() {
        let (answer, statuses) = converse(
            Hello,
            b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n\
              GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            true,
        );
        assert_eq!(statuses, [501], "{answer}");
        assert!(answer.contains("connection: close\r\n"), "{answer}");
        let (answer, statuses) = converse(
            Hello,
            b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
            true,
        );
        assert_eq!(statuses, [200], "{answer}");
    }
}
