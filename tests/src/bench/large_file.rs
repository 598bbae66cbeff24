//! Large files: one download and several at once, in MB/s, and the server's CPU seconds per GiB
//! sent (the on-CPU nanoseconds of the server and its worker processes, [`super::procs`]), which
//! shows what copying every byte through user memory costs against handing the kernel a
//! descriptor.

use super::{Result, procs};
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
    let before = procs::family_cpu_ns(pid)?;
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
    let cpu_ns = procs::family_cpu_ns(pid)?.saturating_sub(before);
    let gib = total as f64 / f64::from(1u32 << 30);
    let cpu_seconds = cpu_ns as f64 / 1e9;
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
