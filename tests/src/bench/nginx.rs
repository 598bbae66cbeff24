//! nginx serving the same tree as dirserve (2 workers, `sendfile on` as in Debian's own config,
//! autoindex for the listing), from a config
//! file written here; run in the foreground so that it is stopped like any other server. Also
//! its one-process form, which callgrind can follow ([`super::instructions`]).

use super::Result;
use super::serve::Background;
use std::path::Path;
use std::process::Command;

/// Connections per worker: wrk's 1,000 may all land on one worker, and each uses a descriptor
/// besides its listening socket; `worker_rlimit_nofile` lets a worker open them whatever limit
/// it was started with.
const EVENTS: &str = "worker_rlimit_nofile 8192;
events { worker_connections 4096; }";

/// The config: 2 workers, no logs, autoindex, listening on `127.0.0.1:port`, serving `root`;
/// its pid file in `work`.
pub fn config(work: &Path, root: &Path, port: u16) -> String {
    with_processes("worker_processes 2;", work, root, port)
}

/// The same with no master and no workers: one process serves, as `master_process off` makes it
/// (a debugging mode, but the serving code is the workers'), so that a tool following one process
/// sees all the work.
pub fn single_process_config(work: &Path, root: &Path, port: u16) -> String {
    with_processes("master_process off;", work, root, port)
}

fn with_processes(processes: &str, work: &Path, root: &Path, port: u16) -> String {
    format!(
        "{processes}
daemon off;
pid {pid};
error_log /dev/null;
{EVENTS}
http {{
  access_log off;
  sendfile on;
  include /etc/nginx/mime.types;
  server {{ listen 127.0.0.1:{port}; root {root}; autoindex on; }}
}}
",
        pid = work.join("nginx.pid").display(),
        root = root.display(),
    )
}

/// Writes `work/nginx.conf` and starts `nginx -c` on it. `work` and `root` must be readable by
/// nginx's workers (www-data).
pub fn start(work: &Path, root: &Path, port: u16) -> Result<Background> {
    let mut cmd = Command::new("nginx");
    cmd.arg("-c")
        .arg(write_config(work, &config(work, root, port))?);
    Background::start(cmd, port)
}

/// Writes `conf` as `work/nginx.conf` and returns its path.
pub fn write_config(work: &Path, conf: &str) -> Result<std::path::PathBuf> {
    let path = work.join("nginx.conf");
    std::fs::write(&path, conf).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_config_serves_the_root_on_the_port() {
        let conf = super::config("/tmp/w".as_ref(), "/tmp/w/www".as_ref(), 8123);
        assert!(conf.contains("listen 127.0.0.1:8123;"), "{conf}");
        assert!(conf.contains("root /tmp/w/www; autoindex on;"), "{conf}");
        assert!(conf.contains("pid /tmp/w/nginx.pid;"), "{conf}");
        assert!(conf.contains("worker_processes 2;"), "{conf}");
        assert!(!conf.contains("master_process"), "{conf}");
    }

    #[test]
    fn a_worker_can_hold_wrk_s_1000_connections() {
        let conf = super::config("/tmp/w".as_ref(), "/tmp/w/www".as_ref(), 8123);
        let number = |key: &str| -> u32 {
            let at = conf
                .find(key)
                .unwrap_or_else(|| panic!("no {key} in {conf}"));
            let rest = &conf[at + key.len()..];
            rest.trim_start()
                .split(';')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{key} in {conf}"))
        };
        // 1,000 client connections and the listening socket, in one worker.
        assert!(number("worker_connections") > 1001, "{conf}");
        // Each connection is a descriptor; a file served may take another.
        assert!(number("worker_rlimit_nofile") >= 2 * number("worker_connections"));
    }

    #[test]
    fn the_single_process_config_has_no_master() {
        let conf = super::single_process_config("/tmp/w".as_ref(), "/tmp/w/www".as_ref(), 8124);
        assert!(
            conf.starts_with("master_process off;\ndaemon off;\n"),
            "{conf}"
        );
        assert!(!conf.contains("worker_processes"), "{conf}");
        assert!(conf.contains("listen 127.0.0.1:8124;"), "{conf}");
    }
}
