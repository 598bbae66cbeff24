//! Arbitrary bytes from a client, through hyper's parser and dirserve's handler, against a tree
//! with symlinks out of it: no panic, no hang, only HTTP answers, never a byte from outside.
#![no_main]

use dirserve::handler::DirHandler;
use dirserve::resolve::ServedRoot;
use fromscratch_fuzz::{check_answer, exchange, served};
use libfuzzer_sys::fuzz_target;
use servekit::Limits;
use servekit::serve::StreamServer;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SERVER: OnceLock<StreamServer<DirHandler>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let root = ServedRoot::open(served().root.path()).expect("open the root");
        // Listings made at once on this thread: the paused clock would otherwise jump to the
        // idle timeout while a listing thread worked, and drop the answer.
        StreamServer::new(DirHandler::with_listing_threads(root, 0), Limits::default())
    });
    check_answer(data, &exchange(server, data));
});
