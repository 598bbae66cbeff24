//! Files sent with `sendfile(2)`: from the page cache to the socket, never through user memory.
//!
//! hyper owns the connection and writes only the bytes a body's frames hold, so a file range
//! travels past it as a stand-in. [`Outgoing`] turns a [`Body::File`] into *file frames*
//! ([`Chunk::File`]), whose bytes are a window of [`placeholder`] memory that nothing reads or
//! writes, and puts the file range itself in the connection's [`FileQueue`]. hyper queues the
//! frames and hands their slices to [`SendfileStream`], which recognises the placeholder by its
//! address and calls `sendfile` for the range at the head of the queue instead.
//!
//! Two things keep this sound. Only a [`SendfileStream`] connection gets file frames (the queue
//! is its), and it writes vectored, so hyper never copies a frame into its own buffer (which
//! would send the placeholder's zeros). And hyper writes frames in order, each to its end, so the
//! first placeholder slice of a write is always the range at the head of the queue.
//!
//! A file that shrinks mid-send makes `sendfile` find its end early: that is an error, and hyper
//! closes the connection short of its `Content-Length`, never padded. Nothing is memory-mapped,
//! so a shrinking file cannot raise SIGBUS. A filesystem without `sendfile` support gets the same
//! bytes through a buffer ([`Method::Copy`]).

use crate::body::Body;
use bytes::{Buf, Bytes};
use http_body::{Frame, SizeHint};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// The most one `sendfile` call sends (nginx's `sendfile_max_chunk`): the socket's buffer
/// usually takes less, and a cold disk read of this much holds the worker a few milliseconds.
const MAX_SEND: usize = 2 << 20;
/// The most one file frame promises hyper (its lengths are `usize`, 32 bits on i686).
const MAX_FRAME: u64 = 1 << 30;
/// Ranges shorter than this are read into memory instead and go out with their head in one
/// `writev`: for a 4 KiB file, `sendfile` (and the `MSG_MORE` write before it) cost the server
/// about 3 µs more CPU per request than `pread` did (schedstat under wrk -c50); at 16 KiB they
/// were even, and above it `sendfile` wins by more the larger the file.
const SENDFILE_MIN: u64 = 16 * 1024;
/// The buffer of [`Method::Copy`].
const COPY_CHUNK: usize = 64 * 1024;

/// Memory that stands for file bytes in hyper's write queue. It is never read or written, so it
/// costs neither image bytes (it lives in `.bss`) nor resident memory (its pages are never
/// touched).
#[allow(unsafe_code)]
mod placeholder {
    use super::MAX_SEND;
    use std::cell::UnsafeCell;

    /// Interior mutability keeps the zeros out of the binary: LLVM places an immutable zeroed
    /// static in `.rodata`, a mutable one in `.bss`.
    struct Placeholder(UnsafeCell<[u8; MAX_SEND]>);

    // SAFETY: nothing ever writes through the cell, so shared references from any thread are
    // all there ever is.
    unsafe impl Sync for Placeholder {}

    static PLACEHOLDER: Placeholder = Placeholder(UnsafeCell::new([0; MAX_SEND]));

    /// The first `len` bytes (at most [`MAX_SEND`]).
    pub(super) fn slice(len: usize) -> &'static [u8] {
        // SAFETY: the memory is never written (only its address is ever looked at), so a shared
        // reference to it cannot alias a mutable one.
        let all: &'static [u8; MAX_SEND] = unsafe { &*PLACEHOLDER.0.get() };
        &all[..len]
    }

    /// Whether `bytes` lies in the placeholder (an empty slice never does).
    pub(super) fn holds(bytes: &[u8]) -> bool {
        let start = PLACEHOLDER.0.get() as usize;
        let at = bytes.as_ptr() as usize;
        !bytes.is_empty() && (start..start + MAX_SEND).contains(&at)
    }
}

/// A piece of a response as hyper queues it: bytes, or a count of file bytes that
/// [`SendfileStream`] sends from its [`FileQueue`].
pub(crate) enum Chunk {
    /// Bytes in memory.
    Bytes(Bytes),
    /// This many bytes of the file range at the head of the queue.
    File(usize),
}

impl Buf for Chunk {
    fn remaining(&self) -> usize {
        match self {
            Chunk::Bytes(bytes) => bytes.len(),
            Chunk::File(left) => *left,
        }
    }

    fn chunk(&self) -> &[u8] {
        match self {
            Chunk::Bytes(bytes) => bytes,
            Chunk::File(left) => placeholder::slice((*left).min(MAX_SEND)),
        }
    }

