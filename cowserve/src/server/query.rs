//! The cow page's query string, checked into a [`CowQuery`]: every value is validated here and a
//! bad one becomes a message that says what is allowed, quoting at most the start of what was
//! sent (`servekit::error::quoted`), so a 4 KB value never crowds out the rest.
//!
//! `cow=random` asks for any cow (picked per request, by `served_cows`). `color=rainbow` (or
//! `colour=`) colours the plain-text answer for a terminal; HTML and JSON never carry escapes.
//! When the format comes from `Accept` (a browser), the colour is ignored, so a link made for
//! curl still opens in a browser; asked for together with `format=html` or `format=json`, it is
//! a 400, since the two cannot both be honoured.

use crate::cowsay::Mode;
use percent_encoding::percent_decode;
use servekit::error::quoted;

/// Longest message a visitor may send, in bytes once decoded.
pub const MAX_MESSAGE_BYTES: usize = 1000;
/// Narrowest and widest wrap width (`-W`) a visitor may ask for.
pub const WIDTH_RANGE: std::ops::RangeInclusive<usize> = 2..=200;
/// Longest query string read at all.
const MAX_QUERY_BYTES: usize = 4096;

/// How the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Text,
    Json,
}

/// The colours of the plain-text answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Colour {
    /// No escapes: the text as cowsay prints it.
    #[default]
    None,
    /// A rainbow of ANSI 256-colour escapes (`rainbow`).
    Rainbow,
}

/// Everything a visitor can ask of the cow.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CowQuery {
    /// What the cow says; a fresh fortune when absent.
    pub message: Option<String>,
    /// A cow from the catalog, by name (never a path).
    pub cow: Option<String>,
    pub think: bool,
    pub modes: Vec<Mode>,
    pub eyes: Option<String>,
    pub tongue: Option<String>,
    pub width: Option<usize>,
    /// Overrides the `Accept` header.
    pub format: Option<Format>,
    /// Only for plain text (see the module's docs).
    pub colour: Colour,
}

/// The parameters, for the error messages.
pub const PARAMETERS: &str = "message, cow, think, mode, eyes, tongue, width, format, color";

const MODES: &str = "borg, dead, greedy, paranoid, stoned, tired, wired, youthful";

impl CowQuery {
    /// Parses `a=1&b=2` (`+` is a space, `%XX` escapes as in forms).
    pub fn parse(query: Option<&str>) -> Result<CowQuery, String> {
        let mut parsed = CowQuery::default();
        let Some(query) = query.filter(|q| !q.is_empty()) else {
            return Ok(parsed);
        };
        if query.len() > MAX_QUERY_BYTES {
            return Err(format!("the query is longer than {MAX_QUERY_BYTES} bytes"));
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).ok_or_else(|| format!("{}: not valid UTF-8", quoted(key)))?;
            match key {
                "message" => {
                    if value.len() > MAX_MESSAGE_BYTES {
                        return Err(format!(
                            "message: at most {MAX_MESSAGE_BYTES} bytes, got {}",
                            value.len()
                        ));
                    }
                    parsed.message = Some(value);
                }
                "cow" => parsed.cow = Some(value),
                "think" => parsed.think = parse_flag("think", &value)?,
                "mode" => parsed.modes.push(parse_mode(&value)?),
                "eyes" => parsed.eyes = Some(face_part("eyes", value)?),
                "tongue" => parsed.tongue = Some(face_part("tongue", value)?),
                "width" => parsed.width = Some(parse_width(&value)?),
                "format" => {
                    parsed.format = Some(match value.as_str() {
                        "html" => Format::Html,
                        "text" => Format::Text,
                        "json" => Format::Json,
                        _ => {
                            return Err(format!(
                                "format: html, text or json, not {}",
                                quoted(&value)
                            ));
                        }
                    })
                }
                "color" | "colour" => parsed.colour = parse_colour(key, &value)?,
                _ => {
                    return Err(format!(
                        "unknown parameter {}; the parameters are {PARAMETERS}",
                        quoted(key)
                    ));
                }
            }
        }
        if let (Colour::Rainbow, Some(format @ (Format::Html | Format::Json))) =
            (parsed.colour, parsed.format)
        {
            let format = if format == Format::Html {
                "html"
            } else {
                "json"
            };
            return Err(format!(
                "color=rainbow colours plain text only: ask for format=text, or drop \
                 format={format} or the colour"
            ));
        }
        Ok(parsed)
    }
}

fn decode(value: &str) -> Option<String> {
    let spaced = value.replace('+', " ");
    percent_decode(spaced.as_bytes())
        .decode_utf8()
        .ok()
        .map(|v| v.into_owned())
}

fn parse_flag(name: &str, value: &str) -> Result<bool, String> {
    match value {
        "" | "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{name}: 1 or 0, not {}", quoted(value))),
    }
}

/// `color` or `colour` (named as the visitor wrote it).
fn parse_colour(key: &str, value: &str) -> Result<Colour, String> {
    match value {
        "none" => Ok(Colour::None),
        "rainbow" => Ok(Colour::Rainbow),
        _ => Err(format!("{key}: none or rainbow, not {}", quoted(value))),
    }
}

