//! Turning the path of a request target into a relative filesystem path, with no filesystem
//! access at all (so it can be fuzzed on its own).
//!
//! Rules, each chosen to leave nothing for a traversal to hide in:
//! - The path is percent-decoded exactly once: `%252e%252e` becomes the literal name `%2e%2e`,
//!   never `..`. An escape that is not `%` + two hex digits (`%zz`, a trailing `%4`) stays as
//!   written, as CPython's `urllib.parse.unquote` leaves it.
//! - Only `/` separates segments. A backslash is an ordinary filename byte on Linux, so `..\x`
//!   is one (odd) name and cannot climb anywhere.
//! - Empty and `.` segments are dropped; a `..` segment, in any encoding, is refused outright
//!   (CPython first folds `a/../b` into `b`; we answer 400 instead: no client needs it, and a
//!   resolver that never meets `..` has nothing to get wrong).
//! - A NUL byte, raw or `%00`, is refused: no filename can contain one.
//! - Everything after a raw `#` is dropped, as CPython does (clients never send a fragment, and
//!   hyper already strips it); `%23` is the literal character `#` in a name.

use super::ResolveError;

/// Longest relative path we hand to the kernel: Linux's `PATH_MAX`, counting the NUL. A longer
/// path cannot name a file, so it is "not found" without a syscall.
pub const MAX_PATH_BYTES: usize = 4095;

/// Longest single name Linux filesystems allow (`NAME_MAX`).
pub const MAX_NAME_BYTES: usize = 255;

/// A request path after decoding: where to look, relative to the served root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPath {
    /// Decoded segments joined by `/`, no leading or trailing slash; empty for the root itself.
    pub rel: Vec<u8>,
    /// Whether the path ended with `/` as the client wrote it (before decoding). The handler
    /// redirects a directory asked for without it and refuses a file asked for with it, as
    /// CPython does. It is the raw form that counts because a browser resolves relative links
    /// against the raw URL: `/dir%2F` is not a directory URL to it.
    pub trailing_slash: bool,
}