    fn advance(&mut self, n: usize) {
        match self {
            Chunk::Bytes(bytes) => bytes.advance(n),
            Chunk::File(left) => {
                assert!(n <= *left, "advanced past the end of a file frame");
                *left -= n;
            }
        }
    }
}

/// The file ranges a connection's responses still have to send, in the order hyper writes them.
#[derive(Default)]
pub(crate) struct FileQueue(Mutex<VecDeque<FileRange>>);

impl FileQueue {
    fn push(&self, range: FileRange) {
        self.ranges().push_back(range);
    }

    fn ranges(&self) -> std::sync::MutexGuard<'_, VecDeque<FileRange>> {
        // Only the connection's own task takes the lock; a panic there ends the connection.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `remaining` bytes of `file` from `offset`.
struct FileRange {
    file: File,
    offset: u64,
    remaining: u64,
    method: Method,
}

/// How a range's bytes reach the socket.
enum Method {
    /// `sendfile`: the kernel copies from the page cache.
    Sendfile,
    /// `pread` into this buffer, then `write`, for filesystems that cannot `sendfile` (the bytes
    /// from `sent` on are still to go).
    Copy { buffer: Vec<u8>, sent: usize },
}

impl FileRange {
    /// One non-blocking step: sends at most `len` bytes to `socket` and returns how many went.
    fn send(&mut self, socket: BorrowedFd<'_>, len: usize) -> io::Result<usize> {
        let len = len.min(self.remaining.min(MAX_SEND as u64) as usize);
        let sent = match &mut self.method {
            Method::Sendfile => {
                match rustix::fs::sendfile(socket, &self.file, Some(&mut self.offset), len) {
                    Ok(0) => return Err(shrank()),
                    Ok(n) => n,
                    Err(e) if unsupported(e) => {
                        self.method = Method::Copy {
                            buffer: Vec::new(),
                            sent: 0,
                        };
                        return self.send(socket, len);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Method::Copy { buffer, sent } => {
                if *sent == buffer.len() {
                    buffer.resize(len.min(COPY_CHUNK), 0);
                    let read = self.file.read_at(buffer, self.offset)?;
                    if read == 0 {
                        return Err(shrank());
                    }
                    buffer.truncate(read);
                    self.offset += read as u64;
                    *sent = 0;
                }
                let unsent = &buffer[*sent..];
                let n = rustix::io::write(socket, &unsent[..unsent.len().min(len)])?;
                *sent += n;
                n
            }
        };
        self.remaining -= sent as u64;
        Ok(sent)
    }
}

fn shrank() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "file shrank while it was being sent",
    )
}

/// `sendfile` errors that mean "not from this file" rather than a broken connection.
fn unsupported(error: rustix::io::Errno) -> bool {
    use rustix::io::Errno;
    [Errno::INVAL, Errno::NOSYS, Errno::OPNOTSUPP].contains(&error)
}

/// A response body as hyper sees it on a connection: [`Body`]'s frames as [`Chunk`]s, with a
/// file range of [`SENDFILE_MIN`] bytes or more turned into file frames when the connection can
/// send them.
pub(crate) struct Outgoing {
    body: Body,
    /// The connection's queue, if it is a [`SendfileStream`].
    files: Option<Arc<FileQueue>>,
    /// File bytes queued but not yet promised to hyper in a frame.
    file_left: u64,
}

impl Outgoing {
    pub(crate) fn new(body: Body, files: Option<Arc<FileQueue>>) -> Outgoing {
        Outgoing {
            body,
            files,
            file_left: 0,
        }
    }
}

impl http_body::Body for Outgoing {
    type Data = Chunk;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Chunk>, io::Error>>> {
        let this = self.get_mut();
        let sendable =
            matches!(this.body, Body::File { remaining, .. } if remaining >= SENDFILE_MIN);
        if let (Some(files), true) = (&this.files, sendable) {
            if let Body::File {
                file,
                offset,
                remaining,
            } = std::mem::replace(&mut this.body, Body::Empty)
            {
                // At least SENDFILE_MIN bytes: never an empty range.
                files.push(FileRange {
                    file,
                    offset,
                    remaining,
                    method: Method::Sendfile,
                });
                this.file_left = remaining;
            }
        }
        if this.file_left > 0 {
            let frame = this.file_left.min(MAX_FRAME);
            this.file_left -= frame;
            return Poll::Ready(Some(Ok(Frame::data(Chunk::File(frame as usize)))));
        }
        let frame = ready!(Pin::new(&mut this.body).poll_frame(cx));
        Poll::Ready(frame.map(|frame| frame.map(|frame| frame.map_data(Chunk::Bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.file_left == 0 && self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        match self.file_left {
            0 => self.body.size_hint(),
            // The body was the file range, now in the queue.
            left => SizeHint::with_exact(left),
        }
    }
}

/// A TCP connection that sends file frames with `sendfile` (see the module's comment).
pub(crate) struct SendfileStream {
    stream: TcpStream,
    files: Arc<FileQueue>,
}

impl SendfileStream {
    /// The stream, and the queue its responses' bodies put file ranges in.
    pub(crate) fn new(stream: TcpStream) -> (SendfileStream, Arc<FileQueue>) {
        let files = Arc::new(FileQueue::default());
        let stream = SendfileStream {
            stream,
            files: Arc::clone(&files),
        };
        (stream, files)
    }

    /// Sends up to `len` bytes of the range at the head of the queue.
    fn poll_send_file(&self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<usize>> {
        let mut ranges = self.files.ranges();
        let Some(range) = ranges.front_mut() else {
            return Poll::Ready(Err(io::Error::other("a file frame with no file to send")));
        };
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            match self
                .stream
                .try_io(Interest::WRITABLE, || range.send(self.stream.as_fd(), len))
            {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
                Ok(sent) => {
                    if range.remaining == 0 {
                        ranges.pop_front();
                    }
                    return Poll::Ready(Ok(sent));
                }
            }
        }
    }
}

impl SendfileStream {
    /// Writes `slices` (a response head, usually) with `MSG_MORE`: the kernel holds them for
    /// the file bytes that follow, so a small file goes out in one packet with its head, as
    /// a `writev` of both would.
    fn poll_write_before_file(
        &self,
        cx: &mut Context<'_>,
        slices: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        use rustix::net::{SendAncillaryBuffer, SendFlags, sendmsg};
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            let more = || {
                let flags = SendFlags::MORE | SendFlags::NOSIGNAL;
                Ok(sendmsg(
                    &self.stream,
                    slices,
                    &mut SendAncillaryBuffer::default(),
                    flags,
                )?)
            };
            match self.stream.try_io(Interest::WRITABLE, more) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                sent => return Poll::Ready(sent),
            }
        }
    }
}

impl AsyncRead for SendfileStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SendfileStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    /// Writes the slices before the first file frame, or sends from the file if it comes first.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        slices: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match slices.iter().position(|slice| placeholder::holds(slice)) {
            Some(0) => this.poll_send_file(cx, slices[0].len()),
            Some(first) => this.poll_write_before_file(cx, &slices[..first]),
            None => Pin::new(&mut this.stream).poll_write_vectored(cx, slices),
        }
    }

