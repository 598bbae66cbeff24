//! Many copies on Docker Swarm: docker/stack.yaml deployed with `docker stack deploy` on this
//! engine (made a one-node swarm for the test if it is in none), three replicas of each server.
//! Every replica comes up healthy with the stack's settings in force; the service names spread
//! new connections over every replica (dnsrr); a rolling update to a new tag under steady load
//! loses no request (and requests do fail while a replica is frozen, certainly so for those sent
//! straight at it: the zero is measured); a killed replica is replaced. The figures are printed
//! for docs/benchmarks.md.

#![cfg_attr(not(docker_tests), allow(dead_code, unused_imports))]

use e2e::binary::workspace_root;
use e2e::docker::{
    Container, build_image, docker, docker_ok, docker_output, host_lock, unique_name,
};
use e2e::process::{self, Output};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const STACK_FILE: &str = "docker/stack.yaml";
/// The stack's overlay network, as `docker stack deploy` names it: `<stack>_mesh`.
const NETWORK: &str = "mesh";
const REPLICAS: usize = 3;
/// Deploy to every replica healthy: the stack checks health every 5 s, so about 10 s here.
const HEALTHY_DEADLINE: Duration = Duration::from_secs(120);
/// A rolling update of both services at once: per replica, a health check (5 s) and the 2 s
/// delay, then the 10 s monitor window; about 40 s here.
const UPDATE_DEADLINE: Duration = Duration::from_secs(240);
/// The load goes on this long after the update is done: the last old replica is still stopping.
const LOAD_TAIL: Duration = Duration::from_secs(5);
/// A killed replica's successor: a 1 s restart delay, then a health check.
const REPLACE_DEADLINE: Duration = Duration::from_secs(60);
/// `docker stack rm` until its containers and network are gone.
const REMOVE_DEADLINE: Duration = Duration::from_secs(90);
/// Requests through a service name, to see them spread over the replicas.
const SPREAD_REQUESTS: usize = 30;
/// How long the control keeps a replica of each service paused at least: several requests' worth.
const PAUSE: Duration = Duration::from_secs(4);
/// Requests the control sends straight at each paused replica (its own address), one after
/// another, the replica paused until they are done: each begins and times out (the client waits
/// 3 s) within the pause, so each fails however slowly the machine runs. Through the service
/// name a loaded machine may send too few requests in the pause for one to meet it in time.
const DIRECT_REQUESTS: usize = 3;
/// Client loops per service during the update, each one request at a time.
const LOAD_CLIENTS: usize = 2;
/// Another swarm test (another test run on this machine) finishes well within this.
const LOCK_DEADLINE: Duration = Duration::from_secs(900);

/// `eprintln!` with the time since the test began: `swarm [12.3 s]: ...`.
macro_rules! report {
    ($($arg:tt)*) => {
        eprintln!("swarm [{:5.1} s]: {}", began().elapsed().as_secs_f64(), format!($($arg)*))
    };
}

/// When the test began (its first call).
fn began() -> Instant {
    static BEGAN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *BEGAN.get_or_init(Instant::now)
}

/// One service of the stack.
struct Server {
    /// Its name in docker/stack.yaml, and the name clients resolve.
    service: &'static str,
    /// The image the tests build, and its Dockerfile.
    image: &'static str,
    dockerfile: &'static str,
    /// The variable docker/stack.yaml takes its image from.
    image_variable: &'static str,
    /// The binary in the image, and the variable naming its health path.
    binary: &'static str,
    health_variable: &'static str,
    /// A query parameter it takes any value of (cowserve refuses what it does not know).
    param: &'static str,
}

const SERVERS: [Server; 2] = [
    Server {
        service: "web",
        image: "alpine_web",
        dockerfile: "docker/dirserve/Dockerfile",
        image_variable: "ALPINE_WEB_IMAGE",
        binary: "/dirserve",
        health_variable: "DIRSERVE_HEALTH_PATH",
        param: "n",
    },
    Server {
        service: "cow",
        image: "cowserve",
        dockerfile: "docker/cowserve/Dockerfile",
        image_variable: "COWSERVE_IMAGE",
        binary: "/cowserve",
        health_variable: "COWSERVE_HEALTH_PATH",
        param: "message",
    },
];

