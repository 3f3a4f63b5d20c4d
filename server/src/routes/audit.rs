//! The hash-chained audit log: one chain per developer, append-only.

use crate::auth::Developer;
use crate::checkpoint::{self, AuditCheckpoint};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody, QueryMap};
use crate::state::AppState;
use crate::store::{self, audit::EntryFilter};
use crate::time::{iso, now_ms, parse_iso};
use crate::{body_stream, ids, validate};
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use grantex::types::{AuditEntry, AuditLogParams, AuditStatus};
use serde_json::Value;
use tokio::sync::oneshot;

/// Largest audit metadata, as serialised JSON.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

/// Appends an entry: its `prevHash` is the developer's chain head, read and extended inside
/// one write transaction so concurrent appends cannot fork the chain.
pub async fn log(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<AuditLogParams>,
) -> ApiResult<(StatusCode, Json<AuditEntry>)> {
    for (field, v) in [
        ("agentId", &p.agent_id),
        ("agentDid", &p.agent_did),
        ("grantId", &p.grant_id),
        ("principalId", &p.principal_id),
        ("action", &p.action),
    ] {
        validate::text(field, v, 256)?;
    }
    let metadata = match p.metadata {
        None => Value::Object(Default::default()),
        Some(m @ Value::Object(_)) => m,
        Some(_) => return Err(ApiError::bad_request("metadata must be a JSON object")),
    };
    let size = serde_json::to_vec(&metadata)?.len();
    if size > MAX_METADATA_BYTES {
        return Err(ApiError::bad_request(format!(
            "metadata must be at most {MAX_METADATA_BYTES} bytes of JSON (got {size})"
        )));
    }
    let status = p.status.unwrap_or(AuditStatus::Success);
    let entry = st
        .db
        .write(move |tx| {
            let e = AuditEntry {
                entry_id: ids::new_id("alog"),
                agent_id: p.agent_id,
                agent_did: p.agent_did,
                grant_id: p.grant_id,
                principal_id: p.principal_id,
                developer_id: dev.id.clone(),
                action: p.action,
                metadata,
                hash: String::new(),
                prev_hash: None,
                timestamp: iso(now_ms()),
                status: status.as_str().to_string(),
                purpose: None,
            };
            store::audit::append(tx, e)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

fn time_filter(q: &QueryMap, key: &str) -> ApiResult<Option<String>> {
    q.get(key)
        .map(|v| {
            parse_iso(v).map(iso).ok_or_else(|| {
                ApiError::bad_request(format!("{key} must be an ISO-8601 date or date-time"))
            })
        })
        .transpose()
}

/// Largest `pageSize`; a `page` without `pageSize` uses [`DEFAULT_PAGE_SIZE`].
pub const MAX_PAGE_SIZE: u32 = 1000;
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Streamed listings are sent in chunks of about this size.
const CHUNK: usize = 64 * 1024;

/// Entries in chain order (append order), optionally filtered. With no `page`/`pageSize`
/// every entry is returned (as the reference does), streamed from the database in chunks:
/// memory stays constant whatever the count.
pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Response> {
    let text = |k: &str| q.get(k).map(str::to_string);
    let (since, until) = (time_filter(&q, "since")?, time_filter(&q, "until")?);
    let page = q.positive("page", 1_000_000)?;
    let size = q.positive("pageSize", MAX_PAGE_SIZE)?;
    let filter = EntryFilter {
        agent_id: text("agentId"),
        grant_id: text("grantId"),
        principal_id: text("principalId"),
        action: text("action"),
        since,
        until,
        page: match (page, size) {
            (None, None) => None,
            (p, s) => Some((p.unwrap_or(1), s.unwrap_or(DEFAULT_PAGE_SIZE))),
        },
    };
    let (tx, body) = body_stream::channel(4);
    let (started_tx, started_rx) = oneshot::channel::<ApiResult<()>>();
    st.db
        .stream(move |conn| {
            let mut started = Some(started_tx);
            let result = conn.and_then(|conn| {
                let mut buf = b"{\"entries\":[".to_vec();
                let mut first = true;
                store::audit::for_each_entry(conn, &dev.id, &filter, |e| {
                    if let Some(s) = started.take() {
                        let _ = s.send(Ok(()));
                    }
                    if !first {
                        buf.push(b',');
                    }
                    first = false;
                    serde_json::to_writer(&mut buf, &e)?;
                    if buf.len() >= CHUNK {
                        send(&tx, std::mem::take(&mut buf))?;
                    }
                    Ok(())
                })?;
                buf.extend_from_slice(b"]}");
                if let Some(s) = started.take() {
                    let _ = s.send(Ok(()));
                }
                send(&tx, buf)
            });
            if let Err(e) = result {
                match started.take() {
                    Some(s) => {
                        let _ = s.send(Err(e));
                    }
                    None => {
                        let _ = tx.blocking_send(Err(std::io::Error::other(e.message)));
                    }
                }
            }
        })
        .await?;
    started_rx
        .await
        .map_err(|_| ApiError::internal("audit listing ended before it started"))??;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// Hands one chunk to the client; fails (ending the listing) once the client is gone.
fn send(tx: &body_stream::Sender, chunk: Vec<u8>) -> ApiResult<()> {
    tx.blocking_send(Ok(chunk.into())).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "the client went away",
        )
    })
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<AuditEntry>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::audit::find_entry(c, &dev.id, &id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Audit entry not found"))
}

/// `POST /v1/audit/checkpoints` (no body): verifies the caller's chain, signs its head, stores
/// the checkpoint. 409 `AUDIT_CHAIN_EMPTY` before the first entry.
pub async fn create_checkpoint(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<(StatusCode, Json<AuditCheckpoint>)> {
    let row = checkpoint::create(&st.db, st.keys.clone(), dev.id).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// `GET /v1/audit/checkpoints/:id`: one of the caller's checkpoints, as it was created.
pub async fn get_checkpoint(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<AuditCheckpoint>> {
    path_id(&id)?;
    checkpoint::find(&st.db, dev.id, id)
        .await?
        .map(|row| Json(row.into()))
        .ok_or_else(|| ApiError::not_found("Audit checkpoint not found"))
}

/// PUT/PATCH/DELETE on an entry: the log is append-only.
pub async fn immutable() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Audit entries are append-only: they cannot be modified or deleted",
    )
    .with_header(
        axum::http::header::ALLOW,
        axum::http::HeaderValue::from_static("GET"),
    )
}

/// PUT/PATCH/DELETE on a checkpoint: checkpoints are append-only too.
pub async fn immutable_checkpoint() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Audit checkpoints are append-only: they cannot be modified or deleted",
    )
    .with_header(
        axum::http::header::ALLOW,
        axum::http::HeaderValue::from_static("GET"),
    )
}
