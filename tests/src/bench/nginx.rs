//! nginx serving the same tree as dirserve (2 workers, autoindex for the listing), from a config
//! file written here; run in the foreground so that it is stopped like any other server.

use super::Result;
use super::serve::Background;
use std::path::Path;
use std::process::Command;

/// The config: 2 workers, no logs, autoindex, listening on `127.0.0.1:port`, serving `root`;
/// its pid file in `work`.
pub fn config(work: &Path, root: &Path, port: u16) -> String {
    format!(
        "worker_processes 2;
daemon off;
pid {pid};
error_log /dev/null;
events {{ worker_connections 1024; }}
http {{
  access_log off;
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
    let conf = work.join("nginx.conf");
    std::fs::write(&conf, config(work, root, port))
        .map_err(|e| format!("write {}: {e}", conf.display()))?;
    let mut cmd = Command::new("nginx");
    cmd.arg("-c").arg(&conf);
    Background::start(cmd, port)
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
    }
}
