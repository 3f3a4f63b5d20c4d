//! `agents` rows.

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;
use grantex::types::Agent;

const COLUMNS: &str =
    "id, did, developer_id, name, description, scopes, status, created_at, updated_at, \
     redirect_uris, resource_servers, public_jwk, key_thumbprint, status_changed_at, status_reason";

fn from_row(r: &Row<'_>) -> ApiResult<Agent> {
    Ok(Agent {
        agent_id: r.str(0)?,
        did: r.str(1)?,
        developer_id: r.str(2)?,
        name: r.str(3)?,
        description: r.str(4)?,
        scopes: r.json(5)?,
        status: r.str(6)?,
        created_at: iso(r.i64(7)?),
        updated_at: iso(r.i64(8)?),
        redirect_uris: r.opt_json(9)?.unwrap_or_default(),
        resource_servers: r.opt_json(10)?.unwrap_or_default(),
        public_jwk: r.opt_json(11)?,
        key_thumbprint: r.opt_str(12)?,
        key_binding_configured: r.opt_str(12)?.is_some(),
        status_changed_at: r.opt_i64(13)?.map(iso),
        status_reason: r.opt_str(14)?,
        // Deleted agents are removed with their grants: a stored agent is never retired.
        retired_at: None,
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
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM agents WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        from_row,
    )
}

/// The developer's agent `id` if it is active.
pub fn find_active(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<Agent>> {
    Ok(find(c, developer_id, id)?.filter(|a| a.status == "active"))
}

/// The status of agent `id` (`None` when it does not exist).
pub fn status(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<String>> {
    c.query_opt(
        "SELECT status FROM agents WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
        |r| r.str(0),
    )
}

/// Every agent of the developer, newest first.
pub fn list(c: &Conn, developer_id: &str) -> ApiResult<Vec<Agent>> {
    c.query_all(
        &format!(
            "SELECT {COLUMNS} FROM agents WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"
        ),
        args![developer_id],
        from_row,
    )
}

/// Inserts a new (active) agent; `now` (ms) is both its creation and update time.
pub fn insert(tx: &Conn, a: &Agent, now: i64) -> ApiResult<()> {
    tx.exec(
        &format!(
            "INSERT INTO agents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?8, ?9, ?10, ?11, NULL, NULL)"
        ),
        args![
            &a.agent_id,
            &a.did,
            &a.developer_id,
            &a.name,
            &a.description,
            serde_json::to_string(&a.scopes)?,
            now,
            uris_column(&a.redirect_uris)?,
            uris_column(&a.resource_servers)?,
            a.public_jwk.as_ref().map(serde_json::to_string).transpose()?,
            &a.key_thumbprint
        ],
    )?;
    agent_event(tx, super::events::AGENT_CREATED, a)
}

/// The webhook event for an agent change.
fn agent_event(tx: &Conn, event_type: &str, a: &Agent) -> ApiResult<()> {
    super::events::emit(
        tx,
        &a.developer_id,
        event_type,
        serde_json::json!({
            "agentId": a.agent_id,
            "did": a.did,
            "name": a.name,
            "scopes": a.scopes,
            "status": a.status,
        }),
    )
    .map(drop)
}

/// Writes the mutable fields of `a` (name, description, scopes, status and its reason, redirect
/// URIs, resource servers, key binding); `status_changed` also stamps `status_changed_at`.
pub fn update(tx: &Conn, a: &Agent, now: i64, status_changed: bool) -> ApiResult<()> {
    tx.exec(
        "UPDATE agents SET name = ?1, description = ?2, scopes = ?3, status = ?4, updated_at = ?5, redirect_uris = ?7,
                resource_servers = ?9, public_jwk = ?10, key_thumbprint = ?11, status_reason = ?12,
                status_changed_at = COALESCE(?13, status_changed_at)
         WHERE id = ?6 AND developer_id = ?8",
        args![
            &a.name,
            &a.description,
            serde_json::to_string(&a.scopes)?,
            &a.status,
            now,
            &a.agent_id,
            uris_column(&a.redirect_uris)?,
            &a.developer_id,
            uris_column(&a.resource_servers)?,
            a.public_jwk.as_ref().map(serde_json::to_string).transpose()?,
            &a.key_thumbprint,
            &a.status_reason,
            // (COALESCE, not a CASE on a flag: PostgreSQL types the parameter from the column.)
            status_changed.then_some(now)
        ],
    )?;
    agent_event(tx, super::events::AGENT_UPDATED, a)?;
    if status_changed {
        super::revocation_feed::agent_status_changed(
            tx,
            &a.developer_id,
            &a.agent_id,
            a.status == "active",
            now,
        )?;
    }
    Ok(())
}

/// Ids of the agent's own grants.
pub fn grant_ids(c: &Conn, developer_id: &str, agent_id: &str) -> ApiResult<Vec<String>> {
    c.query_all(
        "SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2",
        args![agent_id, developer_id],
        |r| r.str(0),
    )
}

/// Deletes the agent with its auth requests, grants, tokens and refresh tokens (the caller
/// revokes what was delegated from its grants first).
pub fn delete_cascade(tx: &Conn, developer_id: &str, agent_id: &str) -> ApiResult<()> {
    // Its live grants end here: the revocation feed says so.
    let live = tx.query_all(
        "SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2 AND status = 'active'",
        args![agent_id, developer_id],
        |r| r.str(0),
    )?;
    super::revocation_feed::record_grants(
        tx,
        developer_id,
        &live,
        super::revocation_feed::REVOKED,
        crate::time::now_ms(),
    )?;
    let a = args![agent_id, developer_id];
    tx.exec(
        "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2)",
        a,
    )?;
    tx.exec(
        "DELETE FROM grant_tokens WHERE grant_id IN (SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2)",
        a,
    )?;
    tx.exec(
        "DELETE FROM grants WHERE agent_id = ?1 AND developer_id = ?2",
        a,
    )?;
    tx.exec(
        "DELETE FROM auth_requests WHERE agent_id = ?1 AND developer_id = ?2",
        a,
    )?;
    tx.exec("DELETE FROM agents WHERE id = ?1 AND developer_id = ?2", a)?;
    super::events::emit(
        tx,
        developer_id,
        super::events::AGENT_DELETED,
        serde_json::json!({ "agentId": agent_id }),
    )
    .map(drop)
}