/// Decodes and checks a request path (query already removed). Never touches the filesystem.
pub fn decode_request_path(raw: &str) -> Result<RequestPath, ResolveError> {
    let raw = raw.split('#').next().unwrap_or_default();
    if !raw.starts_with('/') {
        return Err(ResolveError::BadRequest("path must start with '/'"));
    }
    let trailing_slash = raw.ends_with('/');
    let decoded: Vec<u8> = percent_encoding::percent_decode(raw.as_bytes()).collect();
    if decoded.contains(&0) {
        return Err(ResolveError::BadRequest("path contains a NUL byte"));
    }
    let mut rel = Vec::with_capacity(decoded.len());
    for segment in decoded.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => continue,
            b".." => return Err(ResolveError::BadRequest("path contains '..'")),
            _ => {}
        }
        if segment.len() > MAX_NAME_BYTES {
            return Err(ResolveError::NotFound("a name in the path is too long"));
        }
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(segment);
    }
    if rel.len() > MAX_PATH_BYTES {
        return Err(ResolveError::NotFound("path is too long"));
    }
    Ok(RequestPath {
        rel,
        trailing_slash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(raw: &str) -> Result<Vec<u8>, ResolveError> {
        decode_request_path(raw).map(|p| p.rel)
    }

    #[test]
    fn plain_paths() {
        assert_eq!(rel("/").unwrap(), b"");
        assert_eq!(rel("/a/b.txt").unwrap(), b"a/b.txt");
        assert_eq!(rel("//a///b//").unwrap(), b"a/b");
        assert_eq!(rel("/./a/./b/.").unwrap(), b"a/b");
        assert_eq!(rel("/a%20b").unwrap(), b"a b");
        assert_eq!(rel("/%E2%82%AC").unwrap(), "€".as_bytes());
        assert_eq!(rel("/%80%ff").unwrap(), b"\x80\xff");
    }

    #[test]
    fn decodes_exactly_once() {
        assert_eq!(rel("/%252e%252e").unwrap(), b"%2e%2e");
        assert_eq!(rel("/%252e%252e/x").unwrap(), b"%2e%2e/x");
        assert_eq!(rel("/%2525").unwrap(), b"%25");
    }

    #[test]
    fn invalid_escapes_stay_literal_as_in_python() {
        assert_eq!(rel("/%zz").unwrap(), b"%zz");
        assert_eq!(rel("/a%").unwrap(), b"a%");
        assert_eq!(rel("/a%4").unwrap(), b"a%4");
        assert_eq!(rel("/a%4g").unwrap(), b"a%4g");
        assert_eq!(rel("/%%41").unwrap(), b"%A");
        assert_eq!(rel("/%aF").unwrap(), b"\xaf");
    }

    #[test]
    fn dot_dot_in_every_spelling_is_refused() {
        for raw in [
            "/..",
            "/../",
            "/a/..",
            "/a/../b",
            "/%2e%2e",
            "/%2E%2e",
            "/.%2e",
            "/%2e.",
            "/..%2f",
            "/%2f..%2f",
            "/a%2f..%2fb",
            "/./../",
            "/a/./../../etc/passwd",
        ] {
            assert_eq!(
                rel(raw),
                Err(ResolveError::BadRequest("path contains '..'")),
                "{raw}"
            );
        }
    }

    #[test]
    fn backslash_and_lookalikes_are_plain_names() {
        assert_eq!(rel("/..%5c").unwrap(), b"..\\");
        assert_eq!(rel("/%5c..%5c").unwrap(), b"\\..\\");
        assert_eq!(rel("/..\\etc").unwrap(), b"..\\etc");
        assert_eq!(rel("/...").unwrap(), b"...");
        assert_eq!(rel("/.. ").unwrap(), b".. ");
        // Overlong UTF-8 for '.', which a lax decoder would turn into "..": bytes, not dots.
        assert_eq!(rel("/%c0%ae%c0%ae").unwrap(), b"\xc0\xae\xc0\xae");
    }

    #[test]
    fn absolute_looking_paths_stay_relative() {
        assert_eq!(rel("//etc/passwd").unwrap(), b"etc/passwd");
        assert_eq!(rel("/%2fetc%2fpasswd").unwrap(), b"etc/passwd");
        assert_eq!(rel("/C:/x").unwrap(), b"C:/x");
    }

    #[test]
    fn nul_is_refused() {
        for raw in ["/a%00", "/%00", "/a\0b", "/x%00.html"] {
            assert_eq!(
                rel(raw),
                Err(ResolveError::BadRequest("path contains a NUL byte"))
            );
        }
    }

    #[test]
    fn must_start_with_slash() {
        for raw in ["", "a", "*", "http://x/", "%2fa"] {
            assert!(
                matches!(rel(raw), Err(ResolveError::BadRequest(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn fragment_is_dropped_but_encoded_hash_is_a_name() {
        assert_eq!(rel("/a#b").unwrap(), b"a");
        assert_eq!(rel("/a%23b").unwrap(), b"a#b");
        assert!(!decode_request_path("/d#/").unwrap().trailing_slash);
    }

    #[test]
    fn trailing_slash_is_the_raw_one() {
        assert!(decode_request_path("/").unwrap().trailing_slash);
        assert!(decode_request_path("/d/").unwrap().trailing_slash);
        assert!(decode_request_path("/d//").unwrap().trailing_slash);
        assert!(!decode_request_path("/d").unwrap().trailing_slash);
        assert!(!decode_request_path("/d%2f").unwrap().trailing_slash);
        assert!(decode_request_path("/d/.").is_ok_and(|p| !p.trailing_slash));
    }

    #[test]
    fn long_paths_are_not_found() {
        let long_name = format!("/{}", "a".repeat(MAX_NAME_BYTES + 1));
        assert!(matches!(rel(&long_name), Err(ResolveError::NotFound(_))));
        assert!(rel(&format!("/{}", "a".repeat(MAX_NAME_BYTES))).is_ok());
        let long_path = "/abcdefgh".repeat(MAX_PATH_BYTES / 8);
        assert!(matches!(rel(&long_path), Err(ResolveError::NotFound(_))));
        // Many empty segments are fine: they vanish.
        assert_eq!(rel(&"/".repeat(100_000)).unwrap(), b"");
    }
}
