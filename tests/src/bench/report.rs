//! The report: one Markdown table on stdout and in `results.md`, the same rows as JSON in
//! `results.json` (`{"date", "machine", "results": [{"section", "subject", "metric", "value"}]}`,
//! laid out as python's `json.dumps(indent=1, ensure_ascii=False)`, which bench.sh used).

use super::{Result, Row};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Prints the table and writes `dir/results.md` and `dir/results.json`.
pub fn write(rows: &[Row], dir: &Path) -> Result<()> {
    let table = markdown(rows);
    print!("{table}");
    let json = json(rows, &utc_now(), &machine());
    std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    for (name, text) in [("results.md", table), ("results.json", json)] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// `| section | subject | metric | value |`, its rule, then a line per row.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| section | subject | metric | value |\n|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.section, r.subject, r.metric, r.value
        );
    }
    out
}

/// The JSON document, one-space indented.
pub fn json(rows: &[Row], date: &str, machine: &str) -> String {
    let mut out = format!(
        "{{\n \"date\": {},\n \"machine\": {},\n \"results\": ",
        string(date),
        string(machine)
    );
    if rows.is_empty() {
        out.push_str("[]");
    } else {
        out.push_str("[\n");
        for (i, r) in rows.iter().enumerate() {
            let fields = [
                ("section", &r.section),
                ("subject", &r.subject),
                ("metric", &r.metric),
                ("value", &r.value),
            ];
            out.push_str("  {\n");
            for (j, (key, value)) in fields.iter().enumerate() {
                let comma = if j + 1 < fields.len() { "," } else { "" };
                let _ = writeln!(out, "   \"{key}\": {}{comma}", string(value));
            }
            out.push_str(if i + 1 < rows.len() {
                "  },\n"
            } else {
                "  }\n"
            });
        }
        out.push_str(" ]");
    }
    out.push_str("\n}\n");
    out
}

/// A JSON string, escaped as the servers escape theirs (`servekit::escape`).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    servekit::escape::push_json_string(&mut out, s);
    out
}

/// Now, in UTC to the second: `2026-11-26T00:46:05Z`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso8601(secs)
}

/// `secs` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the proleptic Gregorian calendar).
pub fn iso8601(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// `2 cores, x86_64, Linux 6.1.0-18-amd64`: the online CPUs and `uname`'s machine and release.
pub fn machine() -> String {
    // SAFETY: sysconf only reads a configuration value.
    let cores = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    // SAFETY: a plain C struct, for which all zeroes is a valid value.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname fills the struct it is given, with NUL-terminated fields.
    let filled = unsafe { libc::uname(&mut name) } == 0;
    let (arch, release) = if filled {
        (field(&name.machine), field(&name.release))
    } else {
        (std::env::consts::ARCH.to_owned(), "?".to_owned())
    };
    format!("{cores} cores, {arch}, Linux {release}")
}

/// A NUL-terminated `utsname` field.
fn field(chars: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(section: &str, value: &str) -> Row {
        Row {
            section: section.into(),
            subject: "dirserve".into(),
            metric: "median / min / max µs (10 runs)".into(),
            value: value.into(),
        }
    }

    #[test]
    fn the_json_is_laid_out_as_python_dumps_it() {
        let rows = [row("startup", "1 / 2 / 3"), row("size", "4")];
        let expected = r#"{
 "date": "2026-11-26T00:46:05Z",
 "machine": "2 cores, x86_64, Linux 6.1",
 "results": [
  {
   "section": "startup",
   "subject": "dirserve",
   "metric": "median / min / max µs (10 runs)",
   "value": "1 / 2 / 3"
  },
  {
   "section": "size",
   "subject": "dirserve",
   "metric": "median / min / max µs (10 runs)",
   "value": "4"
  }
 ]
}
"#;
        let got = json(&rows, "2026-11-26T00:46:05Z", "2 cores, x86_64, Linux 6.1");
        assert_eq!(got, expected);
        assert!(json(&[], "d", "m").contains("\"results\": []\n}"));
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(string("x\ny\t\u{1}µ"), r#""x\ny\t\u0001µ""#);
    }

    #[test]
    fn the_table_has_a_line_per_row() {
        let table = markdown(&[row("size", "4")]);
        assert_eq!(
            table,
            "| section | subject | metric | value |\n|---|---|---|---|\n\
             | size | dirserve | median / min / max µs (10 runs) | 4 |\n"
        );
    }

    #[test]
    fn dates_are_utc_iso_8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_654_765), "2026-11-26T00:59:25Z");
    }
}
