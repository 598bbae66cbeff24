//! The `Range` request header (RFC 9110 section 14.2), reduced to what a static server needs:
//! one byte range, or the whole file.
//!
//! Decisions:
//! - Anything we do not understand (another unit, bad syntax, `last < first`) means "ignore the
//!   header and send everything" ([`RangeAnswer::Full`]), as the RFC tells a server to.
//! - Several ranges (`bytes=0-1,5-6`) also get the full file: the RFC allows ignoring `Range`,
//!   and `multipart/byteranges` is complex, rarely used and a known amplification trick.
//!   Empty list elements are skipped, as the RFC's list rule asks (`bytes=, 0-1,` is one range).
//! - Numbers too big for 64 bits saturate: a huge start is past the end (416), a huge end is
//!   clamped to the last byte.
//! - An empty file: `bytes=0-` and friends are unsatisfiable (416); a non-zero suffix
//!   (`bytes=-5`) asks for "the last 5 bytes" of nothing, which we answer with the (empty) full
//!   file rather than a `Content-Range` that cannot be written.
//! - The unit is case-insensitive (`Bytes=`) and spaces or tabs around the header value and
//!   around list elements are allowed; none inside a range (`0 - 5` is not one).

/// What to send in answer to a `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// 200 with the whole file: no usable range was asked for.
    Full,
    /// 206 with bytes `start..=end_inclusive` (both within the file).
    Partial { start: u64, end_inclusive: u64 },
    /// 416: the one range asked for lies outside the file.
    Unsatisfiable,
}

/// Decides what to send for `Range: header` on a file of `len` bytes.
pub fn parse_range(header: &[u8], len: u64) -> RangeAnswer {
    let header = trim_ows(header);
    let Some(eq) = header.iter().position(|&b| b == b'=') else {
        return RangeAnswer::Full;
    };
    let (unit, set) = (&header[..eq], &header[eq + 1..]);
    if !unit.eq_ignore_ascii_case(b"bytes") {
        return RangeAnswer::Full;
    }
    let mut specs = set
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|s| !s.is_empty());
    let (Some(spec), None) = (specs.next(), specs.next()) else {
        return RangeAnswer::Full;
    };
    let Some(dash) = spec.iter().position(|&b| b == b'-') else {
        return RangeAnswer::Full;
    };
    let (first, last) = (&spec[..dash], &spec[dash + 1..]);
    match (parse_digits(first), parse_digits(last)) {
        // bytes=-N: the last N bytes.
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 {
                RangeAnswer::Unsatisfiable
            } else if len == 0 {
                RangeAnswer::Full
            } else {
                RangeAnswer::Partial {
                    start: len.saturating_sub(suffix),
                    end_inclusive: len - 1,
                }
            }
        }
        // bytes=A- and bytes=A-B.
        (Some(start), end) if last.is_empty() || end.is_some() => {
            let end = end.unwrap_or(u64::MAX);
            if end < start {
                RangeAnswer::Full
            } else if start >= len {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial {
                    start,
                    end_inclusive: end.min(len - 1),
                }
            }
        }
        _ => RangeAnswer::Full,
    }
}

/// `1*DIGIT` as a number, saturating at `u64::MAX`; `None` if empty or not all digits.
fn parse_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Strips optional whitespace (space, tab) from both ends.
fn trim_ows(s: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !is_ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !is_ows(b)).map_or(start, |i| i + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::RangeAnswer::{Full, Partial, Unsatisfiable};
    use super::*;

    fn p(start: u64, end_inclusive: u64) -> RangeAnswer {
        Partial {
            start,
            end_inclusive,
        }
    }

    #[test]
    fn table() {
        let cases: &[(&str, u64, RangeAnswer)] = &[
            ("bytes=0-9", 100, p(0, 9)),
            ("bytes=0-0", 100, p(0, 0)),
            ("bytes=10-", 100, p(10, 99)),
            ("bytes=99-", 100, p(99, 99)),
            ("bytes=100-", 100, Unsatisfiable),
            ("bytes=100-200", 100, Unsatisfiable),
            ("bytes=50-500", 100, p(50, 99)),
            ("bytes=-10", 100, p(90, 99)),
            ("bytes=-100", 100, p(0, 99)),
            ("bytes=-1000", 100, p(0, 99)),
            ("bytes=-0", 100, Unsatisfiable),
            ("bytes=-0", 0, Unsatisfiable),
            ("bytes=0-", 0, Unsatisfiable),
            ("bytes=0-0", 0, Unsatisfiable),
            ("bytes=-5", 0, Full),
            ("bytes=0-99999999999999999999999", 100, p(0, 99)),
            ("bytes=99999999999999999999999-", 100, Unsatisfiable),
            ("bytes=-99999999999999999999999", 100, p(0, 99)),
            (
                "bytes=18446744073709551615-18446744073709551615",
                100,
                Unsatisfiable,
            ),
            ("bytes=0-18446744073709551615", u64::MAX, p(0, u64::MAX - 1)),
            ("bytes=007-009", 100, p(7, 9)),
            // Whitespace and case.
            ("  bytes=1-2\t", 100, p(1, 2)),
            ("Bytes=1-2", 100, p(1, 2)),
            ("BYTES=1-2", 100, p(1, 2)),
            ("bytes= 1-2 ", 100, p(1, 2)),
            ("bytes=, 1-2 ,", 100, p(1, 2)),
            ("bytes=1 - 2", 100, Full),
            ("bytes =1-2", 100, Full),
            // Ignored: malformed, other units, several ranges.
            ("bytes=9-1", 100, Full),
            ("bytes=", 100, Full),
            ("bytes=,", 100, Full),
            ("bytes=-", 100, Full),
            ("bytes=a-b", 100, Full),
            ("bytes=1-2x", 100, Full),
            ("bytes=+1-2", 100, Full),
            ("bytes=-+5", 100, Full),
            ("bytes=1--2", 100, Full),
            ("bytes=0x10-", 100, Full),
            ("bytes=1", 100, Full),
            ("bytes 1-2", 100, Full),
            ("items=1-2", 100, Full),
            ("", 100, Full),
            ("=", 100, Full),
            ("bytes=0-1,5-6", 100, Full),
            ("bytes=0-1, 0-1", 100, Full),
            ("bytes=200-300,0-1", 100, Full),
            ("bytes=\u{663}-5", 100, Full),
        ];
        for &(header, len, want) in cases {
            assert_eq!(
                parse_range(header.as_bytes(), len),
                want,
                "{header:?} len {len}"
            );
        }
    }

    #[test]
    fn never_panics_and_always_in_bounds() {
        let mut rng = testkit::Rng::new(42);
        let alphabet = b"bytes=-0123456789, \t9";
        for _ in 0..20_000 {
            let n = rng.below(24);
            let header: Vec<u8> = (0..n).map(|_| *rng.pick(alphabet)).collect();
            let len = [0, 1, 2, 10, 1000, u64::MAX][rng.below(6)];
            if let Partial {
                start,
                end_inclusive,
            } = parse_range(&header, len)
            {
                assert!(
                    start <= end_inclusive && end_inclusive < len,
                    "{header:?} {len}"
                );
            }
        }
    }
}
