//! Revocation (grants and tokens, plus the token-level cascade this server adds).
//!
//! All functions run inside the caller's write transaction, so a revocation and its whole cascade
//! commit together, and delegation (which re-checks its parent inside its own write transaction)
//! is serialised against them by SQLite's single writer.

use crate::error::ApiResult;
use rusqlite::{params, Connection};

/// Revokes every still-active descendant of `grant_id` (any depth). Returns how many.
pub fn revoke_descendants(
    tx: &Connection,
    developer_id: &str,
    grant_id: &str,
    now: i64,
) -> ApiResult<usize> {
    Ok(tx.execute(
        "WITH RECURSIVE d(id) AS (
             SELECT id FROM grants WHERE parent_grant_id = ?1 AND developer_id = ?2
             UNION
             SELECT g.id FROM grants g JOIN d ON g.parent_grant_id = d.id WHERE g.developer_id = ?2
         )
         UPDATE grants SET status = 'revoked', revoked_at = ?3
         WHERE status = 'active' AND id IN (SELECT id FROM d)",
        params![grant_id, developer_id, now],
    )?)
}

/// Revokes an active grant and all its descendants. `false` if it is unknown, foreign or
/// already revoked.
pub fn revoke_grant(
    tx: &Connection,
    developer_id: &str,
    grant_id: &str,
    now: i64,
) -> ApiResult<bool> {
    let n = tx.execute(
        "UPDATE grants SET status = 'revoked', revoked_at = ?3 WHERE id = ?1 AND developer_id = ?2 AND status = 'active'",
        params![grant_id, developer_id, now],
    )?;
    if n == 0 {
        return Ok(false);
    }
    revoke_descendants(tx, developer_id, grant_id, now)?;
    Ok(true)
}

/// Blocklists one token and revokes every grant delegated from it, with their descendants.
/// The grant the token belongs to stays active (it can still be refreshed). `false` if the jti
/// is unknown, foreign or already revoked.
pub fn revoke_token(tx: &Connection, developer_id: &str, jti: &str, now: i64) -> ApiResult<bool> {
    let n = tx.execute(
        "UPDATE grant_tokens SET is_revoked = 1, revoked_at = ?3 WHERE jti = ?1 AND developer_id = ?2 AND is_revoked = 0",
        params![jti, developer_id, now],
    )?;
    if n == 0 {
        return Ok(false);
    }
    let children: Vec<String> = {
        let mut s =
            tx.prepare("SELECT id FROM grants WHERE source_jti = ?1 AND developer_id = ?2")?;
        let rows = s
            .query_map(params![jti, developer_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    for child in children {
        tx.execute(
            "UPDATE grants SET status = 'revoked', revoked_at = ?2 WHERE id = ?1 AND status = 'active'",
            params![child, now],
        )?;
        revoke_descendants(tx, developer_id, &child, now)?;
    }
    Ok(true)
}
