//! Content-Type from a file name, exactly as CPython 3.11's `http.server` guesses it when no
//! `/etc/mime.types` exists (as in the tutorial's python image and in our `FROM scratch` one):
//! its own four-entry map first, then `mimetypes` with its built-in table.
//!
//! The order, kept because it decides real answers:
//! 1. `SimpleHTTPRequestHandler.extensions_map` on the extension as written, then lowercased:
//!    `.gz` application/gzip, `.Z` application/octet-stream, `.bz2`, `.xz`.
//! 2. `mimetypes.guess_type`: a compound suffix is expanded first (`.tgz` -> `.tar.gz`, `.svgz`
//!    -> `.svg.gz`), a compression suffix (`.gz .Z .bz2 .xz .br`, case-sensitive) is dropped,
//!    and what remains is looked up lowercased. So `a.tgz` is `application/x-tar` (as CPython
//!    says, without a Content-Encoding), `a.js.br` is `application/javascript`, `a.tar.gz` is
//!    `application/gzip` (step 1 wins).
//! 3. Otherwise `application/octet-stream`.
//!
//! The table is CPython's `mimetypes._types_map_default`, sorted for a binary search.

/// The answer when nothing matches.
pub const DEFAULT_TYPE: &str = "application/octet-stream";

/// `SimpleHTTPRequestHandler.extensions_map`.
const HANDLER_MAP: &[(&str, &str)] = &[
    (".Z", "application/octet-stream"),
    (".bz2", "application/x-bzip2"),
    (".gz", "application/gzip"),
    (".xz", "application/x-xz"),
];

/// `mimetypes._suffix_map_default`: shorthand suffixes and what they stand for.
const SUFFIX_MAP: &[(&str, &str)] = &[
    (".svgz", ".svg.gz"),
    (".taz", ".tar.gz"),
    (".tbz2", ".tar.bz2"),
    (".tgz", ".tar.gz"),
    (".txz", ".tar.xz"),
    (".tz", ".tar.gz"),
];

/// Longer than every key of the tables above and below: a longer extension matches none.
const MAX_KEY: usize = 16;

/// `mimetypes._encodings_map_default` keys: compression suffixes (case-sensitive).
const ENCODING_SUFFIXES: &[&str] = &[".Z", ".br", ".bz2", ".gz", ".xz"];

