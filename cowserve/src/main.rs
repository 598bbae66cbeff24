//! cowserve: `cowsay`, `cowthink` and `fortune` built in; with no command,
//! the web server (see the library docs for the layout).

use std::io;
use std::process::ExitCode;

use cowserve::cli::{self, Invocation, Io, cowsay_command, fortune_command};
use cowserve::server;

/// musl's allocator behind a per-thread cache (the `cachealloc` crate).
#[global_allocator]
static ALLOCATOR: cachealloc::ThreadCacheAlloc = cachealloc::ThreadCacheAlloc;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    match cli::invocation(&argv0, args.collect()) {
        Invocation::Server { args } => server::run(args),
        Invocation::Cowsay { program, args } => {
            command(|io| cowsay_command::run(&program, &args, io))
        }
        Invocation::Fortune { args } => command(|io| fortune_command::run(&args, io)),
        Invocation::Help => command(cli::help),
        Invocation::Version => command(cli::version),
    }
}

/// Runs a command on the process's standard streams. A write error (a
/// closed pipe) ends it quietly with [`cli::EXIT_FAILURE`].
fn command(run: impl FnOnce(&mut Io<'_>) -> io::Result<u8>) -> ExitCode {
    let (stdin, stdout, stderr) = (io::stdin(), io::stdout(), io::stderr());
    let mut io = Io {
        stdin: &mut stdin.lock(),
        stdout: &mut io::BufWriter::new(stdout.lock()),
        stderr: &mut stderr.lock(),
        cowpath: std::env::var_os("COWPATH"),
    };
    let code = run(&mut io);
    match (code, io.stdout.flush()) {
        (Ok(code), Ok(())) => ExitCode::from(code),
        _ => ExitCode::from(cli::EXIT_FAILURE),
    }
}
