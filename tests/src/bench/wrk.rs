//! Requests per second under wrk. A run with any non-2xx answer fails the benchmark: a 403 is
//! fast, and no result.

use super::{Result, median};
use std::process::Command;
use std::time::Duration;

/// How wrk loads a server: `wrk -tTHREADS -cCONNECTIONS -dSECONDSs URL`.
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
}

impl Outcome {
    /// Requests per second rounded to a whole number (ties to even, as `printf "%.0f"`).
    pub fn rps(&self) -> u64 {
        self.requests_per_sec.round_ties_even() as u64
    }
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
    /// in the machine's load hits all alike; the median round's rps of each, in the order given.
    pub fn median_of_rounds(&self, rounds: usize, urls: &[String]) -> Result<Vec<u64>> {
        let mut runs = vec![Vec::with_capacity(rounds); urls.len()];
        for _ in 0..rounds {
            for (url, runs) in urls.iter().zip(&mut runs) {
                runs.push(self.run(url)?.rps());
            }
        }
        runs.iter()
            .map(|runs| median(runs).ok_or_else(|| "no rounds".to_owned()))
            .collect()
    }
}

/// Reads wrk's report; an error if any answer was not a 2xx or 3xx (wrk's `Non-2xx or 3xx`).
pub fn parse(report: &str) -> Result<Outcome> {
    if report.contains("Non-2xx") {
        return Err(format!("answered errors: {report}"));
    }
    let requests_per_sec = report
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's report: {report}"))?;
    Ok(Outcome { requests_per_sec })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 2s test @ http://127.0.0.1:40000/4k.bin
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.50us  301.22us   9.10ms   90.00%
    Req/Sec    30.12k     1.20k   32.00k    70.00%
  120480 requests in 2.00s, 500.00MB read
Requests/sec:  60240.50
Transfer/sec:    250.00MB
";

    #[test]
    fn reads_requests_per_sec_and_rounds_as_printf() {
        let outcome = parse(REPORT).unwrap();
        assert_eq!(outcome.requests_per_sec, 60240.5);
        assert_eq!(outcome.rps(), 60240);
    }

    #[test]
    fn refuses_a_run_with_errors() {
        let report = REPORT.replace(
            "Requests/sec",
            "  Non-2xx or 3xx responses: 120480\nRequests/sec",
        );
        assert!(parse(&report).unwrap_err().contains("answered errors"));
        assert!(parse("Running 2s test").is_err());
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
