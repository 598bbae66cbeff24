//! A server's processes (itself and its direct children: nginx's master and workers) and the CPU
//! time they have spent, in nanoseconds.
//!
//! The CPU time is the kernel's per-process CPU clock (`clock_getcpuclockid` + `clock_gettime`):
//! the on-CPU nanoseconds of every thread of the process, those that have exited included. Not
//! `utime + stime` from `/proc/PID/stat`, counted in 10 ms ticks (with a 32 MiB file one tick is
//! 0.32 s per GiB, so every figure was a multiple of it); and not the sum of
//! `/proc/PID/task/*/schedstat`, the same nanoseconds but for live threads only: python's
//! http.server runs each connection on a thread that ends with it, so its download's CPU time
//! was gone before it could be read.

use super::Result;

/// `pid` and its direct children, `pid` first.
pub fn family(pid: u32) -> Result<Vec<u32>> {
    let mut pids = vec![pid];
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
            pids.push(child);
        }
    }
    Ok(pids)
}

/// The CPU time of `pid` and its direct children, in nanoseconds. A child that exits meanwhile
/// is left out.
pub fn family_cpu_ns(pid: u32) -> Result<u64> {
    let pids = family(pid)?;
    let mut total = cpu_ns(pid)?;
    for &child in &pids[1..] {
        total += cpu_ns(child).unwrap_or(0);
    }
    Ok(total)
}

/// The CPU time of process `pid` (all its threads, live and ended), in nanoseconds.
pub fn cpu_ns(pid: u32) -> Result<u64> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: clock_getcpuclockid writes one clockid_t to the pointer it is given.
    let rc = unsafe { libc::clock_getcpuclockid(pid as libc::pid_t, &mut clock) };
    if rc != 0 {
        let e = std::io::Error::from_raw_os_error(rc);
        return Err(format!("no CPU clock for process {pid}: {e}"));
    }
    // SAFETY: a plain C struct, for which all zeroes is a valid value.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: clock_gettime writes one timespec to the pointer it is given.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(format!("CPU clock of process {pid}: {e}"));
    }
    Ok(now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
}

/// The parent of `pid`, from `/proc/PID/stat`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_parent(&stat)
}

/// Field 4 of a `/proc/PID/stat` line (the parent), after the command name in parentheses,
/// which may hold spaces and parentheses itself.
pub fn parse_parent(stat: &str) -> Option<u32> {
    let after_name = stat.get(stat.rfind(')')? + 1..)?;
    // Field 3 (state) is a letter; then the parent.
    after_name.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy(iterations: u64) {
        let mut x = 0u64;
        for i in 0..iterations {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
    }

    #[test]
    fn reads_the_parent_after_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 120 0 0 0 3 5 0 0 20 0";
        assert_eq!(parse_parent(stat), Some(17));
        assert_eq!(parse_parent("4242 (x"), None);
        let me = std::process::id();
        assert_eq!(parent_of(me), Some(std::os::unix::process::parent_id()));
    }

    #[test]
    fn this_process_spends_cpu_in_nanoseconds_ended_threads_included() {
        let me = std::process::id();
        let before = cpu_ns(me).unwrap();
        busy(20_000_000);
        let after_busy = cpu_ns(me).unwrap();
        assert!(after_busy > before, "a busy loop takes CPU time");
        // Far below a 10 ms tick: a short loop shows in nanoseconds.
        let short = cpu_ns(me).unwrap();
        busy(10_000);
        assert!(cpu_ns(me).unwrap() > short, "a 10,000-step loop shows");
        // A thread's time stays counted once it has ended (schedstat would lose it).
        let thread_ns = std::thread::spawn(|| {
            // SAFETY: a plain C struct, for which all zeroes is a valid value.
            let mut t: libc::timespec = unsafe { std::mem::zeroed() };
            busy(20_000_000);
            // SAFETY: clock_gettime writes one timespec to the pointer it is given.
            let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
            assert_eq!(rc, 0);
            t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
        })
        .join()
        .unwrap();
        let after_thread = cpu_ns(me).unwrap();
        assert!(
            after_thread - after_busy >= thread_ns,
            "{after_thread} - {after_busy} < the ended thread's {thread_ns} ns"
        );
        assert!(family(me).unwrap().starts_with(&[me]));
        assert!(family_cpu_ns(me).unwrap() >= after_thread);
    }
}
