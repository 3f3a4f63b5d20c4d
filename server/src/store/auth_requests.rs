//! Authorization requests and their codes. A pending request, and the code minted when it is
//! approved, live at most the configured code TTL (10 minutes by default) whatever the grant's
//! own `expiresIn`; expired ones are refused and purged.

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;

/// Default and largest lifetime of a pending request or an unexchanged code (RFC 6749 §4.1.2
/// recommends at most ten minutes for codes).
pub const MAX_CODE_TTL_SECS: u64 = 600;

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
    pub purpose: Option<String>,
    /// Lowercased.
    pub data_region: Option<String>,
    /// Set for an MCP client's request (`/oauth/authorize`): its principal is bound later by
    /// the developer's login (`principal_id` is empty until then).
    pub oauth_client_id: Option<String>,
}

const COLUMNS: &str = "id, developer_id, agent_id, principal_id, scopes, redirect_uri, state, expires_in, \
                       expires_in_secs, expires_at, audience, code_challenge, status, code, created_at, purpose, data_region, \
                       oauth_client_id";

fn from_row(r: &Row<'_>) -> ApiResult<AuthRequestRow> {
    Ok(AuthRequestRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        agent_id: r.str(2)?,
        principal_id: r.str(3)?,
        scopes: r.json(4)?,
        redirect_uri: r.opt_str(5)?,
        state: r.opt_str(6)?,
        expires_in: r.str(7)?,
        expires_in_secs: r.i64(8)?,
        expires_at: r.i64(9)?,
        audience: r.opt_str(10)?,
        code_challenge: r.opt_str(11)?,
        status: r.str(12)?,
        code: r.opt_str(13)?,
        created_at: r.i64(14)?,
        purpose: r.opt_str(15)?,
        data_region: r.opt_str(16)?,
        oauth_client_id: r.opt_str(17)?,
    })
}

/// Any auth request by id (consent routes are public, so not scoped to a developer).
pub fn find(c: &Conn, id: &str) -> ApiResult<Option<AuthRequestRow>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM auth_requests WHERE id = ?1"),
        args![id],
        from_row,
    )
}

/// The developer's request holding `code` for `agent_id`.
pub fn find_by_code(
    c: &Conn,
    developer_id: &str,
    agent_id: &str,
    code: &str,
) -> ApiResult<Option<AuthRequestRow>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM auth_requests WHERE code = ?1 AND developer_id = ?2 AND agent_id = ?3"),
        args![code, developer_id, agent_id],
        from_row,
    )
}

pub fn insert(tx: &Conn, r: &AuthRequestRow) -> ApiResult<()> {
    tx.exec(
        &format!("INSERT INTO auth_requests ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"),
        args![
            &r.id, &r.developer_id, &r.agent_id, &r.principal_id, serde_json::to_string(&r.scopes)?,
            &r.redirect_uri, &r.state, &r.expires_in, r.expires_in_secs, r.expires_at, &r.audience,
            &r.code_challenge, &r.status, &r.code, r.created_at, &r.purpose, &r.data_region,
            &r.oauth_client_id
        ],
    )?;
    Ok(())
}

/// Approves a pending, unexpired request: stores `code`, which expires `ttl_ms` from `now`.
/// `false` if the request is unknown, answered or expired.
pub fn approve(tx: &Conn, id: &str, code: &str, now: i64, ttl_ms: i64) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE auth_requests SET status = 'approved', code = ?1, expires_at = ?2
         WHERE id = ?3 AND status = 'pending' AND expires_at > ?4 AND principal_id <> ''",
        args![code, now + ttl_ms, id, now],
    )? == 1)
}

/// Marks an approved request consumed by exchanging `code`; `false` if it already was (the
/// conditional UPDATE is what makes codes single-use under races).
pub fn consume(tx: &Conn, id: &str, code: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE auth_requests SET status = 'consumed' WHERE id = ?1 AND status = 'approved' AND code = ?2",
        args![id, code],
    )? == 1)
}

