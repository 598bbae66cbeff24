//! Whether standard input has already ended, told apart from input still to come, before the
//! prompt goes out.
//!
//! `docker run` without `-i` gives the program `/dev/null`, and a pipe closed before a byte
//! ends just as fast: the prompt is then held back, so the one line on stderr is all the user
//! sees. A terminal, or a pipe nobody has written to yet (`docker run -i`, typed into), gets the
//! prompt at once, as python's script did.
//!
//! The other module of pyprompt with unsafe code: `poll` has no safe wrapper among its
//! dependencies (std has none; rustix would be a dependency for one call).
#![allow(unsafe_code)]

/// How long a pipe may take to show it has ended or has data: far below what a person notices
/// before a prompt, far above what a writer that closes at once takes.
const GRACE_MS: libc::c_int = 100;

/// True when a read of standard input would not block now or within [`GRACE_MS`]: input has
/// arrived, or ended, or the descriptor is closed. A terminal is never asked (see `main`).
pub fn settled_soon() -> bool {
    let mut stdin = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid, writable pollfd and its count; poll only writes `revents`.
    let ready = unsafe { libc::poll(&mut stdin, 1, GRACE_MS) };
    // Any event counts: data (POLLIN), the writer gone (POLLHUP), no descriptor (POLLNVAL). An
    // error of poll itself (EINTR) leaves the prompt to go out as it always did.
    ready > 0
}
