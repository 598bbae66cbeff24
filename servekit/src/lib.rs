//! servekit: the HTTP plumbing that dirserve and cowserve share, written once.
//!
//! A binary parses its flags (with [`cli::CommonArgs`] for the shared ones), binds with
//! [`listen::bind`], and hands a [`Handler`] to [`serve::run`], which does the rest: one
//! single-threaded runtime per core around the same listening sockets, a cap on connections,
//! timeouts for stalled and idle clients, python-style access logs, error pages and a graceful
//! shutdown on SIGTERM/SIGINT.
//!
//! Layout:
//! - `alloc`: a per-thread cache of small blocks in front of musl's (locked) allocator.
//! - `cli`: the flags and environment variables both servers take (bind, port, quiet, ...).
//! - `listen`: binding (IPv4 and IPv6 for "all interfaces") and python's start-up line.
//! - `serve`: worker threads, the accept loop, connection limits and graceful shutdown.
//! - `idle`: an I/O wrapper that drops connections making no progress (idle or stalled).
//! - `body`: the response body type: empty, bytes in memory, or a file range streamed in chunks.
//! - `error`: [`HttpError`] and python's error page, every error turned into a response here.
//! - `escape`: text into HTML and JSON bodies.
//! - `access_log`: python's access log lines, with control characters escaped.
//! - `healthcheck`: a tiny client that asks the local server for `/`, for `HEALTHCHECK`.

pub mod access_log;
pub mod alloc;
pub mod body;
pub mod cli;
pub mod error;
pub mod escape;
pub mod healthcheck;
mod idle;
pub mod listen;
pub mod serve;

pub use body::Body;
pub use error::HttpError;
pub use serve::{Handler, Limits, ServerConfig};
