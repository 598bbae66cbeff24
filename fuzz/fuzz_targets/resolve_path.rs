//! The path resolver, dirserve's security boundary, on any request path:
//! - decoding accepts only clean relative paths (no empty, `.` or `..` segment, no NUL, within
//!   `PATH_MAX`);
//! - both strategies (`openat2` and the `realpath` fallback) open only files and directories
//!   inside the root, never a secret beside it, and agree when both succeed;
//! - the input taken as a file name: its listing link decodes back to exactly that name.
#![no_main]

use dirserve::listing::{Entry, Kind, href};
use dirserve::resolve::decode::{MAX_NAME_BYTES, MAX_PATH_BYTES, decode_request_path};
use fromscratch_fuzz::{identity, served};
use libfuzzer_sys::fuzz_target;
use std::time::UNIX_EPOCH;

fuzz_target!(|data: &[u8]| {
    // Request targets reach the resolver as text: hyper only accepts visible ASCII.
    let raw = String::from_utf8_lossy(data);
    if let Ok(path) = decode_request_path(&raw) {
        let rel = &path.rel;
        assert!(rel.len() <= MAX_PATH_BYTES && !rel.contains(&0), "{rel:?}");
        if !rel.is_empty() {
            for segment in rel.split(|&b| b == b'/') {
                assert!(!matches!(segment, b"" | b"." | b".."), "{rel:?}");
            }
        }
    }

    let served = served();
    let mut opened = Vec::new();
    for root in [&served.root, &served.fallback] {
        if let Ok(found) = root.resolve(&raw) {
            let id = identity(&found.file.metadata().unwrap());
            assert!(!served.secrets.contains(&id), "{raw:?} opened a secret");
            assert!(
                served.inside.contains(&id),
                "{raw:?} opened {id:?}, not in the root"
            );
            opened.push(id);
        }
    }
    if let [a, b] = opened[..] {
        assert_eq!(a, b, "the strategies disagree on {raw:?}");
    }

    let is_name = !data.is_empty()
        && data.len() <= MAX_NAME_BYTES
        && !data.contains(&b'/')
        && !data.contains(&0)
        && data != b"."
        && data != b"..";
    if is_name {
        let entry = Entry {
            name: data,
            kind: Kind::File,
            size: 0,
            modified: UNIX_EPOCH,
        };
        let link = format!("/{}", href(entry));
        let back = decode_request_path(&link).expect("a listed name's link decodes");
        assert_eq!(back.rel, data, "{link}");
    }
});
