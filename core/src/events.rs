//! The event stream consumer (`GET /v1/events/stream`): the developer's events — grant,
//! token, agent, anomaly and budget events, the ones webhooks deliver — as they commit.
//!
//! [`EventStream::next`] yields them in order and reconnects by itself after a dropped
//! connection or a server restart, resuming after the last event it yielded (`lastEventId`,
//! the server's durable log position), so nothing is lost or repeated. Only refusals end it:
//! a bad API key, an unknown event type, a cursor the server no longer holds (410).

use crate::client::Client;
use crate::error::{Error, Result};
use crate::sse::SseParser;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What to follow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamOptions {
    /// Only these event types (`grant.created`, `budget.threshold`, ...); all by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// Resume after this log position (an event's `seq`); from now on by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_id: Option<u64>,
}

impl StreamOptions {
    /// From JSON text (`{"types": [...], "lastEventId": N}`; blank text: the defaults), for
    /// the bindings that take options as JSON. Unknown members and wrong types are
    /// [`Error::InvalidArgument`] naming the member.
    pub fn from_json(text: &str) -> Result<StreamOptions> {
        if text.trim().is_empty() {
            return Ok(StreamOptions::default());
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("event stream options are not valid JSON: {e}")))?;
        let Value::Object(map) = &value else {
            return Err(Error::invalid("event stream options must be a JSON object"));
        };
        if let Some(unknown) = map.keys().find(|k| *k != "types" && *k != "lastEventId") {
            return Err(Error::invalid(format!(
                "event stream options: unknown member `{unknown}` (known: types, lastEventId)"
            )));
        }
        match map.get("types") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
            Some(_) => {
                return Err(Error::invalid(
                    "event stream options: `types` must be an array of strings",
                ))
            }
        }
        match map.get("lastEventId") {
            None | Some(Value::Null) => {}
            Some(v) if v.as_u64().is_some_and(|n| i64::try_from(n).is_ok()) => {}
            Some(_) => {
                return Err(Error::invalid(
                    "event stream options: `lastEventId` must be a non-negative integer (an event's seq)",
                ))
            }
        }
        serde_json::from_value(value)
            .map_err(|e| Error::invalid(format!("event stream options: {e}")))
    }
}

/// One event (`{id, type, createdAt, data}`, as webhooks deliver it) and its log position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamEvent {
    /// The event id (`evt_...`), the same a webhook delivery carries.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: String,
    #[serde(default)]
    pub data: Value,
    /// The position in the server's event log: pass it as `last_event_id` to resume after it.
    #[serde(default)]
    pub seq: u64,
}

/// Longest silence before the connection is presumed dead (the server comments every 15 s).
const IDLE: Duration = Duration::from_secs(45);
/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

struct Connection {
    response: reqwest::Response,
    parser: SseParser,
}

struct State {
    client: Client,
    types: Option<String>,
    cursor: Option<u64>,
    conn: Option<Connection>,
    pending: VecDeque<StreamEvent>,
    failures: u32,
}

/// A followed event stream; cloning gives another handle on the same stream.
#[derive(Clone)]
pub struct EventStream {
    state: Arc<tokio::sync::Mutex<State>>,
    /// The last position returned (-1: none), readable while a `next` waits.
    last: Arc<AtomicI64>,
    closed: Arc<AtomicBool>,
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// `client.events()`.
#[derive(Debug)]
pub struct Events<'a> {
    pub(crate) client: &'a Client,
}

impl Events<'_> {
    /// Follows the developer's events. Nothing is sent until the first [`EventStream::next`].
    pub fn stream(&self, options: &StreamOptions) -> Result<EventStream> {
        let types = match &options.types {
            Some(t) if t.iter().any(|x| x.is_empty() || x.contains(',')) => {
                return Err(Error::InvalidArgument {
                    message: "event types must be non-empty and contain no comma".into(),
                })
            }
            Some(t) if !t.is_empty() => Some(t.join(",")),
            _ => None,
        };
        Ok(EventStream {
            state: Arc::new(tokio::sync::Mutex::new(State {
                client: self.client.clone(),
                types,
                cursor: options.last_event_id,
                conn: None,
                pending: VecDeque::new(),
                failures: 0,
            })),
            last: Arc::new(AtomicI64::new(
                options
                    .last_event_id
                    .and_then(|l| i64::try_from(l).ok())
                    .unwrap_or(-1),
            )),
            closed: Arc::new(AtomicBool::new(false)),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }
}

impl Client {
    /// The event stream (Server-Sent Events).
    pub fn events(&self) -> Events<'_> {
        Events { client: self }
    }
}

/// Whether an error ends the stream (a refusal) rather than calling for a reconnection.
fn terminal(e: &Error) -> bool {
    match e {
        Error::Api(a) => !(a.status == 429 || a.status >= 500),
        Error::Network { .. } | Error::Timeout { .. } => false,
        _ => true,
    }
}

