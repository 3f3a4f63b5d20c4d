//! `grantex_event_subscription`: the core's event stream (`client.events().stream()`,
//! `GET /v1/events/stream`) delivered to a C callback on a background thread.
//!
//! Each subscription owns one thread (`grantex-events`) that waits for the core's
//! `EventStream::next` on the core's runtime and calls the callback with each event's JSON.
//! The core reconnects by itself (resuming after the last event), so the callback sees every
//! event once, in log order; a refusal ends the stream with one final non-OK call. Freeing the
//! subscription stops the stream, waits for the thread and guarantees that no callback runs
//! afterwards; freed from inside its own callback it defers instead of deadlocking.

use crate::client::grantex_client;
use crate::ffi::{guard, guard_free, handle, opt_str_arg, Failure, Out};
use crate::last_error;
use crate::result::grantex_result::{self, *};
use grantex_core::blocking;
use grantex_core::events::{EventStream, StreamOptions};
use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

/// Called with each event of a subscription, on the subscription's background thread (never
/// on the thread that called grantex_events_subscribe()), one call at a time, in log order.
///
/// - `user_data`: the pointer given to grantex_events_subscribe(), untouched.
/// - `event_json`: the event as a NUL-terminated JSON object
///   `{"id":"evt_...","type":"grant.created","createdAt":"...","data":{...},"seq":N}`
///   (`seq` is its log position, for `lastEventId`); valid only during the call (copy what you
///   keep). NULL in the final call.
/// - `status`: `GRANTEX_OK` for an event. When the server refuses the stream (bad API key,
///   unknown event type, a `lastEventId` it no longer holds, ...) there is one final call
///   with `event_json` NULL and the refusal's code (`GRANTEX_AUTH`, `GRANTEX_API`, ...); during
///   that call grantex_last_error_message() and friends, on that thread, give the details. No
///   call follows it. Connection failures are not reported: the stream reconnects by itself.
///
/// The callback must return (not longjmp or throw) and must not block for long: the next
/// event waits for it. It may call any libgrantex function, including
/// grantex_event_subscription_free() on its own subscription (see there).
pub type grantex_event_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char, status: grantex_result),
>;

/// A live event subscription (see grantex_events_subscribe()).
///
/// Thread safety: grantex_event_subscription_last_event_id() may be called from any thread
/// at any time; grantex_event_subscription_free() once, from any thread.
pub struct grantex_event_subscription {
    shared: Arc<Shared>,
    stream: EventStream,
    worker: Option<JoinHandle<()>>,
}

thread_local! {
    /// On a subscription's thread, its shared state: how free knows it runs inside the
    /// callback. (A const, destructor-free slot: reading it on a C thread allocates nothing.)
    static OWN_THREAD_OF: Cell<*const Shared> = const { Cell::new(std::ptr::null()) };
}

/// What the handle and its thread share.
struct Shared {
    /// Set by free: no callback may start any more.
    stop: AtomicBool,
    /// Wakes the thread's wait when `stop` is set.
    waker: Mutex<Option<Waker>>,
    /// The `seq` of the last event handed to the callback (or the `lastEventId` option); -1:
    /// none.
    last: AtomicI64,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let waker = self
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// `inner`, or `None` as soon as the subscription is stopped (dropping `inner` cancels it,
/// even in the middle of a connection attempt).
struct UntilStopped<'a, F> {
    shared: &'a Shared,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for UntilStopped<'_, F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The waker first, then the flag: a stop() in between finds the waker or is seen here.
        *self
            .shared
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        if self.shared.stopped() {
            return Poll::Ready(None);
        }
        self.inner.as_mut().poll(cx).map(Some)
    }
}

/// The caller's `user_data`, handed to the thread as is.
struct UserData(*mut c_void);

// SAFETY: libgrantex never dereferences it; grantex_events_subscribe() documents that the
// callback receives it on another thread.
unsafe impl Send for UserData {}

/// The options JSON: NULL or `""` means none; else an object with `types` (array of strings)
/// and `lastEventId` (non-negative integer), both optional; anything else is refused.
fn parse_options(text: Option<&str>) -> Result<StreamOptions, Failure> {
    Ok(StreamOptions::from_json(text.unwrap_or(""))?)
}

