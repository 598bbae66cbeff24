//! The Docker engine as the tests use it: the stand-in builder, images built from the real
//! Dockerfiles, and containers that are removed even when a test fails.

use crate::binary::workspace_root;
use crate::process::{self, Output};
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Builds wait this long at most: a cold build fetches crates and compiles with LTO on 2 cores.
const BUILD_DEADLINE: Duration = Duration::from_secs(20 * 60);
/// Any other docker command (run, stop, inspect) gets this long.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(60);

/// A `docker` command: `$DOCKER`, else Debian's `/usr/bin/docker` (its client has BuildKit built
/// in), else whatever `docker` is on PATH.
pub fn docker() -> Command {
    let program = std::env::var("DOCKER").unwrap_or_else(|_| {
        if Path::new("/usr/bin/docker").exists() {
            "/usr/bin/docker".into()
        } else {
            "docker".into()
        }
    });
    let mut cmd = Command::new(program);
    cmd.env("DOCKER_BUILDKIT", "1");
    cmd
}

/// Runs `docker args...`, panicking with its stderr unless it succeeds.
pub fn docker_ok(args: &[&str]) -> Output {
    let out = docker_output(args, b"");
    assert!(
        out.status.success(),
        "docker {args:?} failed ({}): {}",
        out.status,
        out.stderr_str()
    );
    out
}

/// Runs `docker args...` with `input` on its stdin and returns whatever it did.
pub fn docker_output(args: &[&str], input: &[u8]) -> Output {
    process::run(docker().args(args), input, COMMAND_DEADLINE)
}

/// The builder image the Dockerfiles get as `RUST_IMAGE`: the local stand-in, built on first use
/// by `docker/rust-builder.sh` (which reuses it while the tag exists).
pub fn builder_image() -> String {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let tag = std::env::var("FROMSCRATCH_BUILDER_TAG")
            .unwrap_or_else(|_| "fromscratch/rust-builder:local".into());
        let script = workspace_root().join("docker/rust-builder.sh");
        let out = process::run(
            Command::new("bash")
                .arg(script)
                .env("FROMSCRATCH_BUILDER_TAG", &tag),
            b"",
            BUILD_DEADLINE,
        );
        assert!(
            out.status.success(),
            "docker/rust-builder.sh failed: {}{}",
            out.stdout_str(),
            out.stderr_str()
        );
        tag
    })
    .clone()
}

/// Builds `tag` from `dockerfile` (relative to the workspace root, which is the build context)
/// exactly as the README says, with the stand-in builder. Once per test process and tag.
pub fn build_image(tag: &str, dockerfile: &str) {
    build_image_with(tag, dockerfile, &[]);
}

/// [`build_image`] with more `--build-arg NAME=VALUE`s (`FLAVOUR=min`).
pub fn build_image_with(tag: &str, dockerfile: &str, build_args: &[&str]) {
    build(tag, dockerfile, None, build_args);
}

/// The tag suffix of a platform's images, as docker/build.sh makes it: its architecture and
/// variant (`linux/arm64` -> `arm64`, `linux/arm/v7` -> `armv7`).
pub fn platform_suffix(platform: &str) -> String {
    platform.trim_start_matches("linux/").replace('/', "")
}

/// [`build_image_with`] for another platform (`docker build --platform linux/arm64`).
pub fn build_image_for(tag: &str, dockerfile: &str, platform: &str, build_args: &[&str]) {
    build(tag, dockerfile, Some(platform), build_args);
}

fn build(tag: &str, dockerfile: &str, platform: Option<&str>, build_args: &[&str]) {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.iter().any(|t| t == tag) {
        return;
    }
    let builder = format!("RUST_IMAGE={}", builder_image());
    let mut cmd = docker();
    cmd.current_dir(workspace_root()).args([
        "build",
        "-t",
        tag,
        "-f",
        dockerfile,
        "--build-arg",
        &builder,
    ]);
    if let Some(platform) = platform {
        cmd.args(["--platform", platform]);
    }
    for arg in build_args {
        cmd.args(["--build-arg", arg]);
    }
    let out = process::run(cmd.arg("."), b"", BUILD_DEADLINE);
    assert!(
        out.status.success(),
        "docker build -t {tag} -f {dockerfile} failed: {}",
        out.stderr_str()
    );
    built.push(tag.to_owned());
}

