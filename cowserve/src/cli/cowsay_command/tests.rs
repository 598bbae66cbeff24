use super::*;

fn args(a: &[&str]) -> Vec<OsString> {
    a.iter().map(OsString::from).collect()
}

/// Runs the command with `stdin` and returns (code, stdout, stderr).
fn run_with(program: &str, a: &[&str], stdin: &str) -> (u8, String, String) {
    run_in("/nonexistent-cowpath".as_ref(), program, a, stdin)
}

/// [`run_with`], with `COWPATH` set to `cowpath`.
fn run_in(
    cowpath: &std::ffi::OsStr,
    program: &str,
    a: &[&str],
    stdin: &str,
) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = stdin.as_bytes();
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut out,
        stderr: &mut err,
        cowpath: Some(cowpath.to_owned()),
    };
    let code = run(program, &args(a), &mut io).unwrap();
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn message_from_args_or_stdin() {
    let (code, out, _) = run_with("cowsay", &["hello", "world"], "");
    assert_eq!(code, 0);
    assert!(out.starts_with(" _____________\n< hello world >\n"));
    let (_, from_stdin, _) = run_with("cowsay", &[], "hello world\n");
    assert_eq!(out, from_stdin);
}

#[test]
fn bundled_options() {
    let (_, out, _) = run_with("cowthink", &["-tW", "6", "--", "-x", "yzw"], "");
    assert!(
        out.starts_with(" _____\n( -x  )\n( yzw )\n -----\n        o   ^__^\n         o  (--)"),
        "{out}"
    );
    let (_, out, _) = run_with("cowsay", &["-bd", "-W20", "x"], "");
    assert!(out.contains("(xx)"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    for bad in [
        &["-z", "x"][..],
        &["-W"],
        &["-W", "abc", "x"],
        &["-n", "x"],
        &["--bogus"],
    ] {
        let (code, out, err) = run_with("cowsay", bad, "");
        assert_eq!(code, 2, "{bad:?}");
        assert!(
            out.is_empty() && err.contains("Usage: cowsay"),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn unknown_cow_exits_1_with_cowsays_message() {
    let (code, _, err) = run_with("cowsay", &["-f", "nosuch", "x"], "");
    assert_eq!(
        (code, err.as_str()),
        (1, "cowsay: Could not find nosuch cowfile!\n")
    );
    let (code, _, err) = run_with("cowsay", &["-f", "/no/such.cow", "x"], "");
    assert_eq!(code, 1);
    assert!(err.contains("/no/such.cow"), "{err}");
}

#[test]
fn help_version_and_list() {
    let (code, out, _) = run_with("cowsay", &["-h"], "");
    assert_eq!(code, 0);
    assert!(out.contains("Usage: cowsay"));
    let (code, out, _) = run_with("cowsay", &["--version"], "");
    assert_eq!((code, out.starts_with("cowserve ")), (0, true));
    let (code, _, err) = run_with("cowsay", &["-l"], "");
    assert_eq!(code, 1, "a COWPATH dir that does not exist is an error");
    assert!(err.contains("/nonexistent-cowpath"));
}

#[test]
fn width_parsing() {
    assert_eq!(parse_width("20"), Ok(20));
    assert_eq!(parse_width("0"), Ok(2));
    assert_eq!(parse_width("-3"), Ok(2));
    assert!(parse_width("12abc").is_err());
}

/// `-r` (cowsay 3.8): each run a cow of the catalog (a `COWPATH` one too), never one that does
/// not parse, so never an error; 200 runs see them all.
#[test]
fn random_cow_from_the_whole_catalog() {
    let tree = testkit::Tree::new("cowsay-r");
    tree.file(
        "mine.cow",
        "$the_cow = <<EOC;\n  $thoughts mine $eyes\nEOC\n",
    )
    .file("broken.cow", "$the_cow = <<EOC;\nno end\n");
    let cowpath = tree.path().as_os_str();
    let mut cows = CowCatalog::builtin_names();
    cows.push("mine".into());
    let drawn_by_name: Vec<String> = cows
        .iter()
        .map(|cow| run_in(cowpath, "cowthink", &["-f", cow, "moo"], "").1)
        .collect();
    let mut seen = vec![0; cows.len()];
    for _ in 0..200 {
        let (code, out, err) = run_in(cowpath, "cowthink", &["-r", "moo"], "");
        assert_eq!((code, err.as_str()), (0, ""));
        let Some(cow) = drawn_by_name.iter().position(|drawn| *drawn == out) else {
            panic!("not a catalog cow:\n{out}");
        };
        seen[cow] += 1;
    }
    assert!(seen.iter().all(|&n| n > 0), "{cows:?}: {seen:?}");
}

/// As in cowsay 3.8.4, `-r` wins over `-f`: the `-f` cow is not even looked up.
#[test]
fn random_wins_over_a_named_cow() {
    let mut outputs = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let (code, out, _) = run_with("cowsay", &["-f", "nosuch", "-r", "moo"], "");
        assert_eq!(code, 0);
        outputs.insert(out);
    }
    assert!(outputs.len() > 1, "always the same cow");
    let Ok(Request::Draw { cow, .. }) = parse("cowsay", &args(&["-rf", "whale", "moo"])) else {
        panic!("a drawing");
    };
    assert_eq!(cow, CowChoice::Random);
    let (_, usage, _) = run_with("cowsay", &["-h"], "");
    assert!(usage.contains("[-r]"), "{usage}");
}
