//! Resident memory of a running server: `VmRSS` from `/proc/PID/status`, in KiB; for nginx, the
//! master's and the workers' added up (pages they share counted in each).

use super::{Result, procs};
use crate::http::Connection;
use std::net::SocketAddr;

/// The resident set of process `pid` now, in KiB.
pub fn vm_rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    parse_vm_rss(&status).ok_or_else(|| format!("no VmRSS in {path}"))
}

/// The resident sets of process `pid` and its direct children (nginx's workers) added up, in
/// KiB. A child that exits meanwhile is left out.
pub fn family_rss_kib(pid: u32) -> Result<u64> {
    let pids = procs::family(pid)?;
    let mut total = vm_rss_kib(pid)?;
    for &child in &pids[1..] {
        total += vm_rss_kib(child).unwrap_or(0);
    }
    Ok(total)
}

/// `VmRSS:    1040 kB` (a tab after the colon) -> 1040.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The resident set of the server `pid` (with its children: [`family_rss_kib`]) at `addr` while
/// `connections` keep-alive connections are open, each having asked for `path` and read the
/// whole answer. An error if the server closes them (saying why, to be shown as the reason
/// there is no figure).
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
        let closes = response
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        if closes || response.version != "HTTP/1.1" {
            return Err(format!(
                "it answers {} and closes each connection after one answer",
                response.version
            ));
        }
    }
    // Measured while every connection is still open.
    let rss = family_rss_kib(pid);
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
        let me = std::process::id();
        let rss = super::vm_rss_kib(me).unwrap();
        assert!(rss > 0);
        assert!(super::family_rss_kib(me).unwrap() >= rss);
    }
}
