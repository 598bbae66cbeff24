//! The one response body type both servers use.

use crate::error::HttpError;
use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use hyper::Response;
use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::future::Future;
use std::io;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Large files go out in chunks of this size, so memory per download stays bounded. Bytes in
/// memory go out in slices of this size too (no copy): hyper, when it cannot write vectored,
/// copies each frame into its buffer, and a whole shared listing would be one private copy per
/// reader.
const FILE_CHUNK: usize = 64 * 1024;

/// A response body: nothing, bytes already in memory, or a range of an open file.
pub enum Body {
    /// No body (`HEAD`, 304, redirects).
    Empty,
    /// One piece in memory.
    Bytes(Bytes),
    /// Several pieces sent one after another (a page around a cached part), without copying.
    Parts(VecDeque<Bytes>),
    /// On a TCP connection, sent with `sendfile(2)` (servekit's `sendfile` module); on other
    /// streams (the fuzz targets, in-process tests), read with `pread` as hyper asks for more:
    /// small files in one read, large ones in chunks. Plain blocking calls beat `tokio::fs` by
    /// about 2x here (measured with wrk on this project's machine): the page cache answers.
    File {
        /// The open file, read from `offset` on.
        file: File,
        /// Where the next read starts.
        offset: u64,
        /// Bytes still to send; the body ends short if the file does.
        remaining: u64,
    },
    /// Made piece by piece as hyper asks for more: a page too large to hold whole (a listing of
    /// a million names). Exactly `remaining` bytes; a source that gives fewer or more ends the
    /// connection, never sending a page that is not what its length said.
    Chunks {
        /// What makes the pieces.
        source: Box<dyn Chunks>,
        /// Bytes still to send.
        remaining: u64,
        /// Whether the connection's task has let the others run since the last piece.
        yielded: bool,
    },
    /// Not a body: the whole response, still being made elsewhere (see [`crate::offload`]).
    /// `serve` waits for it and sends what it becomes, status and headers included; it is never
    /// sent as a body itself.
    Later(Later),
}

/// What a [`Body::Chunks`] is made from.
pub trait Chunks: Send {
    /// The next piece (a few tens of KiB, so one costs the worker little), empty once all are
    /// made.
    fn next_chunk(&mut self) -> Bytes;
}

/// A response that a handler could not make without waiting, made by a future instead.
pub struct Later(Pin<Box<dyn Future<Output = Result<Response<Body>, HttpError>> + Send>>);

impl fmt::Debug for Later {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Later")
    }
}

impl Body {
    /// A response that `answer` makes: [`Handler::handle`](crate::Handler::handle) returns it
    /// as `Ok(Response::new(Body::later(answer)))`, and `serve` sends what `answer` resolves to
    /// (an error as its page), whatever status and headers that response has.
    pub fn later(
        answer: impl Future<Output = Result<Response<Body>, HttpError>> + Send + 'static,
    ) -> Body {
        Body::Later(Later(Box::pin(answer)))
    }

    /// The `len` bytes `source` makes.
    pub fn chunks(source: impl Chunks + 'static, len: u64) -> Body {
        Body::Chunks {
            source: Box::new(source),
            remaining: len,
            yielded: false,
        }
    }

    /// `len` bytes of `file` from `offset`.
    pub fn file_range(file: File, offset: u64, len: u64) -> Body {
        Body::File {
            file,
            offset,
            remaining: len,
        }
    }
}

/// What a handler answered, with a [`Body::Later`] response waited for (and the one that may
/// become: a listing made later may still need compressing elsewhere).
pub(crate) async fn settle(
    mut answer: Result<Response<Body>, HttpError>,
) -> Result<Response<Body>, HttpError> {
    loop {
        let mut response = answer?;
        match std::mem::replace(response.body_mut(), Body::Empty) {
            Body::Later(Later(later)) => answer = later.await,
            body => {
                *response.body_mut() = body;
                return Ok(response);
            }
        }
    }
}