impl EventStream {
    /// The next event; `Ok(None)` once [`EventStream::close`] was called. Waits as long as no
    /// event comes. Connection failures are retried (with a growing pause, at most 5 s), resuming
    /// after the last event returned; a refusal by the server is returned as its error and ends
    /// the stream.
    pub async fn next(&self) -> Result<Option<StreamEvent>> {
        let mut st = self.state.lock().await;
        loop {
            // Registered before the flag is read, so a close() from now on wakes the waits below.
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.is_closed() {
                st.conn = None;
                return Ok(None);
            }
            if let Some(e) = st.pending.pop_front() {
                st.cursor = Some(e.seq);
                self.last
                    .store(i64::try_from(e.seq).unwrap_or(i64::MAX), Ordering::SeqCst);
                return Ok(Some(e));
            }
            if st.conn.is_none() {
                if st.failures > 0 {
                    let pause = (Duration::from_millis(250) * 2u32.saturating_pow(st.failures - 1))
                        .min(MAX_BACKOFF);
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = woken.as_mut() => continue,
                    }
                }
                match Self::connect(&st).await {
                    Ok(c) => {
                        st.conn = Some(c);
                    }
                    Err(e) if terminal(&e) => {
                        self.closed.store(true, Ordering::SeqCst);
                        return Err(e);
                    }
                    Err(_) => {
                        st.failures = st.failures.saturating_add(1);
                        continue;
                    }
                }
            }
            let Some(conn) = st.conn.as_mut() else {
                continue;
            };
            let chunk = tokio::select! {
                c = tokio::time::timeout(IDLE, conn.response.chunk()) => c,
                _ = woken.as_mut() => continue,
            };
            let frames = match chunk {
                Ok(Ok(Some(bytes))) => conn.parser.push(&bytes),
                // Ended, failed or silent: reconnect after the last event returned.
                _ => Err(()),
            };
            match frames {
                Ok(frames) => {
                    st.failures = 0;
                    for f in frames {
                        let Some(seq) = f.id.as_deref().and_then(|i| i.parse::<u64>().ok()) else {
                            continue;
                        };
                        if f.event == "ready" {
                            // Where the server started: without a position of our own, a
                            // reconnection resumes from there (nothing in between is lost).
                            if st.cursor.is_none() && st.pending.is_empty() {
                                st.cursor = Some(seq);
                            }
                            continue;
                        }
                        if st.cursor.is_some_and(|c| seq <= c)
                            || st.pending.back().is_some_and(|p| seq <= p.seq)
                        {
                            continue;
                        }
                        match serde_json::from_str::<StreamEvent>(&f.data) {
                            Ok(mut e) => {
                                e.seq = seq;
                                st.pending.push_back(e);
                            }
                            Err(e) if st.pending.is_empty() => {
                                // Reported, and the connection let go: the next call resumes
                                // after the last event returned, never past this one.
                                st.conn = None;
                                return Err(Error::Decode {
                                    message: format!("event {seq} is not an event object: {e}"),
                                    status: 200,
                                    request_id: None,
                                });
                            }
                            Err(_) => {
                                // Return the good events first; the reconnection meets this one
                                // again and reports it.
                                st.conn = None;
                                break;
                            }
                        }
                    }
                }
                Err(()) => {
                    st.conn = None;
                    st.failures = st.failures.saturating_add(1);
                }
            }
        }
    }

    async fn connect(st: &State) -> Result<Connection> {
        let mut query = serde_json::Map::new();
        if let Some(t) = &st.types {
            query.insert("types".into(), Value::String(t.clone()));
        }
        if let Some(c) = st.cursor {
            query.insert("lastEventId".into(), Value::String(c.to_string()));
        }
        let request = crate::http::Request::new(reqwest::Method::GET, "/v1/events/stream")
            .op("events.stream")
            .query(&Value::Object(query))?;
        let response = st.client.http().open_stream(&request).await?;
        Ok(Connection {
            response,
            parser: SseParser::default(),
        })
    }

    /// The log position of the last event returned (pass it as `last_event_id` to resume in
    /// another stream), `None` before the first.
    pub fn last_event_id(&self) -> Option<u64> {
        u64::try_from(self.last.load(Ordering::SeqCst)).ok()
    }

    /// Stops the stream: a waiting [`EventStream::next`] returns `Ok(None)` at once, and so does
    /// every later call. The connection is let go.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
        // Let the connection go now when no `next` holds the stream (a waiting one lets it
        // go itself as it wakes).
        if let Ok(mut st) = self.state.try_lock() {
            st.conn = None;
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The events as a `futures` [`Stream`](futures_core::Stream), ending after
    /// [`EventStream::close`] or with a refusal (its error as the last item).
    pub fn into_stream(self) -> impl futures_core::Stream<Item = Result<StreamEvent>> {
        futures_util::stream::unfold(Some(self), |s| async move {
            let s = s?;
            match s.next().await {
                Ok(Some(e)) => Some((Ok(e), Some(s))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}
