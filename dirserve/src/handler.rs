//! The request handler: turns a GET or HEAD into a file, a directory listing, a redirect or an
//! error, through the one resolver. Everything here is answered without waiting: files are read
//! as hyper sends them (see `servekit::Body`), and a listing that is not ready is made on a
//! listing thread while the request waits (see `listing::pages`).

use crate::conditional::{self, Freshness, Validators};
use crate::denied::UnreadableNote;
use crate::encoding::{self, Encoding};
use crate::gzip;
use crate::listing::html::page_head;
use crate::listing::page::PageBody;
use crate::listing::pages::ListingPages;
use crate::listing::{Order, Shown};
use crate::mime;
use crate::range::{self, RangeAnswer};
use crate::resolve::decode::decode_request_path;
use crate::resolve::{ResolveError, Resolved, ServedRoot};
use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode, Uri};
use servekit::offload::Offload;
use servekit::substring;
use servekit::{Body, Handler, HttpError};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// Served instead of a listing, in this order, as python does.
const INDEX_FILES: [&[u8]; 2] = [b"index.html", b"index.htm"];

/// Serves one directory tree.
pub struct DirHandler {
    root: Arc<ServedRoot>,
    listings: Arc<ListingPages>,
    /// Whether answers may be compressed: precompressed siblings and gzip on the fly (off with
    /// `--no-compress`).
    compress: bool,
    /// The listings' order unless a query asks for another (`--sort`, `--order`, `--dirs-first`).
    order: Order,
    /// Whether listing and error pages follow the system's dark mode (`--dark-mode`).
    dark_mode: bool,
    /// The log's one note about a file this user may not read.
    unreadable: UnreadableNote,
    /// Where bodies too large to compress on a connection's worker are gzipped.
    compression: Arc<Offload>,
}

impl DirHandler {
    /// Serves `root`, listings made on half the cores' worth of threads of their own.
    pub fn new(root: ServedRoot) -> DirHandler {
        DirHandler::with_listing_threads(root, Offload::default_threads())
    }

    /// Serves `root` with `threads` listing threads and as many compression threads; 0 does
    /// that work on the worker itself, at once (for fuzzing, whose paused clock would jump while
    /// another thread worked).
    pub fn with_listing_threads(root: ServedRoot, threads: usize) -> DirHandler {
        let root = Arc::new(root);
        DirHandler {
            listings: Arc::new(ListingPages::new(Arc::clone(&root), threads)),
            root,
            compress: true,
            order: Order::default(),
            dark_mode: false,
            unreadable: UnreadableNote::new(),
            compression: Arc::new(Offload::new(threads)),
        }
    }

    /// With `false`, files are always sent as they are (`--no-compress`).
    pub fn compress(mut self, on: bool) -> DirHandler {
        self.compress = on;
        self
    }

    /// Listings in `order` unless the request's query asks for another.
    pub fn order(mut self, order: Order) -> DirHandler {
        self.order = order;
        self
    }

    /// With `true`, listing and error pages follow the system's dark mode.
    pub fn dark_mode(mut self, on: bool) -> DirHandler {
        self.dark_mode = on;
        self
    }

    /// The codings this request's answer may have, best first: none without `Accept-Encoding`
    /// or with `--no-compress`.
    fn accepted(&self, request: &HeaderMap) -> Vec<Encoding> {
        match request.get(header::ACCEPT_ENCODING) {
            Some(accept) if self.compress => encoding::accepted(accept.as_bytes()),
            _ => Vec::new(),
        }
    }

    /// `file`, or its precompressed sibling (`file.br`, `file.zst`, `file.gz`) of the best of
    /// the `accepted` codings that has one, and that coding. Plain clients pay nothing.
    fn negotiate(&self, accepted: &[Encoding], file: Resolved) -> (Resolved, Option<Encoding>) {
        for &encoding in accepted {
            if let Some(sibling) = self.root.sibling(&file, encoding.suffix()) {
                return (sibling, Some(encoding));
            }
        }
        (file, None)
    }