/// `docker image inspect -f FORMAT IMAGE`, trimmed.
pub fn image_inspect(image: &str, format: &str) -> String {
    docker_ok(&["image", "inspect", "-f", format, image])
        .stdout_str()
        .trim()
        .to_owned()
}

/// What every fromscratch image must be: `layers` layers (the binary, and for dirserve the
/// empty folder it serves), no shell to fall back on, user 65534:65534, and the OCI labels with
/// this workspace's version.
pub fn assert_minimal_image(image: &str, layers: usize) {
    let shell = docker_output(
        &[
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            image,
            "-c",
            "true",
        ],
        b"",
    );
    assert!(!shell.status.success(), "{image}: a shell ran");
    assert_eq!(
        image_inspect(image, "{{len .RootFS.Layers}}"),
        layers.to_string(),
        "{image}: layers"
    );
    assert_eq!(
        image_inspect(image, "{{.Config.User}}"),
        "65534:65534",
        "{image}"
    );
    let labels = image_inspect(image, "{{json .Config.Labels}}");
    for key in ["title", "description", "source", "licenses"] {
        let label = format!("\"org.opencontainers.image.{key}\":");
        assert!(labels.contains(&label), "{image}: {key} in {labels}");
    }
    let version = format!(
        r#""org.opencontainers.image.version":"{}""#,
        env!("CARGO_PKG_VERSION")
    );
    assert!(labels.contains(&version), "{image}: {labels}");
}

/// A container name no other test (or test run) uses at the same time.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// The file at `path` (absolute) in `image` for `platform` (`None`: the engine's own), copied
/// out of a container created but never started.
pub fn image_file(image: &str, platform: Option<&str>, path: &str) -> Vec<u8> {
    let container = Container::named(unique_name("extract"));
    let mut create = vec!["create"];
    if let Some(platform) = platform {
        create.extend(["--platform", platform]);
    }
    create.extend(["--name", &container.name, image]);
    docker_ok(&create);
    let out = testkit::Tree::new("extract");
    docker_ok(&["cp", &format!("{}:{path}", container.name), out.path_str()]);
    let name = Path::new(path).file_name().expect("a file name");
    std::fs::read(out.path().join(name)).expect("the copied file")
}

/// A named container that is force-removed when dropped, so failing tests leave nothing behind.
pub struct Container {
    pub name: String,
}

impl Container {
    /// Takes charge of removing the container called `name`.
    pub fn named(name: String) -> Container {
        Container { name }
    }

    /// `docker run -d --name <unique> -p 127.0.0.1::8000 OPTIONS... IMAGE ARGS...`: a detached
    /// container with its port 8000 published on a free loopback port.
    pub fn run_published(image: &str, options: &[&str], args: &[&str]) -> Container {
        let container = Container::named(unique_name(&image.replace([':', '/', '_'], "-")));
        let mut run = vec![
            "run",
            "-d",
            "--name",
            &container.name,
            "-p",
            "127.0.0.1::8000",
        ];
        run.extend_from_slice(options);
        run.push(image);
        run.extend_from_slice(args);
        docker_ok(&run);
        container
    }

    /// `docker stop`s the container and returns how long that took.
    pub fn timed_stop(&self) -> Duration {
        let start = std::time::Instant::now();
        docker_ok(&["stop", &self.name]);
        start.elapsed()
    }

