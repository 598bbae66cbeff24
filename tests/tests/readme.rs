//! The README's command blocks, run as a newcomer types them, so the README cannot drift from
//! what works. Each ```sh block is extracted from README.md and typed line by line from the
//! workspace root, with the `docker` first on the PATH and no `DOCKER_BUILDKIT`: the legacy
//! builder, as distribution Docker and any CLI without buildx run it (this project's machines
//! have a 28.2 CLI first on the PATH). Then what the tutorial promises is checked: the dialogue,
//! the listing, the cow page, compose's client.
//!
//! The one change made to a line is the one the README's no-Docker-Hub note names: the builder
//! image (`--build-arg RUST_IMAGE=...` on each `docker build`, `RUST_IMAGE` in compose's
//! environment). Where the engine has no Compose v2 plugin (Debian 12 has Compose v1 only),
//! `docker compose` is a stand-in plugin that runs `docker-compose` with the same arguments.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::{builder_image, host_lock};
use e2e::process::{self, Output};
use e2e::pty::{Pty, contains};
use std::process::Command;
use std::time::Duration;

/// A line of a block: a build gets this long, anything else a minute.
const BUILD_DEADLINE: Duration = Duration::from_secs(20 * 60);
const LINE_DEADLINE: Duration = Duration::from_secs(60);
/// Between two lines a person takes at least this long to type the next one.
const TYPING: Duration = Duration::from_secs(1);
/// The blocks, in the README's order; each needs the marker comment right before its fence.
const BLOCKS: [&str; 5] = ["setup", "alpine2", "alpine_web", "cowserve", "compose"];
const MARKER: &str = "<!-- readme-test: ";

/// One ```sh block: the name its marker gives, and its lines.
#[derive(Debug)]
struct Block {
    name: String,
    lines: Vec<String>,
}

/// Every ```sh block of `text`, each with the name of the marker before it; a block without one
/// is an error (every command block is run).
fn blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut found = Vec::new();
    let mut lines = text.lines().peekable();
    let mut previous = "";
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("```sh") {
            let name = previous
                .strip_prefix(MARKER)
                .and_then(|rest| rest.strip_suffix(" -->"))
                .ok_or_else(|| format!("a ```sh block without a marker, after {previous:?}"))?;
            let mut body = Vec::new();
            for line in lines.by_ref() {
                if line.trim_start().starts_with("```") {
                    break;
                }
                if !line.trim().is_empty() {
                    body.push(line.to_owned());
                }
            }
            found.push(Block {
                name: name.to_owned(),
                lines: body,
            });
        }
        previous = line;
    }
    Ok(found)
}

/// The README's blocks: exactly [`BLOCKS`], in that order.
fn readme_blocks() -> Vec<Block> {
    let text = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let found = blocks(&text).unwrap();
    let names: Vec<&str> = found.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, BLOCKS, "the README's command blocks");
    found
}

/// What a line becomes without Docker Hub: the builder image the note names.
fn without_docker_hub(line: &str, builder: &str) -> String {
    line.replacen(
        "docker build ",
        &format!("docker build --build-arg RUST_IMAGE={builder} "),
        1,
    )
}

/// The shell a newcomer types into: bash in the workspace root, the PATH's `docker`, no
/// `DOCKER_BUILDKIT`, and the builder image for compose.
struct Shell {
    builder: String,
    /// A `DOCKER_CONFIG` holding the Compose stand-in plugin, where the engine has no Compose v2.
    config: Option<testkit::Tree>,
}

