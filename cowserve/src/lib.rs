//! cowserve: the workload of the classic "cowsay $(fortune)" Docker
//! tutorial, as one static binary with the cows and fortunes built in.
//!
//! The commands `cowsay`, `cowthink` and `fortune` behave like Debian's
//! cowsay 3.03 and fortune-mod 1.99.1 (byte for byte for cowsay, under a
//! UTF-8 locale); every deliberate difference is written down in the
//! module that makes it. The web server that shows the cow's page builds
//! on the same library calls: [`cowsay::render`], [`cows::CowCatalog`] and
//! [`fortune::FortuneSet`].
//!
//! # Layout
//!
//! * [`cowsay`]: message to balloon to picture. Submodules: `wrap` (reflow
//!   and wrapping), `balloon` (drawing), `face` (modes to eyes and tongue),
//!   `width` (characters and display columns).
//! * [`cowfile`]: parses `.cow` files as data (never runs them).
//! * [`cows`]: the built-in cows and the `COWPATH` catalog, and random picks from it.
//! * [`fortune`]: loads fortune files once and picks from them.
//! * [`strfile`]: the fortune text format and its `.dat` index, read and
//!   written.
//! * [`cli`]: which command the binary runs ([`cli::invocation`]), and the
//!   command lines of `cowsay`, `cowthink` and `fortune`
//!   (`cowsay_command`, `fortune_command`).
//! * [`Error`]: the one error type, with messages a user can act on.
//! * [`server`]: the web page, through the shared `servekit` crate
//!   ([`server::run`]); its flags, usage and help are in `server::config`,
//!   the cows it shows in `server::served_cows`.
//!
//! Modules are public where the binary, the fuzz targets or the property
//! tests (`tests/`) use them; `error` is reached through [`Error`].

pub mod cli;
pub mod cowfile;
pub mod cows;
pub mod cowsay;
mod error;
pub mod fortune;
pub mod server;
pub mod strfile;

pub use error::Error;
