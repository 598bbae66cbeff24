//! Instructions per request: each server run under callgrind (`valgrind --tool=callgrind`), which
//! counts the instructions it executes in user space. Not `perf stat`: virtual machines (this
//! benchmark's among them) often have no hardware counters to read. So the kernel's share (the
//! system calls, the copying, TCP) is not in the figures. A server is run twice, answering a few
//! requests and many, and the difference, divided by the difference in requests, is what one
//! request costs: start-up and shutdown, the same in both runs, cancel out.
//!
//! The two runs go at once, each pinned to a CPU of its own (with `taskset`), which also makes
//! dirserve and cowserve start one worker (they start one per CPU they may use). Under callgrind
//! a program runs some 50 times slower: these runs take seconds, not the requests' own time.

use super::Result;
use crate::http::{Connection, Response};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How the requests reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    /// All on one connection, as HTTP/1.1 clients (and wrk) send them.
    KeepAlive,
    /// A new connection for each, closed by the server after its answer (`Connection: close`):
    /// the only way python's http.server, an HTTP/1.0 server, answers.
    EachNew,
}

impl Connections {
    /// How the table names it.
    pub fn label(self) -> &'static str {
        match self {
            Connections::KeepAlive => "one keep-alive connection",
            Connections::EachNew => "a new connection each",
        }
    }
}

/// A server to count: `command(port, dir)` starts it natively on `port` (`dir` is its run's own
/// folder, for files such as nginx's config), `stop` is the signal that makes it exit on its own.
/// (Callgrind writes its counts when the program ends, by an exit or a fatal signal; not when it
/// is killed with SIGKILL, which is only for a server that would not stop.)
pub struct Server<'a> {
    pub command: &'a dyn Fn(u16, &Path) -> Result<Command>,
    pub stop: libc::c_int,
}

/// The instructions one `GET path` costs `server`: callgrind's count after `many` requests less
/// its count after `few`, divided by `many - few`, rounded. `work` holds the runs' folders.
pub fn per_request(
    work: &Path,
    name: &str,
    server: &Server,
    path: &str,
    connections: Connections,
    (few, many): (usize, usize),
) -> Result<u64> {
    if many <= few {
        return Err(format!("{many} requests is not more than {few}"));
    }
    let cpus = allowed_cpus();
    let mut runs = Vec::new();
    for (i, label) in ["few", "many"].into_iter().enumerate() {
        let dir = work.join(format!("callgrind-{name}-{label}"));
        let cpu = cpus[i % cpus.len()];
        runs.push(Run::start(server, &dir, cpu)?);
    }
    for run in &mut runs {
        run.wait_ready()?;
    }
    let addrs: Vec<SocketAddr> = runs
        .iter()
        .map(|r| super::serve::loopback(r.port))
        .collect();
    let sent: Vec<Result<()>> = std::thread::scope(|scope| {
        let clients: Vec<_> = addrs
            .iter()
            .zip([few, many])
            .map(|(&addr, n)| scope.spawn(move || send(addr, path, n, connections)))
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().unwrap_or_else(|_| Err("a client panicked".into())))
            .collect()
    });
    for result in sent {
        result?;
    }
    let mut counts = Vec::new();
    for run in runs {
        counts.push(run.finish(server.stop)?);
    }
    let (at_few, at_many) = (counts[0], counts[1]);
    if at_many < at_few {
        return Err(format!(
            "{name}: {at_many} instructions for {many} requests, fewer than {at_few} for {few}"
        ));
    }
    let requests = (many - few) as u64;
    Ok((at_many - at_few + requests / 2) / requests)
}

