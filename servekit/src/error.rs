//! Every error answer in one place: [`HttpError`] becomes python's error page.
//!
//! Whatever a handler puts in an error, the answer stays small: the reason phrase is cut to
//! [`MAX_REASON_BYTES`] and the explanation to [`MAX_EXPLANATION_BYTES`], here and nowhere else.
//! A status line of kilobytes is refused by proxies and clients alike (nginx answers 502,
//! python's `http.client` raises `LineTooLong` past 64 KiB, curl runs out of memory past
//! 100 KB), so no message, however it was made, may reach one.

use crate::body::Body;
use crate::escape::escape_html;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use std::borrow::Cow;

/// Longest reason phrase sent, in bytes: `HTTP/1.1 400 `, the phrase and CRLF stay under 100.
/// Every message python's `http.server` sends for an ordinary error is shorter, so those go out
/// byte for byte; a longer one (a method of kilobytes echoed back) is cut, with `...`.
pub const MAX_REASON_BYTES: usize = 80;

/// Longest explanation a page shows, in bytes before HTML escaping: room for what a visitor can
/// act on, and with the message and the page around them, at most [`MAX_PAGE_BYTES`].
pub const MAX_EXPLANATION_BYTES: usize = 200;

/// Most bytes an error page can take, whatever its message and explanation (both escaped, each
/// byte at most 5, `&amp;`), dark mode's style included.
pub const MAX_PAGE_BYTES: usize = 2048;

/// Longest part of a client's value that [`quoted`] echoes back.
pub const MAX_QUOTED_BYTES: usize = 40;

/// An error a handler answers with: a status, the message python would give (it shows in the
/// page, the status line and the log), optionally an explanation (python's `explain`: what the
/// page says in place of the status's standard one), a detail for the log alone (a server path,
/// an OS error: nothing a client should learn), and one extra header (`Allow`, `Content-Range`).
#[derive(Debug)]
pub struct HttpError {
    /// The answer's status.
    pub status: StatusCode,
    /// What the client is told, in the page and the status line; logged too. Best short and
    /// fixed: at most [`MAX_REASON_BYTES`] of it are sent.
    pub message: Cow<'static, str>,
    /// What the page says after the code, for a client to act on (what is allowed, where to
    /// look); logged too. At most [`MAX_EXPLANATION_BYTES`] of it are sent.
    pub explanation: Option<Cow<'static, str>>,
    /// For the log alone.
    pub detail: Option<String>,
    /// Boxed: rare, and it would double the size of every `Result` that carries an error.
    pub header: Option<Box<(HeaderName, HeaderValue)>>,
}

impl HttpError {
    /// An error with its status and the message the client sees.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
            explanation: None,
            detail: None,
            header: None,
        }
    }

    /// Adds what the page says in place of the status's standard explanation, as python's
    /// `send_error(code, message, explain)` does: the long part of an error, kept out of the
    /// status line.
    pub fn with_explanation(mut self, explanation: impl Into<Cow<'static, str>>) -> HttpError {
        self.explanation = Some(explanation.into());
        self
    }

    /// Adds what the log says after the message, and the client never sees.
    pub fn with_detail(mut self, detail: impl Into<String>) -> HttpError {
        self.detail = Some(detail.into());
        self
    }

    /// The access log's message: the client's, its explanation, then the detail.
    pub fn log_message(&self) -> String {
        let mut line = self.message.to_string();
        for part in [self.explanation.as_deref(), self.detail.as_deref()]
            .into_iter()
            .flatten()
        {
            line.push_str(": ");
            line.push_str(part);
        }
        line
    }

    /// Python's 404 for a missing path.
    pub fn not_found() -> HttpError {
        HttpError::new(StatusCode::NOT_FOUND, "File not found")
    }

    /// Adds one header to the error response.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> HttpError {
        self.header = Some(Box::new((name, value)));
        self
    }

    /// The response: python's page (`DEFAULT_ERROR_MESSAGE`) with message and explanation
    /// HTML-escaped, `text/html;charset=utf-8`, and the message as the reason phrase; each cut to
    /// its bound ([`MAX_REASON_BYTES`], [`MAX_EXPLANATION_BYTES`]). With `dark_mode`, python
    /// 3.14's page, which follows the system's dark mode: the same but for its style
    /// ([`DARK_MODE_STYLE`]).
    pub fn into_response(self, dark_mode: bool) -> Response<Body> {
        let message = clip(&self.message, MAX_REASON_BYTES);
        let explain = match &self.explanation {
            Some(given) => clip(given, MAX_EXPLANATION_BYTES),
            None => Cow::Borrowed(explanation(self.status)),
        };
        let page = format!(
            "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n{style}        \
             <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        \
             <p>Error code: {code}</p>\n        <p>Message: {message}.</p>\n        \
             <p>Error code explanation: {code} - {explain}.</p>\n    </body>\n</html>\n",
            style = if dark_mode { DARK_MODE_STYLE } else { "" },
            code = self.status.as_u16(),
            message = escape_html(&message),
            explain = escape_html(&explain),
        );
        let mut response = Response::new(Body::from(page.into_bytes()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html;charset=utf-8"),
        );
        if let Some(header) = self.header {
            let (name, value) = *header;
            headers.insert(name, value);
        }
        if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(message.as_bytes()) {
            response.extensions_mut().insert(reason);
        }
        response
    }
}

