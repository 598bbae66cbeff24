//! A few threads of their own for work that takes a while, so it never holds up a worker.
//!
//! A worker thread runs every connection it accepted (see [`crate::serve`]): while it builds a
//! listing of 100,000 entries (a `stat` per entry, a sort, the rendering: hundreds of
//! milliseconds), none of them moves. Such work goes here instead, to a fixed number of threads
//! started on first use and kept for the life of the process (so each keeps its allocator cache,
//! see the `cachealloc` crate). Jobs wait in one queue, first come first served; the number of threads
//! is the bound on how much CPU and transient memory the work takes at once. A handler answers
//! with [`crate::Body::later`] and a future that waits for its job's result through a [`oneshot`]
//! channel, and `serve` sends the response once it is ready.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The channel a job answers through: a job can see whether anyone still waits for it
/// (`Sender::is_closed`) and skip work for clients that have gone.
pub use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that run jobs in the order they came.
pub struct Offload {
    threads: usize,
    /// The queue the threads take jobs from; `None` until the first job starts them.
    queue: Mutex<Option<Arc<Queue>>>,
}

/// Jobs waiting for a thread. (A plain queue and a condition variable: std's channels cost
/// 8 KB of binary here, for features this does not use.)
#[derive(Default)]
struct Queue {
    jobs: Mutex<Jobs>,
    /// Signalled when a job is queued or the [`Offload`] is dropped.
    ready: Condvar,
}

#[derive(Default)]
struct Jobs {
    waiting: VecDeque<Job>,
    /// The [`Offload`] is gone: threads finish what is queued, then stop.
    closed: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Jobs> {
        // Consistent between statements: a job's panic happens outside the lock anyway.
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Offload {
    /// `threads` threads, started on first use; 0 runs every job at once on the caller's thread
    /// (for fuzzing with a paused clock, where time would jump while a job ran elsewhere).
    pub fn new(threads: usize) -> Offload {
        Offload {
            threads,
            queue: Mutex::new(None),
        }
    }

    /// Half the cores, at least one: the other half stays for the workers that serve
    /// connections, so a burst of slow jobs cannot starve them.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
    }

    /// Runs `job` on one of the threads once those before it are done.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        if self.threads == 0 {
            return job();
        }
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.is_none() {
            *queue = start(self.threads);
        }
        let Some(queue) = queue.clone() else {
            // Not even one thread could be started: the caller does the work, late rather than
            // never.
            return job();
        };
        queue.lock().waiting.push_back(Box::new(job));
        queue.ready.notify_one();
    }
}

impl Offload {
    /// Runs `job` on one of the threads; the future gives its result, `None` if it panicked. A
    /// job whose future is dropped before the job starts (its client has gone) is skipped.
    pub fn run<T, F>(&self, job: F) -> impl Future<Output = Option<T>> + Send + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel();
        self.spawn(move || {
            if !sender.is_closed() {
                let _ = sender.send(job());
            }
        });
        async move { receiver.await.ok() }
    }
}

impl Drop for Offload {
    fn drop(&mut self) {
        let queue = self.queue.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = queue {
            queue.lock().closed = true;
            queue.ready.notify_all();
        }
    }
}

/// Starts `threads` threads sharing one queue; `None` if not even one could be started.
fn start(threads: usize) -> Option<Arc<Queue>> {
    let queue = Arc::new(Queue::default());
    let started = (0..threads)
        .filter(|_| {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name("offload".into())
                .spawn(move || run_jobs(&queue))
                .is_ok()
        })
        .count();
    (started > 0).then_some(queue)
}

