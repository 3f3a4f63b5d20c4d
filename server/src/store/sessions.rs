//! Storage of principal sessions: each issued session is a row, so a developer (or the end user
//! holding it) can revoke it before its `exp`. Rows are purged a day after they expire.

use crate::error::ApiResult;
use rusqlite::{params, Connection, OptionalExtension};

/// Keep expired rows this long (ms) before purging them.
const PURGE_AFTER_MS: i64 = 86_400_000;

/// Records a freshly issued session (`expires_at` in ms) and purges long-expired ones.
pub fn insert(
    tx: &Connection,
    jti: &str,
    developer_id: &str,
    principal_id: &str,
    expires_at: i64,
    now: i64,
) -> ApiResult<()> {
    tx.execute(
        "DELETE FROM principal_sessions WHERE expires_at < ?1",
        params![now - PURGE_AFTER_MS],
    )?;
    tx.execute(
        "INSERT INTO principal_sessions (jti, developer_id, principal_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![jti, developer_id, principal_id, expires_at],
    )?;
    Ok(())
}

/// Whether session `jti` of (`developer_id`, `principal_id`) was issued and is not revoked.
/// Sessions issued before this table existed have no row and are refused.
pub fn is_live(
    c: &Connection,
    jti: &str,
    developer_id: &str,
    principal_id: &str,
) -> ApiResult<bool> {
    let row: Option<Option<i64>> = c
        .query_row(
            "SELECT revoked_at FROM principal_sessions WHERE jti = ?1 AND developer_id = ?2 AND principal_id = ?3",
            params![jti, developer_id, principal_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(matches!(row, Some(None)))
}

/// Revokes one session; `true` if it was live.
pub fn revoke_one(tx: &Connection, jti: &str, developer_id: &str, now: i64) -> ApiResult<bool> {
    Ok(tx.execute(
        "UPDATE principal_sessions SET revoked_at = ?3 WHERE jti = ?1 AND developer_id = ?2 AND revoked_at IS NULL",
        params![jti, developer_id, now],
    )? > 0)
}

/// Revokes every unexpired session of a principal; returns how many.
pub fn revoke_all(
    tx: &Connection,
    developer_id: &str,
    principal_id: &str,
    now: i64,
) -> ApiResult<usize> {
    Ok(tx.execute(
        "UPDATE principal_sessions SET revoked_at = ?3
         WHERE developer_id = ?1 AND principal_id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
        params![developer_id, principal_id, now],
    )?)
}
