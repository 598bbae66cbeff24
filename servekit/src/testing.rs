//! Calling a [`Handler`] in-process, for the servers' tests: a request head in, the whole answer
//! out, as `serve` would produce it (a [`Body::later`] answer waited for, an error turned into its
//! page), with no socket, no hyper connection and no `Server` header. What crosses a process,
//! a socket or a container stays in the end-to-end suite (`tests/`).
//!
//! Behind the `testing` feature, which only the servers' dev-dependencies turn on.

use crate::Handler;
use crate::body::{self, Body};
use http_body::Body as _;
use hyper::http::request::{Parts, Request};
use hyper::{HeaderMap, StatusCode};
use std::pin::pin;

/// A whole answer: status, headers and every byte of the body.
#[derive(Debug)]
pub struct Answer {
    /// The status sent.
    pub status: StatusCode,
    /// The headers sent.
    pub headers: HeaderMap,
    /// The body, or the error that ended it early (a file that shrank).
    pub body: Result<Vec<u8>, String>,
}

impl Answer {
    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, which must have been sent whole.
    pub fn bytes(&self) -> &[u8] {
        self.body.as_deref().expect("the body was sent whole")
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.bytes()).into_owned()
    }
}

/// The head of `METHOD TARGET HTTP/1.1` with `headers` (`"Name: value"`, each one header).
pub fn request(method: &str, target: &str, headers: &[&str]) -> Parts {
    let mut builder = Request::builder().method(method).uri(target);
    for header in headers {
        let (name, value) = header.split_once(':').expect("Name: value");
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(()).expect("a valid request").into_parts().0
}

/// What `handler` answers to `request`.
pub fn answer<H: Handler>(handler: &H, request: &Parts) -> Answer {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let response = match body::settle(handler.handle(request)).await {
            Ok(response) => response,
            Err(error) => error.into_response(handler.dark_mode_pages()),
        };
        let (head, body) = response.into_parts();
        let mut body: std::pin::Pin<&mut Body> = pin!(body);
        let mut bytes = Vec::new();
        let whole = loop {
            match std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
                None => break Ok(bytes),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        bytes.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => break Err(e.to_string()),
            }
        };
        Answer {
            status: head.status,
            headers: head.headers,
            body: whole,
        }
    })
}

/// `GET target` with `headers`, answered.
pub fn get<H: Handler>(handler: &H, target: &str, headers: &[&str]) -> Answer {
    answer(handler, &request("GET", target, headers))
}