/// `mimetypes._types_map_default` (CPython 3.11), sorted by extension bytes.
const TYPES: &[(&str, &str)] = &[
    (".3g2", "audio/3gpp2"),
    (".3gp", "audio/3gpp"),
    (".3gpp", "audio/3gpp"),
    (".3gpp2", "audio/3gpp2"),
    (".a", "application/octet-stream"),
    (".aac", "audio/aac"),
    (".adts", "audio/aac"),
    (".ai", "application/postscript"),
    (".aif", "audio/x-aiff"),
    (".aifc", "audio/x-aiff"),
    (".aiff", "audio/x-aiff"),
    (".ass", "audio/aac"),
    (".au", "audio/basic"),
    (".avi", "video/x-msvideo"),
    (".avif", "image/avif"),
    (".bat", "text/plain"),
    (".bcpio", "application/x-bcpio"),
    (".bin", "application/octet-stream"),
    (".bmp", "image/bmp"),
    (".c", "text/plain"),
    (".cdf", "application/x-netcdf"),
    (".cpio", "application/x-cpio"),
    (".csh", "application/x-csh"),
    (".css", "text/css"),
    (".csv", "text/csv"),
    (".dll", "application/octet-stream"),
    (".doc", "application/msword"),
    (".dot", "application/msword"),
    (".dvi", "application/x-dvi"),
    (".eml", "message/rfc822"),
    (".eps", "application/postscript"),
    (".etx", "text/x-setext"),
    (".exe", "application/octet-stream"),
    (".gif", "image/gif"),
    (".gtar", "application/x-gtar"),
    (".h", "text/plain"),
    (".h5", "application/x-hdf5"),
    (".hdf", "application/x-hdf"),
    (".heic", "image/heic"),
    (".heif", "image/heif"),
    (".htm", "text/html"),
    (".html", "text/html"),
    (".ico", "image/vnd.microsoft.icon"),
    (".ief", "image/ief"),
    (".jpe", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".jpg", "image/jpeg"),
    (".js", "application/javascript"),
    (".json", "application/json"),
    (".ksh", "text/plain"),
    (".latex", "application/x-latex"),
    (".loas", "audio/aac"),
    (".m1v", "video/mpeg"),
    (".m3u", "application/vnd.apple.mpegurl"),
    (".m3u8", "application/vnd.apple.mpegurl"),
    (".man", "application/x-troff-man"),
    (".me", "application/x-troff-me"),
    (".mht", "message/rfc822"),
    (".mhtml", "message/rfc822"),
    (".mif", "application/x-mif"),
    (".mjs", "application/javascript"),
    (".mov", "video/quicktime"),
    (".movie", "video/x-sgi-movie"),
    (".mp2", "audio/mpeg"),
    (".mp3", "audio/mpeg"),
    (".mp4", "video/mp4"),
    (".mpa", "video/mpeg"),
    (".mpe", "video/mpeg"),
    (".mpeg", "video/mpeg"),
    (".mpg", "video/mpeg"),
    (".ms", "application/x-troff-ms"),
    (".n3", "text/n3"),
    (".nc", "application/x-netcdf"),
    (".nq", "application/n-quads"),
    (".nt", "application/n-triples"),
    (".nws", "message/rfc822"),
    (".o", "application/octet-stream"),
    (".obj", "application/octet-stream"),
    (".oda", "application/oda"),
    (".opus", "audio/opus"),
    (".p12", "application/x-pkcs12"),
    (".p7c", "application/pkcs7-mime"),
    (".pbm", "image/x-portable-bitmap"),
    (".pdf", "application/pdf"),
    (".pfx", "application/x-pkcs12"),
    (".pgm", "image/x-portable-graymap"),
    (".pl", "text/plain"),
    (".png", "image/png"),
    (".pnm", "image/x-portable-anymap"),
    (".pot", "application/vnd.ms-powerpoint"),
    (".ppa", "application/vnd.ms-powerpoint"),
    (".ppm", "image/x-portable-pixmap"),
    (".pps", "application/vnd.ms-powerpoint"),
    (".ppt", "application/vnd.ms-powerpoint"),
    (".ps", "application/postscript"),
    (".pwz", "application/vnd.ms-powerpoint"),
    (".py", "text/x-python"),
    (".pyc", "application/x-python-code"),
    (".pyo", "application/x-python-code"),
    (".qt", "video/quicktime"),
    (".ra", "audio/x-pn-realaudio"),
    (".ram", "application/x-pn-realaudio"),
    (".ras", "image/x-cmu-raster"),
    (".rdf", "application/xml"),
    (".rgb", "image/x-rgb"),
    (".roff", "application/x-troff"),
    (".rtx", "text/richtext"),
    (".sgm", "text/x-sgml"),
    (".sgml", "text/x-sgml"),
    (".sh", "application/x-sh"),
    (".shar", "application/x-shar"),
    (".snd", "audio/basic"),
    (".so", "application/octet-stream"),
    (".src", "application/x-wais-source"),
    (".srt", "text/plain"),
    (".sv4cpio", "application/x-sv4cpio"),
    (".sv4crc", "application/x-sv4crc"),
    (".svg", "image/svg+xml"),
    (".swf", "application/x-shockwave-flash"),
    (".t", "application/x-troff"),
    (".tar", "application/x-tar"),
    (".tcl", "application/x-tcl"),
    (".tex", "application/x-tex"),
    (".texi", "application/x-texinfo"),
    (".texinfo", "application/x-texinfo"),
    (".tif", "image/tiff"),
    (".tiff", "image/tiff"),
    (".tr", "application/x-troff"),
    (".trig", "application/trig"),
    (".tsv", "text/tab-separated-values"),
    (".txt", "text/plain"),
    (".ustar", "application/x-ustar"),
    (".vcf", "text/x-vcard"),
    (".vtt", "text/vtt"),
    (".wasm", "application/wasm"),
    (".wav", "audio/x-wav"),
    (".webm", "video/webm"),
    (".webmanifest", "application/manifest+json"),
    (".wiz", "application/msword"),
    (".wsdl", "application/xml"),
    (".xbm", "image/x-xbitmap"),
    (".xlb", "application/vnd.ms-excel"),
    (".xls", "application/vnd.ms-excel"),
    (".xml", "text/xml"),
    (".xpdl", "application/xml"),
    (".xpm", "image/x-xpixmap"),
    (".xsl", "application/xml"),
    (".xwd", "image/x-xwindowdump"),
    (".zip", "application/zip"),
];

