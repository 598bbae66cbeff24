//! Times how long a server takes from `exec` to its first HTTP 200, over many runs.
//!
//! Usage: first-response RUNS PORT -- COMMAND [ARGS...]
//! Starts COMMAND, polls `GET /` on 127.0.0.1:PORT until a 200 arrives (a connection refused is
//! retried at once), records the time since the spawn, kills the server, and prints
//! `median_us min_us max_us` for RUNS runs. The benchmark measures the same way
//! (`bench::startup`).

use e2e::bench::startup;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(runs), Some(port), Some("--")) = (
        args.first().and_then(|r| r.parse::<usize>().ok()),
        args.get(1).and_then(|p| p.parse::<u16>().ok()),
        args.get(2).map(String::as_str),
    ) else {
        eprintln!("usage: first-response RUNS PORT -- COMMAND [ARGS...]");
        return ExitCode::from(2);
    };
    let command = &args[3..];
    if command.is_empty() || runs == 0 {
        eprintln!("usage: first-response RUNS PORT -- COMMAND [ARGS...]");
        return ExitCode::from(2);
    }
    let mut server = Command::new(&command[0]);
    server.args(&command[1..]);
    match startup::first_200(&mut server, port, runs) {
        Ok(spread) => {
            println!(
                "{} {} {}",
                spread.median.as_micros(),
                spread.min.as_micros(),
                spread.max.as_micros()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("first-response: {e}");
            ExitCode::FAILURE
        }
    }
}
