//! `GET /v1/events/stream` (Server-Sent Events) and `GET /v1/events/ws` (WebSocket): the
//! developer's events — the same ones webhooks deliver — as they commit, each with its log
//! position (`id:`), resumable with `Last-Event-ID` from the durable log. See
//! `crate::event_bus` for the fan-out.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::event_bus::{self, Slot};
use crate::extract::QueryMap;
use crate::state::AppState;
use crate::store;
use crate::store::events::Recorded;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// A comment line keeps idle connections (and proxies) open.
const KEEPALIVE_EVERY: Duration = Duration::from_secs(15);

fn types_filter(raw: Option<&str>) -> ApiResult<Option<Vec<String>>> {
    let Some(raw) = raw else { return Ok(None) };
    let mut out = Vec::new();
    for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !store::events::TYPES.contains(&t) {
            return Err(ApiError::bad_request(format!(
                "unknown event type {t:?} (known: {})",
                store::events::TYPES.join(", ")
            )));
        }
        out.push(t.to_string());
    }
    Ok((!out.is_empty()).then_some(out))
}

/// Where to resume: `Last-Event-ID` (what `EventSource` sends on reconnect), else the
/// `lastEventId` query parameter; `None`: from now on.
fn resume_from(headers: &HeaderMap, q: &QueryMap) -> ApiResult<Option<i64>> {
    let raw = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::bad_request("Last-Event-ID must be an event position"))?
                .trim()
                .to_string(),
        ),
        None => q.get("lastEventId").map(str::to_string),
    };
    match raw.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request("Last-Event-ID must be a non-negative event position")
            }),
    }
}

/// Checks the request and the cursor against the log, takes a stream slot, and returns the
/// follower that will feed the stream.
async fn open(
    st: AppState,
    dev: &Developer,
    headers: &HeaderMap,
    q: &QueryMap,
) -> ApiResult<(Follower, Slot)> {
    let types = types_filter(q.get("types"))?;
    let from = resume_from(headers, q)?;
    // Join the broadcast before reading the log's end: nothing can fall in between.
    let rx = st.events.subscribe();
    let (last, pruned) = st.db.read(|c| store::events::bounds(c)).await?;
    let cursor = match from {
        None => last,
        Some(c) if c > last => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "EVENT_CURSOR_INVALID",
                format!(
                    "Last-Event-ID {c} is ahead of the event log ({last}): reconnect without it"
                ),
            ))
        }
        Some(c) if c < pruned => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "EVENT_CURSOR_EXPIRED",
                format!(
                    "events after {c} may have passed the retention period (kept from {pruned}): \
                     reconnect without Last-Event-ID and resynchronise"
                ),
            ))
        }
        Some(c) => c,
    };
    let slot = st.events.slot(&dev.id).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_CONNECTIONS",
            format!(
                "At most {} event streams per developer on one instance",
                event_bus::MAX_STREAMS_PER_DEVELOPER
            ),
        )
    })?;
    Ok((
        Follower {
            st,
            developer_id: dev.id.clone(),
            types,
            cursor,
            rx,
            backlog: VecDeque::new(),
            replay: from.is_some(),
        },
        slot,
    ))
}

/// The developer's events after a cursor, in log order: the durable log first, then the
/// broadcast (skipping what the log already gave), the log again after falling behind.
struct Follower {
    st: AppState,
    developer_id: String,
    types: Option<Vec<String>>,
    cursor: i64,
    rx: broadcast::Receiver<Arc<Recorded>>,
    backlog: VecDeque<Recorded>,
    replay: bool,
}

