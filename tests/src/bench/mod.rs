//! The benchmark `bash tests/bench.sh` runs: fromscratch against the programs it replaces, all
//! measured in one run on one machine. `src/bin/bench.rs` is the plan (which rows, in which
//! order); each module here measures one thing and hands back figures, which the plan records as
//! [`Row`]s for [`report`] to print and save.
//!
//! - `tree`: the files served (a 4 KiB file, a 1,000-entry folder, the tutorial's cow page).
//! - `serve`: the servers' command lines, and servers left running on a loopback port.
//! - `nginx`: nginx serving the same tree, from a config file written here.
//! - `size`: binary and image sizes.
//! - `startup`: from `exec` to the first HTTP 200 (also the `first-response` binary).
//! - `wrk`: requests per second and p50 / p99 latency under wrk, servers taking turns over
//!   rounds, with the socket errors and non-2xx answers wrk counted.
//! - `procs`: a server's processes (nginx's workers too) and their CPU time in nanoseconds.
//! - `large_file`: a large file on one connection and on several: MB/s and CPU per GiB.
//! - `rss`: resident memory, idle, after load, and with keep-alive connections open.
//! - `instructions`: user-space instructions per request, counted by callgrind.
//! - `docker_run`: `docker run` to the first 200, `docker stop`, `docker kill`.
//! - `report`: the Markdown table and `results.json`.

pub mod docker_run;
pub mod instructions;
pub mod large_file;
pub mod listings;
pub mod nginx;
pub mod procs;
pub mod report;
pub mod rss;
pub mod serve;
pub mod size;
pub mod startup;
pub mod tree;
pub mod wrk;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// What goes wrong in a benchmark: a message for the person running it.
pub type Result<T> = std::result::Result<T, String>;

/// One measured (or quoted) figure: a line of the table, an object of `results.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `size`, `startup`, `memory`, `docker`, or the load that was applied.
    pub section: String,
    /// The program or image measured.
    pub subject: String,
    /// What was measured, with its unit.
    pub metric: String,
    /// The figure, as written in the table.
    pub value: String,
}

/// The rows of one run, in the order they were measured.
#[derive(Debug, Default)]
pub struct Rows(pub Vec<Row>);

impl Rows {
    pub fn record(
        &mut self,
        section: impl Into<String>,
        subject: impl Into<String>,
        metric: impl Into<String>,
        value: impl ToString,
    ) {
        self.0.push(Row {
            section: section.into(),
            subject: subject.into(),
            metric: metric.into(),
            value: value.to_string(),
        });
    }
}

/// How long and how often to measure: `--short` (CI) or the full run.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Each wrk run lasts this many seconds.
    pub wrk_seconds: u32,
    /// Rounds of wrk per case, the servers taking turns within each.
    pub wrk_rounds: usize,
    /// Native start-up runs of our servers, and of python's (slower, so fewer).
    pub startup_runs: usize,
    pub python_startup_runs: usize,
    /// `docker run` + `docker stop` runs of our images, and of python's (each stop waits out
    /// the 10 s grace period, so fewer).
    pub docker_runs: usize,
    pub docker_python_runs: usize,
    /// `docker stop` / `docker kill` runs of alpine2.
    pub docker_end_runs: usize,
    /// The large file's size, MiB.
    pub large_file_mib: usize,
    /// Entries of the big directory the small listings are timed beside.
    pub big_listing_entries: usize,
    /// Whether a million entries' listings are measured (a minute or so).
    pub million_entries: bool,
    /// The two runs under callgrind: a few requests and many (their difference is what is
    /// divided by; nginx closes a keep-alive connection after its 1,000th request).
    pub callgrind_requests: (usize, usize),
}

impl Config {
    /// wrk 10 s x 3 rounds per case, 50 start-up runs (about 8 minutes).
    pub const FULL: Config = Config {
        wrk_seconds: 10,
        wrk_rounds: 3,
        startup_runs: 50,
        python_startup_runs: 10,
        docker_runs: 5,
        docker_python_runs: 3,
        docker_end_runs: 5,
        large_file_mib: 256,
        big_listing_entries: 100_000,
        million_entries: true,
        callgrind_requests: (100, 1000),
    };
    /// CI: wrk 2 s, 10 start-up runs.
    pub const SHORT: Config = Config {
        wrk_seconds: 2,
        startup_runs: 10,
        python_startup_runs: 3,
        docker_python_runs: 1,
        large_file_mib: 32,
        big_listing_entries: 20_000,
        million_entries: false,
        callgrind_requests: (50, 550),
        ..Config::FULL
    };
}

/// The middle value (the upper of the two middle ones for an even count); `None` if empty.
pub fn median<T: Ord + Copy>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}

/// Whole milliseconds, as `date +%s%N` arithmetic gave them.
pub fn millis(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Fails naming the first of `tools` that is not on `PATH`.
pub fn require_tools(tools: &[&str]) -> Result<()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in tools {
        if !std::env::split_paths(&path).any(|dir| is_executable(&dir.join(tool))) {
            return Err(format!(
                "{tool} is missing (apt-get install -y wrk nginx-light valgrind python3)"
            ));
        }
    }
    Ok(())
}

/// Raises this process's limit on open descriptors (inherited by wrk and the servers started
/// here) to at least `wanted`, within its hard limit: 1,000 connections need 1,000 descriptors at
/// each end. An error if the hard limit is lower.
pub fn raise_fd_limit(wanted: u64) -> Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit to the pointer it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
    }
    if limit.rlim_cur >= wanted {
        return Ok(());
    }
    // As high as allowed, not just `wanted`: the servers' own processes inherit it.
    let raised = limit.rlim_max.min(1 << 20);
    if raised < wanted {
        return Err(format!(
            "open files are limited to {} (hard): 1,000 connections need {wanted} (ulimit -n)",
            limit.rlim_max
        ));
    }
    limit.rlim_cur = raised;
    // SAFETY: setrlimit reads one rlimit from the pointer it is given.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(format!("setrlimit: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The target directory this binary was built in (`target/<profile>/bench` -> `target`), where
/// the release binaries are and the results go.
pub fn target_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{} is not in target/<profile>/", exe.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_middle_value_or_the_upper_middle_one() {
        assert_eq!(median(&[3, 1, 2]), Some(2));
        assert_eq!(median(&[40, 10, 30, 20]), Some(30));
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(median::<u64>(&[]), None);
    }

    #[test]
    fn short_mode_shortens_only_what_bench_sh_shortened() {
        let (full, short) = (Config::FULL, Config::SHORT);
        assert_eq!((full.wrk_seconds, short.wrk_seconds), (10, 2));
        assert_eq!((full.startup_runs, short.startup_runs), (50, 10));
        assert_eq!(
            (full.python_startup_runs, short.python_startup_runs),
            (10, 3)
        );
        assert_eq!((full.docker_python_runs, short.docker_python_runs), (3, 1));
        assert_eq!(full.wrk_rounds, short.wrk_rounds);
        assert_eq!(full.docker_runs, short.docker_runs);
        assert_eq!(full.callgrind_requests, (100, 1000));
        assert_eq!(short.callgrind_requests, (50, 550));
    }

    #[test]
    fn the_descriptor_limit_can_be_raised_within_the_hard_one() {
        raise_fd_limit(64).unwrap();
        assert!(raise_fd_limit(u64::MAX - 1).is_err());
    }
}