/// One server under callgrind, killed if it is dropped before [`Run::finish`].
struct Run {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

/// Start-up under callgrind takes seconds (python's, some 3 s here); this bounds it.
const START_DEADLINE: Duration = Duration::from_secs(120);
/// After its stop signal, the most a server may take to exit and callgrind to write its counts.
const STOP_DEADLINE: Duration = Duration::from_secs(30);

impl Run {
    /// `taskset -c CPU valgrind --tool=callgrind ... PROGRAM ARGS`, its counts and valgrind's
    /// messages in `dir` (made afresh), on a port that was free a moment ago.
    fn start(server: &Server, dir: &Path, cpu: usize) -> Result<Run> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let port = super::serve::free_port()?;
        let native = (server.command)(port, dir)?;
        let mut cmd = Command::new("taskset");
        cmd.arg("-c")
            .arg(cpu.to_string())
            .args(["valgrind", "--tool=callgrind"])
            .arg(format!(
                "--callgrind-out-file={}",
                dir.join("callgrind.out.%p").display()
            ))
            .arg(format!("--log-file={}", dir.join("valgrind.log").display()))
            .arg(native.get_program())
            .args(native.get_args());
        for (key, value) in native.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        if let Some(cwd) = native.get_current_dir() {
            cmd.current_dir(cwd);
        }
        let child = super::serve::spawn_silent(&mut cmd)?;
        Ok(Run {
            child: Some(child),
            port,
            dir: dir.to_owned(),
        })
    }

    /// Waits until the server accepts a connection (closed at once, in both runs alike), or
    /// fails if it exits first or takes longer than [`START_DEADLINE`].
    fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        let addr = super::serve::loopback(self.port);
        while started.elapsed() < START_DEADLINE {
            if TcpStream::connect(addr).is_ok() {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                return Err(format!("callgrind exited ({status}): {}", self.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "nothing listens on {addr} under callgrind after {START_DEADLINE:?}: {}",
            self.log_tail()
        ))
    }

    /// Sends `stop` (then SIGTERM, if the server is still there), waits for the exit, and
    /// returns the instructions counted. A signal this process ignores, the server was started
    /// ignoring, and python keeps ignoring SIGINT then (a shell starts a background job so):
    /// then SIGTERM straight away, which callgrind survives to write its counts.
    fn finish(mut self, stop: libc::c_int) -> Result<u64> {
        let first = if ignored(stop) { libc::SIGTERM } else { stop };
        for signal in [first, libc::SIGTERM] {
            let Some(child) = &mut self.child else { break };
            crate::process::send_signal(child.id(), signal);
            if exits_within(child, STOP_DEADLINE) {
                self.child = None;
                return self.total();
            }
        }
        Err(format!(
            "no exit {STOP_DEADLINE:?} after signals {stop} and {}: {}",
            libc::SIGTERM,
            self.log_tail()
        ))
    }

    /// The instructions in every callgrind output of the run (one per process), added up.
    fn total(&self) -> Result<u64> {
        let entries =
            std::fs::read_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let mut total = None;
        for entry in entries.flatten() {
            if !entry
                .file_name()
                .to_string_lossy()
                .starts_with("callgrind.out")
            {
                continue;
            }
            let path = entry.path();
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let ir = parse_ir(&text)
                .ok_or_else(|| format!("no instruction total in {}", path.display()))?;
            total = Some(total.unwrap_or(0) + ir);
        }
        total.ok_or_else(|| {
            format!(
                "no callgrind output in {}: {}",
                self.dir.display(),
                self.log_tail()
            )
        })
    }

    /// The end of valgrind's messages, for an error.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("valgrind.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }
}

/// Whether this process ignores `signal` (its children start out ignoring it too).
fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: a plain C struct, for which all zeroes is a valid value.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: with no new action, sigaction only writes the current one to the pointer given.
    let rc = unsafe { libc::sigaction(signal, std::ptr::null(), &mut action) };
    rc == 0 && action.sa_sigaction == libc::SIG_IGN
}

