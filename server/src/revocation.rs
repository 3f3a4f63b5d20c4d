//! Revocation (grants and tokens, plus the token-level cascade this server adds).
//!
//! All functions run inside the caller's write transaction, so a revocation and its whole cascade
//! commit together, and delegation (which re-checks its parent inside its own write transaction)
//! is serialised against them by SQLite's single writer.

use crate::error::ApiResult;
use rusqlite::{params, Connection, OptionalExtension};

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

/// Records the grant an authorization code was exchanged for (inside the exchange's transaction).
pub fn record_code_grant(tx: &Connection, auth_request_id: &str, grant_id: &str) -> ApiResult<()> {
    tx.execute(
        "UPDATE auth_requests SET grant_id = ?1 WHERE id = ?2",
        params![grant_id, auth_request_id],
    )?;
    Ok(())
}

/// Reuse detection for codes (RFC 6749 §4.1.2, RFC 9700 §4.14): when the request was already
/// exchanged, revokes the grant issued from it (and its descendants). `true` if the request was
/// consumed, i.e. this was a replay.
pub fn revoke_for_replayed_code(
    tx: &Connection,
    developer_id: &str,
    auth_request_id: &str,
    now: i64,
) -> ApiResult<bool> {
    let row: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT status, grant_id FROM auth_requests WHERE id = ?1 AND developer_id = ?2",
            params![auth_request_id, developer_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((status, grant)) if status == "consumed" => {
            if let Some(g) = grant {
                revoke_grant(tx, developer_id, &g, now)?;
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Reuse detection for refresh tokens (RFC 9700 §4.14.2): a refresh token presented after it
/// was used revokes its whole family, i.e. the grant it refreshes (every token and refresh
/// token of that grant stops working) and the grants delegated from it.
pub fn revoke_refresh_family(
    tx: &Connection,
    developer_id: &str,
    grant_id: &str,
    now: i64,
) -> ApiResult<()> {
    revoke_grant(tx, developer_id, grant_id, now)?;
    Ok(())
}
