//! The hash-chained audit log (§2.14, §5): one chain per developer, append-only.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody, QueryMap};
use crate::routes::grants::pagination;
use crate::state::AppState;
use crate::time::{iso, now_ms, parse_iso};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::audit_chain::compute_hash;
use grantex::types::{AuditEntry, AuditList, AuditLogParams, AuditStatus};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

pub const COLUMNS: &str =
    "id, agent_id, agent_did, grant_id, principal_id, developer_id, action, metadata, hash, prev_hash, timestamp, status";

pub fn from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let metadata: String = r.get(7)?;
    Ok(AuditEntry {
        entry_id: r.get(0)?,
        agent_id: r.get(1)?,
        agent_did: r.get(2)?,
        grant_id: r.get(3)?,
        principal_id: r.get(4)?,
        developer_id: r.get(5)?,
        action: r.get(6)?,
        metadata: serde_json::from_str(&metadata)
            .unwrap_or_else(|_| Value::Object(Default::default())),
        hash: r.get(8)?,
        prev_hash: r.get(9)?,
        timestamp: r.get(10)?,
        status: r.get(11)?,
    })
}

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
            let head: Option<String> = tx
                .query_row(
                    "SELECT hash FROM audit_entries WHERE developer_id = ?1 ORDER BY seq DESC LIMIT 1",
                    [&dev.id],
                    |r| r.get(0),
                )
                .optional()?;
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
                prev_hash: head,
                timestamp: iso(now_ms()),
                status: status.as_str().to_string(),
            };
            e.hash = compute_hash(&e);
            tx.execute(
                &format!("INSERT INTO audit_entries ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
                params![
                    e.entry_id, e.agent_id, e.agent_did, e.grant_id, e.principal_id, e.developer_id, e.action,
                    serde_json::to_string(&e.metadata)?, e.hash, e.prev_hash, e.timestamp, e.status
                ],
            )?;
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
    let mut sql = format!("SELECT {COLUMNS} FROM audit_entries WHERE developer_id = ?");
    let mut args: Vec<SqlValue> = vec![dev.id.clone().into()];
    for (param, column) in [
        ("agentId", "agent_id"),
        ("grantId", "grant_id"),
        ("principalId", "principal_id"),
        ("action", "action"),
    ] {
        if let Some(v) = q.get(param) {
            sql.push_str(&format!(" AND {column} = ?"));
            args.push(v.to_string().into());
        }
    }
    // Stored timestamps share one fixed-width format, so text comparison is time order.
    if let Some(since) = time_filter(&q, "since")? {
        sql.push_str(" AND timestamp >= ?");
        args.push(since.into());
    }
    if let Some(until) = time_filter(&q, "until")? {
        sql.push_str(" AND timestamp <= ?");
        args.push(until.into());
    }
    sql.push_str(" ORDER BY seq ASC");
    sql.push_str(&pagination(&q)?);
    let entries = st
        .db
        .read(move |c| {
            let mut s = c.prepare(&sql)?;
            let rows = s
                .query_map(rusqlite::params_from_iter(args), from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
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
        .read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {COLUMNS} FROM audit_entries WHERE id = ?1 AND developer_id = ?2"),
                params![id, dev.id],
                from_row,
            )
            .optional()?)
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Audit entry not found"))
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
