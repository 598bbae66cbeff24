//! Every error answer in one place: [`HttpError`] becomes python's error page.

use crate::body::Body;
use crate::escape::escape_html;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use std::borrow::Cow;

/// An error a handler answers with: a status, the message python would give (it shows in the
/// page, the status line and the log), optionally a detail for the log alone (a server path,
/// an OS error: nothing a client should learn), and optionally one extra header (`Allow`,
/// `Content-Range`).
#[derive(Debug)]
pub struct HttpError {
    /// The answer's status.
    pub status: StatusCode,
    /// What the client is told, in the page and the status line; logged too.
    pub message: Cow<'static, str>,
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
            detail: None,
            header: None,
        }
    }

    /// Adds what the log says after the message, and the client never sees.
    pub fn with_detail(mut self, detail: impl Into<String>) -> HttpError {
        self.detail = Some(detail.into());
        self
    }

    /// The access log's message: the client's, then the detail.
    pub fn log_message(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{}: {detail}", self.message),
            None => self.message.to_string(),
        }
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
    /// HTML-escaped, `text/html;charset=utf-8`, and the message as the reason phrase. With
    /// `dark_mode`, python 3.14's page, which follows the system's dark mode: the same but for
    /// its style ([`DARK_MODE_STYLE`]).
    pub fn into_response(self, dark_mode: bool) -> Response<Body> {
        let page = format!(
            "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n{style}        \
             <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        \
             <p>Error code: {code}</p>\n        <p>Message: {message}.</p>\n        \
             <p>Error code explanation: {code} - {explain}.</p>\n    </body>\n</html>\n",
            style = if dark_mode { DARK_MODE_STYLE } else { "" },
            code = self.status.as_u16(),
            message = escape_html(&self.message),
            explain = escape_html(explanation(self.status)),
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
        if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(self.message.as_bytes()) {
            response.extensions_mut().insert(reason);
        }
        response
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
}
