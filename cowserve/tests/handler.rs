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
        ("/?cow=nosuchcow", "the cows are: "),
        ("/?width=0", "from 2 to 200"),
        ("/?width=100000", "from 2 to 200"),
        ("/?eyes=abc", "one or two characters"),
        ("/?colour=red", "the parameters are"),
        ("/?message=%ff%fe", "UTF-8"),
    ];
    for (path, says) in cases {
        let response = get(&handler, path, &["Accept: */*"]);
        assert_eq!(response.status, 400, "{path}");
        let text = response.text();
        assert!(text.contains(says), "{path}: {text}");
        assert!(!text.contains("root:x:0:0"));
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
