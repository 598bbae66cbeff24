//! Running out of file descriptors, told to the operator once with the limit that was hit.
//!
//! Out of descriptors, the accept loop leaves new connections in the kernel's queue and a
//! request that must open a file gets a 500 (dirserve's "Cannot open the file: ..."). The
//! access log says so for each request, but not why: the note names the limit and its value.
//!
//! Once per process, not once per episode: the soft limit is already raised to the hard one at
//! start ([`crate::serve::run`]), so only a restart with a higher limit helps, whenever it was
//! hit; and at the edge of the limit every close frees a descriptor the next request takes, so
//! "available again" would come and go with each request and the note with it.

use crate::access_log;
use rustix::io::Errno;
use rustix::process::{Resource, getrlimit};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the note has been said in this process.
static SAID: AtomicBool = AtomicBool::new(false);

/// If `error` says no descriptor was left, logs the first time in the process (even with `-q`:
/// it is about the server, not a request) which limit was hit, as `program: out of file
/// descriptors (...)`; anything else, or any later time, logs nothing.
pub fn note(program: &str, error: &io::Error) {
    if let Some(line) = exhausted(program, error)
        && !SAID.swap(true, Ordering::Relaxed)
    {
        access_log::log_note(&line);
    }
}

/// The note for `error` if it is `EMFILE` (this process's limit, with its value now) or
/// `ENFILE` (the system's).
fn exhausted(program: &str, error: &io::Error) -> Option<String> {
    let limit = match Errno::from_io_error(error)? {
        Errno::MFILE => match getrlimit(Resource::Nofile).current {
            Some(soft) => format!("RLIMIT_NOFILE soft limit {soft}"),
            None => "RLIMIT_NOFILE soft limit, unlimited,".to_owned(),
        },
        Errno::NFILE => "the system's limit, fs.file-max,".to_owned(),
        _ => return None,
    };
    Some(format!(
        "{program}: out of file descriptors ({limit} reached); new connections wait, and \
         requests that need one get 500, until some close (said once)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_the_limit_hit() {
        let soft = getrlimit(Resource::Nofile).current.unwrap();
        let emfile = io::Error::from_raw_os_error(Errno::MFILE.raw_os_error());
        assert_eq!(
            exhausted("dirserve", &emfile).unwrap(),
            format!(
                "dirserve: out of file descriptors (RLIMIT_NOFILE soft limit {soft} reached); \
                 new connections wait, and requests that need one get 500, until some close \
                 (said once)"
            )
        );
        let enfile = io::Error::from_raw_os_error(Errno::NFILE.raw_os_error());
        let note = exhausted("cowserve", &enfile).unwrap();
        assert!(
            note.starts_with(
                "cowserve: out of file descriptors (the system's limit, fs.file-max, reached); "
            ),
            "{note}"
        );
    }

    #[test]
    fn other_errors_say_nothing() {
        for error in [
            io::Error::from_raw_os_error(Errno::NOMEM.raw_os_error()),
            io::Error::from(io::ErrorKind::ConnectionAborted),
        ] {
            assert_eq!(exhausted("dirserve", &error), None, "{error}");
        }
    }
}
