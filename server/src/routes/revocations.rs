//! `GET /v1/revocations/status`: whether one grant or token is still live, for SDKs that
//! verify offline and ask about revocation separately (`enforce` with `revocation_check`
//! `online`). Always read from the database: a cached "active" would defeat the point.

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
    // A cursor ahead of the log (a restored database, another deployment's cursor) would
    // silently skip every event up to it: refuse it, so the follower takes a new snapshot.
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
