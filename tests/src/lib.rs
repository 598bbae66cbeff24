//! Shared fixtures for the fromscratch tests, which run the binaries natively and their images as
//! the tutorials do.
//!
//! Layout:
//! - `binary`: finds (building it first if needed) a workspace binary for the current profile.
//! - `process`: runs a program with given input, with deadlines, and reads its exit status.
//! - `pty`: runs a program on a pseudo-terminal, as a person at a terminal would.
//! - `docker`: the engine, the stand-in builder and image builds from the real Dockerfiles.

pub mod binary;
pub mod docker;
pub mod process;
pub mod pty;