/// One thread's life: the next job, until the [`Offload`] is dropped and nothing is queued.
fn run_jobs(queue: &Queue) {
    loop {
        let mut jobs = queue.lock();
        let job = loop {
            if let Some(job) = jobs.waiting.pop_front() {
                break job;
            }
            if jobs.closed {
                return;
            }
            jobs = queue.ready.wait(jobs).unwrap_or_else(|e| e.into_inner());
        };
        // Never run a job with the lock held.
        drop(jobs);
        // A job that panics (a bug) loses its answer, which its waiters see as a closed
        // channel, not the thread.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_elsewhere_and_answer_through_a_channel() {
        let offload = Offload::new(2);
        let caller = std::thread::current().id();
        let answers: Vec<_> = (0..10)
            .map(|i| {
                let (sender, receiver) = oneshot::channel();
                offload.spawn(move || {
                    let _ = sender.send((i * 2, std::thread::current().id()));
                });
                receiver
            })
            .collect();
        for (i, receiver) in answers.into_iter().enumerate() {
            let (doubled, thread) = receiver.blocking_recv().expect("an answer");
            assert_eq!(doubled, i * 2);
            assert_ne!(thread, caller);
        }
    }

    #[test]
    fn run_answers_through_its_future_and_skips_jobs_no_one_waits_for() {
        let offload = Offload::new(1);
        let doubled = offload.run(|| 21 * 2);
        assert_eq!(futures_block_on(doubled), Some(42));
        let ran = Arc::new(Mutex::new(0));
        let (gate, opened) = oneshot::channel::<()>();
        let blocked = offload.run(move || opened.blocking_recv());
        let counted = Arc::clone(&ran);
        drop(offload.run(move || *counted.lock().unwrap() += 1));
        let _ = gate.send(());
        assert_eq!(futures_block_on(blocked), Some(Ok(())));
        let panicked = offload.run(|| panic!("a bug in a job"));
        assert_eq!(futures_block_on(panicked), None::<()>);
        assert_eq!(
            *ran.lock().unwrap(),
            0,
            "a job whose future was dropped ran"
        );
    }

    /// Polls `future` on this thread until it is ready.
    fn futures_block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    #[test]
    fn no_threads_means_at_once_on_the_caller() {
        let offload = Offload::new(0);
        let (sender, mut receiver) = oneshot::channel();
        offload.spawn(move || {
            let _ = sender.send(std::thread::current().id());
        });
        assert_eq!(receiver.try_recv(), Ok(std::thread::current().id()));
    }

    /// A handler that answers from an offload thread, through `serve`: the response it makes
    /// later is sent whole (its status and headers too), an error as its page, in order.
    #[test]
    fn later_answers_are_sent_in_order() {
        use crate::serve::Handler;
        use crate::{Body, HttpError};
        use hyper::{Response, StatusCode};

        struct Slow(Offload);

        impl Handler for Slow {
            fn handle(
                &self,
                request: &hyper::http::request::Parts,
            ) -> Result<Response<Body>, HttpError> {
                let (sender, receiver) = oneshot::channel();
                let path = request.uri.path().to_owned();
                self.0.spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    let _ = sender.send(path);
                });
                Ok(Response::new(Body::later(async move {
                    let path = receiver.await.map_err(|_| HttpError::not_found())?;
                    if path == "/missing" {
                        return Err(HttpError::not_found());
                    }
                    let mut response =
                        Response::new(Body::from(format!("made for {path}").into_bytes()));
                    *response.status_mut() = StatusCode::CREATED;
                    Ok(response)
                })))
            }
        }

        let (answer, statuses) = crate::serve::converse(
            Slow(Offload::new(1)),
            b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\nGET \x01 HTTP/1.1\r\n\r\n",
            false,
        );
        assert_eq!(statuses, [201, 404, 400], "{answer}");
        assert!(answer.contains("content-length: 11\r\n"), "{answer}");
        assert!(answer.contains("\r\n\r\nmade for /a"), "{answer}");
    }

    /// A job that panics costs its answer, not a thread: the next job still runs.
    #[test]
    fn a_panicking_job_does_not_stop_the_threads() {
        let offload = Offload::new(1);
        let (sender, receiver) = oneshot::channel::<()>();
        offload.spawn(move || {
            let _keep = sender;
            panic!("a bug in a job");
        });
        assert!(receiver.blocking_recv().is_err());
        let (sender, receiver) = oneshot::channel();
        offload.spawn(move || {
            let _ = sender.send(7);
        });
        assert_eq!(receiver.blocking_recv(), Ok(7));
    }
}
