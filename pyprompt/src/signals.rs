//! Ends the program at once on SIGINT, SIGTERM and SIGHUP.
//!
//! As PID 1 in a container a process gets no default signal actions: without handlers
//! `docker stop` would wait out its 10 s grace period and Ctrl-C under `docker run -it` would do
//! nothing. The terminal is never put in raw mode, so exiting leaves it as it was.
//!
//! The one module of pyprompt with unsafe code (the workspace denies it elsewhere): `sigaction`
//! and what a signal handler may call have no safe wrapper among its dependencies.
#![allow(unsafe_code)]

use libc::c_int;

const SIGNALS: [c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Installs the handlers; a signal then ends the process with status 128 + its number.
pub fn exit_on_termination_signals() {
    for signal in SIGNALS {
        // SAFETY: `on_signal` only makes async-signal-safe calls (isatty, write, _exit), and the
        // zeroed sigaction is a valid value (empty mask, no flags) before its handler is set.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

extern "C" fn on_signal(signal: c_int) {
    // SAFETY: async-signal-safe calls only; the buffer is a static byte string.
    unsafe {
        // After the terminal echoes `^C`, end that line so the shell's prompt starts clean.
        if signal == libc::SIGINT && libc::isatty(libc::STDERR_FILENO) == 1 {
            libc::write(libc::STDERR_FILENO, b"\n".as_ptr().cast(), 1);
        }
        libc::_exit(128 + signal);
    }
}
