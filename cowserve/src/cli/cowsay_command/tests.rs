use super::*;

fn args(a: &[&str]) -> Vec<OsString> {
    a.iter().map(OsString::from).collect()
}

/// Runs the command with `stdin` and returns (code, stdout, stderr).
fn run_with(program: &str, a: &[&str], stdin: &str) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = stdin.as_bytes();
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut out,
        stderr: &mut err,
        cowpath: Some("/nonexistent-cowpath".into()),
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