    /// A file's answer: from its precompressed sibling if the request takes one, else gzipped on
    /// the fly if it is text worth it (never for a range: those are the file's bytes).
    fn file_answer(&self, request: &Parts, file: Resolved) -> Result<Response<Body>, HttpError> {
        let (method, request) = (&request.method, &request.headers);
        let content_type = mime::guess_type(file_name(&file.rel_path));
        let accepted = self.accepted(request);
        let (file, encoding) = self.negotiate(&accepted, file);
        let on_the_fly = encoding.is_none()
            && !request.contains_key(header::RANGE)
            && gzip::compressible(content_type)
            && gzip::worth_it(file.meta.size)
            && accepted.contains(&Encoding::Gzip);
        if on_the_fly {
            let compression = (*method != Method::HEAD).then_some(&self.compression);
            return gzipped_file_response(request, file, content_type, compression);
        }
        let mut response = file_response(request, file, content_type, encoding)?;
        if self.compress && request.contains_key(header::ACCEPT_ENCODING) {
            let headers = response.headers_mut();
            headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        Ok(response)
    }

    /// The index file to serve in place of `dir`'s listing: the first of [`INDEX_FILES`] that is
    /// a regular file (see [`ServedRoot::file_in`]). One that cannot be served is the answer, as
    /// for a request for it (403 when unreadable, where python says 404: see `open::map_errno`),
    /// never the listing it was put there to hide.
    fn index_of(&self, dir: &Resolved) -> Result<Option<Resolved>, HttpError> {
        for name in INDEX_FILES {
            match self.root.file_in(dir, name) {
                Ok(Some(index)) => return Ok(Some(index)),
                Ok(None) => {}
                Err(e) => {
                    let rel = || match dir.rel_path.is_empty() {
                        true => name.to_vec(),
                        false => [&dir.rel_path[..], b"/", name].concat(),
                    };
                    return Err(self.refused(e, rel));
                }
            }
        }
        Ok(None)
    }

    /// [`resolve_error`], after the log's one note when it is this user's permission (`rel`
    /// is the path refused, relative to the root: made only then).
    fn refused(&self, error: ResolveError, rel: impl FnOnce() -> Vec<u8>) -> HttpError {
        if error.is_permission_denied() {
            self.unreadable.note(self.root.path(), &rel());
        }
        resolve_error(error)
    }
}

impl Handler for DirHandler {
    fn handle(&self, request: &Parts) -> Result<Response<Body>, HttpError> {
        if !matches!(request.method, Method::GET | Method::HEAD) {
            // Python's wording, `Unsupported method ('POST')`, with its 501.
            let message = format!("Unsupported method ('{}')", request.method);
            return Err(HttpError::new(StatusCode::NOT_IMPLEMENTED, message));
        }
        let path = request.uri.path();
        let rel = || decode_request_path(path).map_or_else(|_| Vec::new(), |p| p.rel);
        let resolved = self.root.resolve(path).map_err(|e| self.refused(e, rel))?;
        if !resolved.meta.is_dir {
            // `/file.txt/`: python answers 404, and so do we.
            if resolved.trailing_slash {
                return Err(HttpError::not_found());
            }
            return self.file_answer(request, resolved);
        }
        if !resolved.trailing_slash {
            return Ok(redirect_to_slash(&request.uri));
        }
        if let Some(index) = self.index_of(&resolved)? {
            return self.file_answer(request, index);
        }
        self.listing_response(request, resolved)
    }

    fn dark_mode_pages(&self) -> bool {
        self.dark_mode
    }
}

/// Every resolver error becomes one answer here. A missing file gets python's message; out of
/// descriptors, the log also says once which limit was hit.
fn resolve_error(error: ResolveError) -> HttpError {
    match error {
        ResolveError::BadRequest(reason) => HttpError::new(StatusCode::BAD_REQUEST, reason),
        ResolveError::Forbidden(reason) => HttpError::new(StatusCode::FORBIDDEN, reason),
        ResolveError::NotFound(_) => HttpError::not_found(),
        ResolveError::Internal(e) => {
            servekit::fd_limit::note("dirserve", &e);
            HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Cannot open the file: {e}"),
            )
        }
    }
}