/// The Content-Type CPython's http.server would send for a file with this name (or path: only
/// the last component's extension counts). Names need not be UTF-8.
pub fn guess_type(name: &[u8]) -> &'static str {
    let (base, ext) = split_ext(name);
    if let Some(t) = lookup(HANDLER_MAP, ext) {
        return t;
    }
    // The common case, without allocating (this runs on every file served): a short ASCII
    // extension that is neither a shorthand nor a compression suffix is looked up lowercased.
    if ext.len() <= MAX_KEY && ext.is_ascii() {
        let mut buffer = [0; MAX_KEY];
        let lower = &mut buffer[..ext.len()];
        lower.copy_from_slice(ext);
        lower.make_ascii_lowercase();
        let plain = lookup(SUFFIX_MAP, lower).is_none()
            && !ENCODING_SUFFIXES.iter().any(|s| s.as_bytes() == ext);
        if let Some(t) = lookup(HANDLER_MAP, lower) {
            return t;
        }
        if plain {
            return lookup(TYPES, lower).unwrap_or(DEFAULT_TYPE);
        }
    }
    let lower = lowercase(ext);
    if let Some(t) = lower.as_deref().and_then(|l| lookup(HANDLER_MAP, l)) {
        return t;
    }
    guess_like_mimetypes(base, ext).unwrap_or(DEFAULT_TYPE)
}

/// `mimetypes.MimeTypes.guess_type` (strict) on a name already split at its extension.
fn guess_like_mimetypes(base: &[u8], ext: &[u8]) -> Option<&'static str> {
    let (mut base, mut ext) = (base.to_vec(), ext.to_vec());
    // Each expansion ends in a compression suffix, which is not in SUFFIX_MAP: two rounds at most.
    while let Some(expanded) = lowercase(&ext).and_then(|l| lookup(SUFFIX_MAP, &l)) {
        base.extend_from_slice(expanded.as_bytes());
        let (b, e) = split_ext(&base);
        (base, ext) = (b.to_vec(), e.to_vec());
    }
    if ENCODING_SUFFIXES
        .iter()
        .any(|s| s.as_bytes() == ext.as_slice())
    {
        ext = split_ext(&base).1.to_vec();
    }
    lookup(TYPES, &lowercase(&ext)?)
}

/// `posixpath.splitext`: the extension is the last `.` and what follows it, in the last path
/// component, unless that component is only dots before it (`.bashrc` has none).
fn split_ext(path: &[u8]) -> (&[u8], &[u8]) {
    let name_start = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    match path[name_start..].iter().rposition(|&b| b == b'.') {
        Some(dot)
            if path[name_start..name_start + dot]
                .iter()
                .any(|&b| b != b'.') =>
        {
            path.split_at(name_start + dot)
        }
        _ => (path, &[]),
    }
}

/// Python's `str.lower()` of the extension, or `None` when it cannot equal any key (every key
/// is ASCII; bytes that are not UTF-8 stay non-ASCII surrogates in Python). Non-ASCII letters
/// matter: the Kelvin sign `K` lowercases to ASCII `k`.
fn lowercase(ext: &[u8]) -> Option<Vec<u8>> {
    if ext.is_ascii() {
        return Some(ext.to_ascii_lowercase());
    }
    let lower = std::str::from_utf8(ext).ok()?.to_lowercase();
    lower.is_ascii().then(|| lower.into_bytes())
}

