//! pyprompt run natively: through pipes, on a terminal, and under signals.

use e2e::binary::binary;
use e2e::process::{self, run, wait_with_peak_rss};
use e2e::pty::{Pty, contains, same_modes};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(20);
const PROMPT: &[u8] = b"Type in your name: \n";

fn greeting(name: &[u8]) -> Vec<u8> {
    [
        PROMPT,
        b"Hello ",
        name,
        b", you've just ran a python script from your own homemade Docker Container!\n",
    ]
    .concat()
}

fn pyprompt() -> Command {
    Command::new(binary("pyprompt"))
}

#[test]
fn piped_dialogue_is_byte_exact() {
    let out = run(&mut pyprompt(), b"Ana\n", DEADLINE);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, greeting(b"Ana"));
    assert_eq!(out.stderr, b"");
}

#[test]
fn line_endings_spaces_and_raw_bytes() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"Ana\r\n", b"Ana"),
        (b"Ana", b"Ana"),
        (b"  Ana Maria \t\n", b"  Ana Maria \t"),
        (b"\n", b""),
        (b"Ana\nBob\n", b"Ana"),
        (b"Jos\xe9 \xff\xfe\n", b"Jos\xe9 \xff\xfe"),
        ("Zoë 名前\n".as_bytes(), "Zoë 名前".as_bytes()),
    ];
    for &(input, name) in cases {
        let out = run(&mut pyprompt(), input, DEADLINE);
        assert!(out.status.success(), "input {input:?}: {out:?}");
        assert_eq!(out.stdout, greeting(name), "input {input:?}");
    }
}

/// No input at all, as `docker run --rm alpine2` (no `-i`) gives it (`/dev/null`) or a pipe
/// closed before a byte: one line on stderr with the docker command that works, and nothing on
/// stdout, not even the prompt.
#[test]
fn closed_stdin_says_how_to_run_it() {
    let devnull = pyprompt().stdin(Stdio::null()).output().expect("runs");
    let mut child = pyprompt()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdin.take());
    let closed = child.wait_with_output().expect("runs");
    for (what, out) in [("/dev/null", devnull), ("a closed pipe", closed)] {
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "",
            "{what}: nothing on stdout"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err:?}");
        assert!(
            err.contains("docker run -it --rm alpine2"),
            "{what}: {err:?}"
        );
        assert!(
            err.contains("| docker run -i --rm alpine2"),
            "{what}: {err:?}"
        );
        assert!(!err.contains("| pyprompt"), "{what}: {err:?}");
    }
}

#[test]
fn one_mebibyte_name() {
    let name: Vec<u8> = (0..1 << 20).map(|i| b'a' + (i % 26) as u8).collect();
    let out = run(&mut pyprompt(), &[&name[..], b"\n"].concat(), DEADLINE);
    assert!(out.status.success());
    assert!(
        out.stdout == greeting(&name),
        "1 MiB name not echoed exactly"
    );
}

/// 256 MiB without a newline: all of it comes back, and memory stays small.
#[test]
fn endless_line_streams_in_bounded_memory() {
    const TOTAL: usize = 256 << 20;
    // Reaped by `wait_with_peak_rss`, which reads the peak RSS as it does.
    #[allow(clippy::zombie_processes)]
    let mut child = pyprompt()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 16];
        for _ in 0..TOTAL / chunk.len() {
            stdin.write_all(&chunk).expect("pyprompt keeps reading");
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut count, mut xs, mut buf) = (0usize, 0usize, vec![0; 1 << 16]);
        loop {
            let n = stdout.read(&mut buf).unwrap();
            if n == 0 {
                return (count, xs);
            }
            count += n;
            xs += buf[..n].iter().filter(|&&b| b == b'x').count();
        }
    });
    writer.join().unwrap();
    let (status, peak_kib) = wait_with_peak_rss(&child);
    let (count, xs) = reader.join().unwrap();
    assert!(status.success());
    assert_eq!(xs, TOTAL, "every byte of the name came back");
    assert_eq!(count, greeting(b"").len() + TOTAL);
    assert!(peak_kib < 4096, "peak RSS {peak_kib} KiB");
}

