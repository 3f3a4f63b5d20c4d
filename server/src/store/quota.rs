//! Per-developer quotas: how many agents a developer may hold and how many active grants. A
//! request over a quota is refused with 403 `QUOTA_EXCEEDED`, checked inside the write
//! transaction that would exceed it (so concurrent requests cannot overshoot).

use super::sql::args;
use super::Conn;
use crate::error::{ApiError, ApiResult};

/// Default agents per developer.
pub const DEFAULT_MAX_AGENTS: u64 = 1_000;
/// Default active (unrevoked, unexpired) grants per developer.
pub const DEFAULT_MAX_ACTIVE_GRANTS: u64 = 100_000;

fn exceeded(what: &str, max: u64) -> ApiError {
    ApiError::forbidden(
        "QUOTA_EXCEEDED",
        format!("Quota exceeded: a developer may hold at most {max} {what}"),
    )
}

/// Refuses a new agent when the developer already holds `max`.
pub fn check_agents(tx: &Conn, developer_id: &str, max: u64) -> ApiResult<()> {
    let n = tx.query_one(
        "SELECT COUNT(*) FROM agents WHERE developer_id = ?1",
        args![developer_id],
        |r| r.i64(0),
    )?;
    if u64::try_from(n).unwrap_or(0) >= max {
        return Err(exceeded("agents", max));
    }
    Ok(())
}

/// Refuses a new grant when the developer already holds `max` active ones.
pub fn check_active_grants(tx: &Conn, developer_id: &str, max: u64, now_ms: i64) -> ApiResult<()> {
    let n = tx.query_one(
        "SELECT COUNT(*) FROM grants WHERE developer_id = ?1 AND status = 'active' AND expires_at > ?2",
        args![developer_id, now_ms],
        |r| r.i64(0),
    )?;
    if u64::try_from(n).unwrap_or(0) >= max {
        return Err(exceeded("active grants", max));
    }
    Ok(())
}
