//! Containers: `docker run` to the first 200 and `docker stop` (SIGTERM; python's images wait out
//! the 10 s grace period), and how long ending a container takes with `docker stop` or with
//! `docker kill` + `docker wait`, Docker's own floor.

use super::{Result, median, millis};
use crate::docker::{Container, docker_ok, docker_output, unique_name};
use std::process::Command;
use std::time::{Duration, Instant};

/// Whether a Docker engine answers (`docker version`).
pub fn engine_answers() -> bool {
    docker_output(&["version"], b"").status.success()
}

/// Whether the local image `image` exists.
pub fn image_exists(image: &str) -> bool {
    docker_output(&["image", "inspect", image], b"")
        .status
        .success()
}

/// Medians of `docker run` to the first 200, and of `docker stop`, in ms.
#[derive(Debug, Clone, Copy)]
pub struct RunAndStop {
    pub run_ms: u64,
    pub stop_ms: u64,
}

/// Runs `image` (serving on its port 8000, published on loopback) `runs` times: from
/// `docker run -d --rm` until `GET /` answers 200 (polled every 5 ms, 1,000 times at most), then
/// `docker stop`.
pub fn run_and_stop(image: &str, runs: usize) -> Result<RunAndStop> {
    let (mut starts, mut stops) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let start = Instant::now();
        let container = Container::run_published(image, &["--rm"], &[]);
        let addr = container.published_8000();
        if !(0..1000).any(|_| {
            let up = super::startup::answers_200(addr);
            if !up {
                std::thread::sleep(Duration::from_millis(5));
            }
            up
        }) {
            return Err(format!("{image}: no 200 on {addr} after 1,000 tries"));
        }
        starts.push(millis(start.elapsed()));
        stops.push(millis(container.timed_stop()));
    }
    Ok(RunAndStop {
        run_ms: median(&starts).ok_or("no runs")?,
        stop_ms: median(&stops).ok_or("no runs")?,
    })
}

/// How a container is ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `docker stop` (SIGTERM, and it waits for the exit).
    Stop,
    /// `docker kill` (SIGKILL, needing no cooperation) and `docker wait`.
    KillAndWait,
}

/// The median ms, over `runs` runs, to end a container of `image` started with `docker run -d -i
/// --rm` (so it waits on its stdin) 0.2 s earlier.
pub fn end(image: &str, how: End, runs: usize) -> Result<u64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let container = Container::named(unique_name(&image.replace([':', '/', '_'], "-")));
        docker_ok(&["run", "-d", "-i", "--rm", "--name", &container.name, image]);
        std::thread::sleep(Duration::from_millis(200));
        let start = Instant::now();
        match how {
            End::Stop => drop(docker_ok(&["stop", &container.name])),
            End::KillAndWait => {
                docker_ok(&["kill", &container.name]);
                // Fails if --rm has removed it already: then it has ended too.
                let _ = docker_output(&["wait", &container.name], b"");
            }
        }
        times.push(millis(start.elapsed()));
    }
    median(&times).ok_or_else(|| "no runs".to_owned())
}

/// Builds (or reuses) the local stand-in for the tutorials' python images with
/// `docker/python-standin.sh`, and returns its tag.
pub fn python_standin() -> Result<&'static str> {
    const TAG: &str = "fromscratch/python-standin:local";
    let script = crate::binary::workspace_root().join("docker/python-standin.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script).env("FROMSCRATCH_PYTHON_TAG", TAG);
    // A debootstrap on a cold machine: minutes.
    let out = crate::process::run(&mut cmd, b"", Duration::from_secs(20 * 60));
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", out.stderr_str()));
    }
    Ok(TAG)
}