impl Shell {
    fn new() -> Shell {
        let builder = builder_image();
        let compose_v2 = process::run(
            Command::new("docker").args(["compose", "version"]),
            b"",
            LINE_DEADLINE,
        )
        .status
        .success();
        let config = (!compose_v2).then(|| {
            let tree = testkit::Tree::new("docker-config");
            tree.dir("cli-plugins");
            tree.file(
                "cli-plugins/docker-compose",
                "#!/bin/sh\n\
                 # Compose v2's plugin protocol, answered by Compose v1 (same arguments).\n\
                 if [ \"$1\" = docker-cli-plugin-metadata ]; then\n\
                 echo '{\"SchemaVersion\":\"0.1.0\",\"Vendor\":\"fromscratch tests\",\
                 \"Version\":\"v1\",\"ShortDescription\":\"docker-compose (v1) as docker compose\"}'\n\
                 exit 0\nfi\nshift\nexec docker-compose \"$@\"\n",
            );
            std::fs::set_permissions(
                tree.at("cli-plugins/docker-compose"),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            )
            .unwrap();
            tree
        });
        Shell { builder, config }
    }

    /// `bash -c LINE` as typed (less the no-Docker-Hub change).
    fn command(&self, line: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.current_dir(workspace_root())
            .arg("-c")
            .arg(without_docker_hub(line, &self.builder))
            .env_remove("DOCKER_BUILDKIT")
            .env_remove("DOCKER")
            .env("RUST_IMAGE", &self.builder);
        if let Some(config) = &self.config {
            cmd.env("DOCKER_CONFIG", config.path());
        }
        cmd
    }

    /// Types `line` and waits for it, which must succeed; its output.
    fn run(&self, line: &str) -> Output {
        std::thread::sleep(TYPING);
        let deadline = if line.contains(" build") || line.contains("build.sh") {
            BUILD_DEADLINE
        } else {
            LINE_DEADLINE
        };
        let out = process::run(&mut self.command(line), b"", deadline);
        assert!(
            out.status.success(),
            "`{line}` failed ({}): {}{}",
            out.status,
            out.stdout_str(),
            out.stderr_str()
        );
        out
    }

    /// Types `line` on a terminal, as `docker run -it` needs.
    fn at_terminal(&self, line: &str) -> Pty {
        std::thread::sleep(TYPING);
        Pty::spawn(self.command(line))
    }
}

/// Removes what a block left running if a check fails halfway: the named containers and the
/// compose project.
struct Cleanup<'a>(&'a Shell);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = process::run(
            &mut self.0.command("docker rm -f web cow"),
            b"",
            LINE_DEADLINE,
        );
        let _ = process::run(
            &mut self.0.command("docker-compose -f docker/compose.yaml down"),
            b"",
            LINE_DEADLINE,
        );
    }
}

/// A block's lines, in order: `expect` lines are the README's own.
fn lines<'a>(block: &'a Block, expect: &[&str]) -> Vec<&'a str> {
    let got: Vec<&str> = block.lines.iter().map(String::as_str).collect();
    assert_eq!(got.len(), expect.len(), "{}: {got:#?}", block.name);
    for (line, start) in got.iter().zip(expect) {
        assert!(line.starts_with(start), "{}: {line:?}", block.name);
    }
    got
}

fn setup(shell: &Shell, block: &Block) {
    let lines = lines(block, &["bash docker/build.sh", "bash tests/run.sh"]);
    let out = shell.run(lines[0]).stdout_str();
    for promise in [
        "Built alpine2 (",
        "docker run -it --rm alpine2",
        "alpine_web",
        "cowserve",
    ] {
        assert!(out.contains(promise), "build.sh told {out}");
    }
    // The test command is what CI runs (and what runs this test).
    let ci = std::fs::read_to_string(workspace_root().join(".ci/run")).unwrap();
    let command = lines[1].split('#').next().unwrap().trim();
    assert!(
        ci.lines().any(|l| l.trim() == command),
        ".ci/run does not run `{command}`"
    );
}

fn alpine2(shell: &Shell, block: &Block) {
    let lines = lines(
        block,
        &["docker build -t alpine2 ", "docker run -it --rm alpine2"],
    );
    shell.run(lines[0]);
    let mut pty = shell.at_terminal(lines[1]);
    pty.read_until(b"Type in your name: ", LINE_DEADLINE);
    pty.type_keys(b"Ana\r");
    let (status, screen) = pty.wait(LINE_DEADLINE);
    let screen_text = String::from_utf8_lossy(&screen);
    assert!(status.success(), "{status}: {screen_text}");
    assert!(
        contains(
            &screen,
            b"Hello Ana, you've just ran a python script from your own homemade Docker Container!"
        ),
        "{screen_text}"
    );
}

