//! Times how long a server takes from `exec` to its first HTTP 200, over many runs.
//!
//! Usage: first-response RUNS PORT -- COMMAND [ARGS...]
//! Starts COMMAND, polls `GET /` on 127.0.0.1:PORT until a 200 arrives (a connection refused is
//! retried at once), records the time since the spawn, kills the server, and prints
//! `median_us min_us max_us` for RUNS runs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// One run gives up after this long.
const DEADLINE: Duration = Duration::from_secs(10);

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
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        match time_one(command, port) {
            Ok(t) => times.push(t),
            Err(e) => {
                eprintln!("first-response: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    times.sort();
    println!(
        "{} {} {}",
        times[times.len() / 2].as_micros(),
        times[0].as_micros(),
        times[times.len() - 1].as_micros()
    );
    ExitCode::SUCCESS
}

fn time_one(command: &[String], port: u16) -> Result<Duration, String> {
    let start = Instant::now();
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command[0]))?;
    let result = loop {
        if ok_response(port) {
            break Ok(start.elapsed());
        }
        if start.elapsed() > DEADLINE {
            break Err(format!("no 200 on port {port} within {DEADLINE:?}"));
        }
        std::hint::spin_loop();
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn ok_response(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0; 12];
    stream.read_exact(&mut head).is_ok() && &head[9..12] == b"200"
}
