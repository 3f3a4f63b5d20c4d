//! `/v1/agents` — agent CRUD. Delete cascades in one transaction.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::state::AppState;
use crate::store;
use crate::store::audit::actions;
use crate::time::{iso, now_ms};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{Agent, AgentList, RegisterAgentParams, UpdateAgentParams};

/// The server's audit entry for an agent's status change or deletion.
fn audit_agent(tx: &store::Conn, developer_id: &str, agent: &Agent, action: &str) -> ApiResult<()> {
    store::audit::record_event(
        tx,
        developer_id,
        action,
        store::audit::Subject {
            agent_id: &agent.agent_id,
            agent_did: &agent.did,
            ..Default::default()
        },
        false,
        serde_json::json!({ "name": agent.name, "status": agent.status }),
    )?;
    Ok(())
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
    let resource_servers = p.resource_servers.unwrap_or_default();
    validate::resource_servers(&resource_servers)?;
    let key_thumbprint = p
        .public_jwk
        .as_ref()
        .map(validate::public_jwk)
        .transpose()?;
    let status = p.status.unwrap_or_else(|| "active".into());
    check_status(&status)?;
    let id = ids::new_id("ag");
    let now = now_ms();
    let agent = Agent {
        did: format!("did:grantex:{id}"),
        agent_id: id,
        developer_id: dev.id.clone(),
        name: p.name.trim().to_string(),
        description: p.description,
        scopes: p.scopes,
        status,
        created_at: iso(now),
        updated_at: iso(now),
        redirect_uris,
        resource_servers,
        key_binding_configured: key_thumbprint.is_some(),
        public_jwk: p.public_jwk,
        key_thumbprint,
        status_changed_at: None,
        status_reason: None,
        retired_at: None,
    };
    let a = agent.clone();
    let max = st.settings.max_agents;
    st.db
        .write(move |tx| {
            store::quota::check_agents(tx, &a.developer_id, max)?;
            store::agents::insert(tx, &a, now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(agent)))
}

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<AgentList>> {
    let agents = st.db.read(move |c| store::agents::list(c, &dev.id)).await?;
    Ok(Json(AgentList { agents }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Agent>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::agents::find(c, &dev.id, &id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Agent not found"))
}

fn check_status(s: &str) -> ApiResult<()> {
    if s != "active" && s != "suspended" {
        return Err(ApiError::bad_request(
            "status must be \"active\" or \"suspended\"",
        ));
    }
    Ok(())
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
        && p.resource_servers.is_none()
        && p.public_jwk.is_none()
        && p.status_reason.is_none()
    {
        return Err(ApiError::bad_request(
            "Provide at least one of name, description, scopes, status, statusReason, redirectUris, \
             resourceServers, publicJwk",
        ));
    }
    if let Some(u) = &p.redirect_uris {
        validate::redirect_uris(u)?;
    }
    if let Some(u) = &p.resource_servers {
        validate::resource_servers(u)?;
    }
    let key_thumbprint = p
        .public_jwk
        .as_ref()
        .map(validate::public_jwk)
        .transpose()?;
    if let Some(r) = &p.status_reason {
        validate::free_text("statusReason", r, 500)?;
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
        check_status(s)?;
    }
    st.db
        .write(move |tx| {
            let mut agent = store::agents::find(tx, &dev.id, &id)?
                .ok_or_else(|| ApiError::not_found("Agent not found"))?;
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
            if let Some(u) = p.resource_servers {
                agent.resource_servers = u;
            }
            if let Some(jwk) = p.public_jwk {
                agent.public_jwk = Some(jwk);
                agent.key_thumbprint = key_thumbprint;
                agent.key_binding_configured = true;
            }
            let status_change = p.status.filter(|s| *s != agent.status);
            let now = now_ms();
            if let Some(s) = &status_change {
                agent.status = s.clone();
                agent.status_changed_at = Some(iso(now));
                // A reason belongs to one change: a change without one clears the last.
                agent.status_reason = None;
            }
            if let Some(r) = p.status_reason {
                agent.status_reason = Some(r);
            }
            agent.updated_at = iso(now);
            store::agents::update(tx, &agent, now, status_change.is_some())?;
            if let Some(s) = status_change {
                // Suspension is enforced where tokens are checked (store::grants::token_state),
                // not by revoking: reactivation restores the tokens that are otherwise valid.
                let action = if s == "suspended" {
                    actions::AGENT_SUSPENDED
                } else {
                    actions::AGENT_REACTIVATED
                };
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
            let Some(agent) = store::agents::find(tx, &dev.id, &id)? else {
                return Err(ApiError::not_found("Agent not found"));
            };
            let grant_ids = store::agents::grant_ids(tx, &dev.id, &id)?;
            let now = now_ms();
            audit_agent(tx, &dev.id, &agent, actions::AGENT_DELETED)?;
            for g in &grant_ids {
                store::revocation::revoke_descendants(tx, &dev.id, g, now)?;
            }
            store::agents::delete_cascade(tx, &dev.id, &id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
