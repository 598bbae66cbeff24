//! servekit: the HTTP plumbing that dirserve and cowserve share, written once.
//!
//! A binary parses its flags (with [`cli::CommonArgs`] for the shared ones) and hands them and a
//! [`Handler`] to [`serve_until_signal`], which binds ([`listen::bind`]) and runs
//! [`serve::run`]: one
//! single-threaded runtime per core around the same listening sockets, a cap on connections,
//! timeouts for stalled and idle clients, python-style access logs, error pages and a graceful
//! shutdown on SIGTERM/SIGINT.
//!
//! Layout:
//! - `additions`: what an operator adds to every answer: `--header`, `--cors`, `--health-path`.
//! - `cli`: the flags and environment variables both servers take (bind, port, quiet, ...).
//! - `listen`: binding (IPv4 and IPv6 for "all interfaces") and python's start-up line.
//! - `launch`: from the shared flags to a running server and an exit code.
//! - `serve`: worker threads, the accept loop, connection limits and graceful shutdown.
//! - `slots`: the cap on connections; when full, the connection idle the longest makes room.
//! - `idle`: an I/O wrapper that drops connections making no progress (idle or stalled), and
//!   what each connection is doing (idle between requests or not), for `slots`.
//! - `body`: the response body type: empty, bytes in memory, or a file range (sent by `sendfile`);
//!   or a response still being made, which `serve` waits for.
//! - `sendfile`: file bodies sent from the page cache to the socket by `sendfile(2)`, past hyper.
//! - `offload`: a few threads of their own for slow work (huge listings), off the workers.
//! - `error`: [`HttpError`] and python's error page, every error turned into a response here.
//! - `escape`: text into HTML and JSON bodies.
//! - `fd_limit`: out of file descriptors, said once in the log with the limit that was hit.
//! - `substring`: finding bytes in bytes (header values and pages need not be UTF-8).
//! - `suggest` (feature `suggest`): the known flag nearest to a mistyped one ("did you mean
//!   '--bind'?"); without the feature, never one.
//! - `access_log`: python's access log lines, with control characters escaped.
//! - `utc`: calendar fields of a moment, for log lines and listings.
//! - `thread_name` (musl only): names threads without linking musl's printf.
//! - `client`: a tiny HTTP client for `--healthcheck` (Docker's `HEALTHCHECK`) and `--fetch`.
//! - `pid1` (feature `follow-pid1`): the server's own command line, read by `--healthcheck`
//!   beside it in a container; without the feature, never read.
//! - `probe`: the health check's `OPTIONS *`, sent by `client`, answered by `serve` from memory.
//! - `testing` (feature `testing`, for the servers' tests): a handler called in-process.
//!
//! Features: `suggest` and `follow-pid1` are on by default and in the servers' own `default`
//! features; the min flavour (`--no-default-features`) leaves them out for size. Each decides in
//! one place, here: the module, or a fallback of the same name that never finds anything.

pub mod access_log;
pub mod additions;
pub mod body;
pub mod cli;
pub mod client;
pub mod error;
pub mod escape;
pub mod fd_limit;
mod idle;
mod launch;
pub mod listen;
pub mod offload;
#[cfg(feature = "follow-pid1")]
pub mod pid1;
#[cfg(not(feature = "follow-pid1"))]
pub mod pid1 {
    //! Without feature `follow-pid1`: a health check never reads PID 1's command line, and asks
    //! the environment's port or 8000.

    /// Never the server's arguments: nothing is followed.
    pub fn server_args() -> Option<Vec<std::ffi::OsString>> {
        None
    }
}
pub mod probe;
mod sendfile;
pub mod serve;
mod slots;
pub mod substring;
#[cfg(feature = "suggest")]
pub mod suggest;
#[cfg(not(feature = "suggest"))]
pub mod suggest {
    //! Without feature `suggest`: a mistyped flag gets the plain error, no "did you mean".

    /// Never a name: nothing is suggested.
    pub fn nearest<'a>(
        _typed: &str,
        _known: impl Iterator<Item = &'a str> + Clone,
    ) -> Option<&'a str> {
        None
    }
}
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(all(target_os = "linux", target_env = "musl"))]
mod thread_name;
pub mod utc;

pub use body::{Body, Chunks};
pub use error::HttpError;
pub use launch::serve_until_signal;
pub use serve::{Handler, Limits, ServerConfig};
