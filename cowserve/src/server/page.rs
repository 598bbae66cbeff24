//! The cow's page as HTML, plain text or JSON.

use servekit::escape::{escape_html, push_json_string};

/// A valid HTML5 page with the cow in a monospace block whose font is sized from the widest
/// line, so even a 76-column cow fits a phone without wrapping or scrolling, and a small one is
/// not tiny on a desktop.
pub fn html(cow_text: &str) -> String {
    let columns = cow_text
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut page = String::with_capacity(cow_text.len() + 1024);
    page.push_str(HEAD);
    page.push_str(&format!(
        "<pre id=\"cow\" style=\"--cols:{}\">",
        columns.max(1)
    ));
    page.push_str(&escape_html(cow_text));
    page.push_str(TAIL);
    page
}

const HEAD: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>cowserve</title>
<style>
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;background:#fdf6e3;color:#073642;font-family:system-ui,sans-serif}
pre{margin:0;padding:1rem;max-width:100vw;box-sizing:border-box;overflow-x:auto;font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:clamp(6px,calc((100vw - 2rem) / (var(--cols) * 0.61)),18px);line-height:1.25}
a{color:#268bd2;margin:1rem}
</style>
</head>
<body>
<main>
";

const TAIL: &str = "</pre>
</main>
<a href=\"\">Another one</a>
</body>
</html>
";

/// `{"message": ..., "cow": ..., "rendered": ...}` and a newline.
pub fn json(message: &str, cow: &str, cow_text: &str) -> String {
    let mut out = String::with_capacity(cow_text.len() * 2 + message.len() + 64);
    out.push_str("{\"message\":");
    push_json_string(&mut out, message);
    out.push_str(",\"cow\":");
    push_json_string(&mut out, cow);
    out.push_str(",\"rendered\":");
    push_json_string(&mut out, cow_text);
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_inside_pre() {
        let page = html("< <script>alert(1)</script> & >");
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(page.contains(
            "<pre id=\"cow\" style=\"--cols:31\">&lt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &gt;</pre>"
        ));
        assert_eq!(page.matches("<script").count(), 0);
    }

    #[test]
    fn json_fields() {
        assert_eq!(
            json("hi \"you\"", "default", " __\n< hi >\n"),
            "{\"message\":\"hi \\\"you\\\"\",\"cow\":\"default\",\"rendered\":\" __\\n\\u003c hi \\u003e\\n\"}\n"
        );
    }
}