/// This engine as a swarm manager: `docker swarm init --advertise-addr 127.0.0.1` if it is in no
/// swarm, and then only, [`Swarm::leave`] (or dropping) leaves it and removes the
/// `docker_gwbridge` network the swarm made, as it was found.
struct Swarm {
    initialised: bool,
    gwbridge_existed: bool,
    left: bool,
}

fn network_exists(name: &str) -> bool {
    let filter = format!("name=^{name}$");
    let out = docker_ok(&["network", "ls", "-q", "--filter", &filter]);
    !out.stdout_str().trim().is_empty()
}

impl Swarm {
    fn join() -> Swarm {
        let info = [
            "info",
            "--format",
            "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
        ];
        let state = docker_ok(&info).stdout_str().trim().to_owned();
        match state.as_str() {
            "active true" => Swarm {
                initialised: false,
                gwbridge_existed: true,
                left: false,
            },
            "inactive false" => {
                let mut swarm = Swarm {
                    initialised: true,
                    gwbridge_existed: network_exists("docker_gwbridge"),
                    left: false,
                };
                let init = docker_output(&["swarm", "init", "--advertise-addr", "127.0.0.1"], b"");
                if !init.status.success() {
                    swarm.initialised = false;
                    panic!("docker swarm init: {}", init.stderr_str());
                }
                swarm
            }
            _ => panic!(
                "this engine's swarm state is {state:?} (state, manager): `docker stack deploy` \
                 needs a manager, and the test only makes a swarm where there is none"
            ),
        }
    }