    /// Must stay true: hyper copies the frames of a stream that cannot write vectored.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HttpError;
    use crate::serve::{Handler, Limits, ServerConfig};
    use hyper::Response;
    use hyper::http::request::Parts;
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpListener as StdListener, TcpStream as StdStream};
    use std::path::PathBuf;

    /// Serves `path` whole at `/`, from 1 at `/from1`, and promises 1,000 bytes more than the file
    /// has at `/long`.
    struct OneFile(PathBuf);

    impl Handler for OneFile {
        fn handle(&self, request: &Parts) -> Result<Response<Body>, HttpError> {
            let file = File::open(&self.0).map_err(|_| HttpError::not_found())?;
            let size = file.metadata().unwrap().len();
            let (offset, len) = match request.uri.path() {
                "/" => (0, size),
                "/from1" => (1, size - 1),
                "/long" => (0, size + 1000),
                _ => return Err(HttpError::not_found()),
            };
            let mut response = Response::new(Body::file_range(file, offset, len));
            let length = hyper::header::HeaderValue::from(len);
            response
                .headers_mut()
                .insert(hyper::header::CONTENT_LENGTH, length);
            Ok(response)
        }
    }

    /// Runs a real server (sockets, workers, `SendfileStream`) on `path` and GETs each of `paths`
    /// on a connection of its own: each answer's head and body bytes (as many as came).
    fn fetch_all(path: PathBuf, paths: &[&str]) -> Vec<(String, Vec<u8>)> {
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let config = ServerConfig {
            listeners: vec![listener],
            limits: Limits::default(),
            quiet: true,
            keep_alive: true,
            workers: 1,
            server_name: "test",
            additions: Default::default(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            crate::serve::run(config, OneFile(path), async move {
                let _ = stopped.await;
                Ok(())
            })
        });
        let answers = paths
            .iter()
            .map(|path| {
                let mut client = StdStream::connect(addr).unwrap();
                client
                    .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                    .unwrap();
                write!(
                    client,
                    "GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut answer = Vec::new();
                // A connection closed short is reset by the server: what arrived still counts.
                let _ = client.read_to_end(&mut answer);
                let end = crate::substring::find(&answer, b"\r\n\r\n").unwrap() + 4;
                let body = answer.split_off(end);
                (String::from_utf8(answer).unwrap(), body)
            })
            .collect();
        stop.send(()).unwrap();
        server.join().unwrap().unwrap();
        answers
    }

    /// Bytes that differ at every offset, so that a misplaced or zeroed range shows.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len as u32).map(|i| (i % 251) as u8).collect()
    }

