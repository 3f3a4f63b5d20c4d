//! `NativeEventStream`: the core `grantex::events::EventStream` behind the JS
//! `grantex.events.stream()` iterator (`lib/events.cjs`). The core follows
//! `GET /v1/events/stream`, reconnecting by itself and resuming after the last event it
//! returned; this file only converts.

use crate::convert;
use crate::errors::invalid;
use crate::promise::spawn;
use grantex::events::{EventStream, StreamEvent};
use napi::bindgen_prelude::Object;
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;

/// Largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A `lastEventId` from JS: a non-negative safe integer.
pub fn cursor(value: Option<f64>) -> Result<Option<u64>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_SAFE => {
            Ok(Some(v as u64))
        }
        Some(v) => Err(invalid(format!(
            "lastEventId must be a non-negative integer (an event's seq), got {v}"
        ))),
    }
}

fn event(e: Option<StreamEvent>) -> grantex::Result<Option<Value>> {
    e.map(convert::to_json).transpose()
}

/// A followed event stream (made by `NativeClient.eventStream`). Nothing is sent until the
/// first `next()`.
#[napi]
pub struct NativeEventStream {
    inner: EventStream,
}

impl NativeEventStream {
    pub fn new(inner: EventStream) -> Self {
        NativeEventStream { inner }
    }
}

#[napi]
impl NativeEventStream {
    /// The next event `{id, type, createdAt, data, seq}`; `null` once closed. Waits as long as
    /// no event comes; connection failures are retried, a refusal by the server rejects and
    /// ends the stream.
    #[napi(
        ts_return_type = "Promise<{ id: string; type: string; createdAt: string; data: any; seq: number } | null>"
    )]
    pub fn next<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let s = self.inner.clone();
        spawn(env, async move { s.next().await }, event)
    }

    /// Stops the stream: a waiting `next()` resolves with `null` at once, and so does every
    /// later one. The connection is let go.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether the stream was closed (by `close()` or a refusal).
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The `seq` of the last event returned (pass it as `lastEventId` to resume after it in
    /// another stream), `null` before the first.
    #[napi(getter)]
    pub fn last_event_id(&self) -> Option<f64> {
        self.inner.last_event_id().map(|l| l as f64)
    }
}