/// 301 to the same path with a slash, query kept. The target is always a path on this server:
/// leading slashes collapse to one and backslashes are encoded, so `//evil.example/dir` or
/// `/\evil.example` can never become an off-site redirect (CVE-2021-28861 in python).
fn redirect_to_slash(uri: &Uri) -> Response<Body> {
    let path = uri.path().trim_start_matches('/');
    let mut location = String::with_capacity(path.len() + 2);
    location.push('/');
    location.push_str(&path.replace('\\', "%5C"));
    location.push('/');
    if let Some(query) = uri.query() {
        location.push('?');
        location.push_str(query);
    }
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::try_from(location) {
        headers.insert(header::LOCATION, value);
    }
    // hyper adds this to a GET's empty body, but cannot know it for a HEAD.
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

/// The last segment of a decoded path.
fn file_name(rel_path: &[u8]) -> &[u8] {
    rel_path.rsplit(|&b| b == b'/').next().unwrap_or(&[])
}

/// A file, whole or a range, honouring conditional requests: `content_type` is the type of what
/// it holds once decoded, `encoding` its content coding (a precompressed sibling), whose ranges
/// and validators are the coded bytes'.
fn file_response(
    request: &HeaderMap,
    resolved: Resolved,
    content_type: &'static str,
    encoding: Option<Encoding>,
) -> Result<Response<Body>, HttpError> {
    let meta = resolved.meta;
    let validators = Validators::of(&meta, encoding.map(Encoding::token));
    let mut response = Response::new(Body::Empty);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(encoding) = encoding {
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(encoding.token()),
        );
    }
    let freshness = freshness(request, &validators);
    let size = meta.size;
    let range = match request.get(header::RANGE) {
        Some(range)
            if conditional::if_range_allows(
                request.get(header::IF_RANGE).map(HeaderValue::as_bytes),
                &validators,
            ) =>
        {
            range::parse_range(range.as_bytes(), size)
        }
        _ => RangeAnswer::Full,
    };
    insert_validators(headers, validators);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if freshness == Freshness::NotModified {
        headers.remove(header::CONTENT_TYPE);
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(response);
    }
    match range {
        RangeAnswer::Full => *response.body_mut() = Body::file_range(resolved.file, 0, size),
        RangeAnswer::Partial {
            start,
            end_inclusive: end,
        } => {
            let content_range = format!("bytes {start}-{end}/{size}");
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::try_from(content_range).expect("digits and ASCII"),
            );
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            *response.body_mut() = Body::file_range(resolved.file, start, end - start + 1);
        }
        RangeAnswer::Unsatisfiable => {
            let error = HttpError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "Requested Range Not Satisfiable",
            )
            .with_header(
                header::CONTENT_RANGE,
                HeaderValue::try_from(format!("bytes */{size}")).expect("digits and ASCII"),
            );
            return Err(error);
        }
    }
    Ok(response)
}

/// `Last-Modified` and `ETag`, moved into their headers.
fn insert_validators(headers: &mut HeaderMap, validators: Validators) {
    for (name, value) in [
        (header::LAST_MODIFIED, validators.last_modified),
        (header::ETAG, validators.etag),
    ] {
        headers.insert(name, HeaderValue::try_from(value).expect("ASCII"));
    }
}

/// Whether the request's `If-None-Match` / `If-Modified-Since` make this a 304.
fn freshness(request: &HeaderMap, validators: &Validators) -> Freshness {
    let value = |name| request.get(name).map(HeaderValue::as_bytes);
    conditional::evaluate(
        value(header::IF_NONE_MATCH),
        value(header::IF_MODIFIED_SINCE),
        validators,
    )
}