    /// Several `sendfile` calls' worth (more than `MAX_SEND`), whole and from an offset, arrive
    /// exactly: never the placeholder's zeros.
    #[test]
    fn files_arrive_exactly_over_a_real_socket() {
        let tree = testkit::Tree::new("sendfile-exact");
        let data = pattern(2 * MAX_SEND + 12_345);
        let path = tree.file("data", &data).at("data");
        let answers = fetch_all(path, &["/", "/from1"]);
        assert!(answers[0].0.starts_with("HTTP/1.1 200"), "{}", answers[0].0);
        assert!(answers[0].1 == data, "the whole file differs");
        assert!(answers[1].1 == data[1..], "the range differs");
    }

    /// A file too small for `sendfile` goes out whole with its head, on the same connection type.
    #[test]
    fn small_files_arrive_exactly_too() {
        let tree = testkit::Tree::new("sendfile-small");
        let data = pattern(SENDFILE_MIN as usize - 1);
        let path = tree.file("data", &data).at("data");
        let (head, body) = fetch_all(path, &["/"]).remove(0);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(body == data, "the small file differs");
    }

    /// A file shorter than its promised length ends the connection short, never padded.
    #[test]
    fn a_file_shorter_than_promised_ends_the_connection_short() {
        let tree = testkit::Tree::new("sendfile-short");
        let data = pattern(100_000);
        let path = tree.file("data", &data).at("data");
        let (head, body) = fetch_all(path, &["/long"]).remove(0);
        assert!(head.contains("content-length: 101000"), "{head}");
        assert_eq!(body, data, "the bytes sent are the file's, and no more");
    }

    /// The copying method (for filesystems without `sendfile`) sends the same bytes, and fails
    /// the same way when the file ends early.
    #[test]
    fn the_copying_method_sends_the_same_bytes() {
        let tree = testkit::Tree::new("sendfile-copy");
        let data = pattern(3 * COPY_CHUNK + 7);
        let path = tree.file("data", &data).at("data");
        let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let sender = StdStream::connect(listener.local_addr().unwrap()).unwrap();
        let mut receiver = listener.accept().unwrap().0;
        let reading = std::thread::spawn(move || {
            let mut got = Vec::new();
            receiver.read_to_end(&mut got).unwrap();
            got
        });
        let mut range = FileRange {
            file: File::open(&path).unwrap(),
            offset: 5,
            remaining: data.len() as u64 - 5 + 1,
            method: Method::Copy {
                buffer: Vec::new(),
                sent: 0,
            },
        };
        let mut sent = 0;
        while sent < data.len() - 5 {
            sent += range.send(sender.as_fd(), 1000).unwrap();
        }
        let error = range.send(sender.as_fd(), 1000).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        drop(sender);
        assert!(reading.join().unwrap() == data[5..]);
    }

    /// The placeholder is recognised by address alone: its own slices, and nothing else.
    #[test]
    fn the_placeholder_is_told_apart_by_address() {
        assert!(placeholder::holds(placeholder::slice(1)));
        assert!(placeholder::holds(
            &placeholder::slice(MAX_SEND)[MAX_SEND - 1..]
        ));
        assert!(!placeholder::holds(placeholder::slice(0)));
        assert!(!placeholder::holds(&[0u8; 16]));
        let mut chunk = Chunk::File(MAX_SEND + 10);
        assert_eq!(chunk.chunk().len(), MAX_SEND);
        chunk.advance(MAX_SEND);
        assert_eq!((chunk.remaining(), chunk.chunk().len()), (10, 10));
    }
}
