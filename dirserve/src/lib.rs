//! dirserve: a drop-in, safer, faster replacement for `python3 -m http.server`.
//!
//! Layout:
//! - `resolve`: the one path resolver; turns a request path into an opened file or directory
//!   that is guaranteed to be under the served root (`openat2` + `RESOLVE_BENEATH`).
//! - `meta`: the few `stat` facts (size, mtime, inode) the other modules share.
//! - `listing`: reads a directory's entries and sorts them as CPython does (or by size or time,
//!   `order`, when asked); inside it, `href`
//!   (the link to each entry), `html` (CPython's listing page, byte for byte), `json` (the same
//!   listing for scripts), `cache` (pages already made, shared while they stay true) and `pages`
//!   (pages made on listing threads of their own, servekit's `offload`, never on the workers
//!   that serve connections; one job for clients that ask at once).
//! - `mime`: Content-Type from the file name, as CPython's http.server guesses it.
//! - `range`: parses a `Range` header into the one byte range to send (or none).
//! - `conditional`: ETag / Last-Modified validators and the 304 / `If-Range` decisions.
//! - `encoding`: which content codings a request accepts, and the precompressed siblings
//!   (`file.br`, `file.zst`, `file.gz`) that can stand for a file.
//! - `gzip`: gzip on the fly for text files and listings that have no precompressed sibling.
//!
//! Everything above but `listing::pages` works on bytes, paths, descriptors and plain values: no
//! sockets, no async, so each piece is tested (and fuzzable) on its own. Around them:
//! - `config`: the command line and environment, validated into a `Config`.
//! - `denied`: what the operator is told when this user may not read the served folder or a
//!   file in it (the path, the uid, the fix), at start-up and once in the log.
//! - `handler`: one request in, one response out, through the resolver and the modules above;
//!   the sockets, workers, limits and logs are servekit's.
//!
//! Public, for `main`, the fuzz targets and the property tests: `config`, `denied`, `handler`,
//! `resolve` and what `listing` shows of an entry (`Entry`, `Kind`, `Links`, `read_listing`,
//! `href`) and the orders a server may list in (`Order`, `SortBy`).
//! Everything else is private to the crate.

mod conditional;
pub mod config;
pub mod denied;
mod encoding;
mod gzip;
pub mod handler;
pub mod listing;
mod meta;
mod mime;
mod range;
pub mod resolve;
