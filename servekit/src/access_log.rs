//! Access log lines as python's http.server writes them to stderr:
//! `127.0.0.1 - - [25/Nov/2026 20:20:38] "GET / HTTP/1.1" 200 -`.

use crate::utc::Utc;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::time::SystemTime;

/// Logs one answered request, as python's `log_request`; for errors python first logs
/// `code 404, message File not found`, and so do we.
pub fn log_request(client: IpAddr, request_line: &str, status: u16, error: Option<&str>) {
    let stamp = timestamp(SystemTime::now());
    let mut line = String::with_capacity(128);
    if let Some(message) = error {
        let _ = write!(line, "{client} - - [{stamp}] code {status}, message ");
        escape_control_into(&mut line, message, false);
        line.push('\n');
    }
    let _ = write!(line, "{client} - - [{stamp}] \"");
    escape_control_into(&mut line, request_line, true);
    let _ = writeln!(line, "\" {status} -");
    // One write per request: stderr is unbuffered, and lines from two workers never interleave.
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// A line for the operator beside the access log, about the server rather than one request
/// (a file it may not read, say): control characters escaped as in request lines, since it may
/// quote a file name, and written in one piece.
pub fn log_note(note: &str) {
    let mut line = String::with_capacity(note.len() + 1);
    escape_control_into(&mut line, note, false);
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Python's `log_date_time_string`, `25/Nov/2026 20:20:38`, in UTC: a scratch image has no time
/// zone data, and python in a container runs in UTC too.
pub fn timestamp(now: SystemTime) -> String {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t = Utc::from_unix(i64::try_from(secs).unwrap_or(i64::MAX));
    format!(
        "{:02}/{}/{:04} {:02}:{:02}:{:02}",
        t.day,
        t.month_abbrev(),
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

/// Python 3.11 escapes C0 and C1 control characters in log messages as `\xNN` (and `\` as
/// `\\`), so a request line cannot forge log lines or move a terminal's cursor. Same here, and
/// with `quotes` `"` too, as nginx does: the request line sits between quotes, where log
/// parsers split.
fn escape_control_into(out: &mut String, text: &str, quotes: bool) {
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if c < ' ' || (quotes && c == '"') || ('\u{7f}'..='\u{9f}').contains(&c) {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_match_python() {
        let at = |secs| timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        // python3 -c 'import time; print(time.strftime("%d/%b/%Y %H:%M:%S", time.gmtime(N)))'
        assert_eq!(at(0), "01/Jan/1970 00:00:00");
        assert_eq!(at(1_795_638_038), "25/Nov/2026 20:20:38");
        assert_eq!(at(951_782_400), "29/Feb/2000 00:00:00");
        assert_eq!(at(4_133_980_799), "31/Dec/2100 23:59:59");
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut out = String::new();
        escape_control_into(&mut out, "GET /\x1b[2J\n\u{85}é\\\" HTTP/1.1", false);
        assert_eq!(out, "GET /\\x1b[2J\\x0a\\x85é\\\\\" HTTP/1.1");
        out.clear();
        escape_control_into(&mut out, "GET /a\"b HTTP/1.1", true);
        assert_eq!(out, "GET /a\\x22b HTTP/1.1");
    }
}
