//! Listings under hostile clients (issue 23): a small directory's listing while clients loop over
//! the orders and forms of a big one, and what a listing of a million entries costs in memory.
//! Trees are made on tmpfs where there is one (a disk takes minutes for a million files).

use super::Result;
use super::serve::{Background, wait_port};
use crate::http::Connection;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use testkit::Tree;

/// The big directory's forms and orders the looping clients ask for, one client each.
const VARIANTS: [(&str, &str); 10] = [
    ("/big/?sort=size", "text/html"),
    ("/big/?sort=mtime", "text/html"),
    ("/big/?sort=size&order=desc", "text/html"),
    ("/big/?sort=mtime&order=desc", "text/html"),
    ("/big/?sort=name&order=desc", "text/html"),
    ("/big/", "application/json"),
    ("/big/?order=desc", "application/json"),
    ("/big/?sort=size", "application/json"),
    ("/big/?sort=mtime", "application/json"),
    ("/big/?sort=size&order=desc", "application/json"),
];
/// Requests for the small listings, each form in turn.
const PROBES: usize = 60;

/// A tree for [`small_beside_big`]: `big/` with `entries` files, `small/` and `fresh-N/` (for
/// first visits) with 10 each.
pub fn listing_tree(entries: usize) -> Result<Tree> {
    let tree = Tree::in_memory("bench-listings");
    fill(&tree.at("big"), entries)?;
    fill(&tree.at("small"), 10)?;
    for i in 0..PROBES / 2 {
        fill(&tree.at(format!("fresh-{i}")), 10)?;
    }
    Ok(tree)
}

fn fill(dir: &Path, entries: usize) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    for i in 0..entries {
        let path = dir.join(format!("file-{i:07}.txt"));
        std::fs::File::create(&path).map_err(|e| format!("create {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The latencies of a small directory's JSON listing and of first visits to others, with ten
/// clients looping over [`VARIANTS`] of the big directory of a [`listing_tree`] on the server
/// `command` starts to serve it: (p50, p99, max, big listings served meanwhile).
pub fn small_beside_big(
    command: impl FnOnce(u16) -> Command,
) -> Result<(Duration, Duration, Duration, usize)> {
    let server = Background::on_free_port(command)?;
    wait_port(server.port)?;
    let addr = super::serve::loopback(server.port);
    let stop = Arc::new(AtomicBool::new(false));
    let loopers: Vec<_> = VARIANTS
        .into_iter()
        .map(|(path, accept)| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut served = 0;
                // Bounded: the probes end the loop long before.
                for _ in 0..100_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    served += usize::from(get(addr, path, accept).0 == 200);
                }
                served
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let mut waits = Vec::with_capacity(PROBES);
    let mut failed = None;
    for i in 0..PROBES {
        let (path, accept) = match i % 2 {
            0 => ("/small/".to_owned(), "application/json"),
            _ => (format!("/fresh-{}/", i / 2), "text/html"),
        };
        let (status, took) = get(addr, &path, accept);
        if status != 200 {
            failed = Some(format!("{path}: status {status}"));
        }
        waits.push(took);
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let big = loopers.into_iter().map(|l| l.join().unwrap_or(0)).sum();
    if let Some(failed) = failed {
        return Err(failed);
    }
    waits.sort();
    let at = |p: usize| waits[(waits.len() * p / 100).min(waits.len() - 1)];
    Ok((at(50), at(99), waits[waits.len() - 1], big))
}

/// One GET on a new connection: its status (0 for none) and how long the whole answer took.
fn get(addr: std::net::SocketAddr, path: &str, accept: &str) -> (u16, Duration) {
    let start = Instant::now();
    let raw = format!(
        "GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    );
    let mut connection = Connection::open(addr).with_read_deadline(Duration::from_secs(60));
    let status = connection.exchange(raw.as_bytes()).map_or(0, |a| a.status);
    (status, start.elapsed())
}

/// A million-entry directory's HTML and JSON pages from a fresh server each: (form, page
/// bytes, peak resident KiB).
pub fn million(command: &dyn Fn(&Path, u16) -> Command) -> Result<Vec<(&'static str, usize, u64)>> {
    let tree = Tree::in_memory("bench-million");
    fill(&tree.at("d"), 1_000_000)?;
    let mut rows = Vec::new();
    for (form, accept) in [("HTML", "text/html"), ("JSON", "application/json")] {
        let server = Background::on_free_port(|port| command(tree.path(), port))?;
        wait_port(server.port)?;
        let addr = super::serve::loopback(server.port);
        let raw = format!(
            "GET /d/ HTTP/1.1\r\nHost: bench\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
        );
        let mut connection = Connection::open(addr).with_read_deadline(Duration::from_secs(120));
        let answer = connection
            .exchange(raw.as_bytes())
            .ok_or_else(|| format!("no {form} listing of a million entries"))?;
        if answer.status != 200 {
            return Err(format!(
                "{form} listing of a million entries: {}",
                answer.status
            ));
        }
        rows.push((form, answer.body.len(), peak_kib(server.pid())?));
    }
    Ok(rows)
}

/// `VmHWM` of `pid`, KiB.
fn peak_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no VmHWM for {pid}"))
}
