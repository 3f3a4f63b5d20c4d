//! `policies` rows (the rules `crate::policy` evaluates).

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;
use grantex::types::Policy;

const COLUMNS: &str = "id, name, effect, priority, agent_id, principal_id, scopes, \
     time_of_day_start, time_of_day_end, cedar, version, created_at, updated_at";

/// The order policies are weighed and listed in: highest priority first, then the oldest.
const ORDER: &str = "ORDER BY priority DESC, created_at ASC, id ASC";

fn from_row(r: &Row<'_>) -> ApiResult<Policy> {
    Ok(Policy {
        id: r.str(0)?,
        name: r.str(1)?,
        effect: r.str(2)?,
        priority: r.i64(3)?,
        agent_id: r.opt_str(4)?,
        principal_id: r.opt_str(5)?,
        scopes: r.opt_json(6)?,
        time_of_day_start: r.opt_str(7)?,
        time_of_day_end: r.opt_str(8)?,
        cedar: r.opt_str(9)?,
        version: r.u32(10)?,
        created_at: iso(r.i64(11)?),
        updated_at: iso(r.i64(12)?),
    })
}

/// Every policy of the developer, in evaluation order.
pub fn list(c: &Conn, developer_id: &str) -> ApiResult<Vec<Policy>> {
    c.query_all(
        &format!("SELECT {COLUMNS} FROM policies WHERE developer_id = ?1 {ORDER}"),
        args![developer_id],
        from_row,
    )
}

/// The developer's policy `id`.
pub fn find(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<Policy>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM policies WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        from_row,
    )
}

/// The developer's policy generation: 0 before their first policy, then one more at every
/// policy write.
pub fn generation(c: &Conn, developer_id: &str) -> ApiResult<i64> {
    Ok(c.query_opt(
        "SELECT generation FROM policy_generations WHERE developer_id = ?1",
        args![developer_id],
        |r| r.i64(0),
    )?
    .unwrap_or(0))
}

/// Bumps the developer's policy generation (in the transaction of the write).
fn bump(tx: &Conn, developer_id: &str) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO policy_generations (developer_id, generation) VALUES (?1, 1)
         ON CONFLICT (developer_id) DO UPDATE SET generation = policy_generations.generation + 1",
        args![developer_id],
    )?;
    Ok(())
}

/// How many policies the developer holds.
pub fn count(c: &Conn, developer_id: &str) -> ApiResult<u64> {
    let n = c.query_one(
        "SELECT COUNT(*) FROM policies WHERE developer_id = ?1",
        args![developer_id],
        |r| r.i64(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Inserts `p` (its `version` as given, normally 1); `now` (ms) is its creation and update time.
pub fn insert(tx: &Conn, developer_id: &str, p: &Policy, now: i64) -> ApiResult<()> {
    tx.exec(
        &format!(
            "INSERT INTO policies (developer_id, {COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)"
        ),
        args![
            developer_id,
            &p.id,
            &p.name,
            &p.effect,
            p.priority,
            &p.agent_id,
            &p.principal_id,
            p.scopes.as_ref().map(serde_json::to_string).transpose()?,
            &p.time_of_day_start,
            &p.time_of_day_end,
            &p.cedar,
            p.version,
            now
        ],
    )?;
    bump(tx, developer_id)
}

/// Writes every mutable field of `p` and bumps its version, if it still is at `p.version - 1`
/// (a concurrent update in between makes this return false).
pub fn update(tx: &Conn, developer_id: &str, p: &Policy, now: i64) -> ApiResult<bool> {
    let n = tx.exec(
        "UPDATE policies SET name = ?1, effect = ?2, priority = ?3, agent_id = ?4, principal_id = ?5,
                scopes = ?6, time_of_day_start = ?7, time_of_day_end = ?8, cedar = ?9,
                version = ?10, updated_at = ?11
         WHERE id = ?12 AND developer_id = ?13 AND version = ?14",
        args![
            &p.name,
            &p.effect,
            p.priority,
            &p.agent_id,
            &p.principal_id,
            p.scopes.as_ref().map(serde_json::to_string).transpose()?,
            &p.time_of_day_start,
            &p.time_of_day_end,
            &p.cedar,
            p.version,
            now,
            &p.id,
            developer_id,
            p.version.saturating_sub(1)
        ],
    )?;
    bump(tx, developer_id)?;
    Ok(n == 1)
}

/// Deletes the developer's policy `id`; false when there was none.
pub fn delete(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    let n = tx.exec(
        "DELETE FROM policies WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    bump(tx, developer_id)?;
    Ok(n == 1)
}