#[test]
fn help_version_and_bad_flags() {
    let help = run(pyprompt().arg("--help"), b"", DEADLINE);
    assert!(help.status.success());
    let text = help.stdout_str();
    assert!(text.contains("Usage: pyprompt"), "{text}");
    assert!(text.contains("8 KiB"), "the memory bound is stated: {text}");

    let version = run(pyprompt().arg("--version"), b"", DEADLINE);
    assert!(version.status.success());
    assert_eq!(
        version.stdout_str(),
        format!("pyprompt {}\n", env!("CARGO_PKG_VERSION"))
    );

    for bad in ["--bogus", "-x", "Ana"] {
        let out = run(pyprompt().arg(bad), b"Ana\n", DEADLINE);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert_eq!(out.stdout, b"", "{bad}");
        assert!(out.stderr_str().contains("Usage: pyprompt"), "{bad}");
    }
}

/// SIGTERM and SIGINT while waiting for a name end it at once, quietly, with 128 + signal.
#[test]
fn signals_end_it_at_once() {
    for (signal, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGINT, 130),
        (libc::SIGHUP, 129),
    ] {
        let mut child = pyprompt()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut prompt = [0; PROMPT.len()];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut prompt)
            .unwrap();
        assert_eq!(prompt, PROMPT);
        process::send_signal(child.id(), signal);
        let status = process::wait(&mut child, Duration::from_secs(1))
            .unwrap_or_else(|| panic!("signal {signal} did not end it within 1 s"));
        assert_eq!(status.code(), Some(code), "signal {signal}");
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(err, "", "quiet on signal {signal}");
    }
}

/// A person at a terminal: sees the prompt, types a name and Enter, reads the greeting.
#[test]
fn terminal_dialogue() {
    let mut pty = Pty::spawn(pyprompt());
    let before = pty.termios();
    pty.read_until(b"Type in your name: \r\n", DEADLINE);
    pty.type_keys(b"Ana Maria\r");
    let (status, screen) = pty.wait(DEADLINE);
    assert!(status.success(), "{status}");
    let expected = b"Type in your name: \r\nAna Maria\r\nHello Ana Maria, you've just ran a python script from your own homemade Docker Container!\r\n";
    assert_eq!(
        String::from_utf8_lossy(&screen),
        String::from_utf8_lossy(expected)
    );
    let _ = before;
}

/// Ctrl-C at the prompt: exit 130, the shell's next prompt starts on a fresh line, and the
/// terminal keeps its modes.
#[test]
fn terminal_ctrl_c() {
    let mut pty = Pty::spawn(pyprompt());
    let before = pty.termios();
    pty.read_until(PROMPT.strip_suffix(b"\n").unwrap(), DEADLINE);
    pty.type_keys(b"An\x03");
    let after = pty.termios();
    let (status, screen) = pty.wait(DEADLINE);
    assert_eq!(status.code(), Some(130));
    assert!(
        contains(&screen, b"^C\r\n"),
        "{:?}",
        String::from_utf8_lossy(&screen)
    );
    assert!(!contains(&screen, b"Hello"));
    assert!(same_modes(&before, &after), "terminal modes changed");
}

/// Ctrl-D on an empty line is end of input: the friendly message, exit 1.
#[test]
fn terminal_ctrl_d() {
    let mut pty = Pty::spawn(pyprompt());
    pty.read_until(b"name: \r\n", DEADLINE);
    pty.type_keys(b"\x04");
    let (status, screen) = pty.wait(DEADLINE);
    assert_eq!(status.code(), Some(1));
    assert!(contains(&screen, b"docker run -it --rm alpine2"));
}
