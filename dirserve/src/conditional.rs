//! Validators (`ETag`, `Last-Modified`) and the conditional-request decisions that use them
//! (RFC 9110 section 13): when to answer 304, and when `If-Range` lets a range through.
//!
//! CPython sends no `ETag` and honours only `If-Modified-Since`; we add a strong `ETag` built from
//! the modification time (to the nanosecond) and the size, and honour `If-None-Match` first, as
//! the RFC orders. `If-Modified-Since` is compared at whole seconds with `<=`, as CPython does,
//! and is ignored when `If-None-Match` is present (CPython too) or when it is not a valid HTTP
//! date (CPython also ignores those; it accepts a few more email-style spellings, such as
//! numeric `+0000` zones, which no browser sends).
//!
//! `httpdate` panics on times before 1970 or after 9999, which a hostile or odd filesystem can
//! report (`touch -d 1960-01-01`); we clamp into that range first, so such a file shows a 1970
//! (or 9999) `Last-Modified` instead of crashing the server.

use std::time::{Duration, UNIX_EPOCH};

use crate::meta::{FileMeta, unix_secs_floor};

/// The last second an HTTP date can name (9999-12-31T23:59:59Z).
const MAX_HTTP_DATE_SECS: i64 = 253_402_300_799;

/// What a response says about the version of the file it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// Strong entity tag, quoted: `"<mtime ns, hex>-<size, hex>"`.
    pub etag: String,
    /// `Last-Modified` value, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    pub last_modified: String,
    /// The second `last_modified` names, for comparisons.
    modified_secs: i64,
}

/// Whether the client's cached copy is still good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Answer 304 Not Modified.
    NotModified,
    /// Answer normally.
    Modified,
}

impl Validators {
    /// The validators of a file as `fstat` saw it; `coding` (a precompressed sibling's
    /// `Content-Encoding`) goes into the entity tag, so that no two representations share one.
    pub fn of(meta: &FileMeta, coding: Option<&str>) -> Validators {
        let nanos = match meta.modified.duration_since(UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
            Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
        };
        let modified_secs = unix_secs_floor(meta.modified).clamp(0, MAX_HTTP_DATE_SECS);
        let http_time = UNIX_EPOCH + Duration::from_secs(modified_secs.unsigned_abs());
        // Negative times print as two's complement: odd-looking but unique, which is all an
        // entity tag needs.
        let mut etag = String::with_capacity(52);
        etag.push('"');
        push_hex(&mut etag, nanos as u128);
        etag.push('-');
        push_hex(&mut etag, meta.size.into());
        if let Some(coding) = coding {
            etag.push('-');
            etag.push_str(coding);
        }
        etag.push('"');
        Validators {
            etag,
            last_modified: httpdate::fmt_http_date(http_time),
            modified_secs,
        }
    }
}

/// Appends `n` as `{:x}` would, without the formatting machinery: this runs for every file
/// served.
fn push_hex(out: &mut String, n: u128) {
    let digits = (128 - n.leading_zeros()).div_ceil(4).max(1);
    for digit in (0..digits).rev() {
        out.push(char::from(
            b"0123456789abcdef"[(n >> (4 * digit)) as usize & 0xf],
        ));
    }
}

/// Decides between 304 and a normal answer from the request's `If-None-Match` and
/// `If-Modified-Since` header values (for GET and HEAD; the caller checks the method).
pub fn evaluate(
    if_none_match: Option<&[u8]>,
    if_modified_since: Option<&[u8]>,
    v: &Validators,
) -> Freshness {
    let fresh = match (if_none_match, if_modified_since) {
        (Some(tags), _) => none_match_hits(tags, &v.etag),
        (None, Some(date)) => parse_date(date).is_some_and(|ims| v.modified_secs <= ims),
        (None, None) => false,
    };
    if fresh {
        Freshness::NotModified
    } else {
        Freshness::Modified
    }
}

/// Whether a `Range` may be honoured given the request's `If-Range` value: yes without one;
/// with one, only if it is our entity tag (strong comparison: a weak tag never matches) or
/// exactly our `Last-Modified` date. Otherwise the whole file is sent.
pub fn if_range_allows(if_range: Option<&[u8]>, v: &Validators) -> bool {
    let Some(value) = if_range else {
        return true;
    };
    let value = trim_ows(value);
    if value.starts_with(b"\"") || value.starts_with(b"W/") {
        return value == v.etag.as_bytes();
    }
    parse_date(value) == Some(v.modified_secs)
}

