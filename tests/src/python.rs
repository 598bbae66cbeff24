//! CPython's `http.server`, the reference dirserve is compared with.

use crate::server::Server;
use std::path::Path;
use std::process::Command;

/// Runs `python3 -m http.server ARGS...` with only python's built-in MIME table, as in the
/// tutorial's alpine image, which has no /etc/mime.types (this machine's would add types).
const HTTP_SERVER: &str = "import mimetypes, runpy, sys; mimetypes.knownfiles = []; \
sys.argv[0] = 'http.server'; runpy.run_module('http.server', run_name='__main__')";

/// Starts python's http.server, unbuffered, on a free loopback port serving `dir`. Panics unless
/// `python3` is CPython 3.11, the version whose pages and headers dirserve reproduces.
pub fn http_server(dir: &Path) -> Server {
    testkit::assert_cpython311();
    let mut cmd = Command::new("python3");
    cmd.args(["-u", "-c", HTTP_SERVER, "-b", "127.0.0.1", "-d"])
        .arg(dir)
        .arg("0")
        // Python logs in local time; ours are UTC.
        .env("TZ", "UTC");
    Server::spawn(cmd)
}
