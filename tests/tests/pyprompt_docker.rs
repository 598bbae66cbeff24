//! The tutorial's `alpine2` flow with our image: built from docker/pyprompt/Dockerfile and run
//! exactly as the tutorial runs it.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::{
    Container, assert_minimal_image, build_image, builder_image, docker, docker_ok, docker_output,
    image_inspect, unique_name,
};
use e2e::process;
use e2e::pty::{Pty, contains};
use std::process::Stdio;
use std::time::{Duration, Instant};

const IMAGE: &str = "alpine2";
const DOCKERFILE: &str = "docker/pyprompt/Dockerfile";
const DEADLINE: Duration = Duration::from_secs(60);
const EXPECTED: &[u8] = b"Type in your name: \nHello Ana, you've just ran a python script from your own homemade Docker Container!\n";

fn image() -> &'static str {
    build_image(IMAGE, DOCKERFILE);
    IMAGE
}

/// `printf 'Ana\n' | docker run -i --rm alpine2` prints exactly the original's two lines.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn piped_name() {
    let out = docker_output(&["run", "-i", "--rm", image()], b"Ana\n");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout_str(), String::from_utf8_lossy(EXPECTED));
}

/// `docker run -it --rm alpine2` at a terminal: the dialogue, typed and read back.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn terminal_dialogue() {
    let mut cmd = docker();
    cmd.args(["run", "-it", "--rm", image()]);
    let mut pty = Pty::spawn(cmd);
    pty.read_until(b"Type in your name: \r\n", DEADLINE);
    pty.type_keys(b"Ana\r");
    let (status, screen) = pty.wait(DEADLINE);
    assert!(
        status.success(),
        "{status}: {:?}",
        String::from_utf8_lossy(&screen)
    );
    assert!(
        contains(&screen, b"Hello Ana, you've just ran a python script from your own homemade Docker Container!\r\n"),
        "{:?}",
        String::from_utf8_lossy(&screen)
    );
}

/// Without `-i` there is no input: one friendly line on stderr, nothing on stdout (no prompt
/// nobody can answer) and exit 1, not a traceback.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn no_stdin_says_how_to_run_it() {
    let out = process::run(
        docker().args(["run", "--rm", image()]).stdin(Stdio::null()),
        b"",
        DEADLINE,
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(out.stdout_str(), "");
    let err = out.stderr_str();
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("docker run -it --rm alpine2"), "{err:?}");
    assert!(
        err.contains("echo Ana | docker run -i --rm alpine2"),
        "{err:?}"
    );
}

/// `docker stop` of a container waiting for a name takes well under the 10 s grace period, and
/// the process runs as uid 65534.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn stop_is_prompt_and_user_is_nobody() {
    let container = Container::named(unique_name("pyprompt-stop"));
    docker_ok(&["run", "-d", "-i", "--name", &container.name, image()]);
    let pid = container.inspect("{{.State.Pid}}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("container process");
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid.split_whitespace().skip(1).all(|id| id == "65534"),
        "{uid}"
    );

    let start = Instant::now();
    docker_ok(&["stop", &container.name]);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "docker stop took {took:?}");
    assert_eq!(container.inspect("{{.State.ExitCode}}"), "143");
}

/// The image holds the binary and nothing else, and says what it is.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn image_is_minimal_and_labelled() {
    assert_minimal_image(image(), 1);
    assert_eq!(
        image_inspect(image(), "{{json .Config.Entrypoint}}"),
        r#"["/pyprompt"]"#
    );
}

/// Rebuilding from the same commit without Docker's layer cache gives a bit-identical binary
/// and a bit-identical layer (the image ID still differs: its config records the build time).
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn rebuild_gives_the_same_layer() {
    let first = image();
    let again = "alpine2:rebuild";
    let builder = format!("RUST_IMAGE={}", builder_image());
    let out = e2e::process::run(
        docker().current_dir(workspace_root()).args([
            "build",
            "--no-cache",
            "-t",
            again,
            "-f",
            DOCKERFILE,
            "--build-arg",
            &builder,
            ".",
        ]),
        b"",
        Duration::from_secs(20 * 60),
    );
    assert!(out.status.success(), "rebuild: {}", out.stderr_str());
    let layer = |image: &str| image_inspect(image, "{{json .RootFS.Layers}}");
    assert_eq!(layer(first), layer(again), "the layers differ");
    let _ = docker_output(&["rmi", again], b"");
}
