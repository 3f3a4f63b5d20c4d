//! Issued grant tokens (`grant_tokens`, what makes a jti revocable), single-use refresh tokens
//! and the refresh idempotency memory.

use super::sql::args;
use super::Conn;
use crate::error::ApiResult;
use crate::{ids, time};

/// Refresh tokens live at most 30 days (and never past their grant).
pub const REFRESH_TTL_MS: i64 = 30 * 86_400_000;

/// Records an issued token (`iat`/`exp` in seconds) and the kid that signed it.
pub fn insert_issued(
    tx: &Conn,
    jti: &str,
    grant_id: &str,
    developer_id: &str,
    kid: &str,
    iat: i64,
    exp: i64,
) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO grant_tokens (jti, grant_id, developer_id, kid, is_revoked, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
        args![jti, grant_id, developer_id, kid, iat, exp],
    )?;
    super::events::emit(
        tx,
        developer_id,
        super::events::TOKEN_ISSUED,
        serde_json::json!({
            "jti": jti,
            "grantId": grant_id,
            "issuedAt": time::iso_secs(iat),
            "expiresAt": time::iso_secs(exp),
        }),
    )
    .map(drop)
}

/// Inserts a fresh single-use refresh token for `grant_id`. Returns its id (`ref_…`).
pub fn new_refresh_token(tx: &Conn, grant_id: &str, grant_expires_ms: i64) -> ApiResult<String> {
    let id = ids::new_id("ref");
    let now = time::now_ms();
    tx.exec(
        "INSERT INTO refresh_tokens (id, grant_id, is_used, expires_at, created_at) VALUES (?1, ?2, 0, ?3, ?4)",
        args![&id, grant_id, (now + REFRESH_TTL_MS).min(grant_expires_ms), now],
    )?;
    Ok(id)
}

/// A refresh token: the grant it refreshes, whether it was used, when it expires (ms).
#[derive(Debug, Clone)]
pub struct RefreshRow {
    pub grant_id: String,
    pub used: bool,
    pub expires_at: i64,
}

pub fn find_refresh(c: &Conn, id: &str) -> ApiResult<Option<RefreshRow>> {
    c.query_opt(
        "SELECT grant_id, is_used, expires_at FROM refresh_tokens WHERE id = ?1",
        args![id],
        |r| {
            Ok(RefreshRow {
                grant_id: r.str(0)?,
                used: r.bool(1)?,
                expires_at: r.i64(2)?,
            })
        },
    )
}

/// Marks the refresh token used; `false` if it already was (the conditional UPDATE is what makes
/// refresh tokens single-use under races).
pub fn spend_refresh(tx: &Conn, id: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE refresh_tokens SET is_used = 1 WHERE id = ?1 AND is_used = 0",
        args![id],
    )? == 1)
}

/// The stored (refresh token, response JSON) for an `Idempotency-Key` of the developer.
pub fn idempotent_answer(
    c: &Conn,
    developer_id: &str,
    key: &str,
) -> ApiResult<Option<(String, String)>> {
    c.query_opt(
        "SELECT refresh_token, response FROM refresh_idempotency WHERE developer_id = ?1 AND key = ?2",
        args![developer_id, key],
        |r| Ok((r.str(0)?, r.str(1)?)),
    )
}

/// Remembers a refresh answer under its key, forgetting the developer's answers older than
/// `ttl_ms` (retries come within seconds).
pub fn remember_answer(
    tx: &Conn,
    developer_id: &str,
    key: &str,
    refresh_token: &str,
    response_json: &str,
    ttl_ms: i64,
) -> ApiResult<()> {
    let now = time::now_ms();
    tx.exec(
        "DELETE FROM refresh_idempotency WHERE developer_id = ?1 AND created_at < ?2",
        args![developer_id, now - ttl_ms],
    )?;
    tx.exec(
        "INSERT INTO refresh_idempotency (developer_id, key, refresh_token, response, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![developer_id, key, refresh_token, response_json, now],
    )?;
    Ok(())
}