/// A text file gzipped: its validators say so (a 304 needs no reading), and a file that cannot
/// be read whole is a 500, never a short page passed off as complete. `compression` is where a
/// large file is compressed; `None` for a HEAD, which gets a GET's headers and nothing computed.
fn gzipped_file_response(
    request: &HeaderMap,
    resolved: Resolved,
    content_type: &'static str,
    compression: Option<&Arc<Offload>>,
) -> Result<Response<Body>, HttpError> {
    let validators = Validators::of(&resolved.meta, Some(Encoding::Gzip.token()));
    let freshness = freshness(request, &validators);
    let mut response = Response::new(Body::Empty);
    let headers = response.headers_mut();
    insert_validators(headers, validators);
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if freshness == Freshness::NotModified {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(response);
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let Some(compression) = compression else {
        // Without the length, which only compressing would tell: RFC 9110 (9.3.2) lets a HEAD
        // leave out what only its body would say.
        return Ok(response);
    };
    let size = resolved.meta.size;
    let compress = move || {
        let mut data = vec![0; size as usize];
        match resolved.file.read_exact_at(&mut data, 0) {
            Ok(()) => Ok(Body::from(gzip::compress([&data[..]]))),
            Err(e) => Err(HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Cannot read the file",
            )
            .with_detail(e.to_string())),
        }
    };
    if size <= gzip::ON_WORKER_BYTES {
        *response.body_mut() = compress()?;
        return Ok(response);
    }
    let body = compression.run(compress);
    Ok(Response::new(Body::later(async move {
        *response.body_mut() = body.await.unwrap_or_else(|| Err(compression_failed()))?;
        Ok(response)
    })))
}

/// A compression job that panicked (a bug): its answer is lost, not the server.
fn compression_failed() -> HttpError {
    HttpError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Cannot compress the answer",
    )
}

impl DirHandler {
    /// The listing of a directory: python's HTML page, or JSON for `Accept: application/json`,
    /// in the server's order or the one the query asks for (`?sort=mtime&order=desc`; a bad
    /// value is a 400). At once when a page is ready; else made on a listing thread (see
    /// [`ListingPages`]).
    fn listing_response(
        &self,
        request: &Parts,
        dir: Resolved,
    ) -> Result<Response<Body>, HttpError> {
        let order = match request.uri.query() {
            Some(query) => self
                .order
                .with_query(query)
                .map_err(|e| HttpError::new(StatusCode::BAD_REQUEST, format!("Bad query: {e}")))?,
            None => self.order,
        };
        let wants_json = request.headers.get(header::ACCEPT).is_some_and(|accept| {
            substring::find(accept.as_bytes(), b"application/json").is_some()
        });
        let shown = if wants_json {
            Shown::Everything
        } else {
            Shown::NamesAndKinds
        };
        let target = request.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let coding = match (
            self.compress,
            request.headers.contains_key(header::ACCEPT_ENCODING),
        ) {
            (false, _) | (_, false) => Coding::Plain,
            (true, true) if self.accepted(&request.headers).contains(&Encoding::Gzip) => {
                Coding::Gzip
            }
            (true, true) => Coding::PlainButVaries,
        };
        let form = PageForm {
            shown,
            dark_mode: self.dark_mode,
            coding,
        };
        if let Some(page) = self.listings.ready(&dir, shown, order) {
            return Ok(listing_page(target, form, page, &self.compression));
        }
        let target = target.to_owned();
        let made = self.listings.later(dir, shown, order);
        let compression = Arc::clone(&self.compression);
        Ok(Response::new(Body::later(async move {
            let page = made.await.map_err(|e| listing_error(&e))?;
            Ok(listing_page(&target, form, page, &compression))
        })))
    }
}

/// How a listing's page is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    /// As it is; the request did not ask for a coding (or `--no-compress`).
    Plain,
    /// As it is, to a request that named codings, none of which we make.
    PlainButVaries,
    /// gzipped, if its size is worth it.
    Gzip,
}

/// How a listing's page is answered, besides its directory and order.
#[derive(Debug, Clone, Copy)]
struct PageForm {
    shown: Shown,
    dark_mode: bool,
    coding: Coding,
}

