//! Lifetime of authorization requests and codes: a pending request, and the code minted when it
//! is approved, live at most the configured code TTL (10 minutes by default) whatever the
//! grant's own `expiresIn`; expired ones are refused and purged.

use crate::error::ApiResult;
use rusqlite::{params, Connection};

/// Default and largest lifetime of a pending request or an unexchanged code (RFC 6749 §4.1.2
/// recommends at most ten minutes for codes).
pub const MAX_CODE_TTL_SECS: u64 = 600;

/// Approves a pending, unexpired request: stores `code`, which expires `ttl_ms` from `now`.
/// `false` if the request is unknown, answered or expired.
pub fn approve(tx: &Connection, id: &str, code: &str, now: i64, ttl_ms: i64) -> ApiResult<bool> {
    Ok(tx.execute(
        "UPDATE auth_requests SET status = 'approved', code = ?1, expires_at = ?2
         WHERE id = ?3 AND status = 'pending' AND expires_at > ?4",
        params![code, now + ttl_ms, id, now],
    )? == 1)
}

/// Deletes up to 500 of the developer's expired requests that were never exchanged (pending,
/// approved with an unused code, denied). Exchanged ones stay: they name the grant a replayed
/// code revokes. Returns how many were deleted.
pub fn purge_expired(tx: &Connection, developer_id: &str, now: i64) -> ApiResult<usize> {
    Ok(tx.execute(
        "DELETE FROM auth_requests WHERE rowid IN (
             SELECT rowid FROM auth_requests
             WHERE developer_id = ?1 AND expires_at <= ?2 AND status IN ('pending', 'approved', 'denied')
             LIMIT 500)",
        params![developer_id, now],
    )?)
}
