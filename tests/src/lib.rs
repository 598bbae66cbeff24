//! Shared fixtures for the fromscratch tests, which run the binaries natively and their images as
//! the tutorials do.
//!
//! Layout:
//! - `binary`: finds (building it first if needed) a workspace binary for the current profile.
//! - `process`: runs a program with given input, with deadlines, and reads its exit status.
//! - `property`: the shared settings for proptest properties (used by the crates' own tests).
//! - `pty`: runs a program on a pseudo-terminal, as a person at a terminal would.
//! - `elf`: which machine a binary is for, and that it is static.
//! - `docker`: the engine, the stand-in builder and image builds from the real Dockerfiles.
//! - `fixture`: temporary trees to serve.
//! - `server`: a server binary on a free loopback port, stopped when the test ends.
//! - `python`: CPython's http.server, the reference for dirserve.
//! - `http`: a raw HTTP/1.1 client that sends exactly what a test writes.

pub mod binary;
pub mod docker;
pub mod elf;
pub mod fixture;
pub mod http;
pub mod process;
pub mod property;
pub mod pty;
pub mod python;
pub mod server;
