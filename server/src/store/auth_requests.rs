//! Lifetime of authorization requests and codes: a pending request, and the code minted when it
//! is approved, live at most the configured code TTL (10 minutes by default) whatever the
//! grant's own `expiresIn`; expired ones are refused and purged.

use super::{json_column, Conn};
use crate::error::ApiResult;
use rusqlite::{params, OptionalExtension, Row};

/// Default and largest lifetime of a pending request or an unexchanged code (RFC 6749 §4.1.2
/// recommends at most ten minutes for codes).
pub const MAX_CODE_TTL_SECS: u64 = 600;

/// Approves a pending, unexpired request: stores `code`, which expires `ttl_ms` from `now`.
/// `false` if the request is unknown, answered or expired.
pub fn approve(tx: &Conn, id: &str, code: &str, now: i64, ttl_ms: i64) -> ApiResult<bool> {
    Ok(tx.execute(
        "UPDATE auth_requests SET status = 'approved', code = ?1, expires_at = ?2
         WHERE id = ?3 AND status = 'pending' AND expires_at > ?4",
        params![code, now + ttl_ms, id, now],
    )? == 1)
}

/// Deletes up to 500 of the developer's expired requests that were never exchanged (pending,
/// approved with an unused code, denied). Exchanged ones stay: they name the grant a replayed
/// code revokes. Returns how many were deleted.
pub fn purge_expired(tx: &Conn, developer_id: &str, now: i64) -> ApiResult<usize> {
    Ok(tx.execute(
        "DELETE FROM auth_requests WHERE rowid IN (
             SELECT rowid FROM auth_requests
             WHERE developer_id = ?1 AND expires_at <= ?2 AND status IN ('pending', 'approved', 'denied')
             LIMIT 500)",
        params![developer_id, now],
    )?)
}

/// One row of `auth_requests`.
#[derive(Debug, Clone)]
pub struct AuthRequestRow {
    pub id: String,
    pub developer_id: String,
    pub agent_id: String,
    pub principal_id: String,
    pub scopes: Vec<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub expires_in: String,
    pub expires_in_secs: i64,
    pub expires_at: i64,
    pub audience: Option<String>,
    pub code_challenge: Option<String>,
    pub status: String,
    pub code: Option<String>,
    pub created_at: i64,
}

pub const COLUMNS: &str = "id, developer_id, agent_id, principal_id, scopes, redirect_uri, state, expires_in, \
                           expires_in_secs, expires_at, audience, code_challenge, status, code, created_at";

pub fn from_row(r: &Row<'_>) -> rusqlite::Result<AuthRequestRow> {
    Ok(AuthRequestRow {
        id: r.get(0)?,
        developer_id: r.get(1)?,
        agent_id: r.get(2)?,
        principal_id: r.get(3)?,
        scopes: json_column(r, 4)?,
        redirect_uri: r.get(5)?,
        state: r.get(6)?,
        expires_in: r.get(7)?,
        expires_in_secs: r.get(8)?,
        expires_at: r.get(9)?,
        audience: r.get(10)?,
        code_challenge: r.get(11)?,
        status: r.get(12)?,
        code: r.get(13)?,
        created_at: r.get(14)?,
    })
}

/// Any auth request by id (consent routes are public, so not scoped to a developer).
pub fn find(conn: &Conn, id: &str) -> ApiResult<Option<AuthRequestRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM auth_requests WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The developer's request holding `code` for `agent_id`.
pub fn find_by_code(
    c: &Conn,
    developer_id: &str,
    agent_id: &str,
    code: &str,
) -> ApiResult<Option<AuthRequestRow>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM auth_requests WHERE code = ?1 AND developer_id = ?2 AND agent_id = ?3"),
        params![code, developer_id, agent_id],
        from_row,
    )
    .optional()?)
}

pub fn insert(tx: &Conn, r: &AuthRequestRow) -> ApiResult<()> {
    tx.execute(
        &format!("INSERT INTO auth_requests ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
        params![
            r.id, r.developer_id, r.agent_id, r.principal_id, serde_json::to_string(&r.scopes)?,
            r.redirect_uri, r.state, r.expires_in, r.expires_in_secs, r.expires_at, r.audience,
            r.code_challenge, r.status, r.code, r.created_at
        ],
    )?;
    Ok(())
}

/// Marks an approved request consumed by exchanging `code`; `false` if it already was (the
/// conditional UPDATE is what makes codes single-use under races).
pub fn consume(tx: &Conn, id: &str, code: &str) -> ApiResult<bool> {
    Ok(tx.execute(
        "UPDATE auth_requests SET status = 'consumed' WHERE id = ?1 AND status = 'approved' AND code = ?2",
        params![id, code],
    )? == 1)
}

/// Denies a request (sandbox helper): any code it had stops working.
pub fn deny(tx: &Conn, id: &str) -> ApiResult<()> {
    tx.execute(
        "UPDATE auth_requests SET status = 'denied', code = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Denies a pending, unexpired request (the consent answer); `false` if it was not pending.
pub fn deny_pending(tx: &Conn, id: &str, now: i64) -> ApiResult<bool> {
    Ok(tx.execute(
        "UPDATE auth_requests SET status = 'denied' WHERE id = ?1 AND status = 'pending' AND expires_at > ?2",
        params![id, now],
    )? == 1)
}
