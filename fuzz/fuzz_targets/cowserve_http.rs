//! Arbitrary bytes from a client, through hyper's parser and the cow page's handler (query
//! strings, routes, formats): no panic, no hang, only HTTP answers.
#![no_main]

use cowserve::server::CowHandler;
use fromscratch_fuzz::{check_answer, exchange};
use libfuzzer_sys::fuzz_target;
use servekit::Limits;
use servekit::serve::StreamServer;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SERVER: OnceLock<StreamServer<CowHandler>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let handler = CowHandler::builtin().expect("the built-in cows and fortunes");
        StreamServer::new(handler, Limits::default())
    });
    check_answer(data, &exchange(server, data));
});
