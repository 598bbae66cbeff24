//! The directory listing as JSON, for scripts: one object per entry, in listing order.
//!
//! `[{"name": "a.txt", "href": "a.txt", "type": "file", "size": 5, "modified":
//! "2024-05-01T12:00:00Z"}, ...]`, one entry per line. `name` is for people (bytes that are not
//! UTF-8 show as U+FFFD); `href` is the percent-encoded raw name (plus `/` for directories and
//! links to them) and always leads back to the exact entry. Written by hand: the format is tiny
//! and a serializer crate would cost more binary than this whole module.
//!
//! `<`, `>` and `&` are written as `\u003c`, `\u003e`, `\u0026` (still the same JSON string), so
//! the output stays inert even if someone pastes it into an HTML page.

use std::io::Write as _;
use std::time::SystemTime;

use super::href::push_href;
use super::{Entry, Kind};
use crate::meta::unix_secs_floor;
use servekit::escape::push_json_string;
use servekit::utc::Utc;

/// Earliest and latest times RFC 3339 can write (years 0000 and 9999); others are clamped.
const MIN_RFC3339_SECS: i64 = -62_167_219_200;
const MAX_RFC3339_SECS: i64 = 253_402_300_799;

/// Renders `entries` (already sorted) as a JSON array, ending with a newline: [`HEAD`], a
/// [`write_entry`] per entry, [`tail`]. The server makes it in those parts (whole, or as it is
/// sent), so this is for the tests.
#[cfg(test)]
pub fn render_json(entries: &[Entry]) -> Vec<u8> {
    let mut out = HEAD.to_vec();
    for (i, &entry) in entries.iter().enumerate() {
        write_entry(&mut out, i, entry);
    }
    out.extend_from_slice(tail(entries.is_empty()));
    out
}

/// What the array starts with.
pub const HEAD: &[u8] = b"[";

/// What the array ends with: `]` and a newline, on a line of its own after entries.
pub fn tail(empty: bool) -> &'static [u8] {
    if empty { b"]\n" } else { b"\n]\n" }
}

/// The `i`th entry's object, on a line of its own, after a comma if it is not the first. Written
/// straight into `out` (a page made as it is sent makes every entry again for every reader):
/// only the name, which may need escaping, goes through a string of its own.
pub fn write_entry(out: &mut Vec<u8>, i: usize, entry: Entry<'_>) {
    out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
    out.extend_from_slice(b"{\"name\":");
    let mut name = String::with_capacity(entry.name.len() + 2);
    push_json_string(&mut name, &String::from_utf8_lossy(entry.name));
    out.extend_from_slice(name.as_bytes());
    // Percent-encoded ASCII, with nothing JSON or HTML would need escaped.
    out.extend_from_slice(b",\"href\":\"");
    push_href(out, entry);
    let kind = match entry.kind {
        Kind::File => "file",
        Kind::Dir => "directory",
        Kind::Symlink { .. } => "symlink",
        Kind::Other => "other",
    };
    let _ = write!(
        out,
        "\",\"type\":\"{kind}\",\"size\":{},\"modified\":\"",
        entry.size
    );
    push_rfc3339_utc(out, entry.modified);
    out.extend_from_slice(b"\"}");
}

/// `YYYY-MM-DDTHH:MM:SSZ`, whole seconds, UTC.
#[cfg(test)]
fn rfc3339_utc(t: SystemTime) -> String {
    let mut out = Vec::new();
    push_rfc3339_utc(&mut out, t);
    String::from_utf8(out).expect("ASCII")
}

