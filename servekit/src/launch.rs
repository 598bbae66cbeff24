//! From the shared flags to a running server and `main`'s exit code, the same for every binary.

use crate::cli::CommonArgs;
use crate::listen;
use crate::serve::{self, Handler, Limits, ServerConfig};
use std::process::ExitCode;

/// A bad address or a port in use: the usage-error status, as python's.
const EXIT_CANNOT_BIND: u8 = 2;

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
            return ExitCode::from(EXIT_CANNOT_BIND);
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
    };
    match serve::run(config, handler) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}