fn parse_mode(value: &str) -> Result<Mode, String> {
    Ok(match value {
        "b" | "borg" => Mode::Borg,
        "d" | "dead" => Mode::Dead,
        "g" | "greedy" => Mode::Greedy,
        "p" | "paranoid" => Mode::Paranoid,
        "s" | "stoned" => Mode::Stoned,
        "t" | "tired" => Mode::Tired,
        "w" | "wired" => Mode::Wired,
        "y" | "youthful" => Mode::Youthful,
        _ => {
            return Err(format!(
                "mode: one of {MODES} (or its first letter), not {}",
                quoted(value)
            ));
        }
    })
}

/// Eyes and tongue are two characters in cowsay; one is fine too.
fn face_part(name: &str, value: String) -> Result<String, String> {
    match value.chars().count() {
        1 | 2 => Ok(value),
        _ => Err(format!(
            "{name}: one or two characters, not {}",
            quoted(&value)
        )),
    }
}

fn parse_width(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(width) if WIDTH_RANGE.contains(&width) => Ok(width),
        _ => Err(format!(
            "width: a whole number from {} to {}, not {}",
            WIDTH_RANGE.start(),
            WIDTH_RANGE.end(),
            quoted(value)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_a_visitor_can_ask() {
        let q = CowQuery::parse(Some(
            "message=Hello+there%21&cow=ferris&think&mode=dead&mode=y&eyes=%5E%5E&tongue=U&width=30&format=json&color=none",
        ))
        .unwrap();
        assert_eq!(q.message.as_deref(), Some("Hello there!"));
        assert_eq!(q.cow.as_deref(), Some("ferris"));
        assert!(q.think);
        assert_eq!(q.modes, vec![Mode::Dead, Mode::Youthful]);
        assert_eq!(q.eyes.as_deref(), Some("^^"));
        assert_eq!(q.tongue.as_deref(), Some("U"));
        assert_eq!(q.width, Some(30));
        assert_eq!(q.format, Some(Format::Json));
        assert_eq!(q.colour, Colour::None);
        assert_eq!(CowQuery::parse(None).unwrap(), CowQuery::default());
        assert_eq!(CowQuery::parse(Some("")).unwrap(), CowQuery::default());
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        let err = |q: &str| CowQuery::parse(Some(q)).unwrap_err();
        assert!(err("mode=happy").contains("borg, dead"));
        assert!(err("width=1").contains("from 2 to 200"));
        assert!(err("width=abc").contains("whole number"));
        assert!(err("eyes=ooo").contains("one or two characters"));
        assert!(err("think=maybe").contains("1 or 0"));
        assert!(err("format=xml").contains("html, text or json"));
        assert!(err("flavour=red").contains("message, cow, think"));
        assert!(err("flavour=red").ends_with("format, color"));
        assert!(err("message=%ff").contains("UTF-8"));
        assert!(err(&format!("message={}", "a".repeat(1001))).contains("at most 1000"));
        assert!(err(&"a".repeat(5000)).contains("longer than"));
        let long = "v".repeat(2000);
        for key in ["mode", "width", "eyes", "format", "think", "color", &long] {
            let message = err(&format!("{key}={long}"));
            assert!(message.len() < 200, "{key}: {message}");
            assert!(
                message.contains("\"vvvv") && message.contains("..."),
                "{message}"
            );
        }
    }

    #[test]
    fn random_is_a_cow_name_here() {
        let q = CowQuery::parse(Some("cow=random")).unwrap();
        assert_eq!(q.cow.as_deref(), Some("random"));
    }

    #[test]
    fn colour_values_alias_and_bad_values() {
        let colour = |q: &str| CowQuery::parse(Some(q)).map(|q| q.colour);
        assert_eq!(colour(""), Ok(Colour::None));
        assert_eq!(colour("color=none"), Ok(Colour::None));
        assert_eq!(colour("color=rainbow"), Ok(Colour::Rainbow));
        assert_eq!(colour("colour=rainbow"), Ok(Colour::Rainbow));
        assert_eq!(colour("color=rainbow&colour=none"), Ok(Colour::None));
        assert_eq!(
            colour("color=red"),
            Err("color: none or rainbow, not \"red\"".into())
        );
        assert_eq!(
            colour("colour="),
            Err("colour: none or rainbow, not \"\"".into())
        );
        assert!(colour("color=Rainbow").is_err(), "values are lower case");
    }

    /// Colour is for plain text: with a format that cannot carry it, a 400 names the way out.
    #[test]
    fn rainbow_goes_with_text_only() {
        let colour = |q: &str| CowQuery::parse(Some(q)).map(|q| q.colour);
        assert_eq!(colour("format=text&color=rainbow"), Ok(Colour::Rainbow));
        assert_eq!(colour("format=html&color=none"), Ok(Colour::None));
        for format in ["html", "json"] {
            let err = colour(&format!("color=rainbow&format={format}")).unwrap_err();
            assert!(err.contains("plain text only"), "{err}");
            assert!(err.contains(&format!("format={format}")), "{err}");
        }
    }
}
