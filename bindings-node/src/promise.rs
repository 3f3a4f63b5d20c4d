//! Core futures as JS promises: the future runs on the core's process runtime
//! (`grantex::blocking::runtime`), and a napi deferred settles the promise on the JS thread.
//!
//! A pending deferred holds a threadsafe function, which keeps the event loop alive exactly
//! while a call is in flight (like `fetch`); once settled nothing holds the loop, so a script
//! exits by itself. Deferreds created in a worker thread are torn down with it safely.

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, Result};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use tokio::runtime::Handle;

/// The core runtime's handle, looked up once. `grantex::blocking::runtime()` re-checks the pid
/// on every call (a syscall) to survive `fork()`; a Node process cannot fork without exec, so
/// the hot path skips that.
fn runtime() -> &'static Handle {
    static HANDLE: OnceLock<Handle> = OnceLock::new();
    HANDLE.get_or_init(grantex::blocking::runtime)
}

/// Run `fut` on the core runtime; resolve with `map(value)`, reject with the mapped core error.
pub fn spawn<'env, F, T, D>(
    env: &'env Env,
    fut: F,
    map: fn(T) -> grantex::Result<D>,
) -> Result<Object<'env>>
where
    F: Future<Output = grantex::Result<T>> + Send + 'static,
    T: Send + 'static,
    D: ToNapiValue + Send + 'static,
{
    spawn_with(env, fut, map, crate::errors::to_napi)
}

/// Like [`spawn`] for futures failing with another error type (the A2A bridge's), rejected
/// through `on_err` (one of the mappers in `errors.rs`).
pub fn spawn_with<'env, F, T, E, D>(
    env: &'env Env,
    fut: F,
    map: fn(T) -> grantex::Result<D>,
    on_err: fn(E) -> napi::Error,
) -> Result<Object<'env>>
where
    F: Future<Output = std::result::Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    D: ToNapiValue + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<D, _>()?;
    runtime().spawn(async move {
        match fut.await {
            Ok(value) => match map(value) {
                Ok(data) => deferred.resolve(move |_| Ok(data)),
                Err(err) => deferred.reject(crate::errors::to_napi(err)),
            },
            Err(err) => deferred.reject(on_err(err)),
        }
    });
    Ok(promise)
}

/// The outcome of polling a core future once on the calling thread.
pub enum FirstPoll<T, F> {
    /// It finished without waiting (a warm JWKS cache).
    Ready(grantex::Result<T>),
    /// It must wait (a fetch); poll it again on the runtime with a real waker.
    Pending(Pin<Box<F>>),
}

/// Poll `fut` once inside the runtime's context with a no-op waker. Futures that never need to
/// wait finish here with no scheduler round trip; the rest go to [`spawn`] (polling again there
/// registers a real waker, so nothing is lost).
pub fn poll_once<F, T>(fut: F) -> FirstPoll<T, F>
where
    F: Future<Output = grantex::Result<T>>,
{
    let mut fut = Box::pin(fut);
    let _context = runtime().enter();
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(result) => FirstPoll::Ready(result),
        Poll::Pending => FirstPoll::Pending(fut),
    }
}
