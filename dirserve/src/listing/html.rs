//! The directory listing page, byte for byte as CPython 3.11's
//! `SimpleHTTPRequestHandler.list_directory` writes it, so scripts and tests that scrape
//! `python3 -m http.server` keep working.
//!
//! Deviations from CPython, on purpose:
//! - Links to names that are not UTF-8. CPython writes the href of byte `0x80` as `%ED%B2%80`
//!   (its internal surrogate, UTF-8 encoded), which only CPython itself maps back to the file;
//!   we write `%80`, the raw bytes percent-encoded ([`super::href()`]), which any client or mirror
//!   tool decodes back to exactly the file's name. The link text is the same raw bytes CPython
//!   writes.
//! - A title whose percent-decoded path holds an encoded UTF-16 surrogate (`%ED%B2%80`): CPython
//!   writes raw bytes there, or fails with an exception; we write U+FFFD, as for any other
//!   invalid UTF-8 (where CPython does the same).
//! - A symlink that leaves the served directory (or that dirserve would refuse to follow: an
//!   absolute one) never gets the `/` of a directory, even if it points to one: CPython follows it
//!   and so tells anyone whether that outside path exists and is a directory. It is listed like
//!   a link to a file, `name@` linking to `name`; links that stay inside are listed as CPython
//!   lists them.
//!
//! Opt-in (`--dark-mode`), the head also carries the style CPython 3.14 added to its page,
//! `color-scheme: light dark`, so browsers draw the page in their own dark colours when the
//! system is in dark mode; the rest of the page is 3.11's, unchanged (3.14 also drops the query
//! from the title; we do not).
//!
//! Like CPython, the title is built from the full request target *including the query string*
//! (`/dir/?x=1` is titled "Directory listing for /dir/?x=1"). Kept for byte-for-byte parity; it
//! is harmless because the title is HTML-escaped: neither a name nor a query can produce markup.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use servekit::escape::{escape_html, escape_html_bytes};

use super::href::push_href;
use super::{Entry, Kind};

/// Renders the listing page for a directory: [`page_head`], a [`write_item`] per entry,
/// [`PAGE_TAIL`].
///
/// `request_target` is the request target as received, still percent-encoded: CPython uses the
/// path *and* query (`self.path`); pass the same for identical pages. `entries` must already be
/// sorted (as [`super::read_listing`] returns them). The server sends the head apart from the
/// rest (which is cached, or made as it is sent), so this whole page is for the tests.
#[cfg(test)]
pub fn render_html<'a>(
    request_target: &str,
    entries: impl IntoIterator<Item = Entry<'a>>,
) -> Vec<u8> {
    let mut page = page_head(request_target, false);
    for entry in entries {
        write_item(&mut page, entry);
    }
    page.extend_from_slice(PAGE_TAIL);
    page
}

/// Everything after the list.
pub const PAGE_TAIL: &[u8] = b"</ul>\n<hr>\n</body>\n</html>\n";

/// What CPython 3.14 puts between the charset and the title: the page follows the browser's
/// light or dark scheme.
const DARK_MODE_STYLE: &[u8] =
    b"<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n";

/// Everything before the list; the only part that depends on the request (its title). With
/// `dark_mode`, the page follows the system's dark mode ([`DARK_MODE_STYLE`]).
pub fn page_head(request_target: &str, dark_mode: bool) -> Vec<u8> {
    let display = display_path(request_target);
    let title = escape_html(&display);
    let mut out = Vec::with_capacity(224 + 2 * title.len());
    out.extend_from_slice(
        b"<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
    );
    if dark_mode {
        out.extend_from_slice(DARK_MODE_STYLE);
    }
    out.extend_from_slice(b"<title>Directory listing for ");
    out.extend_from_slice(title.as_bytes());
    out.extend_from_slice(b"</title>\n</head>\n<body>\n<h1>Directory listing for ");
    out.extend_from_slice(title.as_bytes());
    out.extend_from_slice(b"</h1>\n<hr>\n<ul>\n");
    out
}

/// One entry's `<li>` line: the lines depend on the directory alone, so they can be cached per
/// directory.
pub fn write_item(out: &mut Vec<u8>, entry: Entry<'_>) {
    out.extend_from_slice(b"<li><a href=\"");
    push_href(out, entry);
    out.extend_from_slice(b"\">");
    out.extend_from_slice(&escape_html_bytes(entry.name));
    match entry.kind {
        Kind::Dir => out.push(b'/'),
        Kind::Symlink { .. } => out.push(b'@'),
        Kind::File | Kind::Other => {}
    }
    out.extend_from_slice(b"</a></li>\n");
}