    fn leave(&mut self) -> Result<(), String> {
        if !self.initialised || self.left {
            return Ok(());
        }
        self.left = true;
        let out = docker_output(&["swarm", "leave", "--force"], b"");
        if !out.status.success() {
            return Err(format!("docker swarm leave --force: {}", out.stderr_str()));
        }
        if self.gwbridge_existed {
            return Ok(());
        }
        // Its last endpoints go a moment after the swarm does.
        let start = Instant::now();
        loop {
            let rm = docker_output(&["network", "rm", "docker_gwbridge"], b"");
            if rm.status.success() || !network_exists("docker_gwbridge") {
                return Ok(());
            }
            if start.elapsed() > REMOVE_DEADLINE {
                return Err(format!(
                    "docker network rm docker_gwbridge: {}",
                    rm.stderr_str()
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        if let Err(e) = self.leave() {
            eprintln!("swarm: {e}");
        }
    }
}

/// Image tags made for the test, removed (untagged) when dropped.
struct Tags(Vec<String>);

impl Tags {
    fn add(&mut self, image: &str, tag: String) -> String {
        docker_ok(&["tag", image, &tag]);
        self.0.push(tag.clone());
        tag
    }
}

impl Drop for Tags {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = docker_output(&["rmi", tag], b"");
        }
    }
}

/// A stack deployed from docker/stack.yaml, removed with everything it made when dropped (or by
/// [`Stack::remove`], which says how that went).
struct Stack {
    name: String,
    removed: bool,
}

impl Stack {
    fn named(name: String) -> Stack {
        Stack {
            name,
            removed: false,
        }
    }

    /// `ALPINE_WEB_IMAGE=... COWSERVE_IMAGE=... docker stack deploy --resolve-image never -c
    /// docker/stack.yaml NAME`, an image for each of [`SERVERS`]: creates the stack, or updates
    /// it to these images. They live on this node, not in a registry, so the manager must not try
    /// to pin them to a registry's digest.
    fn deploy(&self, images: &[String]) -> Output {
        let mut cmd = docker();
        cmd.current_dir(workspace_root());
        for (server, image) in SERVERS.iter().zip(images) {
            cmd.env(server.image_variable, image);
        }
        cmd.args([
            "stack",
            "deploy",
            "--resolve-image",
            "never",
            "-c",
            STACK_FILE,
        ])
        .arg(&self.name);
        let out = process::run(&mut cmd, b"", e2e::docker::COMMAND_DEADLINE);
        assert!(
            out.status.success(),
            "docker stack deploy: {}{}",
            out.stdout_str(),
            out.stderr_str()
        );
        out
    }

    fn service(&self, server: &Server) -> String {
        format!("{}_{}", self.name, server.service)
    }

    fn network(&self) -> String {
        format!("{}_{NETWORK}", self.name)
    }

    /// `docker stack rm`, then waits until no container or network of the stack is left.
    fn remove(&mut self) -> Result<Duration, String> {
        self.removed = true;
        let start = Instant::now();
        let rm = docker_output(&["stack", "rm", &self.name], b"");
        if !rm.status.success() {
            return Err(format!(
                "docker stack rm {}: {}",
                self.name,
                rm.stderr_str()
            ));
        }
        let label = format!("label=com.docker.stack.namespace={}", self.name);
        loop {
            let containers = docker_output(&["ps", "-aq", "--filter", &label], b"");
            let networks = docker_output(&["network", "ls", "-q", "--filter", &label], b"");
            let left = format!("{}{}", containers.stdout_str(), networks.stdout_str());
            if left.trim().is_empty() && containers.status.success() && networks.status.success() {
                return Ok(start.elapsed());
            }
            if start.elapsed() > REMOVE_DEADLINE {
                return Err(format!(
                    "stack {}: still there after {REMOVE_DEADLINE:?}: {left}",
                    self.name
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if !self.removed
            && let Err(e) = self.remove()
        {
            eprintln!("{e}");
        }
    }
}

/// One running container of a service.
#[derive(Debug, Clone)]
struct Replica {
    id: String,
    hostname: String,
    image: String,
    /// Its address on the stack's network.
    ip: String,
    health: String,
}

/// The service's running containers (this is a one-node swarm: all of them are here).
fn replicas(stack: &Stack, server: &Server) -> Vec<Replica> {
    let label = format!(
        "label=com.docker.swarm.service.name={}",
        stack.service(server)
    );
    let ids = docker_ok(&["ps", "-q", "--no-trunc", "--filter", &label]).stdout_str();
    let format = format!(
        "{{{{.Config.Hostname}}}} {{{{.Config.Image}}}} {{{{.State.Health.Status}}}} \
         {{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
        stack.network()
    );
    // A container can stop between the two commands: it is then simply not running.
    ids.lines()
        .filter_map(|id| {
            let out = docker_output(&["inspect", "-f", &format, id], b"");
            let line = out.stdout_str();
            let fields: Vec<&str> = line.split_whitespace().collect();
            match (out.status.success(), fields.as_slice()) {
                (true, [hostname, image, health, ip]) => Some(Replica {
                    id: id.to_owned(),
                    hostname: hostname.to_string(),
                    image: image.to_string(),
                    ip: ip.to_string(),
                    health: health.to_string(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// The service's replicas if it runs exactly its three, all healthy, all of `image` and none of
/// them one of `gone`.
fn steady(stack: &Stack, server: &Server, image: &str, gone: &[String]) -> Option<Vec<Replica>> {
    let running = replicas(stack, server);
    let steady = running.len() == REPLICAS
        && running
            .iter()
            .all(|r| r.health == "healthy" && r.image == image && !gone.contains(&r.id));
    steady.then_some(running)
}

/// Panics that the service is not `wanted` after `deadline`, showing its replicas and tasks.
fn not_in_time(stack: &Stack, server: &Server, wanted: &str, deadline: Duration) -> ! {
    let service = stack.service(server);
    let tasks = docker_output(&["service", "ps", "--no-trunc", &service], b"");
    panic!(
        "{service}: not {wanted} after {deadline:?}: {:#?}\n{}",
        replicas(stack, server),
        tasks.stdout_str()
    );
}

/// Waits until [`steady`] (with nothing gone); returns the replicas.
fn wait_steady(stack: &Stack, server: &Server, image: &str, deadline: Duration) -> Vec<Replica> {
    let start = Instant::now();
    loop {
        if let Some(replicas) = steady(stack, server, image, &[]) {
            return replicas;
        }
        if start.elapsed() > deadline {
            let wanted = format!("{REPLICAS} healthy replicas of {image}");
            not_in_time(stack, server, &wanted, deadline);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The state of the service's last update (`updating`, `completed`), or "" before any; panics
/// on any other (`rollback_started`, `paused`...), with Docker's message.
fn update_state(stack: &Stack, server: &Server) -> String {
    let format = "{{if .UpdateStatus}}{{.UpdateStatus.State}} {{.UpdateStatus.Message}}{{end}}";
    let status = docker_ok(&["service", "inspect", "-f", format, &stack.service(server)])
        .stdout_str()
        .trim()
        .to_owned();
    let state = status.split(' ').next().unwrap_or_default().to_owned();
    assert!(
        ["", "updating", "completed"].contains(&state.as_str()),
        "{}: update {status}",
        stack.service(server)
    );
    state
}

/// For each of [`SERVERS`], when (from `start`) `done` first held for it, waiting for all of them
/// together so each time is its own; panics with `wanted` after `deadline`.
fn times_until(
    stack: &Stack,
    start: Instant,
    deadline: Duration,
    wanted: &str,
    mut done: impl FnMut(usize, &Server) -> bool,
) -> Vec<Duration> {
    let mut times: Vec<Option<Duration>> = vec![None; SERVERS.len()];
    loop {
        for (i, server) in SERVERS.iter().enumerate() {
            if times[i].is_none() && done(i, server) {
                times[i] = Some(start.elapsed());
            }
        }
        if times.iter().all(Option::is_some) {
            return times.into_iter().flatten().collect();
        }
        if start.elapsed() > deadline {
            let late = times.iter().position(Option::is_none).unwrap_or(0);
            not_in_time(stack, &SERVERS[late], wanted, deadline);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// `/dirserve --fetch URL` in the client container: a new process, so the name is resolved
/// again and a new connection made for every request.
fn fetch(client: &Container, url: &str) -> Output {
    docker_output(&["exec", &client.name, "/dirserve", "--fetch", url], b"")
}

/// What one of the client's loops saw.
#[derive(Default)]
struct Tally {
    sent: usize,
    failed: usize,
    /// The first few failures' messages.
    failures: Vec<String>,
}

impl Tally {
    /// Counts one fetch's outcome, `at` this long into the loop.
    fn record(&mut self, out: &Output, at: Duration) {
        self.sent += 1;
        if !out.status.success() {
            self.failed += 1;
            if self.failures.len() < 10 {
                let at = at.as_secs_f64();
                self.failures
                    .push(format!("at {at:.1} s: {}", out.stderr_str().trim()));
            }
        }
    }
}

/// Fetches `url` one request after another until `stop` is set (or `cap` has passed).
fn load(client: &Container, url: &str, stop: &AtomicBool, cap: Duration) -> Tally {
    let mut tally = Tally::default();
    let start = Instant::now();
    while !stop.load(Ordering::Relaxed) && start.elapsed() < cap {
        tally.record(&fetch(client, url), start.elapsed());
    }
    tally
}

/// Fetches `url` `count` times, one request after another.
fn fetch_times(client: &Container, url: &str, count: usize) -> Tally {
    let mut tally = Tally::default();
    let start = Instant::now();
    for _ in 0..count {
        tally.record(&fetch(client, url), start.elapsed());
    }
    tally
}

/// The stack file's settings, as the engine applied them to a replica's container: locked down,
/// limited, health-checked by the image's own check through the health path.
fn assert_replica_settings(server: &Server, replica: &Replica) {
    let inspect = |format: &str| {
        docker_ok(&["inspect", "-f", format, &replica.id])
            .stdout_str()
            .trim()
            .to_owned()
    };
    let name = &replica.hostname;
    assert_eq!(inspect("{{.HostConfig.ReadonlyRootfs}}"), "true", "{name}");
    assert_eq!(
        inspect("{{json .HostConfig.CapDrop}}"),
        r#"["ALL"]"#,
        "{name}"
    );
    assert_eq!(inspect("{{.Config.User}}"), "65534:65534", "{name}");
    assert_eq!(inspect("{{.HostConfig.Memory}}"), (32 << 20).to_string());
    assert_eq!(inspect("{{.HostConfig.NanoCpus}}"), "1000000000", "{name}");
    assert_eq!(inspect("{{.HostConfig.PidsLimit}}"), "64", "{name}");
    assert_eq!(
        inspect("{{json .Config.Healthcheck.Test}}"),
        format!(r#"["CMD","{}","--healthcheck"]"#, server.binary),
        "the image's own check"
    );
    assert_eq!(inspect("{{.Config.Healthcheck.Interval}}"), "5s");
    let env = inspect("{{json .Config.Env}}");
    let health_path = format!("\"{}=/healthz\"", server.health_variable);
    assert!(env.contains(&health_path), "{name}: {env}");
    let first_check = inspect("{{with .State.Health}}{{(index .Log 0).ExitCode}}{{end}}");
    assert_eq!(first_check, "0", "{name}: the health check passes");
}

/// The stack file's settings for the service as a whole, as the swarm holds them: addressing,
/// updates, restarts, resources, stopping and logs.
fn assert_service_settings(stack: &Stack, server: &Server) {
    let service = |format: &str| {
        docker_ok(&["service", "inspect", "-f", format, &stack.service(server)])
            .stdout_str()
            .trim()
            .to_owned()
    };
    let expected = [
        ("{{.Spec.EndpointSpec.Mode}}", "dnsrr"),
        (
            "{{json .Spec.UpdateConfig}}",
            r#"{"Parallelism":1,"Delay":2000000000,"FailureAction":"rollback","Monitor":10000000000,"MaxFailureRatio":0,"Order":"start-first"}"#,
        ),
        ("{{.Spec.RollbackConfig.Order}}", "start-first"),
        (
            "{{json .Spec.TaskTemplate.RestartPolicy}}",
            r#"{"Condition":"any","Delay":1000000000,"MaxAttempts":0}"#,
        ),
        (
            "{{json .Spec.TaskTemplate.Resources}}",
            r#"{"Limits":{"NanoCPUs":1000000000,"MemoryBytes":33554432,"Pids":64},"Reservations":{"NanoCPUs":100000000,"MemoryBytes":8388608}}"#,
        ),
        (
            "{{json .Spec.TaskTemplate.ContainerSpec.StopGracePeriod}}",
            "5000000000",
        ),
        (
            "{{json .Spec.TaskTemplate.LogDriver}}",
            r#"{"Name":"json-file","Options":{"max-file":"3","max-size":"1m"}}"#,
        ),
    ];
    for (format, value) in expected {
        assert_eq!(service(format), value, "{}", stack.service(server));
    }
}

/// Requests through the service name (and its `tasks.` name) reach every replica, as each
/// replica's own access log shows; each replica also answers at its own address.
fn assert_spread(stack: &Stack, server: &Server, client: &Container, replicas: &[Replica]) {
    for replica in replicas {
        let url = format!("http://{}:8000/healthz", replica.ip);
        let out = fetch(client, &url);
        assert!(out.status.success(), "{url}: {}", out.stderr_str());
        assert_eq!(out.stdout_str(), "ok\n", "{url}");
    }
    for name in [
        server.service.to_owned(),
        format!("tasks.{}", server.service),
    ] {
        for i in 0..SPREAD_REQUESTS / 2 {
            let url = format!("http://{name}:8000/?{}=spread-{i}", server.param);
            let out = fetch(client, &url);
            assert!(out.status.success(), "{url}: {}", out.stderr_str());
        }
    }
    let mut served = BTreeMap::new();
    for replica in replicas {
        let log = docker_ok(&["logs", &replica.id]).stderr_str();
        let count = log
            .matches(&format!("\"GET /?{}=spread-", server.param))
            .count();
        assert!(
            !log.contains("/healthz"),
            "{}: the health path is never logged: {log}",
            replica.hostname
        );
        served.insert(replica.hostname.clone(), count);
    }
    report!(
        "{SPREAD_REQUESTS} requests to {0} and tasks.{0}, answered by {served:?}",
        server.service
    );
    assert_eq!(
        served.values().sum::<usize>(),
        SPREAD_REQUESTS,
        "{}: {served:?}",
        stack.service(server)
    );
    assert!(
        served.values().all(|&n| n > 0),
        "every replica answers some: {served:?}"
    );
}

/// Containers paused (`docker pause`: frozen, their sockets still open) until dropped.
struct Paused(Vec<String>);

impl Paused {
    fn all(replicas: &[Replica]) -> Paused {
        let mut paused = Paused(Vec::new());
        for replica in replicas {
            docker_ok(&["pause", &replica.id]);
            paused.0.push(replica.id.clone());
        }
        paused
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        for id in &self.0 {
            let _ = docker_output(&["unpause", id], b"");
        }
    }
}

/// [`DIRECT_REQUESTS`] straight at each of the `frozen` replicas (one of each of [`SERVERS`],
/// in order, all paused), at the same time; then waits out the rest of [`PAUSE`], if any, for the
/// loads through the names. What each replica's requests saw.
fn at_paused(client: &Container, frozen: &[Replica]) -> Vec<Tally> {
    let start = Instant::now();
    let tallies = std::thread::scope(|scope| {
        let fetches: Vec<_> = SERVERS
            .iter()
            .zip(frozen)
            .map(|(server, replica)| {
                let url = format!("http://{}:8000/?{}=paused", replica.ip, server.param);
                scope.spawn(move || fetch_times(client, &url, DIRECT_REQUESTS))
            })
            .collect();
        fetches.into_iter().map(|f| f.join().unwrap()).collect()
    });
    std::thread::sleep(PAUSE.saturating_sub(start.elapsed()));
    tallies
}

/// Runs `action` while the client's loops ([`LOAD_CLIENTS`] a service) fetch from every service,
/// from 2 s before it to [`LOAD_TAIL`] after; what each loop saw, [`SERVERS`] in order.
fn under_load<T>(client: &Container, action: impl FnOnce() -> T) -> (Vec<Tally>, T) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let loads: Vec<_> = SERVERS
            .iter()
            .flat_map(|server| std::iter::repeat_n(server, LOAD_CLIENTS))
            .map(|server| {
                let url = format!("http://{}:8000/?{}=load", server.service, server.param);
                let stop = &stop;
                scope.spawn(move || load(client, &url, stop, UPDATE_DEADLINE + LOAD_TAIL))
            })
            .collect();
        // Whatever happens to the action, the loads must stop, or the scope never ends.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::thread::sleep(Duration::from_secs(2));
            let result = action();
            std::thread::sleep(LOAD_TAIL);
            result
        }));
        stop.store(true, Ordering::Relaxed);
        let tallies = loads.into_iter().map(|l| l.join().unwrap()).collect();
        let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (tallies, result)
    })
}

/// The requests sent to the `index`th of [`SERVERS`], those that failed, and the first failures.
fn sum(tallies: &[Tally], index: usize) -> (usize, usize, Vec<&String>) {
    let tallies = &tallies[index * LOAD_CLIENTS..(index + 1) * LOAD_CLIENTS];
    let sent = tallies.iter().map(|t| t.sent).sum();
    let failed = tallies.iter().map(|t| t.failed).sum();
    (
        sent,
        failed,
        tallies.iter().flat_map(|t| &t.failures).collect(),
    )
}

#[test]
#[cfg_attr(not(docker_tests), ignore = "no Docker engine answers")]
fn three_replicas_each_balanced_updated_without_loss_and_replaced() {
    began();
    for server in &SERVERS {
        build_image(server.image, server.dockerfile);
    }
    let _lock = host_lock("swarm", LOCK_DEADLINE);
    // Dropped in the reverse order on every path: the client, the stack, the tags, the swarm.
    let mut swarm = Swarm::join();
    report!(
        "images built; {}",
        if swarm.initialised {
            "swarm initialised for the test"
        } else {
            "the engine's own swarm"
        }
    );
    let mut tags = Tags(Vec::new());
    let run = unique_name("swarm");
    let first: Vec<String> = SERVERS
        .iter()
        .map(|s| tags.add(s.image, format!("{}:{run}-1", s.image)))
        .collect();
    // The same image under a new tag: a new version, as far as the swarm can tell.
    let second: Vec<String> = SERVERS
        .iter()
        .map(|s| tags.add(s.image, format!("{}:{run}-2", s.image)))
        .collect();
    let mut stack = Stack::named(run.replace('-', ""));

    // Deploy: every replica healthy, with the stack file's settings, and no key ignored.
    let start = Instant::now();
    let deploy = stack.deploy(&first);
    assert!(
        !deploy.stderr_str().contains("Ignoring"),
        "docker stack deploy ignored part of {STACK_FILE}: {}",
        deploy.stderr_str()
    );
    let mut current = Vec::new();
    for (server, image) in SERVERS.iter().zip(&first) {
        let replicas = wait_steady(&stack, server, image, HEALTHY_DEADLINE);
        let mut hostnames: Vec<&str> = replicas.iter().map(|r| r.hostname.as_str()).collect();
        hostnames.sort_unstable();
        let slots: Vec<String> = (1..=REPLICAS)
            .map(|slot| format!("{}-{slot}", server.service))
            .collect();
        assert_eq!(hostnames, slots, "one replica a slot");
        let mut ips: Vec<&str> = replicas.iter().map(|r| r.ip.as_str()).collect();
        ips.sort_unstable();
        ips.dedup();
        assert_eq!(ips.len(), REPLICAS, "{replicas:#?}");
        assert_service_settings(&stack, server);
        for replica in &replicas {
            assert_replica_settings(server, replica);
        }
        current.push(replicas);
    }
    report!(
        "deploy to all {} replicas healthy: {:.1} s",
        REPLICAS * SERVERS.len(),
        start.elapsed().as_secs_f64()
    );

    // A client on the stack's network: the same image, locked down, idle but for `docker exec`.
    let client = Container::named(unique_name("swarm-client"));
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &client.name,
        "--network",
        &stack.network(),
        "--read-only",
        "--cap-drop",
        "ALL",
        &first[0],
        "--quiet",
    ]);
    for (server, replicas) in SERVERS.iter().zip(&current) {
        assert_spread(&stack, server, &client, replicas);
    }

    // A control for the zero below: the same loads while a replica of each service is paused
    // (frozen, yet still in the DNS answers), and requests straight at it while it stays
    // paused, do see failures: requests to it time out.
    let frozen: Vec<Replica> = SERVERS
        .iter()
        .map(|server| replicas(&stack, server).remove(0))
        .collect();
    let (tallies, (direct, paused_for)) = under_load(&client, || {
        let paused = Instant::now();
        let _paused = Paused::all(&frozen);
        (at_paused(&client, &frozen), paused.elapsed())
    });
    for (i, (server, image)) in SERVERS.iter().zip(&first).enumerate() {
        let (sent, failed, failures) = sum(&tallies, i);
        let direct = &direct[i];
        report!(
            "control, {} paused for {:.1} s: through the name {sent} requests sent, {failed} \
             failed (first: {:?}); straight at it {} sent, {} failed (first: {:?})",
            frozen[i].hostname,
            paused_for.as_secs_f64(),
            failures.first(),
            direct.sent,
            direct.failed,
            direct.failures.first()
        );
        assert!(
            failed + direct.failed > 0,
            "{}: the loads see a frozen replica",
            server.service
        );
        wait_steady(&stack, server, image, HEALTHY_DEADLINE);
    }

    // A rolling update of both services to the second tags, under load: every request answered.
    let (tallies, (on_new, completed)) = under_load(&client, || {
        let start = Instant::now();
        stack.deploy(&second);
        let on_new = times_until(&stack, start, UPDATE_DEADLINE, "updated", |i, server| {
            steady(&stack, server, &second[i], &[]).is_some()
        });
        let completed = times_until(&stack, start, UPDATE_DEADLINE, "updated", |_, server| {
            update_state(&stack, server) == "completed"
        });
        (on_new, completed)
    });
    for (i, server) in SERVERS.iter().enumerate() {
        let (sent, failed, failures) = sum(&tallies, i);
        report!(
            "rolling update of {} under load ({LOAD_CLIENTS} clients, a new process, name \
             lookup and connection a request): {sent} requests sent, {failed} failed; \
             {REPLICAS} healthy replicas of the new tag (and no old one) after {:.1} s, update \
             completed after {:.1} s",
            server.service,
            on_new[i].as_secs_f64(),
            completed[i].as_secs_f64()
        );
        assert!(sent > 0);
        assert_eq!(failed, 0, "{}: {failures:#?}", server.service);
    }

    // Kill a replica of each service, under the same load: the swarm starts another, healthy
    // within the bound. A kill is no graceful stop: what the clients saw is reported, not judged.
    let victims: Vec<Replica> = SERVERS
        .iter()
        .map(|server| replicas(&stack, server).remove(0))
        .collect();
    let (tallies, replaced) = under_load(&client, || {
        let killed = Instant::now();
        for victim in &victims {
            docker_ok(&["kill", &victim.id]);
        }
        times_until(&stack, killed, REPLACE_DEADLINE, "replaced", |i, server| {
            steady(&stack, server, &second[i], &[victims[i].id.clone()]).is_some()
        })
    });
    for (i, (server, victim)) in SERVERS.iter().zip(&victims).enumerate() {
        let (sent, failed, failures) = sum(&tallies, i);
        report!(
            "{} killed; {} back to {REPLICAS} healthy replicas after {:.1} s; meanwhile \
             {sent} requests sent, {failed} failed {failures:?}",
            victim.hostname,
            server.service,
            replaced[i].as_secs_f64()
        );
    }

    // Everything goes, and the engine is left as it was found.
    drop(client);
    let removed = stack.remove().unwrap_or_else(|e| panic!("{e}"));
    report!("stack removed in {:.1} s", removed.as_secs_f64());
    drop(tags);
    swarm.leave().unwrap_or_else(|e| panic!("{e}"));
}
