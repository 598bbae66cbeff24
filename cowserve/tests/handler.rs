//! The cow page's handler called in-process (`servekit::testing`): bad queries and what no query
//! can make it send. No socket: what crosses one is tested end to end in
//! `tests/tests/cowserve_server.rs`.

use cowserve::server::CowHandler;
use servekit::testing::{answer, get, request};

fn handler() -> CowHandler {
    CowHandler::builtin().expect("the built-in cows and fortunes")
}

#[test]
fn bad_queries_get_400_saying_what_is_allowed() {
    let handler = handler();
    let cases: &[(&str, &str)] = &[
        ("/?mode=happy", "borg, dead, greedy"),
        ("/?cow=../../etc/passwd", "no cow called"),
        ("/?cow=%2Fetc%2Fpasswd", "no cow called"),
        ("/?cow=nosuchcow", "/cows lists the cows"),
        ("/?width=0", "from 2 to 200"),
        ("/?width=100000", "from 2 to 200"),
        ("/?eyes=abc", "one or two characters"),
        ("/?flavour=red", "the parameters are"),
        ("/?color=red", "none or rainbow"),
        ("/?colour=blue", "none or rainbow"),
        ("/?color=rainbow&format=html", "plain text only"),
        ("/?format=json&colour=rainbow", "plain text only"),
        ("/?message=%ff%fe", "UTF-8"),
    ];
    for (path, says) in cases {
        let response = get(&handler, path, &["Accept: */*"]);
        assert_eq!(response.status, 400, "{path}");
        let text = response.text();
        assert!(text.contains(says), "{path}: {text}");
        assert!(!text.contains("root:x:0:0"));
        assert!(text.len() <= 2048, "{path}: {} bytes", text.len());
    }
    let long = format!("/?message={}", "a".repeat(1001));
    assert_eq!(get(&handler, &long, &[]).status, 400);
    assert_eq!(get(&handler, "/nope", &[]).status, 404);
    let post = answer(&handler, &request("POST", "/", &["Content-Length: 0"]));
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_eq!(get(&handler, "/?message=ok", &[]).status, 200);
}

/// A message of combining marks at width 2 would draw each mark on a line of its own: 1 KB of
/// query, a 171 KB cow. Such a balloon is refused with a 400 that says why; ordinary text at the
/// narrowest width still draws, in every format.
#[test]
fn no_query_is_amplified() {
    let handler = handler();
    let marks = "%E3%80%AE".repeat(166);
    let attack = format!("/?message=a{marks}{}&width=2", "b".repeat(501));
    for accept in ["*/*", "text/html", "application/json"] {
        let response = get(&handler, &attack, &[&format!("Accept: {accept}")]);
        assert_eq!(response.status, 400, "{accept}");
        assert!(
            response.bytes().len() <= 20 * attack.len(),
            "{accept}: {} bytes back for {}",
            response.bytes().len(),
            attack.len()
        );
        assert!(
            response.text().contains("wider width"),
            "{}",
            response.text()
        );
    }
    for query in [
        format!("message={}&width=2", "a".repeat(1000)),
        format!("message={}&width=2", "%E4%B8%AD".repeat(333)),
        format!("message={}", "word%20".repeat(200)),
    ] {
        let path = format!("/?{query}");
        let response = get(&handler, &path, &["Accept: */*"]);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        assert!(response.bytes().len() <= 20 * path.len(), "{path}");
    }
}

/// Every control sequence taken out of `text` (`ESC [`, parameters, final byte).
fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        assert_eq!(chars.next(), Some('['), "{text:?}");
        for c in chars.by_ref() {
            if ('@'..='~').contains(&c) {
                break;
            }
        }
    }
    out
}

