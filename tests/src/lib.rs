//! The end-to-end suite's helpers: what its tests (`tests/tests/`) and the benchmark
//! (`src/bin/bench.rs`) need to run the binaries natively and their images as the tutorials do.
//! Temporary trees and the property runner come from `testkit`, shared with the product crates.
//!
//! Layout:
//! - `binary`: finds (building it first if needed) a workspace binary for the current profile.
//! - `process`: runs a program with given input, with deadlines, and reads its exit status.
//! - `pty`: runs a program on a pseudo-terminal, as a person at a terminal would.
//! - `elf`: which machine a binary is for, and that it is static.
//! - `docker`: the engine, the stand-in builder and image builds from the real Dockerfiles.
//! - `server`: a server binary on a free loopback port, stopped when the test ends.
//! - `python`: CPython's http.server, the reference for dirserve.
//! - `http`: a raw HTTP/1.1 client that sends exactly what a test writes.
//! - `bench`: the benchmark's measurements and report (`tests/bench.sh`, `src/bin/bench.rs`).

pub mod bench;
pub mod binary;
pub mod docker;
pub mod elf;
pub mod http;
pub mod process;
pub mod pty;
pub mod python;
pub mod server;