/// The response for a listing's page: the HTML one around its `<li>` lines, titled with the
/// request target (path and query, as python titles it), or the JSON one as it is. A page too
/// large to gzip on the worker is gzipped on a `compression` thread, the response waiting.
fn listing_page(
    target: &str,
    form: PageForm,
    page: PageBody,
    compression: &Offload,
) -> Response<Body> {
    let (head, content_type) = match form.shown {
        Shown::NamesAndKinds => (
            Bytes::from(page_head(target, form.dark_mode)),
            "text/html; charset=utf-8",
        ),
        Shown::Everything => (Bytes::new(), "application/json"),
    };
    let (parts, len) = match page {
        PageBody::Whole(page) => {
            let len = head.len() + page.len();
            (vec![head, page], len as u64)
        }
        // Far larger than gzip on the fly takes.
        PageBody::Streamed(page) => {
            let len = head.len() as u64 + page.len();
            let mut response = Response::new(Body::chunks(page.pieces(head), len));
            insert_listing_headers(response.headers_mut(), content_type, false, form.coding);
            return response;
        }
    };
    let gzipped = form.coding == Coding::Gzip && gzip::worth_it(len);
    let mut response = Response::new(Body::Empty);
    insert_listing_headers(response.headers_mut(), content_type, gzipped, form.coding);
    if !gzipped {
        *response.body_mut() = Body::from(parts);
        return response;
    }
    let compress = move || Body::from(gzip::compress(parts.iter().map(|part| &part[..])));
    if len <= gzip::ON_WORKER_BYTES {
        *response.body_mut() = compress();
        return response;
    }
    let body = compression.run(compress);
    Response::new(Body::later(async move {
        *response.body_mut() = body.await.ok_or_else(compression_failed)?;
        Ok(response)
    }))
}

/// A listing's `Content-Type`, its `Content-Encoding` when `gzipped`, and its `Vary`.
fn insert_listing_headers(
    headers: &mut HeaderMap,
    content_type: &'static str,
    gzipped: bool,
    coding: Coding,
) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    // The same URL answers HTML or JSON (and, asked, gzipped): caches must key on them.
    let vary = match coding {
        Coding::Plain => "Accept",
        Coding::PlainButVaries | Coding::Gzip => "Accept, Accept-Encoding",
    };
    headers.insert(header::VARY, HeaderValue::from_static(vary));
}