/// CPython's `urllib.parse.unquote(self.path, errors='surrogatepass')`, falling back to
/// `errors='replace'`: decoded once, invalid escapes left as written, invalid UTF-8 as U+FFFD.
fn display_path(target: &str) -> Cow<'_, str> {
    if !target.contains('%') {
        return Cow::Borrowed(target);
    }
    let bytes: Cow<'_, [u8]> = percent_decode_str(target).into();
    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::href::HREF_KEEP;
    use crate::listing::{Links, Sorted, href, read_listing};
    use crate::resolve::ServedRoot;
    use percent_encoding::percent_encode;
    use servekit::substring;
    use std::fs::File;
    use std::path::Path;
    use std::time::UNIX_EPOCH;
    use testkit::{Tree, cpython311};

    /// Runs CPython's own `list_directory` on `dir` with `self.path = target`.
    fn python_listing(dir: &Path, target: &str) -> Vec<u8> {
        let script = "import sys, http.server\n\
            H = http.server.SimpleHTTPRequestHandler\n\
            h = H.__new__(H)\n\
            h.send_response = h.send_header = lambda *a: None\n\
            h.end_headers = lambda: None\n\
            h.path = sys.argv[2]\n\
            sys.stdout.buffer.write(h.list_directory(sys.argv[1]).read())\n";
        let out = cpython311()
            .args(["-c", script])
            .arg(dir)
            .arg(target)
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "python: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// The listing of the root `dir` itself.
    fn entries(dir: &Path) -> Sorted {
        let root = ServedRoot::open(dir).expect("open root");
        let links = Links::new(&root, b"");
        read_listing(&File::open(dir).expect("open dir"), &links).expect("list")
    }

    fn ours(dir: &Path, target: &str) -> Vec<u8> {
        render_html(target, entries(dir).iter())
    }

    fn assert_same(ours: &[u8], python: &[u8], what: &str) {
        assert!(
            ours == python,
            "{what}: differs from CPython\n--- ours\n{}\n--- python\n{}",
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(python)
        );
    }

    /// A tree of names that need escaping, quoting, case folding and `@`/`/` marks.
    fn utf8_fixture() -> Tree {
        let t = Tree::new("listing-html");
        for name in [
            "plain.txt",
            "with space.txt",
            "hash#.txt",
            "q?.txt",
            "pct%41.txt",
            "amp&amp;.txt",
            "dq\".txt",
            "sq'.txt",
            "<script>alert(1)</script>",
            "caf\u{e9}.txt",
            "\u{65e5}\u{672c}",
            "UPPER.TXT",
            "lower.txt",
            "Mixed.Case",
            "tab\tname",
            "new\nline",
            "~tilde",
            "-dash",
            "back\\slash",
            "a+b=c;d,e",
            "\u{130}dir-file",
            "gt>lt<",
        ] {
            t.file(name, b"x");
        }
        t.dir("sub").dir("Sub Two").dir("<b>dir</b>");
        t.symlink("plain.txt", "link-to-file")
            .symlink("sub", "link-to-dir")
            .symlink("no such target", "broken link")
            .fifo("a fifo");
        t
    }

    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn identical_to_cpython() {
        let t = utf8_fixture();
        for target in [
            "/",
            "/sub/",
            "/a%20b/",
            "/%3Cscript%3Ealert(1)%3C/script%3E/",
            "/dir/?q=%3Cscript%3E&x=<b>",
            "/caf%C3%A9/",
            "/%zz/",
            "/a&b/",
            "/%80/",
            "/%C3/",
            "/x%E2%82/y/",
            "/%25/",
            "/a#frag/",
        ] {
            let python = python_listing(t.path(), target);
            assert_same(&ours(t.path(), target), &python, target);
        }
    }

    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn empty_directory_identical_to_cpython() {
        let t = Tree::new("listing-html-empty");
        let python = python_listing(t.path(), "/");
        assert_same(&ours(t.path(), "/"), &python, "empty");
    }

    /// CPython's href for a name that is not UTF-8: each stray byte as its surrogate, UTF-8
    /// encoded (`0x80` -> `%ED%B2%80`).
    fn cpython_href(entry: Entry<'_>) -> String {
        let mut out = String::new();
        for chunk in entry.name.utf8_chunks() {
            out.push_str(&percent_encode(chunk.valid().as_bytes(), HREF_KEEP).to_string());
            for &b in chunk.invalid() {
                out.push_str(&format!(
                    "%ED%{:02X}%{:02X}",
                    0xB0 | (b >> 6),
                    0x80 | (b & 0x3F)
                ));
            }
        }
        if matches!(entry.kind, Kind::Dir | Kind::Symlink { to_dir: true }) {
            out.push('/');
        }
        out
    }

    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn non_utf8_names_differ_from_cpython_only_in_href() {
        let t = Tree::new("listing-html-raw");
        t.file(b"latin1-caf\xe9", b"x")
            .file(b"\xff\xfe", b"x")
            .file(b"ok-\xc3\xa9", b"x")
            .dir(b"dir-\x80")
            .symlink(b"dir-\x80", b"link-\x81");
        let python = python_listing(t.path(), "/");
        let entries = entries(t.path());
        let mut ours = render_html("/", entries.iter());
        for e in entries.iter() {
            let (mine, theirs) = (href(e), cpython_href(e));
            if mine != theirs {
                let needle = format!("href=\"{mine}\"");
                let at =
                    substring::find(&ours, needle.as_bytes()).expect("our href is in the page");
                ours.splice(
                    at..at + needle.len(),
                    format!("href=\"{theirs}\"").into_bytes(),
                );
            }
        }
        assert_same(&ours, &python, "non-UTF-8 names");
    }

    /// Links out of the served directory lose their `/` (CPython follows them); the rest of the
    /// page, links inside included, is CPython's.
    #[test]
    #[ignore = "compares with CPython 3.11: tests/run.sh runs it (cargo test -p dirserve -- --ignored)"]
    fn links_out_of_the_root_differ_from_cpython_only_in_their_slash() {
        let t = Tree::new("listing-html-out");
        t.dir("outside")
            .dir("served/sub")
            .symlink("/", "served/abs-to-root")
            .symlink("..", "served/parent")
            .symlink("../outside", "served/up-dir")
            .symlink("../nowhere", "served/up-broken")
            .symlink("sub", "served/in-dir");
        let served = t.at("served");
        let python = python_listing(&served, "/");
        let mut python = String::from_utf8(python).expect("UTF-8 page");
        for name in ["abs-to-root", "parent", "up-dir"] {
            let (followed, described) = (format!("\"{name}/\""), format!("\"{name}\""));
            assert!(python.contains(&followed), "CPython follows {name}");
            python = python.replace(&followed, &described);
        }
        let ours = ours(&served, "/");
        assert_same(&ours, python.as_bytes(), "links out of the root");
        assert!(
            python.contains("href=\"in-dir/\""),
            "inside links keep theirs"
        );
    }

    /// The dark page is 3.11's with python 3.14's `r.append('<style ...</style>')` line, joined
    /// with `\n`, after the charset; the rest unchanged.
    #[test]
    fn dark_mode_adds_python_3_14s_style_and_nothing_else() {
        let target = "/d%20ir/?sort=size";
        let light = String::from_utf8(page_head(target, false)).expect("utf-8");
        let dark = String::from_utf8(page_head(target, true)).expect("utf-8");
        let style = "<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>";
        let charset = "<meta charset=\"utf-8\">\n";
        assert_eq!(
            dark,
            light.replacen(charset, &format!("{charset}{style}\n"), 1)
        );
        assert!(light.starts_with("<!DOCTYPE HTML>"), "{light}");
        assert!(!light.contains("style"), "the default page is 3.11's");
    }

    #[test]
    fn nothing_a_client_or_a_name_sends_becomes_markup() {
        let e = Entry {
            name: b"<img src=x onerror=alert(1)>&\"'",
            kind: Kind::Symlink { to_dir: true },
            size: 0,
            modified: UNIX_EPOCH,
        };
        let page = render_html("/%3Cscript%3E/?<script>=%3C/title%3E", [e]);
        let page = String::from_utf8(page).expect("utf-8");
        let tags: Vec<&str> = page.match_indices('<').map(|(i, _)| &page[i..]).collect();
        for tag in tags {
            let allowed = [
                "<!DOCTYPE",
                "<html",
                "</html",
                "<head",
                "</head",
                "<meta",
                "<title",
                "</title",
                "<body",
                "</body",
                "<h1",
                "</h1",
                "<hr",
                "<ul",
                "</ul",
                "<li",
                "</li",
                "<a ",
                "</a",
            ];
            assert!(
                allowed.iter().any(|a| tag.starts_with(a)),
                "markup leaked: {tag:.40}"
            );
        }
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;&amp;\"'@</a>"));
        assert!(page.contains("href=\"%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%26%22%27/\""));
    }
}
