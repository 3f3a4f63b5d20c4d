//! Running a core future from a synchronous Python call: the GIL is released for the whole
//! wait, and while the future is pending the thread wakes every 50 ms to let Python run its
//! signal handlers, so Ctrl-C interrupts a long retry back-off instead of waiting it out.

use pyo3::prelude::*;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// How often a pending call re-acquires the GIL to check for signals.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Drive `fut` to completion with the GIL released. A pending `KeyboardInterrupt` (or any
/// exception raised by a signal handler) cancels the future and is returned instead.
pub fn wait<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = grantex::Result<T>> + Send,
    T: Send,
{
    wait_with(py, fut, crate::errors::to_py)
}

/// [`wait`] with another error type or mapping (signup's, the A2A bridge's).
pub fn wait_with<F, T, E>(py: Python<'_>, fut: F, map: fn(Python<'_>, E) -> PyErr) -> PyResult<T>
where
    F: Future<Output = Result<T, E>> + Send,
    T: Send,
    E: Send,
{
    match py.detach(|| grantex::blocking::block_on(interruptible(fut))) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(map(py, err)),
        Err(interrupted) => Err(interrupted),
    }
}

/// [`wait`] for calls that usually finish without waiting (a warm-cache verification):
/// poll once inside the runtime's context, and only if the future is pending hand it to the
/// interruptible [`wait`] path. Skips the scheduler round-trip on the hot path.
pub fn wait_ready_first<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = grantex::Result<T>> + Send,
    T: Send,
{
    wait_ready_first_with(py, fut, crate::errors::to_py)
}

/// [`wait_ready_first`] with another error type and mapping (the A2A guard's rejections).
pub fn wait_ready_first_with<F, T, E>(
    py: Python<'_>,
    fut: F,
    map: fn(Python<'_>, E) -> PyErr,
) -> PyResult<T>
where
    F: Future<Output = Result<T, E>> + Send,
    T: Send,
    E: Send,
{
    let mut fut = Box::pin(fut);
    let first = py.detach(|| {
        let handle = grantex::blocking::runtime();
        let _context = handle.enter();
        let mut cx = Context::from_waker(Waker::noop());
        fut.as_mut().poll(&mut cx)
    });
    match first {
        Poll::Ready(Ok(value)) => Ok(value),
        Poll::Ready(Err(err)) => Err(map(py, err)),
        // Polling again with a real waker re-registers interest, so nothing is lost.
        Poll::Pending => wait_with(py, fut, map),
    }
}

/// Race `fut` against a signal-check tick. `biased` polls the call first, so a call that is
/// ready at once (a warm-cache verification) never arms the timer.
async fn interruptible<F: Future>(fut: F) -> Result<F::Output, PyErr> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            biased;
            out = &mut fut => return Ok(out),
            () = tokio::time::sleep(SIGNAL_POLL) => {
                Python::attach(|py| py.check_signals())?;
            }
        }
    }
}