/// A directory that cannot be read: 403 when that is a permission, 404 when it was removed after
/// it was opened (the kernel refuses to read a deleted directory: `ENOENT`, which is how a
/// removed served root looks), 500 otherwise.
fn listing_error(e: &std::io::Error) -> HttpError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            HttpError::new(StatusCode::FORBIDDEN, "No permission to list directory")
        }
        std::io::ErrorKind::NotFound => HttpError::not_found(),
        _ => HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Cannot list directory: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    fn location(uri: &str) -> String {
        let response = redirect_to_slash(&uri.parse().unwrap());
        assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
        response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn redirects_stay_on_this_server() {
        assert_eq!(location("/dir"), "/dir/");
        assert_eq!(location("/dir?a=1&b"), "/dir/?a=1&b");
        assert_eq!(location("//evil.example/dir"), "/evil.example/dir/");
        assert_eq!(location("///evil.example"), "/evil.example/");
        assert_eq!(location("/%2Fevil.example"), "/%2Fevil.example/");
        assert_eq!(location("http://evil.example/dir"), "/dir/");
    }

    /// What a GET of the directory `path` (ending in `/`) answers instead of its listing: the
    /// index file's contents, `None` for the listing, or the error status.
    fn index_answer(handler: &DirHandler, path: &str) -> Result<Option<Vec<u8>>, StatusCode> {
        use std::io::Read;
        let dir = handler.root.resolve(path).expect("resolve the directory");
        assert!(dir.meta.is_dir && dir.trailing_slash);
        match handler.index_of(&dir) {
            Ok(Some(mut index)) => {
                // Named as a request for it would be: its type comes from that name.
                let name = index.rel_path.strip_prefix(dir.rel_path.as_slice());
                let name = name.map(|n| n.strip_prefix(b"/").unwrap_or(n));
                assert!(
                    matches!(name, Some(b"index.html" | b"index.htm")),
                    "{index:?}"
                );
                assert!(!index.trailing_slash);
                let mut body = Vec::new();
                index.file.read_to_end(&mut body).expect("read the index");
                Ok(Some(body))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e.status),
        }
    }

    /// The index files a directory can hold, served from both resolvers. One that cannot be
    /// opened, or that leads out of the root, is answered as a request for it would be (403),
    /// never with the listing it was put there to hide; only a missing one, or one that is not
    /// a regular file (a directory, a FIFO), means the next one, then the listing, as python's
    /// `os.path.isfile` decides.
    #[test]
    fn index_files_and_the_errors_they_answer() {
        use std::os::unix::fs::PermissionsExt;
        use testkit::{Tree, as_any_user};
        let tree = Tree::new("handler-index");
        tree.file("outside.html", b"outside the root")
            .file("root/shared/page.html", b"shared")
            .symlink("shared/page.html", "root/index.html")
            .file("root/plain/index.html", b"plain")
            .file("root/htm/index.htm", b"htm")
            .dir("root/dir-index/index.html")
            .file("root/dir-index/index.htm", b"after a directory")
            .dir("root/fifo-index")
            .fifo("root/fifo-index/index.html")
            .dir("root/linked")
            .symlink("../shared/page.html", "root/linked/index.html")
            .dir("root/broken")
            .symlink("nowhere", "root/broken/index.html")
            .dir("root/escape")
            .symlink("../../outside.html", "root/escape/index.html")
            .file("root/denied/index.html", b"unreadable")
            .file("root/denied/private.txt", b"hidden by the index");
        let index = tree.at("root/denied/index.html");
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o000)).unwrap();
        let served = tree.at("root");
        let handlers = [
            ServedRoot::open(&served).unwrap(),
            ServedRoot::open_without_openat2(&served).unwrap(),
        ]
        .map(|root| DirHandler::with_listing_threads(root, 0));
        as_any_user(move || {
            assert!(File::open(&index).is_err(), "the index is unreadable");
            for handler in &handlers {
                let answer = |path| index_answer(handler, path);
                assert_eq!(answer("/denied/"), Err(StatusCode::FORBIDDEN));
                assert_eq!(answer("/escape/"), Err(StatusCode::FORBIDDEN));
                assert_eq!(answer("/"), Ok(Some(b"shared".to_vec())));
                assert_eq!(answer("/plain/"), Ok(Some(b"plain".to_vec())));
                assert_eq!(answer("/htm/"), Ok(Some(b"htm".to_vec())));
                let after_a_dir = Ok(Some(b"after a directory".to_vec()));
                assert_eq!(answer("/dir-index/"), after_a_dir);
                assert_eq!(answer("/fifo-index/"), Ok(None));
                assert_eq!(answer("/shared/"), Ok(None));
                assert_eq!(answer("/linked/"), Ok(Some(b"shared".to_vec())));
                assert_eq!(answer("/broken/"), Ok(None));
            }
        });
    }

    /// A directory removed while it is open cannot be read; that is a 404, not the server's
    /// trouble.
    #[test]
    fn a_removed_directory_lists_as_not_found() {
        let tree = testkit::Tree::new("handler-removed");
        tree.dir("gone");
        let root = ServedRoot::open(tree.path()).unwrap();
        let dir = File::open(tree.path().join("gone")).unwrap();
        std::fs::remove_dir(tree.path().join("gone")).unwrap();
        let links = crate::listing::Links::new(&root, b"gone");
        let error = crate::listing::read_listing(&dir, &links)
            .map_err(|e| listing_error(&e))
            .unwrap_err();
        assert_eq!(error.status, StatusCode::NOT_FOUND, "{}", error.message);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(listing_error(&denied).status, StatusCode::FORBIDDEN);
        let other = std::io::Error::other("disk on fire");
        assert_eq!(
            listing_error(&other).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