/// `If-None-Match`: `*`, or a list of entity tags compared weakly (`W/"x"` matches `"x"`).
/// A malformed list stops matching where it goes wrong.
fn none_match_hits(header: &[u8], etag: &str) -> bool {
    let header = trim_ows(header);
    if header == b"*" {
        return true;
    }
    let ours = etag.as_bytes();
    let mut rest = header;
    loop {
        rest = trim_start(rest, |b| b == b',' || b == b' ' || b == b'\t');
        if rest.is_empty() {
            return false;
        }
        rest = rest.strip_prefix(b"W/").unwrap_or(rest);
        if rest.first() != Some(&b'"') {
            return false;
        }
        let Some(close) = rest[1..].iter().position(|&b| b == b'"') else {
            return false;
        };
        let (tag, after) = rest.split_at(close + 2);
        if tag == ours {
            return true;
        }
        rest = after;
    }
}

/// An HTTP date (any of the three RFC 9110 forms) as whole seconds since 1970.
fn parse_date(value: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(trim_ows(value)).ok()?;
    let at = httpdate::parse_http_date(text).ok()?;
    Some(unix_secs_floor(at))
}

fn trim_start(s: &[u8], strip: impl Fn(u8) -> bool) -> &[u8] {
    let start = s.iter().position(|&b| !strip(b)).unwrap_or(s.len());
    &s[start..]
}

