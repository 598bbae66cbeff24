//! Nothing outside the served directory is ever readable, whatever the request says.

use e2e::http::{Connection, request};
use e2e::server::Server;
use testkit::Tree;

const SECRET: &str = "TOP-SECRET-CONTENTS";

/// `outer/secret.txt` and `outer/private/` lie outside `outer/served/`, which has symlinks
/// pointing out of it in every way.
fn tree() -> Tree {
    let tree = Tree::new("traversal");
    tree.file("secret.txt", SECRET)
        .file("private/key", SECRET)
        .file("served/ok.txt", "fine")
        .file("served/sub/inner.txt", "inner")
        .symlink("../secret.txt", "served/up-file")
        .symlink("..", "served/up-dir")
        .symlink("../private", "served/private-dir")
        .symlink(
            tree.at("secret.txt").as_os_str().as_encoded_bytes(),
            "served/absolute-out",
        )
        .symlink("/etc/passwd", "served/passwd")
        .symlink("sub/../../secret.txt", "served/sneaky")
        .symlink("loop-b", "served/loop-a")
        .symlink("loop-a", "served/loop-b")
        .symlink("inner.txt", "served/sub/fine-link");
    tree
}

fn attacks() -> Vec<String> {
    let mut paths: Vec<String> = [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2e/secret.txt",
        "/.%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/..\\secret.txt",
        "//../secret.txt",
        "/./../secret.txt",
        "/sub/./../../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/ok.txt%00../../secret.txt",
        "/%00",
        "/up-file",
        "/up-dir/secret.txt",
        "/up-dir/",
        "/private-dir/key",
        "/private-dir/",
        "/absolute-out",
        "/passwd",
        "/sneaky",
        "/loop-a",
        "/up-dir/served/ok.txt",
        "/../../../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    paths.push(format!("/{}secret.txt", "../".repeat(200)));
    paths.push(format!("/{}", "a/".repeat(3000)));
    paths.push(format!("/{}", "%2e%2e/".repeat(500)));
    paths
}

#[test]
fn every_traversal_is_refused() {
    let tree = tree();
    let server = Server::start("dirserve", &["-d", &format!("{}/served", tree.path_str())]);
    for path in attacks() {
        let raw = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut conn = Connection::open(server.addr);
        conn.send(raw.as_bytes());
        // Some of these hyper rejects before dirserve sees them; a closed connection is a refusal.
        if let Some(response) = conn.read_response(false) {
            assert!(
                [400, 403, 404, 414, 431].contains(&response.status),
                "{path}: {} {}",
                response.status,
                response.text()
            );
            assert!(
                !response.text().contains(SECRET),
                "{path} leaked the secret"
            );
            assert!(
                !response.text().contains("root:x:0:0"),
                "{path} leaked /etc/passwd"
            );
        }
    }
    // Still serving, and links that stay inside are followed.
    assert_eq!(
        request(
            server.addr,
            "GET /ok.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .text(),
        "fine"
    );
    assert_eq!(
        request(
            server.addr,
            "GET /sub/fine-link HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .text(),
        "inner"
    );
}

#[test]
fn absolute_form_targets_cannot_reach_out() {
    let tree = tree();
    let server = Server::start("dirserve", &["-d", &format!("{}/served", tree.path_str())]);
    for target in [
        "http://localhost/../secret.txt",
        "http://localhost/%2e%2e/secret.txt",
        "file:///etc/passwd",
        "*",
    ] {
        let raw = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut conn = Connection::open(server.addr);
        conn.send(raw.as_bytes());
        if let Some(response) = conn.read_response(false) {
            assert_ne!(response.status, 200, "{target}");
            assert!(!response.text().contains(SECRET), "{target}");
        }
    }
}

#[test]
fn escaping_symlinks_are_refused_with_a_reason() {
    let tree = tree();
    let server = Server::start("dirserve", &["-d", &format!("{}/served", tree.path_str())]);
    for path in ["/up-file", "/absolute-out", "/passwd", "/private-dir/key"] {
        let response = request(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(response.status, 403, "{path}");
    }
}

/// Serving `/` (as python's alpine_web did) must not expose /proc or /sys.
#[test]
fn proc_and_sys_are_never_served() {
    let server = Server::start("dirserve", &["-d", "/"]);
    for path in [
        "/proc/self/environ",
        "/proc/self/cmdline",
        "/proc/1/environ",
        "/proc/",
        "/sys/",
        "/sys/kernel/",
        "/dev/zero",
        "/dev/null",
        "/dev/urandom",
    ] {
        let response = request(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert!(
            [403, 404].contains(&response.status),
            "{path}: {}",
            response.status
        );
    }
    // The root itself lists.
    let root = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(root.status, 200);
    assert!(root.text().contains("Directory listing for /"));
}

/// A listing describes a link that leaves the served directory without following it (issue 12):
/// no `/` after a link to a directory outside, so a visitor cannot tell an outside directory
/// from an outside file or from nothing at all. Links that stay inside are followed, as python
/// does.
#[test]
fn listings_do_not_follow_links_out_of_the_root() {
    let tree = tree();
    tree.symlink("sub", "served/in-dir")
        .symlink("../nowhere", "served/out-nowhere");
    let server = Server::start("dirserve", &["-d", &format!("{}/served", tree.path_str())]);
    let html = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(html.status, 200);
    let html = html.text();
    for outside in [
        "up-dir",
        "private-dir",
        "up-file",
        "absolute-out",
        "passwd",
        "sneaky",
        "out-nowhere",
        "loop-a",
    ] {
        let line = format!("<li><a href=\"{outside}\">{outside}@</a></li>\n");
        assert!(
            html.contains(&line),
            "{outside} is not listed as {line:?}:\n{html}"
        );
    }
    assert!(
        html.contains("<li><a href=\"in-dir/\">in-dir@</a></li>\n"),
        "{html}"
    );
    assert!(
        html.contains("<li><a href=\"sub/\">sub/</a></li>\n"),
        "{html}"
    );
    let json = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
    )
    .text();
    for outside in ["up-dir", "private-dir", "up-file", "out-nowhere"] {
        let fields =
            format!("{{\"name\":\"{outside}\",\"href\":\"{outside}\",\"type\":\"symlink\",");
        assert!(json.contains(&fields), "{outside}: {json}");
    }
    assert!(
        json.contains("{\"name\":\"in-dir\",\"href\":\"in-dir/\",\"type\":\"symlink\","),
        "{json}"
    );
    // And what the listing offers is what a request gets: the outside link is refused.
    let followed = request(
        server.addr,
        "GET /up-dir HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(followed.status, 403);
}
