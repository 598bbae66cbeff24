//! The benchmark: fromscratch against the programs it replaces, all measured in this one run on
//! this machine (absolute figures vary between machines; compare the ratios). Loopback only,
//! every wait bounded.
//!
//! Usage: bench [--short]
//!   full:    wrk 10 s x 3 rounds per case, 50 start-up runs (about 8 minutes)
//!   --short: for CI, wrk 2 s, 10 start-up runs
//! Prints a Markdown table and writes it to `target/bench/results.md`, and as JSON to
//! `target/bench/results.json`. `bash tests/bench.sh [--short]` builds the release binaries it
//! measures, then runs this.
//!
//! This file is the plan: which rows, in which order. The modules of `bench` measure. It is built
//! in the dev profile, whose panics unwind, so that the servers, nginx and containers started
//! here are stopped on every path (the release profile aborts on a panic).

use e2e::bench::docker_run::{self, End};
use e2e::bench::instructions::{self, Connections, Server};
use e2e::bench::serve::{self, Background, Programs, python_http_server};
use e2e::bench::wrk::Load;
use e2e::bench::{
    Config, Result, Rows, large_file, listings, median, nginx, raise_fd_limit, report,
    require_tools, rss, size, startup, target_dir, tree,
};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, ExitCode};
use testkit::Tree;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match args.as_slice() {
        [] => Config::FULL,
        [short] if short == "--short" => Config::SHORT,
        _ => {
            eprintln!("usage: bench [--short]");
            return ExitCode::from(2);
        }
    };
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: &Config) -> Result<()> {
    require_tools(&["wrk", "nginx", "python3", "valgrind", "taskset"])?;
    // 1,000 connections at once: a descriptor each in wrk, in the servers, and here.
    raise_fd_limit(4096)?;
    let target = target_dir()?;
    let programs = Programs::in_target(&target)?;
    let docker = docker_run::engine_answers();

    let work = Tree::new("bench");
    // nginx's workers run as www-data.
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("chmod {}: {e}", work.path_str()))?;
    let www = tree::served_tree(work.path())?;
    let cowpage = tree::cow_page(work.path(), &programs.path("cowserve"))?;

    let mut rows = Rows::default();
    sizes(&mut rows, &programs, docker)?;
    startup(&mut rows, config, &programs, &www, &cowpage)?;
    under_load(&mut rows, config, &programs, work.path(), &www, &cowpage)?;
    instructions(&mut rows, config, &programs, work.path(), &www)?;
    hostile_listings(&mut rows, config, &programs)?;
    if docker {
        containers(&mut rows, config)?;
    }

    let out = target.join("bench");
    report::write(&rows.0, &out)?;
    let shown = out
        .strip_prefix(e2e::binary::workspace_root())
        .unwrap_or(&out);
    println!(
        "bench: wrote {} and {}",
        shown.join("results.md").display(),
        shown.join("results.json").display()
    );
    Ok(())
}

/// The binaries, and the images where the tests built them: the default (stable) flavour and
/// the min-size one.
fn sizes(rows: &mut Rows, programs: &Programs, docker: bool) -> Result<()> {
    for program in ["pyprompt", "dirserve", "cowserve"] {
        let bytes = size::file_bytes(&programs.path(program))?;
        rows.record("size", program, "binary bytes", bytes);
    }
    if docker {
        let images = [
            "alpine2",
            "alpine_web",
            "cowserve",
            "alpine2:min",
            "alpine_web:min",
            "cowserve:min",
        ];
        for image in images {
            if let Some(bytes) = size::image_bytes(image) {
                rows.record("size", format!("{image} image"), "bytes", bytes);
            }
        }
    }
    Ok(())
}

/// Start to first 200, natively.
fn startup(
    rows: &mut Rows,
    config: &Config,
    programs: &Programs,
    www: &Path,
    cowpage: &Path,
) -> Result<()> {
    let mut time = |subject: &str, runs: usize, server: &dyn Fn(u16) -> Command| {
        let port = serve::free_port()?;
        let spread = startup::first_200(&mut server(port), port, runs)?;
        let metric = format!("median / min / max µs ({runs} runs)");
        rows.record("startup", subject, metric, spread.micros());
        Result::Ok(())
    };
    let (runs, python_runs) = (config.startup_runs, config.python_startup_runs);
    time("dirserve", runs, &|port| programs.dirserve(www, port))?;
    time("python3 -m http.server", python_runs, &|port| {
        python_http_server(www, port)
    })?;
    time("cowserve", runs, &|port| programs.cowserve(port))?;
    time(
        "python3 -m http.server, static cow page",
        python_runs,
        &|port| python_http_server(cowpage, port),
    )?;
    Ok(())
}

