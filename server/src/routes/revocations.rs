//! `GET /v1/revocations/status`: whether one grant or token is still live, for SDKs that
//! verify offline and ask about revocation separately (`enforce` with `revocation_check`
//! `online`). Always read from the database: a cached "active" would defeat the point.
//! `GET /v1/revocations`: the feed (a snapshot, then the events after a cursor, long-polled);
//! `GET /v1/revocations/stream`: the same events as Server-Sent Events with heartbeats.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryMap;
use crate::state::AppState;
use crate::store;
use crate::time::{iso, now_ms};
use axum::extract::State;
use axum::{Extension, Json};
use grantex::types::{RevocationFeedEntry, RevocationFeedPage, RevocationStatus};

pub async fn status(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<RevocationStatus>> {
    let grant_id = q.get("grantId").map(str::to_string);
    let jti = q.get("jti").map(str::to_string);
    if grant_id.is_none() && jti.is_none() {
        return Err(ApiError::bad_request("grantId or jti is required"));
    }
    if grant_id.as_ref().is_some_and(|g| g.len() > 256)
        || jti.as_ref().is_some_and(|j| j.len() > 512)
    {
        return Err(ApiError::bad_request(
            "grantId and jti must be short identifiers",
        ));
    }
    let (g, j) = (grant_id.clone(), jti.clone());
    let found = st
        .db
        .read(move |c| store::grants::credential_status(c, &dev.id, g.as_deref(), j.as_deref()))
        .await?;
    Ok(Json(RevocationStatus {
        status: found.status.to_string(),
        revoked: found.status != "active",
        grant_id: found.grant_id.or(grant_id),
        jti,
        expires_at: found.expires_at.map(iso),
        checked_at: Some(iso(now_ms())),
    }))
}

/// Longest long-poll of `GET /v1/revocations?since=..&wait=..`, in seconds.
const MAX_WAIT_SECS: u32 = 25;
/// How often a long-poll looks for new events (the database is the only source, so every
/// instance of a deployment sees every event).
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

fn integer(q: &QueryMap, key: &str, max: i64) -> ApiResult<Option<i64>> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
            _ => Err(ApiError::bad_request(format!(
                "{key} must be an integer between 0 and {max}"
            ))),
        },
    }
}

fn page_token(from: &store::revocation_feed::SnapshotFrom) -> String {
    use base64::Engine as _;
    let raw = match from {
        store::revocation_feed::SnapshotFrom::Grants(id) => format!("g:{id}"),
        store::revocation_feed::SnapshotFrom::Deleted(id) => format!("d:{id}"),
        store::revocation_feed::SnapshotFrom::Tokens(jti) => format!("t:{jti}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn parse_page_token(token: Option<&str>) -> ApiResult<store::revocation_feed::SnapshotFrom> {
    use base64::Engine as _;
    use store::revocation_feed::SnapshotFrom;
    let Some(token) = token else {
        return Ok(SnapshotFrom::Grants(String::new()));
    };
    let bad = || ApiError::bad_request("pageToken is not a revocation snapshot page token");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    match raw.split_once(':') {
        Some(("g", id)) => Ok(SnapshotFrom::Grants(id.to_string())),
        Some(("d", id)) => Ok(SnapshotFrom::Deleted(id.to_string())),
        Some(("t", jti)) => Ok(SnapshotFrom::Tokens(jti.to_string())),
        _ => Err(bad()),
    }
}

fn entry(e: store::revocation_feed::FeedEntry) -> RevocationFeedEntry {
    RevocationFeedEntry {
        seq: e.seq,
        action: e.action,
        grant_id: e.grant_id,
        jti: e.jti,
        expires_at: e.expires_at.map(iso),
        at: iso(e.at),
    }
}

/// A cursor ahead of the log (a restored database, another deployment's cursor) would silently
/// skip every event up to it: refused, so the follower takes a new snapshot.
async fn check_cursor(st: &AppState, dev: &Developer, since: i64) -> ApiResult<()> {
    let dev_id = dev.id.clone();
    let head = st
        .db
        .read(move |c| store::revocation_feed::head(c, &dev_id))
        .await?;
    if since > head {
        return Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "FEED_CURSOR_INVALID",
            "since is ahead of this deployment's revocation feed; take a new snapshot (no since)",
        ));
    }
    Ok(())
}