impl From<Vec<Bytes>> for Body {
    fn from(parts: Vec<Bytes>) -> Body {
        Body::Parts(parts.into())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Body {
        Body::Bytes(bytes)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body::Bytes(bytes.into())
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Body {
        Body::Bytes(Bytes::from_static(text.as_bytes()))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        match this {
            Body::Empty => Poll::Ready(None),
            Body::Bytes(bytes) => {
                let slice = bytes.split_to(bytes.len().min(FILE_CHUNK));
                if bytes.is_empty() {
                    *this = Body::Empty;
                }
                Poll::Ready((!slice.is_empty()).then(|| Ok(Frame::data(slice))))
            }
            Body::Parts(parts) => {
                while let Some(mut part) = parts.pop_front() {
                    if part.len() > FILE_CHUNK {
                        let slice = part.split_to(FILE_CHUNK);
                        parts.push_front(part);
                        return Poll::Ready(Some(Ok(Frame::data(slice))));
                    }
                    if !part.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(part))));
                    }
                }
                Poll::Ready(None)
            }
            Body::Chunks {
                source,
                remaining,
                yielded,
            } => {
                // Making a piece is work no socket accounts for: a reader that keeps up could
                // have its task make pieces until the page ends, and the worker's other
                // connections wait. Each piece waits for one turn of the worker's tasks.
                if !std::mem::replace(yielded, true) && *remaining > 0 {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                *yielded = false;
                let chunk = source.next_chunk();
                if chunk.len() as u64 > *remaining || (chunk.is_empty() && *remaining > 0) {
                    return Poll::Ready(Some(Err(io::Error::other(
                        "a page made in pieces was not the length it said",
                    ))));
                }
                *remaining -= chunk.len() as u64;
                Poll::Ready((!chunk.is_empty()).then(|| Ok(Frame::data(chunk))))
            }
            // `serve` settles these before hyper sees them: reaching here is a bug, which ends
            // the connection rather than sending an empty page.
            Body::Later(_) => Poll::Ready(Some(Err(io::Error::other(
                "a response still being made was sent as a body",
            )))),
            Body::File {
                file,
                offset,
                remaining,
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = (*remaining).min(FILE_CHUNK as u64) as usize;
                let mut chunk = BytesMut::zeroed(want);
                let read = match file.read_at(&mut chunk, *offset) {
                    Ok(0) => Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file shrank while it was being sent",
                    )),
                    Ok(n) => Ok(n),
                    Err(e) => Err(e),
                };
                Poll::Ready(Some(read.map(|n| {
                    chunk.truncate(n);
                    *offset += n as u64;
                    *remaining -= n as u64;
                    Frame::data(chunk.freeze())
                })))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Empty => true,
            Body::Bytes(bytes) => bytes.is_empty(),
            Body::Parts(parts) => parts.iter().all(Bytes::is_empty),
            Body::File { remaining, .. } | Body::Chunks { remaining, .. } => *remaining == 0,
            Body::Later(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(match self {
            Body::Empty => 0,
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Parts(parts) => parts.iter().map(|p| p.len() as u64).sum(),
            Body::File { remaining, .. } | Body::Chunks { remaining, .. } => *remaining,
            Body::Later(_) => return SizeHint::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;

    fn drain(mut body: Body) -> Result<Vec<u8>, io::Error> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        // Pieces made as they are sent wait a turn before each: polled again, as a task would be.
        let mut waits = 0;
        loop {
            match Pin::new(&mut body).poll_frame(&mut cx) {
                Poll::Ready(Some(frame)) => out.extend_from_slice(&frame?.into_data().unwrap()),
                Poll::Ready(None) => return Ok(out),
                Poll::Pending => {
                    waits += 1;
                    assert!(waits < 1000, "a body that never ends");
                }
            }
        }
    }

    #[test]
    fn file_ranges_stream_exactly() {
        let tree = testkit::Tree::new("servekit-body");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let path = tree.file("data", &data).at("data");
        for (offset, len) in [
            (0, 200_000),
            (1, 10),
            (65_535, 70_000),
            (199_999, 1),
            (5, 0),
        ] {
            let body = Body::file_range(File::open(&path).unwrap(), offset, len);
            assert_eq!(body.size_hint().exact(), Some(len));
            let got = drain(body).unwrap();
            assert_eq!(got, &data[offset as usize..(offset + len) as usize]);
        }
        // A file shorter than promised is an error, never a short body passed off as whole.
        let body = Body::file_range(File::open(&path).unwrap(), 199_990, 20);
        assert!(drain(body).is_err());
    }

    #[test]
    fn bytes_and_empty() {
        assert_eq!(drain(Body::from("moo")).unwrap(), b"moo");
        assert_eq!(drain(Body::Empty).unwrap(), b"");
        let parts = Body::from(vec![Bytes::from("a"), Bytes::new(), Bytes::from("bc")]);
        assert_eq!(parts.size_hint().exact(), Some(3));
        assert_eq!(drain(parts).unwrap(), b"abc");
        assert!(Body::Bytes(Bytes::new()).is_end_stream());
    }

    /// Counts down from `n`, one byte per chunk.
    struct Countdown(u8);

    impl Chunks for Countdown {
        fn next_chunk(&mut self) -> Bytes {
            if self.0 == 0 {
                return Bytes::new();
            }
            self.0 -= 1;
            Bytes::from(vec![b'0' + self.0])
        }
    }

    #[test]
    fn chunks_are_sent_as_made_and_must_be_the_length_said() {
        let body = Body::chunks(Countdown(3), 3);
        assert_eq!(body.size_hint().exact(), Some(3));
        assert_eq!(drain(body).unwrap(), b"210");
        assert!(drain(Body::chunks(Countdown(3), 4)).is_err(), "short");
        assert!(drain(Body::chunks(Countdown(3), 2)).is_err(), "long");
    }

    /// Large bytes go out in slices of the same memory: a shared page is never copied whole.
    #[test]
    fn large_bytes_go_out_in_slices_without_copying() {
        let page = Bytes::from(vec![7u8; 3 * FILE_CHUNK + 5]);
        let start = page.as_ptr() as usize;
        for mut body in [
            Body::from(page.clone()),
            Body::from(vec![Bytes::from("head"), page.clone(), Bytes::from("tail")]),
        ] {
            let waker = std::task::Waker::noop();
            let mut cx = Context::from_waker(waker);
            let mut total = 0;
            while let Poll::Ready(Some(frame)) = Pin::new(&mut body).poll_frame(&mut cx) {
                let data = frame.unwrap().into_data().unwrap();
                assert!(data.len() <= FILE_CHUNK);
                if data.len() > 4 {
                    let at = data.as_ptr() as usize;
                    assert!((start..start + page.len()).contains(&at), "a copy was sent");
                }
                total += data.len();
            }
            assert!(total >= page.len());
            assert!(body.is_end_stream());
        }
    }
}
