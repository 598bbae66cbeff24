//! Resident memory of a running server: `VmRSS` from `/proc/PID/status`, in KiB.

use super::Result;
use crate::http::Connection;
use std::net::SocketAddr;

/// The resident set of process `pid` now, in KiB.
pub fn vm_rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    parse_vm_rss(&status).ok_or_else(|| format!("no VmRSS in {path}"))
}

/// `VmRSS:    1040 kB` (a tab after the colon) -> 1040.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The resident set of the server `pid` at `addr` while `connections` keep-alive connections
/// are open, each having asked for `path` and read the whole answer.
pub fn with_keep_alive(addr: SocketAddr, pid: u32, connections: usize, path: &str) -> Result<u64> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut open = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut conn = Connection::open(addr);
        conn.send(request.as_bytes());
        open.push(conn);
    }
    for conn in &mut open {
        let response = conn
            .read_response(false)
            .ok_or_else(|| format!("no answer to GET {path} on {addr}"))?;
        if response.status != 200 {
            return Err(format!("GET {path} on {addr}: {}", response.status));
        }
    }
    // Measured while every connection is still open.
    let rss = vm_rss_kib(pid);
    drop(open);
    rss
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_vm_rss_in_kib() {
        let status =
            "Name:\tdirserve\nVmPeak:\t    2000 kB\nVmRSS:\t    1040 kB\nRssAnon:\t 100 kB\n";
        assert_eq!(super::parse_vm_rss(status), Some(1040));
        assert_eq!(super::parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn reads_this_process() {
        assert!(super::vm_rss_kib(std::process::id()).unwrap() > 0);
    }
}