/// `GET /v1/revocations`: the snapshot (no `since`) or the events after `since`.
pub async fn feed(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<RevocationFeedPage>> {
    let since = integer(&q, "since", i64::MAX)?;
    let limit = integer(&q, "limit", i64::from(store::revocation_feed::MAX_PAGE))?
        .map(|l| l.max(1) as u32)
        .unwrap_or(store::revocation_feed::MAX_PAGE);
    let wait = integer(&q, "wait", i64::from(MAX_WAIT_SECS))?.unwrap_or(0);
    let Some(since) = since else {
        let from = parse_page_token(q.get("pageToken"))?;
        let dev_id = dev.id.clone();
        // The cursor is read before the snapshot, so nothing that commits while the pages are
        // read falls between the two.
        let (cursor, (entries, next)) = st
            .db
            .read(move |c| {
                let cursor = store::revocation_feed::head(c, &dev_id)?;
                let page =
                    store::revocation_feed::snapshot_page(c, &dev_id, &from, limit, now_ms())?;
                Ok((cursor, page))
            })
            .await?;
        return Ok(Json(RevocationFeedPage {
            entries: entries.into_iter().map(entry).collect(),
            cursor,
            snapshot: true,
            server_time: iso(now_ms()),
            next_page_token: next.as_ref().map(page_token),
        }));
    };
    check_cursor(&st, &dev, since).await?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(wait as u64);
    loop {
        let dev_id = dev.id.clone();
        let entries = st
            .db
            .read(move |c| store::revocation_feed::since(c, &dev_id, since, limit))
            .await?;
        if !entries.is_empty() || tokio::time::Instant::now() >= deadline {
            let cursor = entries.last().map_or(since, |e| e.seq);
            return Ok(Json(RevocationFeedPage {
                entries: entries.into_iter().map(entry).collect(),
                cursor,
                snapshot: false,
                server_time: iso(now_ms()),
                next_page_token: None,
            }));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Most revocation streams one developer may hold open on one instance.
pub const MAX_STREAMS_PER_DEVELOPER: usize = 16;
/// How often a stream says it is still reading the database (`event: heartbeat`). Clients
/// treat a silence longer than their staleness bound as a dead feed.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Open streams per developer on this instance.
static STREAMS: std::sync::Mutex<Option<std::collections::HashMap<String, usize>>> =
    std::sync::Mutex::new(None);

/// One open stream, counted until dropped.
struct StreamSlot(String);

impl StreamSlot {
    fn take(developer_id: &str) -> Option<StreamSlot> {
        let mut g = STREAMS.lock().unwrap_or_else(|p| p.into_inner());
        let n = g
            .get_or_insert_with(Default::default)
            .entry(developer_id.to_owned())
            .or_insert(0);
        if *n >= MAX_STREAMS_PER_DEVELOPER {
            return None;
        }
        *n += 1;
        Some(StreamSlot(developer_id.to_owned()))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut g = STREAMS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(map) = g.as_mut() {
            if let Some(n) = map.get_mut(&self.0) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&self.0);
                }
            }
        }
    }
}

/// Sends one event, unless the server starts stopping first (a client that stopped reading
/// must not hold up a graceful stop) or the client went away; `false` then.
async fn send(
    tx: &crate::body_stream::Sender,
    stopping: &mut tokio::sync::watch::Receiver<bool>,
    chunk: axum::body::Bytes,
) -> bool {
    tokio::select! {
        r = tx.send(Ok(chunk)) => r.is_ok(),
        _ = stopping.changed() => false,
    }
}

fn sse(event: &str, data: &impl serde::Serialize) -> axum::body::Bytes {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    axum::body::Bytes::from(format!("event: {event}\ndata: {json}\n\n"))
}

/// `GET /v1/revocations/stream?since=N`: the events after `since` (default 0: the whole log),
/// each as `event: revocation`; then `event: ready` with the cursor; then new events as they
/// commit, and `event: heartbeat` every second while the database answers. The stream ends
/// when the database cannot be read (the client reconnects, failing closed meanwhile) or the
/// server stops.
pub async fn stream(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<axum::response::Response> {
    use axum::http::StatusCode;
    let since = integer(&q, "since", i64::MAX)?.unwrap_or(0);
    check_cursor(&st, &dev, since).await?;
    let slot = StreamSlot::take(&dev.id).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_CONNECTIONS",
            format!(
                "At most {MAX_STREAMS_PER_DEVELOPER} revocation streams per developer on one instance"
            ),
        )
    })?;
    let (tx, body) = crate::body_stream::channel(16);
    let mut stopping = st.stopping.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let mut cursor = since;
        let mut ready = false;
        let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if *stopping.borrow() {
                return;
            }
            // Everything after the cursor, page by page (the replay, then each poll).
            loop {
                let dev_id = dev.id.clone();
                let page = match st
                    .db
                    .read(move |c| {
                        store::revocation_feed::since(
                            c,
                            &dev_id,
                            cursor,
                            store::revocation_feed::MAX_PAGE,
                        )
                    })
                    .await
                {
                    Ok(p) => p,
                    Err(_) => return,
                };
                let full = page.len() >= store::revocation_feed::MAX_PAGE as usize;
                for e in page {
                    cursor = cursor.max(e.seq);
                    if !send(&tx, &mut stopping, sse("revocation", &entry(e))).await {
                        return;
                    }
                }
                if !full {
                    break;
                }
            }
            if !ready {
                ready = true;
                let hello = serde_json::json!({ "cursor": cursor, "serverTime": iso(now_ms()) });
                if !send(&tx, &mut stopping, sse("ready", &hello)).await {
                    return;
                }
            }
            tokio::select! {
                _ = heartbeat.tick() => {
                    let beat = serde_json::json!({ "cursor": cursor, "freshAt": iso(now_ms()) });
                    if !send(&tx, &mut stopping, sse("heartbeat", &beat)).await {
                        return;
                    }
                }
                _ = tokio::time::sleep(POLL_EVERY) => {}
                _ = stopping.changed() => return,
                // The client went away: nothing reads the body any more.
                _ = tx.closed() => return,
            }
        }
    });
    Ok(crate::body_stream::event_stream_response(body))
}