impl Follower {
    /// The next event to send; `None` when the log cannot be read or the bus is gone (the
    /// client reconnects with its Last-Event-ID). Cancel-safe.
    async fn next(&mut self) -> Option<Recorded> {
        loop {
            if let Some(e) = self.backlog.pop_front() {
                if let Some(e) = self.take(e) {
                    return Some(e);
                }
                continue;
            }
            if self.replay {
                let (dev, from) = (self.developer_id.clone(), self.cursor);
                let page = self
                    .st
                    .db
                    .read(move |c| store::events::developer_after(c, &dev, from, event_bus::PAGE))
                    .await
                    .ok()?;
                if page.len() < event_bus::PAGE as usize {
                    self.replay = false;
                }
                self.backlog.extend(page);
                continue;
            }
            match self.rx.recv().await {
                Ok(e) if e.developer_id == self.developer_id => {
                    if let Some(e) = self.take((*e).clone()) {
                        return Some(e);
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => self.replay = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Advances past `e`; returns it unless already sent or filtered out.
    fn take(&mut self, e: Recorded) -> Option<Recorded> {
        if e.seq <= self.cursor {
            return None;
        }
        self.cursor = e.seq;
        match &self.types {
            Some(t) if !t.contains(&e.event_type) => None,
            _ => Some(e),
        }
    }
}

/// `GET /v1/events/stream?types=a,b` — first `event: ready` with the starting position (as its
/// `id:` and `{"cursor": N}`), then `id: <position>`, `event: <type>`, `data: <event JSON>` per
/// event; a `: keepalive` comment every 15 s. Without `Last-Event-ID`, events from now on.
pub async fn stream(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    headers: HeaderMap,
    q: QueryMap,
) -> ApiResult<Response> {
    let mut stopping = st.stopping.clone();
    let (mut f, slot) = open(st, &dev, &headers, &q).await?;
    let (tx, body) = crate::body_stream::channel(16);
    tokio::spawn(async move {
        let _slot = slot;
        let send = |chunk: String| {
            let tx = tx.clone();
            async move { tx.send(Ok(axum::body::Bytes::from(chunk))).await.is_ok() }
        };
        // Where the stream starts: a client that had no position yet resumes from here.
        let ready = format!(
            ": connected\nretry: 1000\nid: {}\nevent: ready\ndata: {{\"cursor\":{}}}\n\n",
            f.cursor, f.cursor
        );
        if !send(ready).await {
            return;
        }
        let mut keepalive = tokio::time::interval(KEEPALIVE_EVERY);
        keepalive.tick().await;
        loop {
            let chunk = tokio::select! {
                e = f.next() => match e {
                    Some(e) => format!("id: {}\nevent: {}\ndata: {}\n\n", e.seq, e.event_type, e.payload),
                    None => return,
                },
                _ = keepalive.tick() => ": keepalive\n\n".to_string(),
                _ = stopping.changed() => return,
                _ = tx.closed() => return,
            };
            tokio::select! {
                ok = send(chunk) => if !ok { return },
                _ = stopping.changed() => return,
            }
        }
    });
    Ok(crate::body_stream::event_stream_response(body))
}

/// `GET /v1/events/ws?types=a,b&lastEventId=N` — the same events, one text frame each: the
/// event JSON (`{id, type, createdAt, data}`) with its log position added as `seq`. A client
/// message `{"types": [...]}` replaces the filter; a ping every 15 s.
pub async fn ws(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    headers: HeaderMap,
    q: QueryMap,
    Extension(hold): Extension<crate::serve::ConnectionHold>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let stopping = st.stopping.clone();
    let (f, slot) = open(st, &dev, &headers, &q).await?;
    Ok(upgrade
        .on_upgrade(move |socket| async move {
            // The upgraded connection keeps its admission slot until the socket ends.
            let _hold = hold;
            follow_socket(socket, f, slot, stopping).await
        })
        .into_response())
}

async fn follow_socket(
    mut socket: WebSocket,
    mut f: Follower,
    slot: Slot,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let _slot = slot;
    let mut ping = tokio::time::interval(KEEPALIVE_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            e = f.next() => {
                let Some(e) = e else { let _ = socket.send(Message::Close(None)).await; return };
                let mut v: serde_json::Value = match serde_json::from_str(&e.payload) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                v["seq"] = serde_json::json!(e.seq);
                if socket.send(Message::Text(v.to_string().into())).await.is_err() {
                    return;
                }
            }
            m = socket.recv() => match m {
                Some(Ok(Message::Text(t))) => {
                    // `{"types": [...]}` replaces the filter (unknown types are ignored).
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) {
                        if let Some(list) = v.get("types").and_then(|t| t.as_array()) {
                            let t: Vec<String> = list
                                .iter()
                                .filter_map(|x| x.as_str())
                                .filter(|x| store::events::TYPES.contains(x))
                                .map(str::to_string)
                                .collect();
                            // Nothing known: the message is ignored (never "every type").
                            if !t.is_empty() {
                                f.types = Some(t);
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
            _ = stopping.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}
