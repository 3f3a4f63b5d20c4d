//! Where async exports run: on the core's process runtime ([`grantex::blocking::runtime`]), not
//! in the foreign poller.
//!
//! uniffi drives a Rust future by polling it from the Kotlin coroutine that awaits it, on that
//! coroutine's dispatcher thread. A future polled only there stalls while those threads are busy:
//! with `Dispatchers.Default` on 2 cores, two threads blocked in a `*Blocking` call that waits
//! for a key-set fetch an async call started (the JWKS cache fetches once for all callers) never
//! let that fetch finish. Spawned on the core's runtime, the work progresses on its own; the
//! exported future only waits for it, and dropping it (the coroutine was cancelled) aborts the
//! task, so the request is abandoned as before.

use std::future::Future;

/// Aborts the spawned task when the awaiting future is dropped before it finished.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `future` on the core's runtime and waits for its output.
pub(crate) async fn on_core<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let task = grantex::blocking::runtime().spawn(future);
    let _abort = AbortOnDrop(task.abort_handle());
    match task.await {
        Ok(output) => output,
        // Only a panic: the task is aborted only when this future is dropped, and then nobody
        // awaits it. uniffi turns the re-raised panic into an InternalException.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
