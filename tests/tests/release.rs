//! `docker/release.sh`: one archive per tested platform, laid out as ripgrep's are, listed in
//! SHA256SUMS, holding static binaries for the platform's machine, and reproducible.

use e2e::binary::workspace_root;
use e2e::elf::{Machine, static_executable};
use std::path::Path;
use std::process::{Command, Output};
use testkit::Tree;

const PROGRAMS: [&str; 3] = ["cowserve", "dirserve", "pyprompt"];
const LINKS: [&str; 3] = ["cowsay", "cowthink", "fortune"];
const DOCS: [&str; 3] = ["LICENSE-APACHE", "LICENSE-MIT", "README.md"];

fn check(what: &str, output: Output) -> String {
    assert!(
        output.status.success(),
        "{what}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"))
}

/// The Rust targets docker/rust-target.sh says are tested, read from the script itself.
fn tested_triples() -> Vec<String> {
    let out = Command::new("sh")
        .args(["-c", ". docker/rust-target.sh && tested_triples"])
        .current_dir(workspace_root())
        .output()
        .expect("sh runs");
    check("tested_triples", out)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Runs `docker/release.sh OUTDIR` under `umask`, so that a second run with another one shows
/// the modes in the archives do not depend on it.
fn release(outdir: &Path, umask: &str) {
    let out = Command::new("bash")
        .args([
            "-c",
            "umask \"$1\" && exec bash docker/release.sh \"$2\"",
            "-",
        ])
        .arg(umask)
        .arg(outdir)
        .current_dir(workspace_root())
        .output()
        .expect("bash runs");
    check("docker/release.sh", out);
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    let line = check("sha256sum", out);
    line.split_whitespace().next().expect("a hash").to_owned()
}

/// `tar -tv` of an archive: (mode string, owner/group, name, link target) per entry.
fn entries(archive: &Path) -> Vec<(String, String, String, Option<String>)> {
    let out = Command::new("tar")
        .args(["--list", "--verbose", "--numeric-owner", "--gzip", "--file"])
        .arg(archive)
        .output()
        .expect("tar runs");
    check("tar --list", out)
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // mode owner size date time name [-> target]; our names have no spaces.
            assert!(fields.len() == 6 || fields.len() == 8, "entry {line:?}");
            let target = (fields.len() == 8).then(|| {
                assert_eq!(fields[6], "->", "entry {line:?}");
                fields[7].to_owned()
            });
            (
                fields[0].to_owned(),
                fields[1].to_owned(),
                fields[5].to_owned(),
                target,
            )
        })
        .collect()
}

fn run(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    check(&program.display().to_string(), out)
}

#[test]
#[ignore = "builds every tested platform's release binaries (minutes): tests/run.sh runs it"]
fn release_archives_for_every_tested_platform() {
    let triples = tested_triples();
    assert!(!triples.is_empty(), "no tested triples");
    let version = env!("CARGO_PKG_VERSION");
    let first = Tree::new("release-first");
    release(first.path(), "022");

    let names: Vec<String> = triples
        .iter()
        .map(|t| format!("fromscratch-{version}-{t}.tar.gz"))
        .collect();
    let mut listed: Vec<String> = std::fs::read_dir(first.path())
        .expect("OUTDIR exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    listed.sort();
    let mut expected: Vec<String> = names.iter().cloned().chain(["SHA256SUMS".into()]).collect();
    expected.sort();
    assert_eq!(
        listed, expected,
        "one archive per tested triple and SHA256SUMS"
    );

    // sha256sum's format, one line per archive, the file name alone.
    let sums = std::fs::read_to_string(first.at("SHA256SUMS")).unwrap();
    let mut summed: Vec<&str> = Vec::new();
    for line in sums.lines() {
        let (hash, name) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("not a sha256sum line: {line:?}"));
        assert_eq!(hash, sha256(&first.at(name)), "SHA256SUMS for {name}");
        summed.push(name);
    }
    summed.sort();
    let mut archives: Vec<&str> = names.iter().map(String::as_str).collect();
    archives.sort();
    assert_eq!(summed, archives, "SHA256SUMS lists every archive once");

    for (triple, archive) in triples.iter().zip(&names) {
        let folder = format!("fromscratch-{version}-{triple}");
        let path = first.at(archive);

        let mut want: Vec<(&str, String, Option<String>)> = vec![("drwxr-xr-x", "".into(), None)];
        want.extend(PROGRAMS.map(|p| ("-rwxr-xr-x", p.into(), None)));
        want.extend(LINKS.map(|l| ("lrwxrwxrwx", l.into(), Some("cowserve".into()))));
        want.extend(DOCS.map(|d| ("-rw-r--r--", d.into(), None)));
        let mut want: Vec<(String, String, String, Option<String>)> = want
            .into_iter()
            .map(|(mode, name, target)| {
                let name = if name.is_empty() {
                    format!("{folder}/")
                } else {
                    format!("{folder}/{name}")
                };
                (mode.into(), "0/0".into(), name, target)
            })
            .collect();
        want.sort_by(|a, b| a.2.cmp(&b.2));
        assert_eq!(entries(&path), want, "{archive}: entries, in name order");

        let unpacked = Tree::new("release-unpacked");
        let out = Command::new("tar")
            .args(["--extract", "--gzip", "--file"])
            .arg(&path)
            .arg("--directory")
            .arg(unpacked.path())
            .output()
            .expect("tar runs");
        check("tar --extract", out);
        let dir = unpacked.at(&folder);
        let machine = Machine::of_triple(triple).expect("a machine we know");
        for program in PROGRAMS {
            let bytes = std::fs::read(dir.join(program)).unwrap();
            assert_eq!(
                static_executable(&bytes),
                Ok(machine),
                "{archive}: {program}"
            );
        }
        for doc in DOCS {
            assert!(
                std::fs::read(dir.join(doc)).unwrap()
                    == std::fs::read(workspace_root().join(doc)).unwrap(),
                "{archive}: {doc} is the repository's"
            );
        }
        // cowserve takes its command from the name it runs by (aarch64's through qemu-user,
        // whose binfmt handler keeps argv[0]).
        for link in LINKS {
            assert_eq!(
                std::fs::read_link(dir.join(link)).unwrap(),
                Path::new("cowserve")
            );
        }
        assert!(run(&dir.join("cowsay"), &["Moo"]).contains("< Moo >"));
        assert!(run(&dir.join("cowthink"), &["Hmm"]).contains("( Hmm )"));
        assert!(!run(&dir.join("fortune"), &[]).trim().is_empty());
    }

    // Built again from the same commit, under another umask: the same bytes.
    let second = Tree::new("release-second");
    release(second.path(), "077");
    for name in names.iter().map(String::as_str).chain(["SHA256SUMS"]) {
        assert!(
            std::fs::read(first.at(name)).unwrap() == std::fs::read(second.at(name)).unwrap(),
            "{name} differs between two runs"
        );
    }
}
