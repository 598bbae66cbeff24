//! dirserve: parse the command line, open the directory, bind, serve.

/// musl's allocator behind a per-thread cache (the `cachealloc` crate).
#[global_allocator]
static ALLOCATOR: cachealloc::ThreadCacheAlloc = cachealloc::ThreadCacheAlloc;

use dirserve::config::{self, Command, HELP, USAGE};
use dirserve::denied;
use dirserve::handler::DirHandler;
use dirserve::resolve::ServedRoot;
use servekit::cli::EXIT_USAGE;
use servekit::client;
use std::process::ExitCode;

fn main() -> ExitCode {
    let config = match config::parse(std::env::args_os().skip(1)) {
        Ok(Command::Serve(config)) => config,
        Ok(Command::Client(mode)) => return client::run(&mode),
        Ok(Command::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("dirserve {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => return fail(&format!("{message}\n{USAGE}")),
    };
    let root = match ServedRoot::open(&config.directory) {
        Ok(root) => root,
        Err(e) => {
            return fail(&denied::cannot_serve(
                &denied::as_known(&config.directory),
                &e,
            ));
        }
    };
    servekit::serve_until_signal(
        "dirserve",
        concat!("dirserve/", env!("CARGO_PKG_VERSION")),
        &config.common,
        DirHandler::new(root)
            .compress(config.compress)
            .order(config.order)
            .dark_mode(config.dark_mode),
    )
}

/// Bad flags or a missing directory: python's usage-error status.
fn fail(message: &str) -> ExitCode {
    eprintln!("dirserve: {message}");
    ExitCode::from(EXIT_USAGE)
}
