//! Thread names without musl's printf.
//!
//! std names each thread it starts with a name (servekit's `offload` threads) by calling
//! `pthread_setname_np(pthread_self(), name)`. musl's function can also name *another* thread,
//! by writing `/proc/self/task/<tid>/comm`, a path it formats with `snprintf`; that one call
//! links musl's whole printf into every static binary: 8 KB of code nothing else uses. This
//! definition is linked first, so musl's is never pulled in. For the calling thread it does what
//! musl does, `prctl(PR_SET_NAME)`; any other thread gets `ENOTSUP`, which std never meets.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};

unsafe extern "C" {
    // musl's `pthread_t` is a pointer; only its identity matters here.
    fn pthread_self() -> usize;
}

/// Names the calling thread `name` (at most 15 bytes, as the kernel keeps them).
///
/// # Safety
/// `name` points to a NUL-terminated string, as the C function requires.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pthread_setname_np(thread: usize, name: *const c_char) -> c_int {
    // SAFETY: `pthread_self` has no preconditions.
    if thread != unsafe { pthread_self() } {
        return rustix::io::Errno::NOTSUP.raw_os_error();
    }
    // SAFETY: the caller passes a NUL-terminated string (the function's contract).
    let name = unsafe { CStr::from_ptr(name) };
    if name.count_bytes() > 15 {
        return rustix::io::Errno::RANGE.raw_os_error();
    }
    match rustix::thread::set_name(name) {
        Ok(()) => 0,
        Err(e) => e.raw_os_error(),
    }
}
