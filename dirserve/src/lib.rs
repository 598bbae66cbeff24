//! dirserve: a drop-in, safer, faster replacement for `python3 -m http.server`.
//!
//! Layout:
//! - `resolve`: the one path resolver; turns a request path into an opened file or directory
//!   that is guaranteed to be under the served root (`openat2` + `RESOLVE_BENEATH`).
//! - `meta`: the few `stat` facts (size, mtime, inode) the other modules share.
//! - `listing`: reads a directory's entries and sorts them as CPython does.
//! - `listing_html`: renders a listing as CPython's HTML page, byte for byte.
//! - `listing_cache`: listing pages, one copy shared by every reader, kept (within a bound)
//!   while the directory's mtime or a fresh fingerprint of it says they are still true.
//! - `listing_json`: the same listing as JSON, with links that lead back to each entry.
//! - `mime`: Content-Type from the file name, as CPython's http.server guesses it.
//! - `range`: parses a `Range` header into the one byte range to send (or none).
//! - `conditional`: ETag / Last-Modified validators and the 304 / `If-Range` decisions.
//!
//! Everything above works on bytes, paths, descriptors and plain values: no sockets, no async,
//! so each piece is tested (and fuzzable) on its own. Around them:
//! - `config`: the command line and environment, validated into a `Config`.
//! - `listing_pages`: where listing pages are made: on threads of their own (servekit's
//!   `offload`), never on the workers that serve connections, one job for clients that ask at once.
//! - `handler`: one request in, one response out, through the resolver and the modules above;
//!   the sockets, workers, limits and logs are servekit's.

pub mod conditional;
pub mod config;
pub mod handler;
pub mod listing;
pub mod listing_cache;
pub mod listing_html;
pub mod listing_json;
pub mod listing_pages;
pub mod meta;
pub mod mime;
pub mod range;
pub mod resolve;

#[cfg(test)]
mod testutil;
