//! cowserve: `cowsay`, `cowthink` and `fortune` built in; with no command,
//! the web server (see the library docs for the layout).

use std::process::ExitCode;

/// musl's allocator behind a per-thread cache: see `servekit::alloc`.
#[global_allocator]
static ALLOCATOR: servekit::alloc::ThreadCacheAlloc = servekit::alloc::ThreadCacheAlloc;

use cowserve::cli::{self, Invocation};

fn main() -> ExitCode {
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let argv0 = argv.next().unwrap_or_default();
    let invocation = cli::invocation(&argv0, argv.collect());
    if let Invocation::Server { args } = &invocation {
        return serve(args);
    }
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let mut io = cli::Io {
        stdin: &mut stdin.lock(),
        stdout: &mut std::io::BufWriter::new(stdout.lock()),
        stderr: &mut stderr.lock(),
        cowpath: std::env::var_os("COWPATH"),
    };
    let code = cli::run(invocation, &mut io);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The web server, with the arguments after the program name.
fn serve(args: &[String]) -> ExitCode {
    cowserve::server::main(args.iter().map(std::ffi::OsString::from).collect())
}
