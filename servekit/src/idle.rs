//! Knowing when a connection is idle, for two purposes: dropping connections that make no
//! progress ([`IdleTimeout`]: idle keep-alive connections and clients that stop reading; hyper's
//! own `header_read_timeout` covers clients that dribble a header), and telling a full server
//! which connections it may close to make room for a new one ([`Activity`], used by
//! [`crate::slots`]).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// Wraps a connection: once a read or write has waited `timeout` without any byte moving either
/// way, it fails with `TimedOut` and hyper closes the connection. It also reports what it sees to
/// the connection's [`Activity`]: a byte arriving, or a write that has to wait.
pub struct IdleTimeout<T> {
    inner: T,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    /// Whether `deadline` is counting: set when an operation first waits, cleared on progress.
    armed: bool,
    activity: Arc<Activity>,
}

impl<T> IdleTimeout<T> {
    pub fn new(inner: T, timeout: Duration, activity: Arc<Activity>) -> IdleTimeout<T> {
        IdleTimeout {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
            activity,
        }
    }

    /// Called when an operation is pending: arms the deadline, or fails once it has passed.
    fn check(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if !self.armed {
            self.armed = true;
            self.deadline.as_mut().reset(Instant::now() + self.timeout);
        }
        ready!(self.deadline.as_mut().poll(cx));
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            "connection made no progress",
        ))
    }

    /// Passes a result through, disarming the deadline on progress and checking it while pending.
    fn track<R>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match poll {
            Poll::Ready(result) => {
                self.armed = false;
                Poll::Ready(result)
            }
            Poll::Pending => self.check(cx).map(Err),
        }
    }

    /// [`IdleTimeout::track`] for writes: while one waits for the client to read, the
    /// connection is not idle, even if hyper has taken the whole response.
    fn track_write<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match poll {
            Poll::Pending => self.activity.set(WRITING),
            Poll::Ready(_) => self.activity.clear(WRITING),
        }
        self.track(cx, poll)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.set(RECEIVED);
        }
        this.track(cx, poll)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.track_write(cx, poll)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.track_write(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.track(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.track_write(cx, poll)
    }
}

/// [`Activity::state`] while the connection is busy (any of [`Activity::busy`]'s bits set).
const BUSY: u64 = 0;
/// [`Activity::state`] once a full server has asked the connection to close.
const CLOSING: u64 = u64::MAX;

/// [`Activity::busy`]: hyper is answering a request (from its head until hyper has taken the
/// last of the response's body).
const ANSWERING: u8 = 1;
/// [`Activity::busy`]: bytes have arrived that no answer has begun for: the next request (or
/// this one's body, which neither server reads).
const RECEIVED: u8 = 2;
/// [`Activity::busy`]: a write is waiting for the client to read.
const WRITING: u8 = 4;

/// Whether a connection sits idle between requests, shared with [`crate::slots`] so that a full
/// server can close the connection idle the longest (as nginx does). Idle means what makes
/// hyper's `graceful_shutdown` close at once and cleanly: the last response handed over whole and
/// written, and no byte of a next request received (a connection that has received nothing yet
/// counts as idle too, as in nginx).
///
/// Everything but the request to close happens on the connection's own task, inside its polls,
/// so what the server reads between polls is hyper's state as of the last one. Only `state` is
/// read from elsewhere, nothing else is published through it: relaxed atomics suffice.
pub struct Activity {
    /// [`BUSY`], [`CLOSING`], or when the connection went idle (from [`now`]). Only the
    /// connection sets it to `BUSY` or a time; only [`Activity::ask_to_close`] to `CLOSING`, and
    /// only from a time, so a connection that has become busy meanwhile is never closed.
    state: AtomicU64,
    /// Why the connection is busy: [`ANSWERING`], [`RECEIVED`], [`WRITING`]; idle at 0.
    busy: AtomicU8,
    /// Wakes the connection when the server asks it to close.
    close: Notify,
}

impl Activity {
    /// A new connection: idle, as nothing has arrived yet.
    pub fn new() -> Activity {
        Activity {
            state: AtomicU64::new(now()),
            busy: AtomicU8::new(0),
            close: Notify::new(),
        }
    }

    /// Marks the connection busy for `bits`. (`busy` changes only on the connection's task, so
    /// a load and a store need no read-modify-write.)
    fn set(&self, bits: u8) {
        self.busy.store(self.busy.load(Relaxed) | bits, Relaxed);
        self.state.store(BUSY, Relaxed);
    }

    /// Clears `bits`, if set (cheap when not: a write that did not wait); the connection is idle
    /// from now if no other reason is left.
    fn clear(&self, bits: u8) {
        let busy = self.busy.load(Relaxed);
        if busy & bits != 0 {
            self.busy.store(busy & !bits, Relaxed);
            if busy & !bits == 0 {
                self.state.store(now(), Relaxed);
            }
        }
    }

    /// hyper has read a request head and is about to answer it. The connection stays busy until
    /// the returned guard, which goes with the response body, is dropped. Bytes received before
    /// were this request's; bytes of the next one that came in the same read as this head are
    /// missed (the one case where closing drops a request the server has received part of,
    /// which HTTP allows: RFC 9112 9.3.2, a client that pipelines retries what was not answered).
    pub fn request_began(self: &Arc<Activity>) -> Answering {
        self.set(ANSWERING);
        self.busy
            .store(self.busy.load(Relaxed) & !RECEIVED, Relaxed);
        Answering(Arc::clone(self))
    }

    /// When the connection went idle, or `None` if it is busy or already closing.
    pub fn idle_since(&self) -> Option<u64> {
        match self.state.load(Relaxed) {
            BUSY | CLOSING => None,
            since => Some(since),
        }
    }

    /// Asks the connection to close if it is still idle since `since` (from
    /// [`Activity::idle_since`]); does nothing if it has become busy meanwhile.
    pub fn ask_to_close(&self, since: u64) {
        let still_idle = self
            .state
            .compare_exchange(since, CLOSING, Relaxed, Relaxed);
        if still_idle.is_ok() {
            self.close.notify_one();
        }
    }

    /// Resolves once the connection has been asked to close and is still idle: a byte that
    /// arrived since (read by hyper before this is polled) cancels the request.
    pub async fn asked_to_close(&self) {
        loop {
            self.close.notified().await;
            if self.state.load(Relaxed) == CLOSING {
                return;
            }
        }
    }
}

/// Held while a request is answered, inside its response body: hyper drops the body once it has
/// taken the last of it.
pub struct Answering(Arc<Activity>);

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.clear(ANSWERING);
    }
}

/// A response body that keeps its connection busy (through [`Answering`]) until hyper has taken
/// all of it.
pub struct Watched<B> {
    body: B,
    _answering: Answering,
}

impl<B> Watched<B> {
    pub fn new(body: B, answering: Answering) -> Watched<B> {
        Watched {
            body,
            _answering: answering,
        }
    }
}

impl<B: http_body::Body + Unpin> http_body::Body for Watched<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Now, in nanoseconds since the first call, plus one: never [`BUSY`], and the order in which
/// connections went idle.
fn now() -> u64 {
    // The real clock, not tokio's (which a test may pause): all workers share it.
    static EPOCH: LazyLock<std::time::Instant> = LazyLock::new(std::time::Instant::now);
    EPOCH.elapsed().as_nanos() as u64 + 1
}