/// The servers a case compares, each with its subject in the table.
type Contenders<'a> = &'a [(&'a str, &'a Background)];

/// The servers under load, and their memory before, after, and with connections held open.
fn under_load(
    rows: &mut Rows,
    config: &Config,
    programs: &Programs,
    work: &Path,
    www: &Path,
    cowpage: &Path,
) -> Result<()> {
    let dirserve = Background::on_free_port(|port| programs.dirserve(www, port))?;
    let python = Background::on_free_port(|port| python_http_server(www, port))?;
    let cowserve = Background::on_free_port(|port| programs.cowserve(port))?;
    let python_cow = Background::on_free_port(|port| python_http_server(cowpage, port))?;
    let nginx = nginx::start(work, www, serve::free_port()?)?;
    for server in [&dirserve, &python, &cowserve, &python_cow, &nginx] {
        serve::wait_port(server.port)?;
    }

    let ours = [("dirserve", &dirserve), ("cowserve", &cowserve)];
    for (subject, server) in ours {
        let rss = rss::vm_rss_kib(server.pid())?;
        rows.record("memory", subject, "idle RSS KiB", rss);
    }

    let load = Load {
        threads: 2,
        connections: 50,
        seconds: config.wrk_seconds,
    };
    let files = [
        ("dirserve", &dirserve),
        ("nginx (2 workers, sendfile on, autoindex)", &nginx),
        ("python3 -m http.server", &python),
    ];
    let cow = [
        ("cowserve", &cowserve),
        ("python3 -m http.server (static page)", &python_cow),
    ];
    let page = "cow page, a fresh fortune each";
    let cases: [(&str, &str, Contenders); 3] = [
        ("4 KiB file", "/4k.bin", &files),
        ("1,000-entry listing", "/list/", &files),
        (page, "/", &cow),
    ];
    under_wrk(rows, config, &load, &cases)?;
    // 1,000 clients: the small file, and cowserve's page beside it.
    let load = Load {
        connections: 1000,
        ..load
    };
    let cases: [(&str, &str, Contenders); 2] = [
        ("4 KiB file", "/4k.bin", &files),
        (page, "/", &[("cowserve", &cowserve)]),
    ];
    under_wrk(rows, config, &load, &cases)?;

    large_files(rows, config, www, &files)?;

    for (subject, server) in ours {
        let rss = rss::vm_rss_kib(server.pid())?;
        rows.record("memory", subject, "RSS KiB after the load", rss);
    }
    let held = "RSS KiB with 1,000 keep-alive connections";
    let holding = [
        ("dirserve", &dirserve, "/4k.bin", held.to_owned()),
        ("cowserve", &cowserve, "/", held.to_owned()),
        (
            files[1].0,
            &nginx,
            "/4k.bin",
            format!("{held}, master + workers"),
        ),
    ];
    for (subject, server, path, metric) in holding {
        let addr = serve::loopback(server.port);
        let kib = rss::with_keep_alive(addr, server.pid(), 1000, path)?;
        rows.record("memory", subject, metric, kib);
    }
    // An HTTP/1.0 server holds none (one connection shows it): then the reason is the row.
    let addr = serve::loopback(python.port);
    let python_held = rss::with_keep_alive(addr, python.pid(), 1, "/4k.bin")
        .and_then(|_| rss::with_keep_alive(addr, python.pid(), 1000, "/4k.bin"));
    match python_held {
        Ok(kib) => rows.record("memory", files[2].0, held, kib),
        Err(why) => rows.record("memory", files[2].0, format!("{held}: none, {why}"), "-"),
    }
    Ok(())
}