/// The background thread: next event, callback, until stopped or refused.
fn run(
    shared: Arc<Shared>,
    stream: EventStream,
    callback: unsafe extern "C" fn(*mut c_void, *const c_char, grantex_result),
    user_data: UserData,
) {
    OWN_THREAD_OF.with(|own| own.set(Arc::as_ptr(&shared)));
    loop {
        let next = catch_unwind(AssertUnwindSafe(|| {
            blocking::block_on(UntilStopped {
                shared: &shared,
                inner: Box::pin(stream.next()),
            })
        }));
        if shared.stopped() {
            break;
        }
        let failure = match next {
            Ok(Some(Ok(Some(event)))) => {
                let json = serde_json::to_string(&event)
                    .map_err(|e| Failure::new(GRANTEX_DECODE, format!("event to JSON: {e}")))
                    .and_then(|j| crate::ffi::c_string(j, "event JSON"));
                match json {
                    Ok(json) => {
                        shared.last.store(
                            i64::try_from(event.seq).unwrap_or(i64::MAX),
                            Ordering::SeqCst,
                        );
                        last_error::clear();
                        // SAFETY: the caller's function with its own pointer; the string lives
                        // until the call returns.
                        unsafe { callback(user_data.0, json.as_ptr(), GRANTEX_OK) };
                        continue;
                    }
                    Err(f) => f,
                }
            }
            // Closed or stopped: end quietly.
            Ok(Some(Ok(None))) | Ok(None) => break,
            Ok(Some(Err(e))) => Failure::from(e),
            Err(panic) => {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(panic)));
                Failure::new(
                    GRANTEX_PANIC,
                    "internal error (panic) in libgrantex's event stream",
                )
            }
        };
        let code = failure.code;
        last_error::set(failure);
        // SAFETY: as above; NULL JSON in the final call, as documented.
        unsafe { callback(user_data.0, std::ptr::null(), code) };
        break;
    }
    stream.close();
}

/// Follows the developer's events (`GET /v1/events/stream`) and calls `on_event` with each
/// one, on a background thread the subscription owns.
///
/// - `client`: a live client; the subscription keeps its own reference to the client's
///   connection pool and settings, so the client may be freed before the subscription.
/// - `options_json`: NULL or `""` for every event from now on, else a JSON object with the
///   optional members `types` (array of event type strings, e.g.
///   `["grant.created","token.issued"]`; all types by default) and `lastEventId` (an event's
///   `seq`: resume after that log position instead of from now on). Invalid JSON, another
///   member or a wrong type is `GRANTEX_INVALID_ARGUMENT` and nothing starts. An event type
///   the server does not know is its refusal: the final call of `on_event` with `GRANTEX_API`.
/// - `on_event`: see `grantex_event_callback`; required. `user_data` is passed to it as is.
/// - `*out`: the subscription, to free with grantex_event_subscription_free().
///
/// The stream connects from the background thread once this returns; events committed before
/// the connection is established are not delivered unless `lastEventId` asks for them. It
/// reconnects by itself after a dropped connection or a server restart, resuming after the
/// last event delivered, so none is lost or repeated.
///
/// # Safety
/// `client` NULL or live; `options_json` NULL or NUL-terminated; `on_event` NULL or a
/// function callable from any thread; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_events_subscribe(
    client: *const grantex_client,
    options_json: *const c_char,
    on_event: grantex_event_callback,
    user_data: *mut c_void,
    out: *mut *mut grantex_event_subscription,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (client, options) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(options_json, "options_json")?,
            )
        };
        let callback = on_event.ok_or_else(|| Failure::invalid("on_event is NULL"))?;
        let out = Out::new(out, "out")?;
        let options = parse_options(options)?;
        let stream = client.inner.as_async().events().stream(&options)?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            waker: Mutex::new(None),
            last: AtomicI64::new(
                options
                    .last_event_id
                    .and_then(|l| i64::try_from(l).ok())
                    .unwrap_or(-1),
            ),
        });
        let worker = {
            let (shared, stream, user_data) =
                (Arc::clone(&shared), stream.clone(), UserData(user_data));
            std::thread::Builder::new()
                .name("grantex-events".into())
                .spawn(move || run(shared, stream, callback, user_data))
                .map_err(|e| {
                    Failure::new(
                        GRANTEX_UNKNOWN_ERROR,
                        format!("cannot start the event stream's thread: {e}"),
                    )
                })?
        };
        out.write(crate::ffi::into_handle(grantex_event_subscription {
            shared,
            stream,
            worker: Some(worker),
        }));
        Ok(())
    })
}

/// The `seq` (log position) of the last event handed to the callback — when the callback is
/// running, the event it is handling — or the `lastEventId` option until the first event.
/// Pass it as `lastEventId` to resume in a new subscription without losing or repeating an
/// event. `GRANTEX_NOT_FOUND` (`*out` untouched) before the first event of a subscription
/// without `lastEventId`. Any thread, any time, including inside the callback.
///
/// # Safety
/// `subscription` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_event_subscription_last_event_id(
    subscription: *const grantex_event_subscription,
    out: *mut u64,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let sub = unsafe { handle(subscription, "subscription") }?;
        let out = Out::new(out, "out")?;
        let last = u64::try_from(sub.shared.last.load(Ordering::SeqCst))
            .map_err(|_| Failure::not_found("no event received yet"))?;
        out.write(last);
        Ok(())
    })
}

