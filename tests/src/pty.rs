//! Runs a program on a pseudo-terminal, the way a person at a terminal would.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// A child process whose stdin, stdout and stderr are one terminal, and our side of it.
pub struct Pty {
    master: File,
    child: Child,
    /// Everything the terminal has shown so far.
    pub screen: Vec<u8>,
}

impl Pty {
    /// Starts `cmd` in a new session with the terminal as its controlling tty, so Ctrl-C typed on
    /// it becomes SIGINT for the program, as in a real terminal.
    pub fn spawn(mut cmd: Command) -> Pty {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty with valid out-pointers and no name, termios or window size.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened by openpty and are owned here alone.
        let (master, slave) = unsafe { (File::from_raw_fd(master), File::from_raw_fd(slave)) };
        cmd.stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        // SAFETY: setsid and ioctl are async-signal-safe, as pre_exec requires.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn on a pty");
        // The parent's copies of the slave side were moved into `cmd`; drop them so that reads
        // see the end once the child exits.
        drop(cmd);
        Pty {
            master,
            child,
            screen: Vec::new(),
        }
    }

    /// Types `bytes` on the keyboard.
    pub fn type_keys(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to pty");
    }

    /// Reads the screen until it contains `needle`; panics with the screen after `deadline`.
    pub fn read_until(&mut self, needle: &[u8], deadline: Duration) {
        let start = Instant::now();
        while !contains(&self.screen, needle) {
            let left = deadline.saturating_sub(start.elapsed());
            if left.is_zero() || !self.read_some(left) {
                panic!(
                    "the terminal never showed {:?}; screen: {:?}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(&self.screen)
                );
            }
        }
    }

    /// Waits for the program to exit, reading what it still prints, then returns its status.
    pub fn wait(mut self, deadline: Duration) -> (ExitStatus, Vec<u8>) {
        let start = Instant::now();
        while self.read_some(deadline.saturating_sub(start.elapsed())) {}
        let status =
            crate::process::wait(&mut self.child, deadline.saturating_sub(start.elapsed()))
                .expect("program on the pty did not exit in time");
        (status, self.screen)
    }

    /// The terminal's current settings.
    pub fn termios(&self) -> libc::termios {
        // SAFETY: tcgetattr on an open pty descriptor with a valid out-pointer.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(self.master.as_raw_fd(), &mut t), 0);
            t
        }
    }

    /// Waits up to `timeout` for output and appends it; false once the terminal has closed
    /// (the child and everything it started have exited) or nothing came in time.
    fn read_some(&mut self, timeout: Duration) -> bool {
        let mut poll = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut poll, 1, ms) } <= 0 {
            return false;
        }
        let mut buf = [0; 4096];
        match self.master.read(&mut buf) {
            Ok(n) if n > 0 => {
                self.screen.extend_from_slice(&buf[..n]);
                true
            }
            // EIO: the last slave descriptor closed.
            _ => false,
        }
    }
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    servekit::substring::find(haystack, needle).is_some()
}

/// Compares the settings that decide whether a terminal is sane after a program left it.
pub fn same_modes(a: &libc::termios, b: &libc::termios) -> bool {
    a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_lflag == b.c_lflag && a.c_cc == b.c_cc
}
