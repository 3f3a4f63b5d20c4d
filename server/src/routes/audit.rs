//! The hash-chained audit log: one chain per developer, append-only.

use crate::audit_store::{self, EntryFilter};
use crate::auth::Developer;
use crate::checkpoint::{self, AuditCheckpoint};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody, QueryMap};
use crate::state::AppState;
use crate::time::{iso, now_ms, parse_iso};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::audit_chain::compute_hash;
use grantex::types::{AuditEntry, AuditList, AuditLogParams, AuditStatus};
use serde_json::Value;

// The row mapping other modules read entries with.
pub use crate::audit_store::{from_row, COLUMNS};

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
    let status = p.status.unwrap_or(AuditStatus::Success);
    let entry = st
        .db
        .write(move |tx| {
            let mut e = AuditEntry {
                entry_id: ids::new_id("alog"),
                agent_id: p.agent_id,
                agent_did: p.agent_did,
                grant_id: p.grant_id,
                principal_id: p.principal_id,
                developer_id: dev.id.clone(),
                action: p.action,
                metadata,
                hash: String::new(),
                prev_hash: audit_store::head_hash(tx, &dev.id)?,
                timestamp: iso(now_ms()),
                status: status.as_str().to_string(),
            };
            e.hash = compute_hash(&e);
            audit_store::insert_entry(tx, &e)?;
            Ok(e)
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

/// Entries in chain order (append order), optionally filtered.
pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<AuditList>> {
    let text = |k: &str| q.get(k).map(str::to_string);
    let (since, until) = (time_filter(&q, "since")?, time_filter(&q, "until")?);
    let page = q.positive("page", 1_000_000)?.unwrap_or(1);
    let filter = EntryFilter {
        agent_id: text("agentId"),
        grant_id: text("grantId"),
        principal_id: text("principalId"),
        action: text("action"),
        since,
        until,
        page: q.positive("pageSize", 1000)?.map(|size| (page, size)),
    };
    let entries = st
        .db
        .read(move |c| audit_store::list_entries(c, &dev.id, &filter))
        .await?;
    Ok(Json(AuditList { entries }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<AuditEntry>> {
    path_id(&id)?;
    st.db
        .read(move |c| audit_store::find_entry(c, &dev.id, &id))
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
