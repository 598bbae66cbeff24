//! The web server: the cow saying a fortune, on port 8000, through servekit.
//!
//! - `config`: the server's flags and environment, its usage and help.
//! - `served_cows`: the cows the page may show, each read on first use.
//! - `query`: the page's query string, validated.
//! - `page`: the answer as HTML, plain text or JSON.
//! - `rainbow`: `?color=rainbow`, the plain text in terminal colours.
//! - `handler`: the routes.

mod config;
mod handler;
mod page;
mod query;
mod rainbow;
mod served_cows;

pub(crate) use config::HELP;
pub use handler::CowHandler;

use crate::cows::CowCatalog;
use crate::fortune::FortuneSet;
use config::{Command, USAGE};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use served_cows::ServedCows;
use servekit::cli::EXIT_USAGE;
use servekit::client;
use std::ffi::OsString;
use std::process::ExitCode;

/// Serves the page as `args` (after the program name) say, until SIGTERM or SIGINT; or, for
/// `--healthcheck` and `--fetch`, acts as that client. Bad flags, unreadable data and a port in
/// use exit with the usage status, 2.
pub fn run(args: Vec<OsString>) -> ExitCode {
    let config = match config::parse(args) {
        Ok(Command::Serve(config)) => config,
        Ok(Command::Client(mode)) => return client::run(&mode),
        Err(message) => return fail(&format!("{message}\n{USAGE}")),
    };
    let fortunes = match FortuneSet::load(&config.fortunes) {
        Ok(fortunes) => fortunes,
        Err(e) => return fail(&format!("cannot load the fortunes: {e}")),
    };
    let catalog = CowCatalog::from_cowpath(std::env::var_os("COWPATH").as_deref());
    let cows = ServedCows::new(catalog);
    // `random` is checked too: some cow must draw.
    if let Err(e) = cows.choose(&config.cow, &mut SmallRng::from_os_rng()) {
        return fail(&format!("--cow: {e}"));
    }
    let handler = match CowHandler::new(cows, config.cow, fortunes) {
        Ok(handler) => handler,
        Err(e) => return fail(&format!("cannot load the fortunes: {e}")),
    };
    servekit::serve_until_signal(
        "cowserve",
        concat!("cowserve/", env!("CARGO_PKG_VERSION")),
        &config.common,
        handler,
    )
}

fn fail(message: &str) -> ExitCode {
    eprintln!("cowserve: {message}");
    ExitCode::from(EXIT_USAGE)
}