/// `text` whole if it fits in `max` bytes, else its longest start that does with `...` after
/// it, cut between characters.
fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max - "...".len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}...", &text[..end]))
}

/// A client's value, quoted as `{:?}` writes it, for an explanation that echoes it back: at
/// most its first [`MAX_QUOTED_BYTES`] (cut between characters, `"abc"...`), so a 4 KB value
/// does not push out what the explanation says after it.
pub fn quoted(value: &str) -> String {
    match clip(value, MAX_QUOTED_BYTES) {
        Cow::Borrowed(whole) => format!("{whole:?}"),
        Cow::Owned(cut) => format!("{:?}...", &cut[..cut.len() - "...".len()]),
    }
}

/// What python 3.14's error page adds after the charset: the browser draws it in its own dark
/// colours when the system is in dark mode.
const DARK_MODE_STYLE: &str = "        <style type=\"text/css\">\n            :root {\n                \
color-scheme: light dark;\n            }\n        </style>\n";

/// Python's `HTTPStatus(code).description`, the "explanation" line of its error page.
fn explanation(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request syntax or unsupported method",
        403 => "Request forbidden -- authorization will not help",
        404 => "Nothing matches the given URI",
        405 => "Specified method is invalid for this resource",
        408 => "Request timed out; try again later",
        413 => "Entity is too large",
        414 => "URI is too long",
        416 => "Cannot satisfy request range",
        431 => {
            "The server is unwilling to process the request because its header fields are too large"
        }
        500 => "Server got itself in trouble",
        501 => "Server does not support this operation",
        503 => "The server cannot process the request due to a high load",
        505 => "Cannot fulfill request",
        _ => status.canonical_reason().unwrap_or("???"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(error: HttpError) -> (Response<Body>, String) {
        styled_page(error, false)
    }

    fn styled_page(error: HttpError, dark_mode: bool) -> (Response<Body>, String) {
        let mut response = error.into_response(dark_mode);
        let body = match std::mem::replace(response.body_mut(), Body::Empty) {
            Body::Bytes(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
            _ => unreachable!("error pages are in memory"),
        };
        (response, body)
    }

    /// Byte for byte what CPython 3.11's `send_error(404, "File not found")` sends.
    #[test]
    fn not_found_matches_python() {
        let (response, body) = page(HttpError::not_found());
        assert_eq!(response.status(), 404);
        assert_eq!(
            body,
            "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 404</p>\n        <p>Message: File not found.</p>\n        <p>Error code explanation: 404 - Nothing matches the given URI.</p>\n    </body>\n</html>\n"
        );
        assert_eq!(response.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
        let reason = response
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .unwrap();
        assert_eq!(reason.as_bytes(), b"File not found");
    }

    /// Byte for byte what CPython 3.14's `send_error(404, "File not found")` sends: its
    /// `DEFAULT_ERROR_MESSAGE` has the style, the rest is 3.11's.
    #[test]
    fn dark_mode_page_matches_python_3_14() {
        let (response, body) = styled_page(HttpError::not_found(), true);
        assert_eq!(response.status(), 404);
        assert_eq!(
            body,
            "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <style type=\"text/css\">\n            :root {\n                color-scheme: light dark;\n            }\n        </style>\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 404</p>\n        <p>Message: File not found.</p>\n        <p>Error code explanation: 404 - Nothing matches the given URI.</p>\n    </body>\n</html>\n"
        );
    }

    #[test]
    fn messages_are_escaped() {
        let (_, body) = page(HttpError::new(
            StatusCode::BAD_REQUEST,
            "<script>alert(1)</script> & co",
        ));
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        assert!(!body.contains("<script>"));
    }

    /// The status line hyper writes for `response`: its reason phrase, else the canonical one.
    fn status_line(response: &Response<Body>) -> Vec<u8> {
        let reason = match response.extensions().get::<hyper::ext::ReasonPhrase>() {
            Some(reason) => reason.as_bytes(),
            None => response
                .status()
                .canonical_reason()
                .unwrap_or("")
                .as_bytes(),
        };
        let code = response.status().as_u16();
        [format!("HTTP/1.1 {code} ").as_bytes(), reason, b"\r\n"].concat()
    }

    /// Python's messages for its ordinary errors (and ours), sent whole as the reason phrase.
    #[test]
    fn ordinary_messages_go_out_whole() {
        for message in [
            "File not found",
            "Unsupported method ('POST')",
            "Unsupported method ('PROPFIND')",
            "No permission to list directory",
            "Requested Range Not Satisfiable",
            "An HTTP/1.1 request needs one Host header",
            "path contains '..'",
        ] {
            let (response, body) = page(HttpError::new(StatusCode::BAD_REQUEST, message));
            let line = format!("HTTP/1.1 400 {message}\r\n");
            assert_eq!(status_line(&response), line.as_bytes());
            assert!(
                body.contains(&format!("<p>Message: {message}.</p>")),
                "{body}"
            );
        }
    }

    /// Whatever the message and explanation (kilobytes, multi-byte characters, every byte one to
    /// escape), for every status: a status line under 100 bytes whose phrase is the message's
    /// start, cut between characters, and a page of at most `MAX_PAGE_BYTES`.
    #[test]
    fn no_error_makes_a_long_status_line_or_page() {
        let texts = [
            String::new(),
            "x".repeat(MAX_REASON_BYTES),
            "x".repeat(MAX_REASON_BYTES + 1),
            format!("Unsupported method ('{}')", "M".repeat(16 * 1024)),
            "é".repeat(5000),
            "🐄".repeat(5000),
            format!("a{}", "€".repeat(5000)),
            "&".repeat(10_000),
            "<>".repeat(10_000),
        ];
        for code in 100..=599 {
            let Ok(status) = StatusCode::from_u16(code) else {
                continue;
            };
            for message in &texts {
                for explanation in [None, Some("&".repeat(10_000)), Some("é".repeat(999))] {
                    for dark_mode in [false, true] {
                        let mut error = HttpError::new(status, message.clone());
                        if let Some(explanation) = &explanation {
                            error = error.with_explanation(explanation.clone());
                        }
                        let (response, body) = styled_page(error, dark_mode);
                        let line = status_line(&response);
                        assert!(line.len() < 100, "{code}: {} bytes", line.len());
                        let reason = std::str::from_utf8(&line[13..line.len() - 2]).unwrap();
                        let kept = reason.strip_suffix("...").unwrap_or(reason);
                        assert!(message.starts_with(kept) || reason.is_empty(), "{reason:?}");
                        assert!(body.len() <= MAX_PAGE_BYTES, "{code}: {} bytes", body.len());
                    }
                }
            }
        }
    }

    #[test]
    fn long_messages_are_cut_with_dots() {
        let error = HttpError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("Unsupported method ('{}')", "M".repeat(100)),
        );
        let (response, body) = page(error);
        let reason = format!("Unsupported method ('{}...", "M".repeat(56));
        assert_eq!(reason.len(), MAX_REASON_BYTES);
        assert_eq!(
            status_line(&response),
            format!("HTTP/1.1 501 {reason}\r\n").as_bytes()
        );
        assert!(
            body.contains(&format!("<p>Message: {reason}.</p>")),
            "{body}"
        );
        assert_eq!(clip("ééé", 6), "ééé");
        assert_eq!(clip("éééé", 6), "é...", "never half a character");
    }

    /// An explanation takes the standard one's place in the page, never the status line, and
    /// the log has it between the message and the detail.
    #[test]
    fn explanations_go_in_the_page_and_the_log() {
        let error = HttpError::new(StatusCode::BAD_REQUEST, "Unknown cow")
            .with_explanation("no cow called \"x\"; see /cows")
            .with_detail("for the log");
        assert_eq!(
            error.log_message(),
            "Unknown cow: no cow called \"x\"; see /cows: for the log"
        );
        let (response, body) = page(error);
        assert_eq!(status_line(&response), b"HTTP/1.1 400 Unknown cow\r\n");
        let explained = "<p>Error code explanation: 400 - no cow called \"x\"; see /cows.</p>";
        assert!(body.contains(explained), "{body}");
    }

    #[test]
    fn quoted_values_are_cut_outside_the_quotes() {
        assert_eq!(quoted("nosuch"), "\"nosuch\"");
        assert_eq!(
            quoted(&"a".repeat(MAX_QUOTED_BYTES)),
            format!("{:?}", "a".repeat(40))
        );
        assert_eq!(
            quoted(&"a".repeat(4096)),
            format!("\"{}\"...", "a".repeat(37))
        );
        assert_eq!(
            quoted(&"é".repeat(100)),
            format!("\"{}\"...", "é".repeat(18))
        );
    }
}