/// Stops the stream (closing its connection) and frees the subscription. NULL is a no-op;
/// never free twice.
///
/// From any thread other than the subscription's own: waits until a callback in progress has
/// returned; when this returns, the callback is not running and will never be called again
/// (so `user_data` may be released). It therefore must not be called while holding a lock the
/// callback waits for.
///
/// From inside the subscription's own callback: does not wait (that would deadlock); the
/// handle is freed at once (do not use it afterwards) and no further call follows the one in
/// progress; the background thread ends as soon as that callback returns.
///
/// Free every subscription before grantex_shutdown().
///
/// # Safety
/// `subscription` is NULL or a live subscription, not used by another thread during or after
/// the call.
#[no_mangle]
pub unsafe extern "C" fn grantex_event_subscription_free(
    subscription: *mut grantex_event_subscription,
) {
    guard_free(|| {
        if subscription.is_null() {
            return;
        }
        // SAFETY: per the contract, we own this allocation.
        let mut sub = unsafe { Box::from_raw(subscription) };
        sub.shared.stop();
        sub.stream.close();
        if let Some(worker) = sub.worker.take() {
            let inside = OWN_THREAD_OF.with(|own| own.get() == Arc::as_ptr(&sub.shared));
            if inside {
                // Inside the callback: the thread sees `stop` when it returns and ends by
                // itself (dropping the JoinHandle detaches it).
                drop(worker);
            } else {
                let _ = worker.join();
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    #[test]
    fn options_are_checked() {
        assert_eq!(parse_options(None).unwrap(), StreamOptions::default());
        assert_eq!(parse_options(Some(" ")).unwrap(), StreamOptions::default());
        let o = parse_options(Some(r#"{"types":["grant.created"],"lastEventId":7}"#)).unwrap();
        assert_eq!(o.types, Some(vec!["grant.created".to_string()]));
        assert_eq!(o.last_event_id, Some(7));
        for bad in [
            "{",
            "[]",
            r#"{"typo":1}"#,
            r#"{"types":"grant.created"}"#,
            r#"{"types":[1]}"#,
            r#"{"lastEventId":-1}"#,
            r#"{"lastEventId":"5"}"#,
            r#"{"lastEventId":1.5}"#,
        ] {
            let e = parse_options(Some(bad)).unwrap_err();
            assert_eq!(e.code, GRANTEX_INVALID_ARGUMENT, "{bad}");
        }
    }

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count(_: *mut c_void, _: *const c_char, _: grantex_result) {
        CALLS.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn free_stops_a_stream_that_cannot_connect_at_once() {
        let mut client = ptr::null_mut();
        let mut sub = ptr::null_mut();
        // SAFETY: valid strings, callback and out-pointers; everything freed below.
        unsafe {
            let rc = crate::client::grantex_client_new(
                c"gx_test_x".as_ptr(),
                c"http://127.0.0.1:9".as_ptr(),
                5000,
                0,
                &mut client,
            );
            assert_eq!(rc, GRANTEX_OK);
            let rc = grantex_events_subscribe(client, ptr::null(), None, ptr::null_mut(), &mut sub);
            assert_eq!(rc, GRANTEX_INVALID_ARGUMENT);
            assert!(sub.is_null());
            let rc = grantex_events_subscribe(
                client,
                c"{\"types\":[\"a,b\"]}".as_ptr(),
                Some(count),
                ptr::null_mut(),
                &mut sub,
            );
            assert_eq!(rc, GRANTEX_INVALID_ARGUMENT);
            let rc = grantex_events_subscribe(
                client,
                ptr::null(),
                Some(count),
                ptr::null_mut(),
                &mut sub,
            );
            assert_eq!(rc, GRANTEX_OK);
            crate::client::grantex_client_free(client);
            let mut last = 0u64;
            assert_eq!(
                grantex_event_subscription_last_event_id(sub, &mut last),
                GRANTEX_NOT_FOUND
            );
            // Connection refused is retried with a pause; free cuts it short.
            std::thread::sleep(Duration::from_millis(300));
            let start = Instant::now();
            grantex_event_subscription_free(sub);
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "{:?}",
                start.elapsed()
            );
            grantex_event_subscription_free(ptr::null_mut());
        }
        assert_eq!(CALLS.load(Ordering::SeqCst), 0);
    }
}
