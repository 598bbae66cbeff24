//! Requests per second and latency under wrk (`wrk --latency`: its 50% and 99% lines), with the
//! socket errors and non-2xx answers it counted. A run where most answers were not 2xx or 3xx
//! fails the benchmark: a 403 is fast, and measures the error page, not the server. Fewer are
//! recorded: python's http.server under 1,000 connections may drop some, and that is a result.

use super::{Result, median};
use std::process::Command;
use std::time::Duration;

/// How wrk loads a server: `wrk -tTHREADS -cCONNECTIONS -dSECONDSs --latency URL`.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub threads: u32,
    pub connections: u32,
    pub seconds: u32,
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// wrk's `Requests/sec`.
    pub requests_per_sec: f64,
    /// Answers read (`N requests in 2.00s`).
    pub requests: u64,
    /// The latency distribution's 50% and 99% lines, in nanoseconds.
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub errors: Errors,
}

/// What wrk counted as failed: `Socket errors: connect C, read R, write W, timeout T` and
/// `Non-2xx or 3xx responses: N` (each 0 when wrk printed no such line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Errors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    pub timeout: u64,
    pub non_2xx: u64,
}

impl Errors {
    pub fn any(&self) -> bool {
        *self != Errors::default()
    }

    /// The counts of `self` and `other` added up.
    pub fn plus(&self, other: &Errors) -> Errors {
        Errors {
            connect: self.connect + other.connect,
            read: self.read + other.read,
            write: self.write + other.write,
            timeout: self.timeout + other.timeout,
            non_2xx: self.non_2xx + other.non_2xx,
        }
    }

    /// `connect 0, read 12, write 0, timeout 3 / 0`: socket errors, then non-2xx answers.
    pub fn shown(&self) -> String {
        format!(
            "connect {}, read {}, write {}, timeout {} / {}",
            self.connect, self.read, self.write, self.timeout, self.non_2xx
        )
    }
}

impl Outcome {
    /// Requests per second rounded to a whole number (ties to even, as `printf "%.0f"`).
    pub fn rps(&self) -> u64 {
        self.requests_per_sec.round_ties_even() as u64
    }
}

/// The median over rounds of each figure (each taken on its own), and the errors of all rounds
/// added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub rps: u64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub errors: Errors,
}

impl Summary {
    /// `0.64 / 3.20`: p50 and p99 in ms, 2 decimals.
    pub fn latency_ms(&self) -> String {
        format!("{} / {}", ms(self.p50_ns), ms(self.p99_ns))
    }

    fn of(outcomes: &[Outcome]) -> Option<Summary> {
        let figure = |f: fn(&Outcome) -> u64| {
            let values: Vec<u64> = outcomes.iter().map(f).collect();
            median(&values)
        };
        Some(Summary {
            rps: figure(Outcome::rps)?,
            p50_ns: figure(|o| o.p50_ns)?,
            p99_ns: figure(|o| o.p99_ns)?,
            errors: outcomes
                .iter()
                .fold(Errors::default(), |sum, o| sum.plus(&o.errors)),
        })
    }
}

/// Nanoseconds as milliseconds with 2 decimals.
fn ms(ns: u64) -> String {
    format!("{:.2}", ns as f64 / 1e6)
}

impl Load {
    /// `wrk -t2 -c50 -d2s`: how the load is named in the table.
    pub fn label(&self) -> String {
        format!(
            "wrk -t{} -c{} -d{}s",
            self.threads, self.connections, self.seconds
        )
    }

    /// Runs wrk against `url` (bounded: the duration plus a minute).
    pub fn run(&self, url: &str) -> Result<Outcome> {
        let mut cmd = Command::new("wrk");
        cmd.arg(format!("-t{}", self.threads))
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.seconds))
            .arg("--latency")
            .arg(url);
        let deadline = Duration::from_secs(u64::from(self.seconds) + 60);
        let out = crate::process::run(&mut cmd, b"", deadline);
        let stdout = out.stdout_str();
        if !out.status.success() {
            return Err(format!(
                "{cmd:?} failed ({}): {stdout}{}",
                out.status,
                out.stderr_str()
            ));
        }
        parse(&stdout).map_err(|e| format!("{url}: {e}"))
    }

    /// `rounds` rounds over `urls`, each server taking its turn within each round so that drift
    /// in the machine's load hits all alike; a summary of each, in the order given.
    pub fn median_of_rounds(&self, rounds: usize, urls: &[String]) -> Result<Vec<Summary>> {
        let mut runs = vec![Vec::with_capacity(rounds); urls.len()];
        for _ in 0..rounds {
            for (url, runs) in urls.iter().zip(&mut runs) {
                runs.push(self.run(url)?);
            }
        }
        runs.iter()
            .map(|runs| Summary::of(runs).ok_or_else(|| "no rounds".to_owned()))
            .collect()
    }
}