    /// Where Docker published the container's port 8000 on the host (`-p 127.0.0.1::8000`).
    pub fn published_8000(&self) -> std::net::SocketAddr {
        let out = docker_ok(&["port", &self.name, "8000/tcp"]).stdout_str();
        out.lines()
            .next()
            .expect("port 8000 is published")
            .replace("0.0.0.0", "127.0.0.1")
            .parse()
            .expect("host:port")
    }

    /// Waits (up to `deadline`) for Docker's `HEALTHCHECK` to call the container healthy.
    pub fn wait_healthy(&self, deadline: Duration) {
        let start = std::time::Instant::now();
        loop {
            let health = self.inspect("{{.State.Health.Status}}");
            if health == "healthy" {
                return;
            }
            assert!(
                start.elapsed() < deadline,
                "still {health} after {deadline:?}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// `docker inspect -f FORMAT` of this container, trimmed.
    pub fn inspect(&self, format: &str) -> String {
        docker_ok(&["inspect", "-f", format, &self.name])
            .stdout_str()
            .trim()
            .to_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker_output(&["rm", "-f", &self.name], b"");
    }
}

/// A private registry, Debian's `docker-registry`, on a free loopback port with its storage in a
/// temporary folder. Dropping it stops it and removes the engine's local tags that name it (a
/// pushed or pulled `127.0.0.1:PORT/...`), which would otherwise outlive it.
pub struct Registry {
    child: std::process::Child,
    /// The registry part of an image reference: `127.0.0.1:PORT`.
    pub host: String,
    pub addr: std::net::SocketAddr,
    storage: testkit::Tree,
}

impl Registry {
    /// Starts `docker-registry serve` and waits (10 s at most) until its API answers. The engine
    /// talks plain HTTP to it because it is on loopback; `docker manifest` needs `--insecure`.
    pub fn start() -> Registry {
        let storage = testkit::Tree::new("registry");
        // The kernel picks a free port; the registry takes it over a moment later.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port");
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: {addr}\n",
            storage.at("data").display()
        );
        storage.file("config.yml", config);
        let log = std::fs::File::create(storage.at("registry.log")).expect("registry log");
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(storage.at("config.yml"))
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry (Debian's docker-registry package)");
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            let exited = child.try_wait().expect("waitpid");
            if exited.is_some() || start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "docker-registry did not listen on {addr} ({exited:?}): {}",
                    std::fs::read_to_string(storage.at("registry.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let registry = Registry {
            child,
            host: addr.to_string(),
            addr,
            storage,
        };
        let answer = crate::http::get(addr, "/v2/");
        assert_eq!(answer.status, 200, "GET /v2/: {}", registry.log());
        registry
    }

    /// What the registry has logged so far (warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.storage.at("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let prefix = format!("{}/", self.host);
        let images = docker_output(&["images", "--format", "{{.Repository}}:{{.Tag}}"], b"");
        for tag in images.stdout_str().lines() {
            if tag.starts_with(&prefix) {
                let _ = docker_output(&["rmi", tag], b"");
            }
        }
    }
}

/// An exclusive hold on something every test process on this machine shares, such as fixed host
/// ports or the engine's swarm mode, released when dropped (or when the process ends). It is
/// `flock(2)` on a file in the temporary folder, so two test runs at once (or two tests of one
/// run) take turns instead of colliding.
pub struct HostLock {
    _file: std::fs::File,
}

/// Takes the host-wide lock called `name`, waiting for another holder up to `deadline`; panics
/// then, naming the lock file.
pub fn host_lock(name: &str, deadline: Duration) -> HostLock {
    use std::os::fd::AsRawFd;
    let path = std::env::temp_dir().join(format!("fromscratch-{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = std::time::Instant::now();
    loop {
        // SAFETY: flock(2) on a descriptor `file` owns and keeps open while the lock is held.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return HostLock { _file: file };
        }
        let error = std::io::Error::last_os_error();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::WouldBlock,
            "flock {}: {error}",
            path.display()
        );
        assert!(
            start.elapsed() < deadline,
            "{} is still held by another test after {deadline:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
