//! Escaping text into HTML and JSON bodies, for every server's pages.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `html.escape(text, quote=False)`: what python does to text in its pages
/// (quotes are safe outside attributes).
pub fn escape_html(text: &str) -> Cow<'_, str> {
    match escape_html_bytes(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        // Only ASCII bytes were replaced, with ASCII: still UTF-8.
        Cow::Owned(out) => Cow::Owned(String::from_utf8(out).expect("still UTF-8")),
    }
}

/// [`escape_html`] on bytes that need not be UTF-8 (file names): `&`, `<` and `>` replaced,
/// every other byte kept, as python writes a name it decoded with `surrogateescape`.
pub fn escape_html_bytes(text: &[u8]) -> Cow<'_, [u8]> {
    if !text.iter().any(|b| matches!(b, b'&' | b'<' | b'>')) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len() + 16);
    for &b in text {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            _ => out.push(b),
        }
    }
    Cow::Owned(out)
}

/// Appends `s` as a JSON string literal. `<`, `>` and `&` are written as `\u003c`, `\u003e`,
/// `\u0026` (the same JSON string), so the output stays inert even if pasted into an HTML page.
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}' | '\u{7f}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html() {
        assert_eq!(
            escape_html("a < b && c > d \"q\""),
            "a &lt; b &amp;&amp; c &gt; d \"q\""
        );
        assert!(matches!(escape_html("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_html("<é>"), "&lt;é&gt;");
        assert_eq!(escape_html_bytes(b"a\xff<&>"), &b"a\xff&lt;&amp;&gt;"[..]);
        assert!(matches!(escape_html_bytes(b"\xff\"'"), Cow::Borrowed(_)));
    }

    #[test]
    fn json() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\n\u{1}<é>\u{2028}");
        assert_eq!(out, r#""a\"b\\c\n\u0001\u003cé\u003e\u2028""#);
    }
}