/// `?color=rainbow` colours the plain text: without its escapes it is the uncoloured answer byte
/// for byte, and each line that sets a colour ends with a reset. `colour` is the same.
#[test]
fn rainbow_colours_the_plain_text() {
    let handler = handler();
    let query = "/?message=The+quick+brown+fox+jumps+over+the+lazy+dog&cow=whale&width=20";
    let plain = get(&handler, query, &["Accept: */*"]);
    assert_eq!(plain.status, 200);
    assert!(!plain.text().contains('\x1b'));
    for colour in [
        "color=rainbow",
        "colour=rainbow",
        "color=rainbow&format=text",
    ] {
        for accept in ["*/*", "text/plain", "text/html"] {
            if accept == "text/html" && !colour.contains("format=text") {
                continue;
            }
            let coloured = get(
                &handler,
                &format!("{query}&{colour}"),
                &[&format!("Accept: {accept}")],
            );
            assert_eq!(coloured.status, 200, "{colour}");
            assert_eq!(
                coloured.header("content-type"),
                Some("text/plain; charset=utf-8")
            );
            let text = coloured.text();
            assert!(text.contains("\x1b[38;5;"), "{colour}: {text:?}");
            assert_eq!(strip_escapes(&text), plain.text(), "{colour}");
            for line in text.lines() {
                assert_eq!(line.contains('\x1b'), line.ends_with("\x1b[0m"), "{line:?}");
            }
        }
    }
    let none = get(&handler, &format!("{query}&color=none"), &["Accept: */*"]);
    assert_eq!(none.text(), plain.text());
}

/// HTML and JSON never carry an escape: asked for by `Accept`, the colour is ignored (a link made
/// for curl still opens in a browser); asked for by `format`, it is a 400 (tested above).
#[test]
fn no_colour_in_html_or_json() {
    let handler = handler();
    let query = "/?message=Moo&cow=whale&color=rainbow";
    for (accept, content_type) in [
        ("text/html", "text/html; charset=utf-8"),
        ("application/json", "application/json"),
    ] {
        let coloured = get(&handler, query, &[&format!("Accept: {accept}")]);
        let plain = get(
            &handler,
            "/?message=Moo&cow=whale",
            &[&format!("Accept: {accept}")],
        );
        assert_eq!(coloured.status, 200, "{accept}");
        assert_eq!(coloured.header("content-type"), Some(content_type));
        assert_eq!(coloured.text(), plain.text(), "{accept}");
        let text = coloured.text();
        assert!(
            !text.contains('\x1b') && !text.contains("\\u001b"),
            "{accept}: {text}"
        );
    }
}

/// `?cow=random`: a new cow per request, always one of `/cows`, named in the JSON; over 200
/// requests the page shows more than one, and every one of the built-in cows.
#[test]
fn random_cow_per_request() {
    let handler = handler();
    let cows = get(&handler, "/cows", &[]).text();
    let names: Vec<&str> = cows.lines().collect();
    let mut seen = vec![0; names.len()];
    for _ in 0..200 {
        let json = get(
            &handler,
            "/?message=Moo&cow=random",
            &["Accept: application/json"],
        );
        assert_eq!(json.status, 200);
        let text = json.text();
        let Some(cow) = names
            .iter()
            .position(|name| text.contains(&format!("\"cow\":\"{name}\"")))
        else {
            panic!("not one of {names:?}: {text}");
        };
        seen[cow] += 1;
    }
    assert!(seen.iter().all(|&n| n > 0), "{names:?}: {seen:?}");
    let text = get(
        &handler,
        "/?message=Moo&cow=random&color=rainbow",
        &["Accept: */*"],
    );
    assert_eq!(text.status, 200);
    assert!(strip_escapes(&text.text()).contains("< Moo >"));
}

/// Colour adds a bounded number of bytes: at most a few times the plain answer, even for the
/// narrowest balloon.
#[test]
fn colour_is_not_an_amplifier() {
    let handler = handler();
    for query in [
        format!("message={}&width=2", "a".repeat(1000)),
        format!("message={}&width=2", "%E4%B8%AD".repeat(333)),
        format!("message={}", "word%20".repeat(140)),
    ] {
        let plain = get(&handler, &format!("/?{query}"), &["Accept: */*"]);
        let coloured = get(
            &handler,
            &format!("/?{query}&color=rainbow"),
            &["Accept: */*"],
        );
        assert_eq!(coloured.status, 200, "{query}: {}", coloured.text());
        let (plain, coloured) = (plain.bytes().len(), coloured.bytes().len());
        assert!(
            coloured <= 6 * plain,
            "{query}: {plain} bytes plain, {coloured} coloured"
        );
    }
}