/// Reads wrk's report (run with `--latency`); an error if it lacks a figure, or if most answers
/// were not a 2xx or 3xx.
pub fn parse(report: &str) -> Result<Outcome> {
    let line_after = |prefix: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .map(str::trim)
    };
    let requests_per_sec = line_after("Requests/sec:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's report: {report}"))?;
    let requests = report
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .ok_or_else(|| format!("no `N requests in` in wrk's report: {report}"))?;
    let percentile = |p: &str| {
        let block = &report[report.find("Latency Distribution")?..];
        block
            .lines()
            .find_map(|line| line.trim().strip_prefix(p))
            .and_then(|time| duration_ns(time.trim()))
    };
    let (p50_ns, p99_ns) = percentile("50%")
        .zip(percentile("99%"))
        .ok_or_else(|| format!("no latency distribution in wrk's report: {report}"))?;
    let mut errors = Errors::default();
    if let Some(socket) = line_after("Socket errors:") {
        for part in socket.split(',') {
            let (name, count) = part.trim().split_once(' ').unwrap_or((part, ""));
            let count = count.trim().parse().unwrap_or(0);
            match name {
                "connect" => errors.connect = count,
                "read" => errors.read = count,
                "write" => errors.write = count,
                "timeout" => errors.timeout = count,
                _ => {}
            }
        }
    }
    if let Some(n) = line_after("Non-2xx or 3xx responses:") {
        errors.non_2xx = n
            .parse()
            .map_err(|_| format!("unreadable non-2xx count {n:?}"))?;
    }
    if errors.non_2xx * 2 > requests {
        return Err(format!("answered errors: {report}"));
    }
    Ok(Outcome {
        requests_per_sec,
        requests,
        p50_ns,
        p99_ns,
        errors,
    })
}

/// A time as wrk prints it (`812.50us`, `1.02ms`, `2.00s`, `1.50m`, `1.00h`) in nanoseconds.
pub fn duration_ns(time: &str) -> Option<u64> {
    let units = [
        ("us", 1e3),
        ("ms", 1e6),
        ("s", 1e9),
        ("m", 60e9),
        ("h", 3600e9),
    ];
    let (number, scale) = units
        .iter()
        .find_map(|&(unit, scale)| Some((time.strip_suffix(unit)?, scale)))?;
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| (value * scale).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 2s test @ http://127.0.0.1:40000/4k.bin
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.50us  301.22us   9.10ms   90.00%
    Req/Sec    30.12k     1.20k   32.00k    70.00%
  Latency Distribution
     50%  635.00us
     75%    1.02ms
     90%    1.45ms
     99%    3.20ms
  120480 requests in 2.00s, 500.00MB read
Requests/sec:  60240.50
Transfer/sec:    250.00MB
";

    #[test]
    fn reads_requests_per_sec_and_rounds_as_printf() {
        let outcome = parse(REPORT).unwrap();
        assert_eq!(outcome.requests_per_sec, 60240.5);
        assert_eq!(outcome.rps(), 60240);
        assert_eq!(outcome.requests, 120480);
        assert_eq!(outcome.errors, Errors::default());
    }

    #[test]
    fn reads_the_50_and_99_percent_lines_in_any_unit() {
        let outcome = parse(REPORT).unwrap();
        assert_eq!((outcome.p50_ns, outcome.p99_ns), (635_000, 3_200_000));
        let slow = REPORT
            .replace("635.00us", "   1.50s")
            .replace("3.20ms", "2.01m");
        let outcome = parse(&slow).unwrap();
        assert_eq!(
            (outcome.p50_ns, outcome.p99_ns),
            (1_500_000_000, 120_600_000_000)
        );
        assert_eq!(duration_ns("812.50us"), Some(812_500));
        assert_eq!(duration_ns("1.02ms"), Some(1_020_000));
        assert_eq!(duration_ns("2.00s"), Some(2_000_000_000));
        assert_eq!(duration_ns("1.00h"), Some(3_600_000_000_000));
        assert_eq!(duration_ns("0.00us"), Some(0));
        assert_eq!(duration_ns("12"), None);
        assert_eq!(duration_ns("-1.00ms"), None);
        // The Thread Stats latency line is not the distribution's.
        let without = REPORT.replace("  Latency Distribution\n", "");
        assert!(
            parse(&without)
                .unwrap_err()
                .contains("latency distribution")
        );
    }

    #[test]
    fn counts_socket_errors_and_refuses_a_run_of_mostly_errors() {
        let report = REPORT.replace(
            "Requests/sec",
            "  Socket errors: connect 12, read 3, write 0, timeout 250\n  \
             Non-2xx or 3xx responses: 7\nRequests/sec",
        );
        let errors = parse(&report).unwrap().errors;
        let expected = Errors {
            connect: 12,
            read: 3,
            write: 0,
            timeout: 250,
            non_2xx: 7,
        };
        assert_eq!(errors, expected);
        assert_eq!(
            errors.shown(),
            "connect 12, read 3, write 0, timeout 250 / 7"
        );
        let mostly = REPORT.replace(
            "Requests/sec",
            "  Non-2xx or 3xx responses: 120480\nRequests/sec",
        );
        assert!(parse(&mostly).unwrap_err().contains("answered errors"));
        assert!(parse("Running 2s test").is_err());
    }

    #[test]
    fn summarises_rounds_by_medians_and_adds_up_errors() {
        let outcome = |rps: f64, p50_ns, p99_ns, timeout| Outcome {
            requests_per_sec: rps,
            requests: 100,
            p50_ns,
            p99_ns,
            errors: Errors {
                timeout,
                ..Errors::default()
            },
        };
        let rounds = [
            outcome(300.0, 5_000_000, 9_000_000, 1),
            outcome(100.0, 1_234_567, 7_000_000, 0),
            outcome(200.0, 3_000_000, 250_000_000, 2),
        ];
        let summary = Summary::of(&rounds).unwrap();
        assert_eq!(summary.rps, 200);
        assert_eq!((summary.p50_ns, summary.p99_ns), (3_000_000, 9_000_000));
        assert_eq!(summary.errors.timeout, 3);
        assert_eq!(summary.latency_ms(), "3.00 / 9.00");
        let one = Summary::of(&rounds[1..2]).unwrap();
        assert_eq!(one.latency_ms(), "1.23 / 7.00");
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn names_the_load_as_the_command_line() {
        let load = Load {
            threads: 2,
            connections: 50,
            seconds: 2,
        };
        assert_eq!(load.label(), "wrk -t2 -c50 -d2s");
    }
}