/// A small directory's listing while ten clients loop over a big one's orders and forms
/// (dirserve, python), and a million entries' pages (dirserve; python would take gigabytes).
fn hostile_listings(rows: &mut Rows, config: &Config, programs: &Programs) -> Result<()> {
    let entries = config.big_listing_entries;
    let tree = listings::listing_tree(entries)?;
    let section = format!("small listings beside 10 clients looping over a {entries}-entry one");
    let servers: [(&str, &dyn Fn(u16) -> Command); 2] = [
        ("dirserve", &|port| programs.dirserve(tree.path(), port)),
        ("python3 -m http.server", &|port| {
            python_http_server(tree.path(), port)
        }),
    ];
    for (subject, command) in servers {
        let (p50, p99, max, big) = listings::small_beside_big(command)?;
        let ms = |d: std::time::Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        let figures = format!("{} / {} / {}", ms(p50), ms(p99), ms(max));
        rows.record(&section, subject, "p50 / p99 / max ms", figures);
        rows.record(&section, subject, "big listings served meanwhile", big);
    }
    if config.million_entries {
        for (form, bytes, kib) in listings::million(&|dir, port| programs.dirserve(dir, port))? {
            let metric = format!("{form} page of 1,000,000 entries ({bytes} B): peak RSS KiB");
            rows.record("memory", "dirserve", metric, kib);
        }
    }
    Ok(())
}

/// Each case under `load`, `wrk_rounds` rounds: rps, p50 / p99 latency, and what wrk counted as
/// errors, if anything.
fn under_wrk(
    rows: &mut Rows,
    config: &Config,
    load: &Load,
    cases: &[(&str, &str, Contenders)],
) -> Result<()> {
    let rounds = config.wrk_rounds;
    let section = format!("{}, median of {rounds}", load.label());
    for (name, path, servers) in cases {
        let urls: Vec<String> = servers.iter().map(|(_, s)| s.url(path)).collect();
        let summaries = load.median_of_rounds(rounds, &urls)?;
        for ((subject, _), summary) in servers.iter().zip(summaries) {
            rows.record(&section, *subject, format!("{name} rps"), summary.rps);
            let latency = format!("{name} p50 / p99 latency ms");
            rows.record(&section, *subject, latency, summary.latency_ms());
            if summary.errors.any() {
                let metric = format!(
                    "{name} socket errors (connect, read, write, timeout) / non-2xx, \
                     all {rounds} runs"
                );
                rows.record(&section, *subject, metric, summary.errors.shown());
            }
        }
    }
    Ok(())
}

/// A large file on one connection and on 8 at once: MB/s and the server's CPU per GiB, the
/// median of `wrk_rounds` (each server in turn within a round).
fn large_files(rows: &mut Rows, config: &Config, www: &Path, servers: Contenders) -> Result<()> {
    let mib = config.large_file_mib;
    large_file::make(&www.join("large.bin"), mib)?;
    let size = (mib as u64) << 20;
    let section = format!("{mib} MiB file, median of {}", config.wrk_rounds);
    for streams in [1, 8] {
        let mut runs = vec![Vec::new(); servers.len()];
        for _ in 0..config.wrk_rounds {
            for ((_, server), runs) in servers.iter().zip(&mut runs) {
                let addr = serve::loopback(server.port);
                runs.push(large_file::download(
                    addr,
                    "/large.bin",
                    size,
                    streams,
                    server.pid(),
                )?);
            }
        }
        for ((subject, _), runs) in servers.iter().zip(runs) {
            let speeds: Vec<u64> = runs.iter().map(|t| t.mb_per_s).collect();
            let cpu: Vec<u64> = runs.iter().map(|t| t.cpu_ms_per_gib).collect();
            let (speed, cpu) = (median(&speeds).unwrap_or(0), median(&cpu).unwrap_or(0));
            let what = if streams == 1 {
                "1 stream".to_owned()
            } else {
                format!("{streams} streams")
            };
            rows.record(&section, *subject, format!("{what}, MB/s"), speed);
            let seconds = format!("{}.{:03}", cpu / 1000, cpu % 1000);
            rows.record(
                &section,
                *subject,
                format!("{what}, server CPU s per GiB"),
                seconds,
            );
        }
    }
    std::fs::remove_file(www.join("large.bin")).map_err(|e| format!("large.bin: {e}"))
}

