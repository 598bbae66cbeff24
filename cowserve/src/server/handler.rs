//! The cow page's routes: `/` (the cow saying a fresh fortune, or what the query asks), `/fortune`
//! (a fortune as plain text) and `/cows` (the cow names).
//!
//! The page's cow may be `random` (the query's `cow` or `--cow`): a new pick per request, which
//! the JSON answer names. `color=rainbow` colours only the plain-text answer: when `Accept`
//! chose HTML or JSON, it is ignored (the query already refused it with an explicit `format`).

use super::page;
use super::query::{Colour, CowQuery, Format};
use super::rainbow::rainbow;
use super::served_cows::{CowError, ServedCows};
use crate::cows::CowCatalog;
use crate::cowsay::{self, Options};
use crate::fortune::{Filter, FortuneSet};
use hyper::header::{self, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use servekit::{Body, Handler, HttpError};
use std::cell::RefCell;

thread_local! {
    /// One generator per worker thread, seeded from the OS: no lock on the hot path.
    static RNG: RefCell<SmallRng> = RefCell::new(SmallRng::from_os_rng());
}

/// The longest fortune the page shows, in bytes: longer ones are left out when the handler is
/// made, so no visit draws megabytes, and `cowsay::render` never refuses a fortune for its length.
/// Debian's longest fortune is 2,435 bytes; one of 16 KiB makes an 18 KB page (40 KB as JSON).
pub const MAX_PAGE_FORTUNE_BYTES: usize = 16 * 1024;
const _: () = assert!(MAX_PAGE_FORTUNE_BYTES <= cowsay::MAX_MESSAGE_BYTES);

/// The cows and fortunes, loaded and indexed once at start-up.
pub struct CowHandler {
    cows: ServedCows,
    default_cow: String,
    fortunes: FortuneSet,
}

impl CowHandler {
    /// `default_cow` must be one of `cows`, or `random`. Fortunes longer than `MAX_PAGE_FORTUNE_BYTES` are
    /// left out, and stderr says how many; if that leaves none, the server cannot start.
    pub(crate) fn new(
        cows: ServedCows,
        default_cow: String,
        mut fortunes: FortuneSet,
    ) -> Result<Self, String> {
        let left_out = fortunes.keep_at_most(MAX_PAGE_FORTUNE_BYTES);
        let sources = fortunes.sources().iter();
        if sources
            .flat_map(|source| &source.files)
            .all(|file| file.is_empty())
        {
            return Err(format!(
                "all {left_out} fortune(s) are longer than {MAX_PAGE_FORTUNE_BYTES} bytes, \
                 the longest the page shows"
            ));
        }
        if left_out > 0 {
            eprintln!(
                "cowserve: left out of the page: {left_out} fortune(s) longer than \
                 {MAX_PAGE_FORTUNE_BYTES} bytes"
            );
        }
        Ok(CowHandler {
            cows,
            default_cow,
            fortunes,
        })
    }

    /// The page as `cowserve` with no flags and no `COWPATH` serves it: the built-in cows and
    /// fortunes. For the fuzz targets (`fuzz/`), which drive it through
    /// `servekit::serve::StreamServer`.
    pub fn builtin() -> Result<Self, String> {
        let cows = ServedCows::new(CowCatalog::builtin());
        let fortunes = FortuneSet::builtin().map_err(|e| e.to_string())?;
        CowHandler::new(cows, "default".into(), fortunes)
    }

    /// A fortune as `fortune | cowsay` reads it: without its final newline.
    fn fortune(&self) -> Result<&str, HttpError> {
        RNG.with(|rng| {
            self.fortunes
                .pick(&mut *rng.borrow_mut(), &Filter::default())
        })
        .map_err(|e| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    }

    fn cow_page(&self, request: &Parts) -> Result<Response<Body>, HttpError> {
        let query = CowQuery::parse(request.uri.query()).map_err(bad_request)?;
        let cow_name = query.cow.as_deref().unwrap_or(&self.default_cow);
        let (cow_name, cow) = RNG
            .with(|rng| self.cows.choose(cow_name, &mut *rng.borrow_mut()))
            .map_err(CowError::into_http)?;
        let message = match &query.message {
            Some(message) => message.as_str(),
            None => {
                let fortune = self.fortune()?;
                fortune.strip_suffix('\n').unwrap_or(fortune)
            }
        };
        let options = Options {
            think: query.think,
            modes: query.modes,
            eyes: query.eyes,
            tongue: query.tongue,
            width: query.width.unwrap_or(cowsay::DEFAULT_WIDTH),
            reflow: true,
        };
        let text = cowsay::render(&options, cow, message).map_err(bad_request)?;
        let format = query.format.unwrap_or_else(|| negotiate(request));
        let (body, content_type) = match format {
            Format::Html => (page::html(&text), "text/html; charset=utf-8"),
            Format::Json => (page::json(message, cow_name, &text), "application/json"),
            Format::Text if query.colour == Colour::Rainbow => {
                (rainbow(&text), "text/plain; charset=utf-8")
            }
            Format::Text => (text, "text/plain; charset=utf-8"),
        };
        let mut response = fresh(body, content_type);
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept"));
        Ok(response)
    }
}

impl Handler for CowHandler {
    fn handle(&self, request: &Parts) -> Result<Response<Body>, HttpError> {
        if !matches!(request.method, Method::GET | Method::HEAD) {
            return Err(
                HttpError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
                    .with_explanation("this server answers GET and HEAD")
                    .with_header(header::ALLOW, HeaderValue::from_static("GET, HEAD")),
            );
        }
        match request.uri.path() {
            "/" => self.cow_page(request),
            "/fortune" => Ok(fresh(
                self.fortune()?.to_owned(),
                "text/plain; charset=utf-8",
            )),
            "/cows" => {
                let mut names = self.cows.names().collect::<Vec<_>>().join("\n");
                names.push('\n');
                Ok(fresh(names, "text/plain; charset=utf-8"))
            }
            _ => Err(HttpError::not_found()),
        }
    }
}

/// Browsers ask for HTML, tools for JSON; curl and wget (`*/*`) get the cow as plain text.
fn negotiate(request: &Parts) -> Format {
    let accept = request
        .headers
        .get(header::ACCEPT)
        .map_or(&b""[..], HeaderValue::as_bytes);
    let has = |what: &[u8]| servekit::substring::find(accept, what).is_some();
    if has(b"text/html") {
        Format::Html
    } else if has(b"application/json") {
        Format::Json
    } else {
        Format::Text
    }
}

/// A 200 that no cache keeps: every visit gets a new fortune.
fn fresh(body: String, content_type: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(body.into_bytes()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A 400 for a query that cannot be honoured: a fixed reason phrase, and what is allowed in the
/// page (never in the status line, which proxies and clients want short).
fn bad_request(message: impl ToString) -> HttpError {
    HttpError::new(StatusCode::BAD_REQUEST, "Bad query").with_explanation(message.to_string())
}
