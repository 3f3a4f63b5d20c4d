//! `/v1/agents` — agent CRUD. Delete cascades in one transaction.

use crate::audit_store::{self, actions};
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
    "id, did, developer_id, name, description, scopes, status, created_at, updated_at, redirect_uris";

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
        redirect_uris: r
            .get::<_, Option<String>>(9)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
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

/// The server's audit entry for an agent's status change or deletion.
fn audit_agent(tx: &Connection, developer_id: &str, agent: &Agent, action: &str) -> ApiResult<()> {
    audit_store::record_event(
        tx,
        developer_id,
        action,
        audit_store::Subject {
            agent_id: &agent.agent_id,
            agent_did: &agent.did,
            ..Default::default()
        },
        false,
        serde_json::json!({ "name": agent.name, "status": agent.status }),
    )?;
    Ok(())
}

/// The refusal for work a suspended agent (or one its grant was delegated from) asks for.
pub fn suspended_error() -> ApiError {
    ApiError::forbidden(
        "AGENT_SUSPENDED",
        "The agent (or an agent this grant was delegated from) is suspended",
    )
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
    let redirect_uris = p.redirect_uris.unwrap_or_default();
    validate::redirect_uris(&redirect_uris)?;
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
        redirect_uris,
    };
    let a = agent.clone();
    let max = st.settings.max_agents;
    st.db
        .write(move |tx| {
            quota::check_agents(tx, &a.developer_id, max)?;
            tx.execute(
                &format!("INSERT INTO agents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?8)"),
                params![
                    a.agent_id, a.did, a.developer_id, a.name, a.description, serde_json::to_string(&a.scopes)?, now,
                    uris_column(&a.redirect_uris)?
                ],
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
    if p.name.is_none()
        && p.description.is_none()
        && p.scopes.is_none()
        && p.status.is_none()
        && p.redirect_uris.is_none()
    {
        return Err(ApiError::bad_request(
            "Provide at least one of name, description, scopes, status, redirectUris",
        ));
    }
    if let Some(u) = &p.redirect_uris {
        validate::redirect_uris(u)?;
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
            if let Some(u) = p.redirect_uris {
                agent.redirect_uris = u;
            }
            let status_change = p.status.filter(|s| *s != agent.status);
            if let Some(s) = &status_change {
                agent.status = s.clone();
            }
            let now = now_ms();
            agent.updated_at = iso(now);
            tx.execute(
                "UPDATE agents SET name = ?1, description = ?2, scopes = ?3, status = ?4, updated_at = ?5, redirect_uris = ?7
                 WHERE id = ?6",
                params![
                    agent.name, agent.description, serde_json::to_string(&agent.scopes)?, agent.status, now, id,
                    uris_column(&agent.redirect_uris)?
                ],
            )?;
            if let Some(s) = status_change {
                // Suspension is enforced where tokens are checked (grant_store::token_state),
                // not by revoking: reactivation restores the tokens that are otherwise valid.
                let action = if s == "suspended" { actions::AGENT_SUSPENDED } else { actions::AGENT_REACTIVATED };
                audit_agent(tx, &dev.id, &agent, action)?;
            }
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
            let Some(agent) = find(tx, &dev.id, &id)? else {
                return Err(ApiError::not_found("Agent not found"));
            };
            let grant_ids: Vec<String> = {
                let mut s = tx.prepare("SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2")?;
                let rows = s.query_map(params![id, dev.id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            };
            let now = now_ms();
            audit_agent(tx, &dev.id, &agent, actions::AGENT_DELETED)?;
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
