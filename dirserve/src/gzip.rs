//! gzip on the fly, for what compresses well and has no precompressed sibling: text files and
//! listings from [`MIN_BYTES`] to [`MAX_BYTES`], at the fastest level. Up to [`ON_WORKER_BYTES`]
//! on the connection's worker (under a millisecond); larger ones on a compression thread, so no
//! request holds a worker from its other connections, whatever its headers. [`MAX_BYTES`] bounds
//! what one such job costs (about 16 ms of CPU on this project's machine); larger bodies go as
//! they are.
//!
//! Without the `gzip` feature (the min flavour) nothing is worth it, and nothing is compressed.

/// Smaller bodies fit in a packet or two anyway: compressing them saves nothing worth the CPU.
pub const MIN_BYTES: u64 = 1024;
/// Larger ones go uncompressed (see the module's comment).
pub const MAX_BYTES: u64 = 1 << 20;
/// Bodies up to this size are compressed on the connection's worker, larger ones elsewhere.
pub const ON_WORKER_BYTES: u64 = 64 << 10;

/// Whether a body of this type (a `Content-Type` value) is worth compressing: text, and the
/// textual `application/` and `image/` types. Media and archives are compressed already.
pub fn compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/javascript"
                | "application/json"
                | "application/xml"
                | "application/xhtml+xml"
                | "application/rss+xml"
                | "application/atom+xml"
                | "application/x-sh"
                | "application/x-csh"
                | "application/x-tex"
                | "application/x-latex"
                | "application/postscript"
                | "image/svg+xml"
                | "image/x-xbitmap"
        )
}

/// Whether a body of `len` bytes is compressed on the fly.
pub fn worth_it(len: u64) -> bool {
    cfg!(feature = "gzip") && (MIN_BYTES..=MAX_BYTES).contains(&len)
}

/// `parts`, one after another, gzipped at the fastest level.
#[cfg(feature = "gzip")]
pub fn compress<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    for part in parts {
        // Writing into a Vec cannot fail.
        encoder.write_all(part).expect("writes to memory");
    }
    encoder.finish().expect("writes to memory")
}

/// Never called: nothing is [`worth_it`] without the feature.
#[cfg(not(feature = "gzip"))]
pub fn compress<'a>(_: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    unreachable!("gzip on the fly is not built in")
}

#[cfg(all(test, feature = "gzip"))]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    #[test]
    fn what_is_compressed_decodes_to_the_parts() {
        let text = "<li>a line of a listing</li>\n".repeat(200);
        let gz = compress([text.as_bytes(), b"", b"tail"]);
        assert!(gz.len() < text.len() / 10, "{} of {}", gz.len(), text.len());
        let mut decoded = String::new();
        GzDecoder::new(&gz[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text + "tail");
    }

    #[test]
    fn only_text_that_is_worth_it() {
        for t in [
            "text/html",
            "text/css; charset=utf-8",
            "application/json",
            "image/svg+xml",
        ] {
            assert!(compressible(t), "{t}");
        }
        for t in [
            "image/png",
            "application/gzip",
            "video/mp4",
            "application/octet-stream",
        ] {
            assert!(!compressible(t), "{t}");
        }
        assert!(!worth_it(MIN_BYTES - 1) && worth_it(MIN_BYTES) && worth_it(MAX_BYTES));
        assert!(!worth_it(MAX_BYTES + 1));
    }
}
