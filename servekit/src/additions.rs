//! What an operator adds to every answer of a server, beyond what python's `http.server` does:
//! headers of their own (`--header`), cross-origin access (`--cors`), and a health path for
//! Kubernetes probes (`--health-path`), which ignore Docker's `HEALTHCHECK`. All off by default,
//! so the servers answer as python does unless asked.

use crate::body::Body;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};

/// Headers the server sets itself for each answer's framing: one of the operator's would
/// corrupt or misdescribe the answers.
const FRAMING: &[&str] = &[
    "connection",
    "content-length",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The operator's additions, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Additions {
    /// `--header 'Name: value'`, in the order given.
    headers: Vec<Extra>,
    /// `--cors`: any origin may read the answers, and preflights are answered.
    pub cors: bool,
    /// `--health-path PATH`: answered `200 ok` without the handler, never logged.
    pub health_path: Option<String>,
}

/// One `--header`.
#[derive(Debug, Clone, PartialEq)]
struct Extra {
    name: HeaderName,
    value: HeaderValue,
    /// The first of its name replaces the server's own header; the others are added beside it.
    replaces: bool,
}

/// An answer made before the handler sees the request.
pub enum Early {
    /// The health path's answer, which is never logged.
    Health(Response<Body>),
    /// A CORS preflight's answer.
    Preflight(Response<Body>),
}

impl Additions {
    /// Adds `--header LINE`: `Name: value`, a valid field name and value (RFC 9110 5.1, 5.5),
    /// not one of the framing headers the server owns.
    pub fn add_header(&mut self, line: &str) -> Result<(), String> {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("--header {line:?}: expected 'Name: value'"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("--header {line:?}: {:?} is not a header name", name.trim()))?;
        if FRAMING.contains(&name.as_str()) {
            return Err(format!(
                "--header {line:?}: {name} is set by the server for each answer"
            ));
        }
        let value = value.trim_matches([' ', '\t']);
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("--header {line:?}: the value has a control character"))?;
        let replaces = !self.headers.iter().any(|extra| extra.name == name);
        self.headers.push(Extra {
            name,
            value,
            replaces,
        });
        Ok(())
    }

    /// Sets `--health-path PATH`: an absolute path with no query.
    pub fn set_health_path(&mut self, path: &str) -> Result<(), String> {
        let valid = path.starts_with('/')
            && path.parse::<hyper::Uri>().is_ok_and(|uri| {
                uri.path() == path && uri.query().is_none() && uri.host().is_none()
            });
        if !valid {
            return Err(format!(
                "--health-path {path:?}: expected a path such as /healthz (no query, no spaces)"
            ));
        }
        self.health_path = Some(path.to_owned());
        Ok(())
    }

    /// The answer to `request` if it is not the handler's to make: the health path (GET or
    /// HEAD), or, with CORS on, a preflight.
    pub fn answer_early(&self, request: &Parts) -> Option<Early> {
        let get_or_head = request.method == Method::GET || request.method == Method::HEAD;
        if get_or_head && self.health_path.as_deref() == Some(request.uri.path()) {
            let mut response = Response::new(Body::from("ok\n"));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return Some(Early::Health(response));
        }
        let preflight = self.cors
            && request.method == Method::OPTIONS
            && request.headers.contains_key(header::ORIGIN)
            && request
                .headers
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if !preflight {
            return None;
        }
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        // Whatever headers the page wants to send: the answers are public anyway.
        if let Some(wanted) = request.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, wanted.clone());
        }
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
        Some(Early::Preflight(response))
    }

    /// Adds CORS's header and the operator's to an answer, error pages included.
    pub fn apply(&self, headers: &mut HeaderMap) {
        if self.cors {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        for extra in &self.headers {
            if extra.replaces {
                headers.insert(&extra.name, extra.value.clone());
            } else {
                headers.append(&extra.name, extra.value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Request;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn headers_are_checked_and_applied_in_order() {
        let mut additions = Additions::default();
        additions.add_header("Cache-Control: no-store").unwrap();
        additions.add_header("link:</a.css>; rel=preload").unwrap();
        additions.add_header("Link: </b.js>; rel=preload").unwrap();
        additions.add_header("X-Empty:").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=1"));
        headers.insert(header::LINK, HeaderValue::from_static("<old>"));
        additions.apply(&mut headers);
        assert_eq!(headers["cache-control"], "no-store");
        let links: Vec<_> = headers.get_all(header::LINK).iter().collect();
        assert_eq!(links, ["</a.css>; rel=preload", "</b.js>; rel=preload"]);
        assert_eq!(headers["x-empty"], "");
        assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }

    #[test]
    fn bad_headers_are_usage_errors_that_say_why() {
        let mut additions = Additions::default();
        for (line, why) in [
            ("NoColon", "expected 'Name: value'"),
            ("Bad Name: x", "is not a header name"),
            (": x", "is not a header name"),
            ("X-A: a\u{1}b", "control character"),
            ("X-A: a\nb", "control character"),
            ("Content-Length: 5", "set by the server"),
            ("transfer-encoding: chunked", "set by the server"),
        ] {
            let error = additions.add_header(line).unwrap_err();
            assert!(error.contains(why), "{line:?}: {error}");
        }
        assert_eq!(additions, Additions::default());
    }

    #[test]
    fn the_health_path_answers_get_and_head_only() {
        let mut additions = Additions::default();
        assert!(
            additions
                .answer_early(&parts("GET", "/healthz", &[]))
                .is_none()
        );
        additions.set_health_path("/healthz").unwrap();
        for method in ["GET", "HEAD"] {
            let Some(Early::Health(response)) =
                additions.answer_early(&parts(method, "/healthz?x=1", &[]))
            else {
                panic!("{method} /healthz is the health path's");
            };
            assert_eq!(response.status(), 200);
        }
        assert!(
            additions
                .answer_early(&parts("POST", "/healthz", &[]))
                .is_none()
        );
        assert!(
            additions
                .answer_early(&parts("GET", "/healthz/", &[]))
                .is_none()
        );
        for bad in ["healthz", "/a b", "/h?x", "", "http://a/h"] {
            assert!(additions.set_health_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cors_answers_preflights_and_marks_every_answer() {
        let preflight = parts(
            "OPTIONS",
            "/f",
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "x-token"),
            ],
        );
        let mut additions = Additions::default();
        assert!(additions.answer_early(&preflight).is_none());
        additions.cors = true;
        let Some(Early::Preflight(response)) = additions.answer_early(&preflight) else {
            panic!("a preflight")
        };
        assert_eq!(response.status(), 204);
        let headers = response.headers();
        assert_eq!(
            headers["access-control-allow-methods"],
            "GET, HEAD, OPTIONS"
        );
        assert_eq!(headers["access-control-allow-headers"], "x-token");
        // A plain OPTIONS is no preflight: the handler answers it.
        assert!(
            additions
                .answer_early(&parts("OPTIONS", "/f", &[]))
                .is_none()
        );
        let mut headers = HeaderMap::new();
        additions.apply(&mut headers);
        assert_eq!(headers["access-control-allow-origin"], "*");
    }
}