fn lookup(table: &[(&str, &'static str)], key: &[u8]) -> Option<&'static str> {
    table
        .binary_search_by(|(k, _)| k.as_bytes().cmp(key))
        .ok()
        .map(|i| table[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::cpython311;

    #[test]
    fn no_key_is_longer_than_the_fast_path_buffer() {
        for (key, _) in TYPES.iter().chain(HANDLER_MAP).chain(SUFFIX_MAP) {
            assert!(key.len() <= MAX_KEY, "{key}");
        }
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for table in [HANDLER_MAP, SUFFIX_MAP, TYPES] {
            assert!(
                table
                    .windows(2)
                    .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
            );
        }
    }

    #[test]
    fn examples() {
        assert_eq!(guess_type(b"index.html"), "text/html");
        assert_eq!(guess_type(b"INDEX.HTML"), "text/html");
        assert_eq!(guess_type(b"a.tar.gz"), "application/gzip");
        assert_eq!(guess_type(b"a.GZ"), "application/gzip");
        assert_eq!(guess_type(b"a.Z"), "application/octet-stream");
        assert_eq!(guess_type(b"a.tgz"), "application/x-tar");
        assert_eq!(guess_type(b"a.svgz"), "image/svg+xml");
        assert_eq!(guess_type(b"a.js.br"), "application/javascript");
        assert_eq!(guess_type(b"Makefile"), DEFAULT_TYPE);
        assert_eq!(guess_type(b".bashrc"), DEFAULT_TYPE);
        assert_eq!(guess_type(b"dir.d/README"), DEFAULT_TYPE);
        assert_eq!(guess_type(b"a.\xff"), DEFAULT_TYPE);
        assert_eq!(guess_type(b""), DEFAULT_TYPE);
        assert_eq!(split_ext(b"..a.b"), (&b"..a"[..], &b".b"[..]));
        assert_eq!(split_ext(b"x/..b"), (&b"x/..b"[..], &b""[..]));
    }

    /// Every extension in the table, in several spellings, plus tricky names, against CPython
    /// 3.11's own `SimpleHTTPRequestHandler.guess_type` with no system mime.types.
    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn matches_python_for_every_extension() {
        let mut names: Vec<String> = Vec::new();
        for (ext, _) in TYPES.iter().chain(HANDLER_MAP).chain(SUFFIX_MAP) {
            names.push(format!("f{ext}"));
            names.push(format!("f{}", ext.to_uppercase()));
            names.push(format!("dir.x/f.tar{ext}"));
            names.push(format!("f{ext}.gz"));
            names.push(format!("f{ext}.br"));
            names.push(format!("f{ext}.Z"));
            names.push(format!("f{ext}.BR"));
        }
        for extra in [
            "noext",
            ".bashrc",
            ".tgz",
            "..tgz",
            "a.",
            "a..",
            "a.Tar.Gz",
            "a.TGZ",
            "a.Svgz",
            "x.\u{212a}sh",
            "x.unknownext",
            "x.\u{130}",
            "dir.d/file",
            "a.tar.bz2",
            "a.tbz2",
            "a.txz",
            "a.taz",
            "a.tz",
            "a.tar.xz",
            "a.br",
            "a.z",
            "a.bZ2",
            "a.gz.gz",
            "a.tgz.gz",
            "a b.html",
            "\u{e9}.JSON",
            "a.h\u{e9}",
        ] {
            names.push(extra.to_owned());
        }
        let script = "import sys, mimetypes, http.server\n\
            mimetypes.knownfiles = []\n\
            mimetypes.init()\n\
            H = http.server.SimpleHTTPRequestHandler\n\
            h = H.__new__(H)\n\
            for n in sys.argv[1:]: print(h.guess_type('/srv/' + n))\n";
        let out = cpython311()
            .args(["-c", script])
            .args(&names)
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let python = String::from_utf8(out.stdout).expect("utf-8");
        let python: Vec<&str> = python.lines().collect();
        assert_eq!(python.len(), names.len());
        for (name, want) in names.iter().zip(python) {
            assert_eq!(guess_type(name.as_bytes()), want, "{name}");
        }
    }
}
