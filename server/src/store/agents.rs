//! `agents` rows.

use super::{json_column, json_column_opt, Conn};
use crate::error::ApiResult;
use crate::time::iso;
use grantex::types::Agent;
use rusqlite::{params, OptionalExtension, Row};

const COLUMNS: &str =
    "id, did, developer_id, name, description, scopes, status, created_at, updated_at, redirect_uris";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        agent_id: r.get(0)?,
        did: r.get(1)?,
        developer_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        scopes: json_column(r, 5)?,
        status: r.get(6)?,
        created_at: iso(r.get(7)?),
        updated_at: iso(r.get(8)?),
        redirect_uris: json_column_opt(r, 9)?.unwrap_or_default(),
    })
}

/// Stored form of the registered redirect URIs: NULL when there are none.
fn uris_column(uris: &[String]) -> ApiResult<Option<String>> {
    Ok(if uris.is_empty() {
        None
    } else {
        Some(serde_json::to_string(uris)?)
    })
}

/// The developer's agent `id`, any status.
pub fn find(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<Agent>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM agents WHERE id = ?1 AND developer_id = ?2"),
        params![id, developer_id],
        from_row,
    )
    .optional()?)
}

/// The developer's agent `id` if it is active.
pub fn find_active(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<Agent>> {
    Ok(find(c, developer_id, id)?.filter(|a| a.status == "active"))
}

/// The status of agent `id` (`None` when it does not exist).
pub fn status(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<String>> {
    Ok(c.query_row(
        "SELECT status FROM agents WHERE id = ?1 AND developer_id = ?2",
        params![id, developer_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// Every agent of the developer, newest first.
pub fn list(c: &Conn, developer_id: &str) -> ApiResult<Vec<Agent>> {
    let mut s = c.prepare(&format!(
        "SELECT {COLUMNS} FROM agents WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = s
        .query_map([developer_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Inserts a new (active) agent; `now` (ms) is both its creation and update time.
pub fn insert(tx: &Conn, a: &Agent, now: i64) -> ApiResult<()> {
    tx.execute(
        &format!(
            "INSERT INTO agents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?8)"
        ),
        params![
            a.agent_id,
            a.did,
            a.developer_id,
            a.name,
            a.description,
            serde_json::to_string(&a.scopes)?,
            now,
            uris_column(&a.redirect_uris)?
        ],
    )?;
    Ok(())
}

/// Writes the mutable fields of `a` (name, description, scopes, status, redirect URIs).
pub fn update(tx: &Conn, a: &Agent, now: i64) -> ApiResult<()> {
    tx.execute(
        "UPDATE agents SET name = ?1, description = ?2, scopes = ?3, status = ?4, updated_at = ?5, redirect_uris = ?7
         WHERE id = ?6 AND developer_id = ?8",
        params![
            a.name,
            a.description,
            serde_json::to_string(&a.scopes)?,
            a.status,
            now,
            a.agent_id,
            uris_column(&a.redirect_uris)?,
            a.developer_id
        ],
    )?;
    Ok(())
}

/// Ids of the agent's own grants.
pub fn grant_ids(c: &Conn, developer_id: &str, agent_id: &str) -> ApiResult<Vec<String>> {
    let mut s = c.prepare("SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2")?;
    let rows = s
        .query_map(params![agent_id, developer_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Deletes the agent with its auth requests, grants, tokens and refresh tokens (the caller
/// revokes what was delegated from its grants first).
pub fn delete_cascade(tx: &Conn, developer_id: &str, agent_id: &str) -> ApiResult<()> {
    let p = params![agent_id, developer_id];
    tx.execute(
        "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2)",
        p,
    )?;
    tx.execute(
        "DELETE FROM grant_tokens WHERE grant_id IN (SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2)",
        p,
    )?;
    tx.execute(
        "DELETE FROM grants WHERE agent_id = ?1 AND developer_id = ?2",
        p,
    )?;
    tx.execute(
        "DELETE FROM auth_requests WHERE agent_id = ?1 AND developer_id = ?2",
        p,
    )?;
    tx.execute("DELETE FROM agents WHERE id = ?1 AND developer_id = ?2", p)?;
    Ok(())
}
