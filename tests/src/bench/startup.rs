//! Start to first response: how long a server takes from `exec` to its first HTTP 200, over
//! many runs. Also the `first-response` binary.

use super::Result;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run gives up after this long.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The median, fastest and slowest of some runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Spread {
    /// `None` for no runs.
    pub fn of(times: &[Duration]) -> Option<Spread> {
        Some(Spread {
            median: super::median(times)?,
            min: *times.iter().min()?,
            max: *times.iter().max()?,
        })
    }

    /// `median / min / max` in µs, as the table shows it.
    pub fn micros(&self) -> String {
        format!(
            "{} / {} / {}",
            self.median.as_micros(),
            self.min.as_micros(),
            self.max.as_micros()
        )
    }
}

/// Starts `server` (which serves on 127.0.0.1:`port`) `runs` times, each time until its first 200.
pub fn first_200(server: &mut Command, port: u16, runs: usize) -> Result<Spread> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(time_one(server, port)?);
    }
    Spread::of(&times).ok_or_else(|| "no runs".to_owned())
}

/// Starts `server`, polls `GET /` on 127.0.0.1:`port` until a 200 arrives (a refused connection
/// is retried at once), kills the server, and returns the time from the spawn to that 200. An
/// error if the server exits first (its port was taken, say) or has not answered in 10 s.
pub fn time_one(server: &mut Command, port: u16) -> Result<Duration> {
    let addr = super::serve::loopback(port);
    let start = Instant::now();
    let mut child = server
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {server:?}: {e}"))?;
    let result = loop {
        if answers_200(addr) {
            break Ok(start.elapsed());
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("{server:?} exited ({status}) before answering"));
        }
        if start.elapsed() > DEADLINE {
            break Err(format!(
                "{server:?}: no 200 on port {port} within {DEADLINE:?}"
            ));
        }
        std::hint::spin_loop();
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Whether `GET /` on `addr` is answered with a 200 (no answer within 2 s is a no).
pub fn answers_200(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_shows_median_min_and_max_in_micros() {
        let ms = Duration::from_millis;
        let spread = Spread::of(&[ms(3), ms(1), ms(2)]).unwrap();
        assert_eq!(spread.micros(), "2000 / 1000 / 3000");
        assert_eq!(Spread::of(&[]), None);
    }
}
