//! Storage of principal sessions: each issued session is a row, so a developer (or the end user
//! holding it) can revoke it before its `exp`. Rows are purged a day after they expire.

use super::sql::args;
use super::Conn;
use crate::error::ApiResult;

/// Keep expired rows this long (ms) before purging them.
const PURGE_AFTER_MS: i64 = 86_400_000;

/// Records a freshly issued session (`expires_at` in ms) and purges long-expired ones.
pub fn insert(
    tx: &Conn,
    jti: &str,
    developer_id: &str,
    principal_id: &str,
    expires_at: i64,
    now: i64,
) -> ApiResult<()> {
    tx.exec(
        "DELETE FROM principal_sessions WHERE expires_at < ?1",
        args![now - PURGE_AFTER_MS],
    )?;
    tx.exec(
        "INSERT INTO principal_sessions (jti, developer_id, principal_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
        args![jti, developer_id, principal_id, expires_at],
    )?;
    Ok(())
}

/// Whether session `jti` of (`developer_id`, `principal_id`) was issued and is not revoked.
/// Sessions issued before this table existed have no row and are refused.
pub fn is_live(c: &Conn, jti: &str, developer_id: &str, principal_id: &str) -> ApiResult<bool> {
    let row = c.query_opt(
        "SELECT revoked_at FROM principal_sessions WHERE jti = ?1 AND developer_id = ?2 AND principal_id = ?3",
        args![jti, developer_id, principal_id],
        |r| r.opt_i64(0),
    )?;
    Ok(matches!(row, Some(None)))
}

/// Revokes one session; `true` if it was live.
pub fn revoke_one(tx: &Conn, jti: &str, developer_id: &str, now: i64) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE principal_sessions SET revoked_at = ?3 WHERE jti = ?1 AND developer_id = ?2 AND revoked_at IS NULL",
        args![jti, developer_id, now],
    )? > 0)
}

/// Revokes every unexpired session of a principal; returns how many.
pub fn revoke_all(tx: &Conn, developer_id: &str, principal_id: &str, now: i64) -> ApiResult<usize> {
    tx.exec(
        "UPDATE principal_sessions SET revoked_at = ?3
         WHERE developer_id = ?1 AND principal_id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
        args![developer_id, principal_id, now],
    )
}
