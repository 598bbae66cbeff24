//! Finding bytes in bytes: header values and pages need not be UTF-8, so `str::find` will not do.

/// Where `needle` first occurs in `haystack` (at 0 for an empty needle).
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn finds_the_first() {
        assert_eq!(
            find(b"text/html, application/json", b"application/json"),
            Some(11)
        );
        assert_eq!(find(b"abab", b"ab"), Some(0));
        assert_eq!(find(b"a\xffb", b"\xffb"), Some(1));
        assert_eq!(find(b"ab", b"abc"), None);
        assert_eq!(find(b"", b""), Some(0));
        assert_eq!(find(b"", b"a"), None);
    }
}
