//! pyprompt: the tutorial's `alpine2` exercise without Python. It asks for a name and greets it,
//! byte for byte as the original three-line script did, in a terminal and through a pipe.
//!
//! Layout: `dialogue` is the prompt-and-greeting logic over any reader and writer; `input` tells
//! input that has already ended (`docker run` without `-i`) from input still to come, so the
//! prompt is held back when nobody can answer it; `signals` makes SIGINT/SIGTERM/SIGHUP end the
//! program at once, even as PID 1 in a container.

mod dialogue;
mod input;
mod signals;

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

const USAGE: &str = "Usage: pyprompt [--help | --version]";

const HELP: &str = concat!(
    "pyprompt ",
    env!("CARGO_PKG_VERSION"),
    ": asks for your name and greets you, as the tutorial's alpine2 Python script did.

Usage: pyprompt [--help | --version]

It prints \"Type in your name: \", reads one line from standard input and prints the greeting.
  in a container with a terminal:  docker run -it --rm alpine2
  through a pipe:                  echo Ana | docker run -i --rm alpine2

Input: the line ending (\\n or \\r\\n) is dropped, nothing else; bytes that are not UTF-8 go back
out as they came in. There is no length cap to hit: the name streams from input to output through
an 8 KiB buffer, so a line of any length (even an endless one) is echoed as it arrives and memory
stays bounded (under 0.5 MiB resident in all, measured with 256 MiB of input).

Exit status: 0 greeted; 1 input ended before a name, or an I/O error; 2 bad arguments;
130, 143, 129 on SIGINT (Ctrl-C), SIGTERM (docker stop), SIGHUP.
"
);

/// Said, alone on stderr, when there is no input at all: the usual cause is `docker run` without
/// `-it`, so the fixes are given as docker commands.
const NO_INPUT: &str = "pyprompt: no name to read: standard input is closed; \
run it with a terminal (docker run -it --rm alpine2) or pipe a name in \
(echo Ana | docker run -i --rm alpine2)";

fn main() -> ExitCode {
    signals::exit_on_termination_signals();
    if let Some(arg) = std::env::args_os().nth(1) {
        return match arg.to_str() {
            Some("-h" | "--help") => print_and_exit(HELP),
            Some("-V" | "--version") => {
                print_and_exit(concat!("pyprompt ", env!("CARGO_PKG_VERSION"), "\n"))
            }
            _ => {
                eprintln!("pyprompt: unexpected argument {arg:?}\n{USAGE}");
                ExitCode::from(2)
            }
        };
    }
    match run() {
        Ok(dialogue::Outcome::Greeted) => ExitCode::SUCCESS,
        Ok(dialogue::Outcome::NoInput) => {
            eprintln!("{NO_INPUT}");
            ExitCode::FAILURE
        }
        // A reader that went away (`pyprompt | head -c 5`) needs no message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("pyprompt: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<dialogue::Outcome> {
    let mut stdin = io::stdin().lock();
    // Input that has already ended gets no prompt: nobody is there to answer it.
    if !stdin.is_terminal() && input::settled_soon() {
        match stdin.fill_buf() {
            Ok([]) => return Ok(dialogue::Outcome::NoInput),
            Ok(_) => {}
            // No standard input at all (closed descriptor): the same advice applies.
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => {
                return Ok(dialogue::Outcome::NoInput);
            }
            Err(e) => return Err(e),
        }
    }
    let mut stdout = io::stdout().lock();
    // Flushed before reading, so the prompt shows through a pipe too.
    stdout.write_all(dialogue::PROMPT)?;
    stdout.flush()?;
    dialogue::greet(&mut stdin, &mut stdout)
}

fn print_and_exit(text: &str) -> ExitCode {
    match io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