/// A server's block: build `image`, run it detached as `container` on port 8000, fetch the
/// page, stop it; the page.
fn served_page(shell: &Shell, block: &Block, image: &str, container: &str) -> String {
    let lines = lines(
        block,
        &[
            &format!("docker build -t {image} "),
            "docker run -d -p 8000:8000 ",
            "curl ",
            &format!("docker stop {container}"),
        ],
    );
    shell.run(lines[0]);
    shell.run(lines[1]);
    let page = shell.run(lines[2]).stdout_str();
    shell.run(lines[3]);
    page
}

fn alpine_web(shell: &Shell, block: &Block) {
    let page = served_page(shell, block, "alpine_web", "web");
    // The current directory, mounted at /src, is what it lists.
    assert!(
        page.contains("<title>Directory listing for /</title>")
            && page.contains("<a href=\"Cargo.toml\">Cargo.toml</a>"),
        "{page}"
    );
}

fn cowserve(shell: &Shell, block: &Block) {
    let page = served_page(shell, block, "cowserve", "cow");
    assert!(page.contains("(oo)\\_______"), "{page}");
}

fn compose(shell: &Shell, block: &Block) {
    let lines = lines(
        block,
        &[
            "docker compose -f docker/compose.yaml up --build",
            "docker compose -f docker/compose.yaml down",
        ],
    );
    // `up` stays attached: the client prints the page and exits, the server runs on until
    // Ctrl-C, as the README says.
    let mut up = shell.at_terminal(lines[0]);
    up.read_until(b"exited with code 0", BUILD_DEADLINE);
    assert!(
        contains(&up.screen, b"(oo)\\_______"),
        "the client printed no cow: {}",
        String::from_utf8_lossy(&up.screen)
    );
    up.type_keys(b"\x03");
    let (_, screen) = up.wait(LINE_DEADLINE);
    let screen = String::from_utf8_lossy(&screen);
    assert!(screen.contains("Gracefully stopping"), "Ctrl-C: {screen}");
    shell.run(lines[1]);
    let left = shell.run("docker ps -a --filter label=com.docker.compose.project=docker -q");
    assert_eq!(left.stdout_str().trim(), "", "down left containers");
}

/// Every block of the README, typed in order as a newcomer would, on the PATH's `docker`.
#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn every_readme_block_works_as_written() {
    // The blocks publish port 8000 and name their containers `web` and `cow`.
    let _port = host_lock("port-8000", Duration::from_secs(30 * 60));
    let shell = Shell::new();
    let _cleanup = Cleanup(&shell);
    for block in readme_blocks() {
        match block.name.as_str() {
            "setup" => setup(&shell, &block),
            "alpine2" => alpine2(&shell, &block),
            "alpine_web" => alpine_web(&shell, &block),
            "cowserve" => cowserve(&shell, &block),
            "compose" => compose(&shell, &block),
            other => panic!("no check for the README's {other} block"),
        }
    }
}

/// The extraction itself: markers name blocks, blank lines drop, and a block without a marker
/// is refused.
#[test]
fn blocks_are_found_by_their_markers() {
    let text = "intro\n<!-- readme-test: one -->\n```sh\na\n\nb # c\n```\n```text\nx\n```\n";
    let found = blocks(text).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "one");
    assert_eq!(found[0].lines, ["a", "b # c"]);
    assert!(
        blocks("text\n```sh\nls\n```\n").is_err(),
        "an unmarked block was accepted"
    );
    assert_eq!(
        without_docker_hub("docker build -t a -f f .", "b:1"),
        "docker build --build-arg RUST_IMAGE=b:1 -t a -f f ."
    );
    // And the README has exactly the blocks the Docker test runs.
    readme_blocks();
}
