//! Large files: one download and several at once, in MB/s, and the server's CPU seconds per GiB
//! sent (user + system time of the server and its worker processes, from `/proc`), which shows
//! what copying every byte through user memory costs against handing the kernel a descriptor.

use super::Result;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// No download of these sizes takes this long on loopback; a stuck server fails the run.
const DEADLINE: Duration = Duration::from_secs(120);

/// Writes a file of `mib` MiB of varied bytes at `path` (so no layer can compress or skip it),
/// read once so the page cache holds it for every server alike.
pub fn make(path: &Path, mib: usize) -> Result<()> {
    let chunk: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for _ in 0..mib {
        file.write_all(&chunk)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    drop(file);
    let mut sink = [0u8; 1 << 16];
    let mut file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    while file.read(&mut sink).map_err(|e| e.to_string())? > 0 {}
    Ok(())
}

/// One measured transfer: body bytes per second over all streams, and the server's CPU time per
/// GiB of body.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    /// Decimal megabytes (10^6 bytes) of body per second.
    pub mb_per_s: u64,
    /// CPU seconds the server spent per GiB sent, in thousandths (1,000 = 1 s).
    pub cpu_ms_per_gib: u64,
}

/// Downloads `path` (of `size` bytes) from `addr` on `streams` connections at once, and reads the
/// CPU time of the server `pid` (with its child processes: nginx's workers) around it.
pub fn download(
    addr: SocketAddr,
    path: &str,
    size: u64,
    streams: usize,
    pid: u32,
) -> Result<Transfer> {
    let before = cpu_ticks(pid)?;
    let started = Instant::now();
    let clients: Vec<_> = (0..streams)
        .map(|_| {
            let path = path.to_owned();
            std::thread::spawn(move || fetch(addr, &path))
        })
        .collect();
    let mut total = 0;
    for client in clients {
        let body = client
            .join()
            .map_err(|_| "a download thread panicked".to_owned())??;
        if body != size {
            return Err(format!("GET {path}: {body} body bytes, not {size}"));
        }
        total += body;
    }
    let elapsed = started.elapsed();
    let ticks = cpu_ticks(pid)?.saturating_sub(before);
    let gib = total as f64 / f64::from(1u32 << 30);
    let cpu_seconds = ticks as f64 / clock_ticks_per_second();
    Ok(Transfer {
        mb_per_s: (total as f64 / elapsed.as_secs_f64() / 1e6) as u64,
        cpu_ms_per_gib: (cpu_seconds / gib * 1000.0) as u64,
    })
}

/// `GET path` on a new connection; the number of body bytes, after checking the status is 200.
fn fetch(addr: SocketAddr, path: &str) -> Result<u64> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(DEADLINE))
        .map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut buffer = vec![0u8; 1 << 18];
    let mut head = Vec::new();
    let mut in_body = false;
    let mut body = 0u64;
    let started = Instant::now();
    loop {
        let n = stream
            .read(&mut buffer)
            .map_err(|e| format!("GET {path}: {e}"))?;
        if n == 0 {
            break;
        }
        if in_body {
            body += n as u64;
        } else {
            head.extend_from_slice(&buffer[..n]);
            if let Some(end) = servekit::substring::find(&head, b"\r\n\r\n") {
                if !head.starts_with(b"HTTP/1.1 200") && !head.starts_with(b"HTTP/1.0 200") {
                    let line = String::from_utf8_lossy(&head[..head.len().min(40)]).into_owned();
                    return Err(format!("GET {path}: {line}"));
                }
                body = (head.len() - end - 4) as u64;
                in_body = true;
            } else if head.len() > 1 << 16 {
                return Err(format!("GET {path}: no end to the head in 64 KiB"));
            }
        }
        if started.elapsed() > DEADLINE {
            return Err(format!("GET {path}: not done in {DEADLINE:?}"));
        }
    }
    Ok(body)
}

/// User + system clock ticks of `pid` and its direct children (nginx's master and workers).
fn cpu_ticks(pid: u32) -> Result<u64> {
    let mut total = ticks_of(pid).ok_or_else(|| format!("no /proc/{pid}/stat"))?;
    let entries = std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?;
    for entry in entries.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if parent_of(child) == Some(pid) {
            total += ticks_of(child).unwrap_or(0);
        }
    }
    Ok(total)
}

/// The fields of `/proc/PID/stat` after the command name (which may hold spaces).
fn stat_fields(pid: u32) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    // Field 3 (state) is a letter: numbered from field 4 (ppid) on.
    Some(
        after_name
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap_or(0))
            .collect(),
    )
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.first().map(|&ppid| ppid as u32)
}

/// utime + stime (fields 14 and 15).
fn ticks_of(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    Some(fields.get(10)? + fields.get(11)?)
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_parent_and_spends_cpu() {
        let me = std::process::id();
        assert_eq!(parent_of(me), Some(std::os::unix::process::parent_id()));
        let before = ticks_of(me).unwrap();
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(ticks_of(me).unwrap() > before, "a busy loop takes ticks");
    }
}
