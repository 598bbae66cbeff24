//! A server binary running on a free loopback port for one test, stopped when dropped.

use crate::binary::binary;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

/// A running dirserve or cowserve, its address, and its stderr (the access log).
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    stderr: Option<ChildStderr>,
}

impl Server {
    /// Starts `program args... 0` bound to 127.0.0.1 on a port the kernel picks, and reads the
    /// port back from python's start-up line.
    pub fn start(program: &str, args: &[&str]) -> Server {
        let mut cmd = Command::new(binary(program));
        cmd.args(args).args(["-b", "127.0.0.1", "0"]);
        Server::spawn(cmd)
    }

    /// Starts a prepared command (which must print the start-up line) and waits for it to listen.
    pub fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).expect("start-up line");
        let addr =
            parse_startup_line(&line).unwrap_or_else(|| panic!("not a start-up line: {line:?}"));
        let stderr = child.stderr.take();
        Server {
            child,
            addr,
            stderr,
        }
    }

    /// Sends `signal` and waits up to `deadline` for the exit status.
    pub fn stop_with(
        mut self,
        signal: i32,
        deadline: Duration,
    ) -> Option<std::process::ExitStatus> {
        crate::process::send_signal(self.child.id(), signal);
        crate::process::wait(&mut self.child, deadline)
    }

    /// Stops the server and returns everything it wrote to stderr.
    pub fn stop_and_read_log(mut self) -> String {
        crate::process::send_signal(self.child.id(), libc::SIGTERM);
        let _ = crate::process::wait(&mut self.child, Duration::from_secs(10));
        let mut log = String::new();
        if let Some(mut stderr) = self.stderr.take() {
            let _ = stderr.read_to_string(&mut log);
        }
        log
    }
}

/// `program` as a user without root's powers, so permissions are checked (root reads
/// everything): uid and gid 65534 under `setpriv` when the tests run as root, as in the images,
/// else the tests' own user. Returns the command and the uid it runs as; the command runs a copy
/// of the binary that user can reach (the build's own directory may sit under a private home),
/// in a folder removed when the returned `Tree` is dropped: keep it until the program started.
pub fn unprivileged(program: &str) -> (Command, u32, testkit::Tree) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let bin_dir = testkit::Tree::new("unprivileged-bin");
    let copy = bin_dir.at(program);
    std::fs::copy(binary(program), &copy).unwrap();
    mode(bin_dir.path());
    mode(&copy);
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    if uid != 0 {
        return (Command::new(copy), uid, bin_dir);
    }
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(copy);
    (cmd, 65534, bin_dir)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ...` -> the address.
pub fn parse_startup_line(line: &str) -> Option<SocketAddr> {
    let rest = line.strip_prefix("Serving HTTP on ")?;
    let (host, rest) = rest.split_once(" port ")?;
    let (port, _) = rest.split_once(' ')?;
    let ip = host.parse().ok()?;
    Some(SocketAddr::new(ip, port.parse().ok()?))
}