/// Under callgrind, one server at a time, the machine otherwise quiet: the user-space
/// instructions a request costs (the kernel's share is not counted).
fn instructions(
    rows: &mut Rows,
    config: &Config,
    programs: &Programs,
    work: &Path,
    www: &Path,
) -> Result<()> {
    let (few, many) = config.callgrind_requests;
    let section = format!(
        "callgrind, (count at {many} requests - at {few}) / {}",
        many - few
    );
    let python = serve::python_executable()?;
    let dirserve = |port, _: &Path| Ok(programs.dirserve(www, port));
    let cowserve = |port, _: &Path| Ok(programs.cowserve(port));
    let nginx = |port, dir: &Path| {
        let conf = nginx::single_process_config(dir, www, port);
        let mut cmd = Command::new("nginx");
        cmd.arg("-c").arg(nginx::write_config(dir, &conf)?);
        Ok(cmd)
    };
    let python = |port, _: &Path| Ok(serve::python_http_server_with(&python, www, port));
    let mut count =
        |subject: &str, server: Server, case: &str, path: &str, modes: &[Connections]| {
            for &connections in modes {
                // The runs' folders: `callgrind-dirserve-KeepAlive-few`, ...
                let name = subject.split(' ').next().unwrap_or(subject);
                let run = format!("{name}-{connections:?}");
                let count =
                    instructions::per_request(work, &run, &server, path, connections, (few, many))?;
                let metric = format!(
                    "{case}, user-space instructions per request (callgrind), {}",
                    connections.label()
                );
                rows.record(&section, subject, metric, count);
            }
            Result::Ok(())
        };
    let both = [Connections::KeepAlive, Connections::EachNew];
    let (file, page) = ("4 KiB file", "cow page, a fresh fortune each");
    count(
        "dirserve",
        server(&dirserve, libc::SIGTERM),
        file,
        "/4k.bin",
        &both,
    )?;
    let subject = "nginx (one process, master_process off)";
    count(
        subject,
        server(&nginx, libc::SIGQUIT),
        file,
        "/4k.bin",
        &both,
    )?;
    // python's http.server answers HTTP/1.0 and closes each connection.
    let subject = "python3 -m http.server";
    let each_new = [Connections::EachNew];
    count(
        subject,
        server(&python, libc::SIGINT),
        file,
        "/4k.bin",
        &each_new,
    )?;
    count(
        "cowserve",
        server(&cowserve, libc::SIGTERM),
        page,
        "/",
        &both,
    )
}

/// A server for callgrind: its command line on a port, and the signal that ends it cleanly.
fn server(command: &dyn Fn(u16, &Path) -> Result<Command>, stop: libc::c_int) -> Server<'_> {
    Server { command, stop }
}

/// In Docker: `docker run` to the first 200 and `docker stop`, ours against a python image, and
/// Docker's own floor.
fn containers(rows: &mut Rows, config: &Config) -> Result<()> {
    for image in ["alpine_web", "cowserve"] {
        if docker_run::image_exists(image) {
            run_and_stop(rows, image, image, config.docker_runs)?;
        }
    }
    // The tutorials' own images cannot be pulled here: their published sizes, marked as quoted.
    let quoted = "bytes, quoted, not measured";
    rows.record(
        "size",
        "python:3.6 (the cowserve tutorial's base)",
        quoted,
        "about 900 MB",
    );
    rows.record(
        "size",
        "alpine + bash + python3 (alpine2)",
        quoted,
        "about 60 MB",
    );
    // The tutorials' python images, as a local stand-in built from Debian's python3; each stop
    // takes the full 10 s grace period, so fewer runs.
    let python = docker_run::python_standin()?;
    let bytes = size::image_bytes(python).ok_or_else(|| format!("no image {python}"))?;
    rows.record(
        "size",
        "python3 stand-in image (Debian python3, http.server)",
        "bytes",
        bytes,
    );
    run_and_stop(rows, "python3 stand-in", python, config.docker_python_runs)?;

    if docker_run::image_exists("alpine2") {
        // A container waiting for a name, ended with `docker stop`, or `docker kill` and `wait`.
        let runs = config.docker_end_runs;
        let stop = docker_run::end("alpine2", End::Stop, runs)?;
        let metric = format!("docker stop while it waits for a name, ms (median of {runs})");
        rows.record("docker", "alpine2", metric, stop);
        // The floor: SIGKILL needs no cooperation, so this is Docker's own teardown time.
        let kill = docker_run::end("alpine2", End::KillAndWait, runs)?;
        let metric = format!("docker kill + wait, the floor, ms (median of {runs})");
        rows.record("docker", "Docker itself", metric, kill);
    }
    Ok(())
}

fn run_and_stop(rows: &mut Rows, subject: &str, image: &str, runs: usize) -> Result<()> {
    let medians = docker_run::run_and_stop(image, runs)?;
    let metric = format!("docker run to first 200, ms (median of {runs})");
    rows.record("docker", subject, metric, medians.run_ms);
    let metric = format!("docker stop, ms (median of {runs})");
    rows.record("docker", subject, metric, medians.stop_ms);
    Ok(())
}