/// Whether `child` exits (and is reaped) within `deadline`; unlike [`crate::process::wait`], it
/// is left running if not.
fn exits_within(child: &mut Child, deadline: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `n` times `GET path` on `addr`, over `connections`; each answer must be a 200 whose body is
/// as long as its `Content-Length` says.
fn send(addr: SocketAddr, path: &str, n: usize, connections: Connections) -> Result<()> {
    match connections {
        Connections::KeepAlive => {
            let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut conn = Connection::open(addr);
            for _ in 0..n {
                check(conn.exchange(request.as_bytes()), path)?;
            }
        }
        Connections::EachNew => {
            let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            for _ in 0..n {
                let mut conn = Connection::open(addr);
                check(conn.exchange(request.as_bytes()), path)?;
                // The server's side is done too before the next one starts.
                if !conn.is_closed() {
                    return Err(format!("GET {path}: the server kept the connection open"));
                }
            }
        }
    }
    Ok(())
}

fn check(response: Option<Response>, path: &str) -> Result<()> {
    let response = response.ok_or_else(|| format!("GET {path}: no answer"))?;
    if response.status != 200 {
        return Err(format!("GET {path}: {}", response.status));
    }
    let length = response
        .header("content-length")
        .and_then(|l| l.parse().ok());
    if length != Some(response.body.len()) {
        return Err(format!(
            "GET {path}: {} body bytes, Content-Length {length:?}",
            response.body.len()
        ));
    }
    Ok(())
}

/// The instructions (event `Ir`) in a callgrind output: its `totals:` line (`summary:` in older
/// files), at the column of `Ir` in its `events:` line.
pub fn parse_ir(output: &str) -> Option<u64> {
    let line = |key: &str| {
        output
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::split_whitespace)
    };
    let column = line("events:")?.position(|event| event == "Ir")?;
    line("totals:")
        .or_else(|| line("summary:"))?
        .nth(column)?
        .parse()
        .ok()
}

/// The CPUs this process may run on (all of them, as far as it can tell, if it cannot ask).
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a plain bit set, for which all zeroes is a valid value.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: sched_getaffinity writes at most `size` bytes to the set it is given.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        return vec![0];
    }
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, within the set.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect();
    if cpus.is_empty() { vec![0] } else { cpus }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 10891
cmd:  /work/target/x86_64-unknown-linux-musl/release/dirserve -q -b 127.0.0.1 -d www 18080
part: 1

desc: I1 cache: 
desc: Timerange: Basic block 0 - 3374962
desc: Trigger: Program termination

positions: line
events: Ir
summary: 15180075

ob=(1) /work/target/x86_64-unknown-linux-musl/release/dirserve
fl=(1) ???
fn=(1) 0x000000000001b2f0
0 12
totals: 15180228
";

    #[test]
    fn reads_the_totals_line_and_else_the_summary() {
        assert_eq!(parse_ir(OUTPUT), Some(15_180_228));
        let older = OUTPUT.replace("totals: 15180228\n", "");
        assert_eq!(parse_ir(&older), Some(15_180_075));
        assert_eq!(parse_ir("events: Ir\n"), None);
        assert_eq!(parse_ir("totals: 12\n"), None, "no events line");
    }

    #[test]
    fn reads_the_ir_column_among_several_events() {
        let output = "events: Dr Ir Dw\ntotals: 5 1234 7\n";
        assert_eq!(parse_ir(output), Some(1234));
        assert_eq!(parse_ir("events: Dr Dw\ntotals: 5 7\n"), None);
    }

    #[test]
    fn sees_which_signals_are_ignored() {
        // The Rust runtime ignores SIGPIPE; nothing here touches SIGTERM.
        assert!(ignored(libc::SIGPIPE));
        assert!(!ignored(libc::SIGTERM));
    }

    #[test]
    fn names_how_requests_arrive() {
        assert_eq!(Connections::KeepAlive.label(), "one keep-alive connection");
        assert_eq!(Connections::EachNew.label(), "a new connection each");
        assert!(!allowed_cpus().is_empty());
    }
}
