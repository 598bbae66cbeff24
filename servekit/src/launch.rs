//! From the shared flags to a running server and `main`'s exit code, the same for every binary.

use crate::cli::{CommonArgs, EXIT_USAGE};
use crate::listen;
use crate::serve::{self, Handler, Limits, ServerConfig};
use std::io;
use std::process::ExitCode;
use tokio::signal::unix::{SignalKind, signal};

/// Binds as `common` says and serves `handler` until SIGTERM or SIGINT. Returns 0 after a
/// graceful shutdown, 2 (with one line on stderr, prefixed `program:`) when the address cannot
/// be bound, 1 if the server itself fails. `server_name` is the `Server` header.
pub fn serve_until_signal<H: Handler>(
    program: &str,
    server_name: &'static str,
    common: &CommonArgs,
    handler: H,
) -> ExitCode {
    let listeners = match listen::bind(common.bind.as_deref(), common.port) {
        Ok(listeners) => listeners,
        Err(e) => {
            let host = common.bind.as_deref().unwrap_or("all interfaces");
            eprintln!(
                "{program}: cannot listen on {host} port {}: {e}",
                common.port
            );
            // A bad address or a port in use is a usage error, as for python.
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let config = ServerConfig {
        listeners,
        limits: Limits {
            timeout: common.timeout,
            ..Limits::default()
        },
        quiet: common.quiet,
        keep_alive: common.keep_alive,
        workers: 0,
        server_name,
        additions: common.additions.clone(),
    };
    match serve::run(config, handler, termination()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves at the first SIGTERM (`docker stop`) or SIGINT (Ctrl-C); a second one ends the
/// process at once (status 1), for a user who does not want to wait for slow downloads. The
/// handlers are registered on the first poll, which [`serve::run`] makes before it announces
/// itself.
async fn termination() -> io::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        std::process::exit(1);
    });
    Ok(())
}