/// Denies a request (sandbox helper): any code it had stops working.
pub fn deny(tx: &Conn, id: &str) -> ApiResult<()> {
    tx.exec(
        "UPDATE auth_requests SET status = 'denied', code = NULL WHERE id = ?1",
        args![id],
    )?;
    Ok(())
}

/// Denies a pending, unexpired request (the consent answer); `false` if it was not pending.
pub fn deny_pending(tx: &Conn, id: &str, now: i64) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE auth_requests SET status = 'denied' WHERE id = ?1 AND status = 'pending' AND expires_at > ?2",
        args![id, now],
    )? == 1)
}

/// Deletes up to 500 of the developer's expired requests that were never exchanged (pending,
/// approved with an unused code, denied). Exchanged ones stay: they name the grant a replayed
/// code revokes. Returns how many were deleted.
pub fn purge_expired(tx: &Conn, developer_id: &str, now: i64) -> ApiResult<usize> {
    tx.exec(
        "DELETE FROM auth_requests WHERE id IN (
             SELECT id FROM auth_requests
             WHERE developer_id = ?1 AND expires_at <= ?2 AND status IN ('pending', 'approved', 'denied')
             LIMIT 500)",
        args![developer_id, now],
    )
}

/// Records the grant an authorization code was exchanged for (inside the exchange's transaction).
pub fn record_grant(tx: &Conn, auth_request_id: &str, grant_id: &str) -> ApiResult<()> {
    tx.exec(
        "UPDATE auth_requests SET grant_id = ?1 WHERE id = ?2",
        args![grant_id, auth_request_id],
    )?;
    Ok(())
}

/// `(status, grant id)` of the developer's request.
pub fn status_and_grant(
    c: &Conn,
    developer_id: &str,
    id: &str,
) -> ApiResult<Option<(String, Option<String>)>> {
    c.query_opt(
        "SELECT status, grant_id FROM auth_requests WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
        |r| Ok((r.str(0)?, r.opt_str(1)?)),
    )
}

/// Any request holding `code` (the OAuth token endpoint knows the client, not the developer).
pub fn find_by_code_only(c: &Conn, code: &str) -> ApiResult<Option<AuthRequestRow>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM auth_requests WHERE code = ?1"),
        args![code],
        from_row,
    )
}

/// Binds the principal of a pending MCP request with no principal yet, with the hash of the
/// one-time login secret; `false` if the request is not such a request of the developer.
pub fn bind_principal(
    tx: &Conn,
    developer_id: &str,
    id: &str,
    principal_id: &str,
    login_hash: &str,
    now: i64,
) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE auth_requests SET principal_id = ?1, login_hash = ?2
         WHERE id = ?3 AND developer_id = ?4 AND oauth_client_id IS NOT NULL AND principal_id = ''
           AND status = 'pending' AND expires_at > ?5",
        args![principal_id, login_hash, id, developer_id, now],
    )? == 1)
}

/// The hash of the login secret bound to an MCP request, if any.
pub fn login_hash(c: &Conn, id: &str) -> ApiResult<Option<String>> {
    Ok(c.query_opt(
        "SELECT login_hash FROM auth_requests WHERE id = ?1",
        args![id],
        |r| r.opt_str(0),
    )?
    .flatten())
}

/// Names the agent of an MCP request whose client was new to the developer.
pub fn set_agent(tx: &Conn, id: &str, agent_id: &str) -> ApiResult<()> {
    tx.exec(
        "UPDATE auth_requests SET agent_id = ?1 WHERE id = ?2 AND agent_id = ''",
        args![agent_id, id],
    )?;
    Ok(())
}

/// Replaces the login hash `old` of request `id` by `new` (the link's one-time secret becomes
/// the cookie's); `false` if it was already replaced.
pub fn rotate_login_hash(tx: &Conn, id: &str, old: &str, new: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE auth_requests SET login_hash = ?1 WHERE id = ?2 AND login_hash = ?3",
        args![new, id, old],
    )? == 1)
}
