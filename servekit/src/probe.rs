//! The health check's probe, both ends: `--healthcheck` sends `OPTIONS * HTTP/1.1`, which asks
//! about the server itself and can never name a file (RFC 9110 9.3.7), and the server answers it
//! from memory, before any handler, with no access-log line. So the image's `HEALTHCHECK`, every
//! 10 s, reads no file, lists no directory however big the mounted one, writes nothing to the
//! log, and takes no name a user might serve (`/healthz` would hide a file of that name).
//! `--health-path` keeps its own probe, a GET of that path (see `additions`).

use crate::body::Body;
use hyper::header::{ALLOW, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response};

/// The probe's request target: the asterisk form, the server as a whole.
pub const TARGET: &str = "*";

/// Whether `request` is the probe: `OPTIONS *` (hyper parses the asterisk form into a URI whose
/// path is `*`; no path a resolver sees can be, as every other form starts with `/` or a
/// scheme).
pub fn is_probe(request: &Parts) -> bool {
    request.method == Method::OPTIONS && request.uri.path() == TARGET
}

/// The probe's answer: 200, no body, and `Allow` saying what the server answers (RFC 9110
/// 9.3.7: an OPTIONS answer says what the server can do).
pub fn answer() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    let allow = HeaderValue::from_static("GET, HEAD");
    response.headers_mut().insert(ALLOW, allow);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Request;

    fn parts(method: &str, uri: &str) -> Parts {
        let request = Request::builder().method(method).uri(uri);
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn only_options_star_is_the_probe() {
        assert!(is_probe(&parts("OPTIONS", "*")));
        for (method, uri) in [
            ("GET", "*"),
            ("OPTIONS", "/"),
            ("OPTIONS", "/*"),
            ("OPTIONS", "/%2A"),
            ("OPTIONS", "http://a/*"),
        ] {
            assert!(!is_probe(&parts(method, uri)), "{method} {uri}");
        }
    }
}
