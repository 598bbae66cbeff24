//! Connection slots: the cap on connections served at once, and making room when it is reached.
//!
//! A full server closes the connection that has sat idle between requests the longest, to make
//! room for a new one, as nginx does. Without that, one client holding every slot with keep-alive
//! connections (a request every few seconds keeps each under the idle timeout) locks every other
//! client out until it goes away. HTTP lets a server close an idle connection at any time (RFC
//! 9112 9.5), and clients reopen one; a connection receiving a request or sending a response is
//! never closed for this ([`Activity`] says which are idle). When none is idle, the new
//! connection waits for one to finish or become idle, and the connections behind it wait in the
//! kernel's queue.
//!
//! A per-address cap would not do instead: behind Docker's port proxy every client has the same
//! address.

use crate::idle::Activity;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a connection waiting for a slot waits before asking for another idle connection to
/// close: the one asked may have begun a request meanwhile, or none was idle. Short enough that
/// the new client hardly notices, long enough that the asked connection has closed by then.
const RETRY: Duration = Duration::from_millis(100);

/// Every slot, shared by all workers.
pub struct Slots {
    /// One permit per slot; a [`Slot`] gives its permit back when dropped.
    free: Arc<Semaphore>,
    /// The activity of the connection in each slot (`None`: free), so that a worker can find the
    /// connection idle the longest among every worker's.
    held: Mutex<Vec<Option<Arc<Activity>>>>,
}

/// A connection's slot, freed when dropped.
pub struct Slot {
    slots: Arc<Slots>,
    index: usize,
    activity: Arc<Activity>,
    /// Dropped after [`Slot::drop`] has emptied `held[index]`, so a permit always finds an empty
    /// entry.
    _permit: OwnedSemaphorePermit,
}

impl Slots {
    pub fn new(max_connections: usize) -> Slots {
        Slots {
            free: Arc::new(Semaphore::new(max_connections)),
            held: Mutex::new(vec![None; max_connections]),
        }
    }

    /// A slot for a new connection: a free one at once if there is one; otherwise closes the
    /// connection idle the longest and takes its slot, retrying until one frees.
    pub async fn acquire(self: &Arc<Slots>) -> Slot {
        loop {
            if let Ok(permit) = Arc::clone(&self.free).try_acquire_owned() {
                return self.occupy(permit);
            }
            self.close_oldest_idle();
            let wait = Arc::clone(&self.free).acquire_owned();
            if let Ok(permit) = tokio::time::timeout(RETRY, wait).await {
                return self.occupy(permit.expect("the slot semaphore is never closed"));
            }
        }
    }

    fn occupy(self: &Arc<Slots>, permit: OwnedSemaphorePermit) -> Slot {
        let activity = Arc::new(Activity::new());
        let mut held = self.held();
        let index = held
            .iter()
            .position(Option::is_none)
            .expect("a permit leaves an entry free");
        held[index] = Some(Arc::clone(&activity));
        Slot {
            slots: Arc::clone(self),
            index,
            activity,
            _permit: permit,
        }
    }

    /// Asks the connection idle the longest, if any, to close. Holding the lock only for a scan
    /// of the slots, when the server is full.
    fn close_oldest_idle(&self) {
        let held = self.held();
        let oldest = held
            .iter()
            .flatten()
            .filter_map(|activity| Some((activity.idle_since()?, activity)))
            .min_by_key(|&(since, _)| since);
        if let Some((since, activity)) = oldest {
            activity.ask_to_close(since);
        }
    }

    fn held(&self) -> MutexGuard<'_, Vec<Option<Arc<Activity>>>> {
        // Nothing panics while holding the lock; and the entries stay valid if something did.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Slot {
    /// What the connection in this slot is doing, for the connection to keep up to date.
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.held()[self.index] = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::serve::{Handler, Limits, StreamServer};
    use crate::{Body, HttpError};
    use hyper::Response;
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::timeout;

    const BIG: usize = 1 << 20;

    /// `/big`: a body far larger than the connection's buffer; anything else: `hello`.
    struct Big;

    impl Handler for Big {
        fn handle(
            &self,
            request: &hyper::http::request::Parts,
        ) -> Result<Response<Body>, HttpError> {
            Ok(Response::new(match request.uri.path() {
                "/big" => Body::from(vec![b'x'; BIG]),
                _ => Body::from("hello"),
            }))
        }
    }

    /// With one slot, a second connection waits while the first is in the middle of a response,
    /// and takes the slot as soon as the first is idle: the first gets all of its response, then
    /// is closed.
    #[test]
    fn a_new_connection_takes_the_slot_of_an_idle_one_never_of_a_busy_one() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let limits = Limits {
            max_connections: 1,
            ..Limits::default()
        };
        let server = StreamServer::new(Big, limits);
        let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let (mut first, first_stream) = tokio::io::duplex(16 * 1024);
        let (mut second, second_stream) = tokio::io::duplex(16 * 1024);
        runtime.block_on(async {
            // `join!` polls in order: the first connection takes the slot.
            let serving = async {
                tokio::join!(
                    server.serve(first_stream, client),
                    server.serve(second_stream, client)
                )
            };
            let talking = async {
                first
                    .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
                    .await
                    .unwrap();
                let mut head = vec![0; 1024];
                first.read_exact(&mut head).await.unwrap();
                second
                    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .await
                    .unwrap();
                let mut byte = [0];
                let early = timeout(Duration::from_millis(300), second.read(&mut byte)).await;
                assert!(
                    early.is_err(),
                    "answered while the only slot was mid-response"
                );

                let mut rest = Vec::new();
                timeout(Duration::from_secs(5), first.read_to_end(&mut rest))
                    .await
                    .expect("the idle connection is closed for the waiting one")
                    .unwrap();
                let body_at = crate::substring::find(&head, b"\r\n\r\n").unwrap() + 4;
                assert_eq!(head.len() + rest.len(), body_at + BIG, "the whole body");

                let mut answer = Vec::new();
                timeout(Duration::from_secs(5), second.read_to_end(&mut answer))
                    .await
                    .unwrap()
                    .unwrap();
                let answer = String::from_utf8(answer).unwrap();
                assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
                assert!(answer.ends_with("hello"), "{answer}");
            };
            tokio::join!(serving, talking);
        });
    }
}
