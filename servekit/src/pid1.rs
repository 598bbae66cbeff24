//! The command line of the server a health check asks, read where a container keeps it.
//!
//! Docker runs the image's `HEALTHCHECK` (`/dirserve --healthcheck`) as a second process beside
//! the server, with the container's environment but not its arguments: after
//! `docker run -p 8000:8000 alpine_web 9000` the server listens on 9000 and the check would ask
//! 8000. The server is PID 1 of the container, so its arguments are in `/proc/1/cmdline`, one
//! small read; the binary parses them with its own parser to learn the port. Outside a container
//! PID 1 is the system's init, which names no program of ours, and nothing is followed.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `/proc/1/cmdline` is a few hundred bytes; more than this is no server of ours.
const MAX_CMDLINE: u64 = 64 * 1024;

/// The arguments PID 1 was given after the name this process was started by (its own
/// `argv[0]`'s file name: the image runs both as `/dirserve`), or `None` when PID 1 runs
/// something else or its command line cannot be read (`/proc` mounted with `hidepid`).
pub fn server_args() -> Option<Vec<OsString>> {
    use std::io::Read;
    let own = std::env::args_os().next()?;
    let name = Path::new(&own).file_name()?.to_owned();
    let mut cmdline = Vec::new();
    let file = std::fs::File::open("/proc/1/cmdline").ok()?;
    file.take(MAX_CMDLINE).read_to_end(&mut cmdline).ok()?;
    args_after(&cmdline, &name)
}

/// The arguments in `cmdline` (NUL-separated, as the kernel gives it) after the first one whose
/// file name is `name`: `argv[0]` when the server is PID 1 itself, or a later one behind an init
/// (`docker run --init` runs `/sbin/docker-init -- /dirserve 9000`).
fn args_after(cmdline: &[u8], name: &OsStr) -> Option<Vec<OsString>> {
    let mut args = cmdline
        .strip_suffix(b"\0")
        .unwrap_or(cmdline)
        .split(|&b| b == 0)
        .map(OsStr::from_bytes);
    args.find(|arg| Path::new(arg).file_name() == Some(name))?;
    Some(args.map(OsStr::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(cmdline: &[u8]) -> Option<Vec<String>> {
        let args = args_after(cmdline, OsStr::new("dirserve"))?;
        Some(
            args.iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
        )
    }

    #[test]
    fn the_servers_arguments_in_pid_1() {
        assert_eq!(after(b"/dirserve\x009000\0").unwrap(), ["9000"]);
        assert_eq!(after(b"/dirserve\0").unwrap(), Vec::<String>::new());
        assert_eq!(
            after(b"/sbin/docker-init\0--\0/dirserve\0-b\0::\09000\0").unwrap(),
            ["-b", "::", "9000"]
        );
        assert_eq!(after(b"dirserve\x00-d\0/srv").unwrap(), ["-d", "/srv"]);
    }

    #[test]
    fn anything_else_in_pid_1_is_not_followed() {
        for cmdline in [
            &b"/sbin/init\0splash\0"[..],
            b"/cowserve\x009000\0",
            b"sh\0-c\0dirserve 9000\0",
            b"/usr/bin/dirserve-old\x009000\0",
            b"",
        ] {
            assert_eq!(after(cmdline), None, "{cmdline:?}");
        }
    }
}
