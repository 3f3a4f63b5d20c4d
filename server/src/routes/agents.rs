//! `/v1/agents` — agent CRUD. Delete cascades in one transaction.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::state::AppState;
use crate::time::{iso, now_ms};
use crate::{ids, validate};
use crate::{quota, revocation};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{Agent, AgentList, RegisterAgentParams, UpdateAgentParams};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str =
    "id, did, developer_id, name, description, scopes, status, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
    let scopes: String = r.get(5)?;
    Ok(Agent {
        agent_id: r.get(0)?,
        did: r.get(1)?,
        developer_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        scopes: serde_json::from_str(&scopes).unwrap_or_default(),
        status: r.get(6)?,
        created_at: iso(r.get(7)?),
        updated_at: iso(r.get(8)?),
    })
}

/// The caller's agent `id`, any status.
pub fn find(conn: &Connection, developer_id: &str, id: &str) -> ApiResult<Option<Agent>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM agents WHERE id = ?1 AND developer_id = ?2"),
            params![id, developer_id],
            from_row,
        )
        .optional()?)
}

/// The caller's agent `id` if it is active.
pub fn find_active(conn: &Connection, developer_id: &str, id: &str) -> ApiResult<Option<Agent>> {
    Ok(find(conn, developer_id, id)?.filter(|a| a.status == "active"))
}

fn check_name(name: &str) -> ApiResult<()> {
    validate::text("name", name, 200).map(|_| ())
}

pub async fn create(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<RegisterAgentParams>,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    check_name(&p.name)?;
    validate::free_text("description", &p.description, 2000)?;
    validate::scopes("scopes", &p.scopes, false)?;
    let id = ids::new_id("ag");
    let now = now_ms();
    let agent = Agent {
        did: format!("did:grantex:{id}"),
        agent_id: id,
        developer_id: dev.id.clone(),
        name: p.name.trim().to_string(),
        description: p.description,
        scopes: p.scopes,
        status: "active".into(),
        created_at: iso(now),
        updated_at: iso(now),
    };
    let a = agent.clone();
    let max = st.settings.max_agents;
    st.db
        .write(move |tx| {
            quota::check_agents(tx, &a.developer_id, max)?;
            tx.execute(
                &format!("INSERT INTO agents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7)"),
                params![a.agent_id, a.did, a.developer_id, a.name, a.description, serde_json::to_string(&a.scopes)?, now],
            )?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(agent)))
}

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<AgentList>> {
    let agents = st
        .db
        .read(move |c| {
            let mut s = c.prepare(&format!(
                "SELECT {COLUMNS} FROM agents WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"
            ))?;
            let rows = s.query_map([&dev.id], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    Ok(Json(AgentList { agents }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Agent>> {
    path_id(&id)?;
    st.db
        .read(move |c| find(c, &dev.id, &id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Agent not found"))
}

pub async fn update(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<UpdateAgentParams>,
) -> ApiResult<Json<Agent>> {
    path_id(&id)?;
    if p.name.is_none() && p.description.is_none() && p.scopes.is_none() && p.status.is_none() {
        return Err(ApiError::bad_request(
            "Provide at least one of name, description, scopes, status",
        ));
    }
    if let Some(n) = &p.name {
        check_name(n)?;
    }
    if let Some(d) = &p.description {
        validate::free_text("description", d, 2000)?;
    }
    if let Some(s) = &p.scopes {
        validate::scopes("scopes", s, false)?;
    }
    if let Some(s) = &p.status {
        if s != "active" && s != "suspended" {
            return Err(ApiError::bad_request(
                "status must be \"active\" or \"suspended\"",
            ));
        }
    }
    st.db
        .write(move |tx| {
            let mut agent = find(tx, &dev.id, &id)?.ok_or_else(|| ApiError::not_found("Agent not found"))?;
            if let Some(n) = p.name {
                agent.name = n.trim().to_string();
            }
            if let Some(d) = p.description {
                agent.description = d;
            }
            if let Some(s) = p.scopes {
                agent.scopes = s;
            }
            if let Some(s) = p.status {
                agent.status = s;
            }
            let now = now_ms();
            agent.updated_at = iso(now);
            tx.execute(
                "UPDATE agents SET name = ?1, description = ?2, scopes = ?3, status = ?4, updated_at = ?5 WHERE id = ?6",
                params![agent.name, agent.description, serde_json::to_string(&agent.scopes)?, agent.status, now, id],
            )?;
            Ok(Json(agent))
        })
        .await
}

/// Deletes the agent with its auth requests, grants, tokens and refresh tokens. Grants delegated
/// from its grants to other agents are revoked (they would otherwise outlive their parent).
pub async fn delete(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if find(tx, &dev.id, &id)?.is_none() {
                return Err(ApiError::not_found("Agent not found"));
            }
            let grant_ids: Vec<String> = {
                let mut s = tx.prepare("SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2")?;
                let rows = s.query_map(params![id, dev.id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            };
            let now = now_ms();
            for g in &grant_ids {
                revocation::revoke_descendants(tx, &dev.id, g, now)?;
            }
            tx.execute(
                "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2)",
                params![id, dev.id],
            )?;
            tx.execute(
                "DELETE FROM grant_tokens WHERE grant_id IN (SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2)",
                params![id, dev.id],
            )?;
            tx.execute("DELETE FROM grants WHERE agent_id = ?1 AND developer_id = ?2", params![id, dev.id])?;
            tx.execute("DELETE FROM auth_requests WHERE agent_id = ?1 AND developer_id = ?2", params![id, dev.id])?;
            tx.execute("DELETE FROM agents WHERE id = ?1 AND developer_id = ?2", params![id, dev.id])?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
