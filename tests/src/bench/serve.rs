//! The servers compared, as command lines on a given loopback port, and servers left running in
//! the background for the load and memory measurements.

use super::Result;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The release binaries measured: `target/x86_64-unknown-linux-musl/release`, as shipped.
pub struct Programs {
    dir: PathBuf,
}

/// The target the images ship.
pub const TARGET: &str = "x86_64-unknown-linux-musl";

impl Programs {
    /// The binaries under `target` (which `tests/bench.sh` builds first).
    pub fn in_target(target: &Path) -> Result<Programs> {
        let dir = target.join(TARGET).join("release");
        let programs = Programs { dir };
        for name in ["pyprompt", "dirserve", "cowserve"] {
            if !programs.path(name).is_file() {
                return Err(format!(
                    "{} is missing: run `bash tests/bench.sh`, which builds it",
                    programs.path(name).display()
                ));
            }
        }
        Ok(programs)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `dirserve -q -b 127.0.0.1 -d DIR PORT`.
    pub fn dirserve(&self, dir: &Path, port: u16) -> Command {
        let mut cmd = Command::new(self.path("dirserve"));
        cmd.args(["-q", "-b", "127.0.0.1", "-d"])
            .arg(dir)
            .arg(port.to_string());
        cmd
    }

    /// `cowserve -q -b 127.0.0.1 PORT`.
    pub fn cowserve(&self, port: u16) -> Command {
        let mut cmd = Command::new(self.path("cowserve"));
        cmd.args(["-q", "-b", "127.0.0.1"]).arg(port.to_string());
        cmd
    }
}

/// `python3 -m http.server -b 127.0.0.1 -d DIR PORT`, as the tutorials run it (unlike
/// `crate::python`, with this machine's MIME table and buffered output).
pub fn python_http_server(dir: &Path, port: u16) -> Command {
    python_http_server_with("python3".as_ref(), dir, port)
}

/// The same, run by the interpreter `python`.
pub fn python_http_server_with(python: &Path, dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "http.server", "-b", "127.0.0.1", "-d"])
        .arg(dir)
        .arg(port.to_string());
    cmd
}

/// The interpreter that `python3` on the PATH runs (its `sys.executable`): pyenv's `python3` is
/// a shell script that runs it, and a tool that follows one process (callgrind) must be given
/// the interpreter itself.
pub fn python_executable() -> Result<PathBuf> {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", "import sys; print(sys.executable)"]);
    let out = crate::process::run(&mut cmd, b"", Duration::from_secs(30));
    let path = PathBuf::from(out.stdout_str().trim());
    if !out.status.success() || !path.is_absolute() {
        return Err(format!("{cmd:?} failed: {}", out.stderr_str()));
    }
    Ok(path)
}

/// A port that was free a moment ago (the kernel's pick, released at once).
pub fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// The loopback address of `port`.
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// Waits up to 5 s (200 tries, 25 ms apart) for something to accept on `port`.
pub fn wait_port(port: u16) -> Result<()> {
    for _ in 0..200 {
        if TcpStream::connect(loopback(port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Err(format!("nothing listens on 127.0.0.1:{port} after 5 s"))
}

/// A server running in the background, its output discarded, stopped when dropped (SIGTERM, as
/// bench.sh's `kill` did, then SIGKILL if it is still there 10 s later).
pub struct Background {
    child: Child,
    /// The port it serves on.
    pub port: u16,
}

impl Background {
    /// Starts `cmd`, which serves on `port`; call [`wait_port`] before using it.
    pub fn start(mut cmd: Command, port: u16) -> Result<Background> {
        let child = spawn_silent(&mut cmd)?;
        Ok(Background { child, port })
    }

    /// Starts the server `command(port)` makes, on a port that was free a moment ago.
    pub fn on_free_port(command: impl FnOnce(u16) -> Command) -> Result<Background> {
        let port = free_port()?;
        Background::start(command(port), port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Not reaped yet, so the pid is still this child's.
        crate::process::send_signal(self.child.id(), libc::SIGTERM);
        let _ = crate::process::wait(&mut self.child, Duration::from_secs(10));
    }
}

/// Starts `cmd` with no standard streams: a server measured here must not block on a full pipe
/// nor write into the table.
pub fn spawn_silent(cmd: &mut Command) -> Result<Child> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))
}