fn trim_ows(s: &[u8]) -> &[u8] {
    let s = trim_start(s, |b| b == b' ' || b == b'\t');
    let end = s
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::Freshness::{Modified, NotModified};
    use super::*;

    #[test]
    fn a_coded_representation_has_a_tag_of_its_own() {
        let plain = Validators::of(&meta(), None);
        let coded = Validators::of(&meta(), Some("br"));
        assert_eq!(
            coded.etag,
            format!("{}-br\"", plain.etag.trim_end_matches('"'))
        );
        assert_eq!(coded.last_modified, plain.last_modified);
    }

    #[test]
    fn hex_is_what_format_writes() {
        for n in [
            0u128,
            1,
            9,
            10,
            15,
            16,
            255,
            4096,
            u64::MAX.into(),
            u128::MAX,
            -5i128 as u128,
        ] {
            let mut out = String::new();
            push_hex(&mut out, n);
            assert_eq!(out, format!("{n:x}"));
        }
    }

    /// 2015-10-21 07:28:00.123456789 UTC, 1234 bytes.
    fn meta() -> FileMeta {
        FileMeta {
            size: 1234,
            modified: UNIX_EPOCH + Duration::new(1_445_412_480, 123_456_789),
            ino: 1,
            dev: 1,
            is_dir: false,
        }
    }

    const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

    #[test]
    fn validators() {
        let v = Validators::of(&meta(), None);
        assert_eq!(v.last_modified, LAST_MODIFIED);
        assert_eq!(
            v.etag,
            format!("\"{:x}-4d2\"", 1_445_412_480_123_456_789u64)
        );
        // A different nanosecond or size is a different tag.
        let mut m = meta();
        m.modified += Duration::from_nanos(1);
        assert_ne!(Validators::of(&m, None).etag, v.etag);
        m = meta();
        m.size += 1;
        assert_ne!(Validators::of(&m, None).etag, v.etag);
    }

    #[test]
    fn extreme_times_do_not_panic() {
        for modified in [
            UNIX_EPOCH - Duration::from_secs(10 * 365 * 86_400),
            UNIX_EPOCH - Duration::from_nanos(1),
            UNIX_EPOCH + Duration::from_secs(400_000_000_000),
        ] {
            let v = Validators::of(&FileMeta { modified, ..meta() }, None);
            assert!(v.last_modified.ends_with(" GMT"), "{v:?}");
            assert!(v.etag.starts_with('"') && v.etag.ends_with('"'));
        }
        let old = Validators::of(
            &FileMeta {
                modified: UNIX_EPOCH - Duration::from_secs(5),
                ..meta()
            },
            None,
        );
        assert_eq!(old.last_modified, "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn if_none_match() {
        let v = Validators::of(&meta(), None);
        let tag = v.etag.clone();
        let inm = |h: &str| evaluate(Some(h.as_bytes()), None, &v);
        assert_eq!(inm(&tag), NotModified);
        assert_eq!(inm(&format!("W/{tag}")), NotModified);
        assert_eq!(inm(&format!("\"other\", {tag}")), NotModified);
        assert_eq!(inm(&format!("\"a,b\" ,W/\"x\",{tag}")), NotModified);
        assert_eq!(inm(&format!("  {tag}  ")), NotModified);
        assert_eq!(inm("*"), NotModified);
        assert_eq!(inm(" * "), NotModified);
        assert_eq!(inm("\"other\""), Modified);
        assert_eq!(inm(""), Modified);
        assert_eq!(
            inm(tag.trim_matches('"')),
            Modified,
            "unquoted is not a tag"
        );
        assert_eq!(inm(&tag[..tag.len() - 1]), Modified, "unterminated");
        assert_eq!(inm(&format!("garbage {tag}")), Modified);
        // If-None-Match wins over a matching If-Modified-Since.
        assert_eq!(
            evaluate(Some(b"\"other\""), Some(LAST_MODIFIED.as_bytes()), &v),
            Modified
        );
    }

    #[test]
    fn if_modified_since_at_whole_seconds_like_python() {
        let v = Validators::of(&meta(), None);
        let ims = |h: &str| evaluate(None, Some(h.as_bytes()), &v);
        // The file's time has 0.123s past the second; python drops it too.
        assert_eq!(ims(LAST_MODIFIED), NotModified);
        assert_eq!(ims("Wed, 21 Oct 2015 07:28:01 GMT"), NotModified);
        assert_eq!(ims("Wed, 21 Oct 2015 07:27:59 GMT"), Modified);
        assert_eq!(ims("Wednesday, 21-Oct-15 07:28:00 GMT"), NotModified);
        assert_eq!(ims("Wed Oct 21 07:28:00 2015"), NotModified);
        assert_eq!(ims(" Wed, 21 Oct 2015 07:28:00 GMT "), NotModified);
        // Ill-formed dates are ignored.
        for bad in [
            "",
            "yesterday",
            "Wed, 21 Oct 2015 07:28:00",
            "\u{ff}",
            "Wed, 32 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(ims(bad), Modified, "{bad}");
        }
        assert_eq!(evaluate(None, Some(b"\xff\xfe"), &v), Modified);
        assert_eq!(evaluate(None, None, &v), Modified);
    }

    #[test]
    fn if_range() {
        let v = Validators::of(&meta(), None);
        assert!(if_range_allows(None, &v));
        assert!(if_range_allows(Some(v.etag.as_bytes()), &v));
        assert!(if_range_allows(
            Some(format!(" {} ", v.etag).as_bytes()),
            &v
        ));
        assert!(!if_range_allows(
            Some(format!("W/{}", v.etag).as_bytes()),
            &v
        ));
        assert!(!if_range_allows(Some(b"\"other\""), &v));
        assert!(if_range_allows(Some(LAST_MODIFIED.as_bytes()), &v));
        assert!(!if_range_allows(Some(b"Wed, 21 Oct 2015 07:28:01 GMT"), &v));
        assert!(!if_range_allows(Some(b"Wed, 21 Oct 2015 07:27:59 GMT"), &v));
        assert!(!if_range_allows(Some(b"nonsense"), &v));
        assert!(!if_range_allows(Some(b""), &v));
    }

    #[test]
    fn random_headers_never_panic() {
        let v = Validators::of(&meta(), None);
        let mut rng = testkit::Rng::new(7);
        let alphabet = b"W/\"*, \t-0123456789abcdefGMTWed:\xff";
        for _ in 0..20_000 {
            let n = rng.below(40);
            let h: Vec<u8> = (0..n).map(|_| *rng.pick(alphabet)).collect();
            let _ = evaluate(Some(&h), None, &v);
            let _ = evaluate(None, Some(&h), &v);
            let _ = if_range_allows(Some(&h), &v);
        }
    }
}