/// `YYYY-MM-DDTHH:MM:SSZ`, whole seconds, UTC, at the end of `out`.
fn push_rfc3339_utc(out: &mut Vec<u8>, t: SystemTime) {
    let secs = unix_secs_floor(t).clamp(MIN_RFC3339_SECS, MAX_RFC3339_SECS);
    let t = Utc::from_unix(secs);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn entry(name: &[u8], kind: Kind, size: u64, secs: u64) -> Entry<'_> {
        Entry {
            name,
            kind,
            size,
            modified: UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    #[test]
    fn shape() {
        let entries = [
            entry(b"a b.txt", Kind::File, 5, 1_714_564_800),
            entry(b"sub", Kind::Dir, 4096, 0),
            entry(b"ln", Kind::Symlink { to_dir: true }, 3, 86_400),
            entry(b"p", Kind::Other, 0, 951_782_400),
        ];
        let json = String::from_utf8(render_json(&entries)).expect("utf-8");
        assert_eq!(
            json,
            "[\n\
             {\"name\":\"a b.txt\",\"href\":\"a%20b.txt\",\"type\":\"file\",\"size\":5,\"modified\":\"2024-05-01T12:00:00Z\"},\n\
             {\"name\":\"sub\",\"href\":\"sub/\",\"type\":\"directory\",\"size\":4096,\"modified\":\"1970-01-01T00:00:00Z\"},\n\
             {\"name\":\"ln\",\"href\":\"ln/\",\"type\":\"symlink\",\"size\":3,\"modified\":\"1970-01-02T00:00:00Z\"},\n\
             {\"name\":\"p\",\"href\":\"p\",\"type\":\"other\",\"size\":0,\"modified\":\"2000-02-29T00:00:00Z\"}\n\
             ]\n"
        );
        assert_eq!(render_json(&[]), b"[]\n");
    }

    #[test]
    fn escaping() {
        let e = entry(
            b"q\"b\\s\n\r\t\x01\x1f\x7f<x>&\xe2\x80\xa8\xff",
            Kind::File,
            0,
            0,
        );
        let json = String::from_utf8(render_json(&[e])).expect("utf-8");
        assert!(
            json.contains(r#""name":"q\"b\\s\n\r\t\u0001\u001f\u007f\u003cx\u003e\u0026\u2028�""#),
            "{json}"
        );
        assert!(json.contains(r#""href":"q%22b%5Cs%0A%0D%09%01%1F%7F%3Cx%3E%26%E2%80%A8%FF""#));
    }

    /// Python's json module must read what we write, and get back the same strings.
    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn python_parses_it() {
        let names: &[&[u8]] = &[
            b"plain",
            b"\"q\"",
            b"\\",
            b"\x00\x01\n",
            b"\xff",
            "\u{1f600}".as_bytes(),
        ];
        let entries: Vec<Entry> = names.iter().map(|n| entry(n, Kind::File, 1, 2)).collect();
        let script = "import sys, json\n\
            for e in json.load(sys.stdin): print(ascii(e['name']), e['href'], e['modified'])\n";
        let mut child = testkit::cpython311()
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run python3");
        use std::io::Write;
        let json = render_json(&entries);
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&json)
            .expect("write");
        let out = child.wait_with_output().expect("python");
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "'plain' plain 1970-01-01T00:00:02Z\n\
             '\"q\"' %22q%22 1970-01-01T00:00:02Z\n\
             '\\\\' %5C 1970-01-01T00:00:02Z\n\
             '\\x00\\x01\\n' %00%01%0A 1970-01-01T00:00:02Z\n\
             '\\ufffd' %FF 1970-01-01T00:00:02Z\n\
             '\\U0001f600' %F0%9F%98%80 1970-01-01T00:00:02Z\n"
        );
    }

    #[test]
    fn dates() {
        let at = |secs: i64| {
            let t = if secs >= 0 {
                UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
            } else {
                UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
            };
            rfc3339_utc(t)
        };
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(at(-1), "1969-12-31T23:59:59Z");
        assert_eq!(at(-86_400 * 365), "1969-01-01T00:00:00Z");
        assert_eq!(at(i64::MIN / 2), "0000-01-01T00:00:00Z");
        assert_eq!(at(i64::MAX / 2), "9999-12-31T23:59:59Z");
        let half = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(rfc3339_utc(half), "1969-12-31T23:59:59Z");
    }
}
