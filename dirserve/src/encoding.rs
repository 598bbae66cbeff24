//! Content codings (RFC 9110 8.4, 12.5.3): which ones a request's `Accept-Encoding` allows, and
//! the precompressed siblings (`file.br`, `file.zst`, `file.gz`) that can stand for a file.

/// A coding dirserve can answer with, from a precompressed sibling file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Zstd,
    Gzip,
}

impl Encoding {
    /// Every coding, in the server's order of preference when the client likes several as much:
    /// the smallest files first.
    pub const ALL: [Encoding; 3] = [Encoding::Brotli, Encoding::Zstd, Encoding::Gzip];

    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
        }
    }

    /// The suffix of the sibling file that holds this coding of a file.
    pub fn suffix(self) -> &'static [u8] {
        match self {
            Encoding::Brotli => b".br",
            Encoding::Zstd => b".zst",
            Encoding::Gzip => b".gz",
        }
    }
}

/// The codings an `Accept-Encoding` value allows, best first: by the client's weight, then the
/// server's order. A coding is allowed when named with a weight above 0, or when not named and
/// `*` is (with a weight above 0). Weights are compared in thousandths, as RFC 9110 12.4.2 writes
/// them; a malformed weight makes that entry count as refused, never as wanted.
pub fn accepted(value: &[u8]) -> Vec<Encoding> {
    let mut named: [Option<u16>; 3] = [None; 3];
    let mut any = None;
    for entry in value.split(|&b| b == b',') {
        let mut parts = entry.split(|&b| b == b';');
        let coding = trim(parts.next().unwrap_or_default());
        let weight = parts
            .find_map(|param| {
                let param = trim(param);
                let value = param
                    .strip_prefix(b"q=")
                    .or_else(|| param.strip_prefix(b"Q="))?;
                Some(parse_weight(trim(value)).unwrap_or(0))
            })
            .unwrap_or(1000);
        if coding == b"*" {
            any = Some(weight);
        }
        for (i, encoding) in Encoding::ALL.iter().enumerate() {
            let token = encoding.token().as_bytes();
            let alias = *encoding == Encoding::Gzip && coding.eq_ignore_ascii_case(b"x-gzip");
            if coding.eq_ignore_ascii_case(token) || alias {
                named[i] = Some(weight);
            }
        }
    }
    let mut allowed: Vec<(u16, usize)> = Encoding::ALL
        .iter()
        .enumerate()
        .filter_map(|(i, _)| {
            let weight = named[i].or(any)?;
            (weight > 0).then_some((weight, i))
        })
        .collect();
    // Heavier first; among equals, the server's order (the index).
    allowed.sort_by_key(|&(weight, i)| (std::cmp::Reverse(weight), i));
    allowed.into_iter().map(|(_, i)| Encoding::ALL[i]).collect()
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_weight(text: &[u8]) -> Option<u16> {
    let (whole, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &[][..]),
    };
    if fraction.len() > 3 || !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let thousandths = fraction
        .iter()
        .chain(std::iter::repeat(&b'0'))
        .take(3)
        .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    match whole {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::Encoding::*;
    use super::*;

    #[test]
    fn what_clients_send() {
        // Chrome, Firefox, curl --compressed.
        assert_eq!(accepted(b"gzip, deflate, br, zstd"), [Brotli, Zstd, Gzip]);
        assert_eq!(accepted(b"gzip, deflate, br"), [Brotli, Gzip]);
        assert_eq!(accepted(b"deflate, gzip"), [Gzip]);
        assert_eq!(accepted(b""), []);
        assert_eq!(accepted(b"identity"), []);
    }

    #[test]
    fn weights_and_wildcards() {
        assert_eq!(accepted(b"br;q=0.5, gzip;q=0.8"), [Gzip, Brotli]);
        assert_eq!(accepted(b"br;q=0, *"), [Zstd, Gzip]);
        assert_eq!(accepted(b"*;q=0"), []);
        assert_eq!(accepted(b"*;q=0, gzip"), [Gzip]);
        assert_eq!(accepted(b"GZIP ; Q=1.000"), [Gzip]);
        assert_eq!(accepted(b"x-gzip"), [Gzip]);
        assert_eq!(accepted(b"gzip;q=0.001"), [Gzip]);
    }

    #[test]
    fn malformed_weights_refuse_rather_than_accept() {
        for value in [
            &b"gzip;q=2"[..],
            b"gzip;q=1.5",
            b"gzip;q=0.0001",
            b"gzip;q=abc",
            b"gzip;q=",
            b"gzip;q=-1",
        ] {
            assert_eq!(accepted(value), [], "{}", String::from_utf8_lossy(value));
        }
    }

    #[test]
    fn any_bytes_parse_without_panicking() {
        let bytes = proptest::collection::vec(
            proptest::sample::select(b"gzip br*;q=0.1,\xff ".to_vec()),
            0..40,
        );
        testkit::property::check(2000, bytes, |bytes| {
            let allowed = accepted(&bytes);
            proptest::prop_assert!(allowed.len() <= 3);
            Ok(())
        });
    }
}
