//! `/v1/mcp/…` — what a developer manages for MCP authorization: its MCP servers (OAuth
//! resources), its MCP clients, the dynamic registration policy, and the login step of an MCP
//! consent (binding the human the developer's login identified to one pending request).

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::oauth_clients::{client_from_metadata, ensure_agent};
use crate::state::AppState;
use crate::store;
use crate::store::mcp::{ClientRow, ServerRow};
use crate::store::revocation::Cause;
use crate::time::{self, iso, now_ms};
use crate::{consent_login, ids, policy, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{
    BindMcpPrincipalParams, McpPrincipalBinding, McpServer, McpServerList, McpSettings,
    OAuthClient, OAuthClientList, RegisterMcpServerParams, RegisterOAuthClientParams,
    UpdateMcpSettingsParams,
};
use serde_json::{json, Map};

/// Most MCP servers per developer.
const MAX_SERVERS: usize = 100;

fn server_wire(st: &AppState, s: &ServerRow) -> McpServer {
    s.to_wire(&st.settings.public_url)
}

pub async fn register_server(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<RegisterMcpServerParams>,
) -> ApiResult<(StatusCode, Json<McpServer>)> {
    validate::text("name", &p.name, 200)?;
    validate::http_url("resourceUrl", &p.resource_url)?;
    validate::scopes("scopes", &p.scopes, true)?;
    if let Some(u) = &p.login_url {
        validate::http_url("loginUrl", u)?;
    }
    let grant_ttl = p.grant_ttl.clone().unwrap_or_else(|| "30d".into());
    time::parse_duration(&grant_ttl)
        .map_err(|e| ApiError::bad_request(e.replace("expiresIn", "grantTtl")))?;
    let mut seen = std::collections::HashSet::new();
    let scopes: Vec<String> = p
        .scopes
        .iter()
        .filter(|x| seen.insert(*x))
        .cloned()
        .collect();
    let row = ServerRow {
        id: ids::new_id("mcps"),
        developer_id: dev.id.clone(),
        name: p.name.trim().to_string(),
        resource_url: p.resource_url.clone(),
        scopes,
        login_url: p.login_url.clone(),
        grant_ttl,
        created_at: now_ms(),
    };
    let r = row.clone();
    st.db
        .write(move |tx| {
            if store::mcp::list_servers(tx, &r.developer_id)?.len() >= MAX_SERVERS {
                return Err(ApiError::unprocessable(format!(
                    "at most {MAX_SERVERS} MCP servers per developer"
                )));
            }
            if !store::mcp::insert_server(tx, &r)? {
                return Err(ApiError::conflict(
                    "An MCP server with this resourceUrl is already registered",
                ));
            }
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(server_wire(&st, &row))))
}

pub async fn list_servers(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<McpServerList>> {
    let rows = st
        .db
        .read(move |c| store::mcp::list_servers(c, &dev.id))
        .await?;
    Ok(Json(McpServerList {
        servers: rows.iter().map(|s| server_wire(&st, s)).collect(),
    }))
}

pub async fn get_server(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<McpServer>> {
    path_id(&id)?;
    let row = st
        .db
        .read(move |c| store::mcp::find_server(c, &dev.id, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("MCP server not found"))?;
    Ok(Json(server_wire(&st, &row)))
}

pub async fn delete_server(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(
            move |tx| match store::mcp::delete_server(tx, &dev.id, &id)? {
                true => Ok(StatusCode::NO_CONTENT),
                false => Err(ApiError::not_found("MCP server not found")),
            },
        )
        .await
}

fn client_wire(c: &ClientRow, agent_id: Option<String>, secret: Option<String>) -> OAuthClient {
    OAuthClient {
        client_id: c.client_id.clone(),
        client_name: c.client_name.clone(),
        redirect_uris: c.redirect_uris.clone(),
        token_endpoint_auth_method: c.auth_method.clone(),
        client_secret: secret,
        registered_by: c.registered_by.clone(),
        agent_id,
        created_at: iso(c.created_at),
    }
}

pub async fn register_client(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<RegisterOAuthClientParams>,
) -> ApiResult<(StatusCode, Json<OAuthClient>)> {
    // The same rules as dynamic registration, from the camelCase body.
    let mut meta = Map::new();
    meta.insert("client_name".into(), json!(p.client_name));
    meta.insert("redirect_uris".into(), json!(p.redirect_uris));
    meta.insert(
        "token_endpoint_auth_method".into(),
        json!(p.token_endpoint_auth_method.as_deref().unwrap_or("none")),
    );
    let (mut row, secret) = client_from_metadata(&meta)
        .map_err(|(_, why)| ApiError::bad_request(why.replace("redirect_uris", "redirectUris")))?;
    row.developer_id = Some(dev.id.clone());
    row.registered_by = "api".into();
    let r = row.clone();
    let max_agents = st.settings.max_agents;
    let agent = st
        .db
        .write(move |tx| {
            store::mcp::insert_client(tx, &r)?;
            ensure_agent(tx, &dev.id, &r, max_agents)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(client_wire(&row, Some(agent), secret)),
    ))
}

pub async fn list_clients(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<OAuthClientList>> {
    let clients = st
        .db
        .read(move |c| {
            store::mcp::list_clients(c, &dev.id)?
                .into_iter()
                .map(|cl| {
                    let agent = store::mcp::client_agent(c, &dev.id, &cl.client_id)?;
                    Ok(client_wire(&cl, agent, None))
                })
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(OAuthClientList { clients }))
}

pub async fn get_client(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<OAuthClient>> {
    path_id(&id)?;
    st.db
        .read(move |c| {
            let cl = store::mcp::visible_client(c, &dev.id, &id)?
                .ok_or_else(|| ApiError::not_found("MCP client not found"))?;
            let agent = store::mcp::client_agent(c, &dev.id, &id)?;
            Ok(Json(client_wire(&cl, agent, None)))
        })
        .await
}

/// Deletes the developer's client (an openly registered one is only unlinked) and revokes its
/// grants under this developer, with everything delegated from them.
pub async fn delete_client(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if store::mcp::visible_client(tx, &dev.id, &id)?.is_none() {
                return Err(ApiError::not_found("MCP client not found"));
            }
            let now = now_ms();
            for g in store::mcp::client_grant_ids(tx, &dev.id, &id)? {
                store::revocation::revoke_grant(tx, &dev.id, &g, now, Cause::Developer)?;
            }
            if let Some(agent) = store::mcp::client_agent(tx, &dev.id, &id)? {
                // The agent stays (its grants are history in the audit chain), suspended.
                if let Some(mut a) = store::agents::find(tx, &dev.id, &agent)? {
                    if a.status == "active" {
                        a.status = "suspended".into();
                        a.status_reason = Some("MCP client deleted".into());
                        a.status_changed_at = Some(iso(now));
                        a.updated_at = iso(now);
                        store::agents::update(tx, &a, now, true)?;
                    }
                }
            }
            store::mcp::delete_client(tx, &dev.id, &id)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

fn settings_wire(policy: String, hash: Option<&str>, token: Option<String>) -> McpSettings {
    McpSettings {
        registration_policy: policy,
        registration_token_set: hash.is_some(),
        registration_token: token,
    }
}

pub async fn get_settings(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<McpSettings>> {
    let (policy, hash) = st
        .db
        .read(move |c| store::mcp::settings(c, &dev.id))
        .await?;
    Ok(Json(settings_wire(policy, hash.as_deref(), None)))
}

pub async fn update_settings(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<UpdateMcpSettingsParams>,
) -> ApiResult<Json<McpSettings>> {
    let policy = p.registration_policy.clone();
    if !matches!(policy.as_str(), "open" | "token" | "off") {
        return Err(ApiError::bad_request(
            "registrationPolicy must be \"open\", \"token\" or \"off\"",
        ));
    }
    let rotate = p.rotate_registration_token.unwrap_or(false);
    st.db
        .write(move |tx| {
            let (_, old) = store::mcp::settings(tx, &dev.id)?;
            // A token lives only while the policy is `token`: leaving it retires the token, so
            // coming back issues a new one rather than reviving the old.
            let old = old.filter(|_| policy == "token");
            let issue = policy == "token" && (rotate || old.is_none());
            let token = issue.then(|| ids::new_secret("mcpreg"));
            let hash = match &token {
                Some(t) => Some(ids::sha256_hex(t.as_bytes())),
                None => old,
            };
            store::mcp::save_settings(tx, &dev.id, &policy, hash.as_deref())?;
            Ok(Json(settings_wire(policy, hash.as_deref(), token)))
        })
        .await
}

/// `POST /v1/mcp/authorizations/:id/principal`: the developer's login says who is at the
/// consent page. The answer's URL carries a one-time secret the page turns into a cookie, so
/// only the browser the developer sends there can answer.
pub async fn bind_principal(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<BindMcpPrincipalParams>,
) -> ApiResult<Json<McpPrincipalBinding>> {
    path_id(&id)?;
    validate::text("principalId", &p.principal_id, 256)?;
    let secret = ids::new_secret("login");
    let hash = ids::sha256_hex(secret.as_bytes());
    let rid = id.clone();
    let max_agents = st.settings.max_agents;
    let expires_at = st
        .db
        .run(move |db| {
            let not_found = || {
                ApiError::not_found(
                    "No pending MCP authorization request without a principal has this id",
                )
            };
            let mut req = db
                .read_sync(|c| store::auth_requests::find(c, &rid))?
                .filter(|r| r.developer_id == dev.id && r.principal_id.is_empty())
                .ok_or_else(not_found)?;
            let Some(client_id) = req.oauth_client_id.clone() else {
                return Err(not_found());
            };
            if req.agent_id.is_empty() {
                // The client's first request for this developer: its agent, within the quota.
                req.agent_id = db.write_sync(|tx| {
                    let client = store::mcp::client_by_id(tx, &client_id)?.ok_or_else(not_found)?;
                    let agent = ensure_agent(tx, &dev.id, &client, max_agents)?;
                    store::auth_requests::set_agent(tx, &rid, &agent)?;
                    Ok(agent)
                })?;
            }
            if db
                .read_sync(|c| store::agents::find_active(c, &dev.id, &req.agent_id))?
                .is_none()
            {
                return Err(ApiError::agent_suspended());
            }
            let policy_req = policy::Request {
                developer_id: &req.developer_id,
                agent_id: &req.agent_id,
                principal_id: &p.principal_id,
                scopes: &req.scopes,
                action: policy::Action::Authorize,
                delegation_depth: 0,
                at_ms: now_ms(),
            };
            // Deny policies apply as at /v1/authorize. An allow does not skip the human here:
            // the MCP client is not the developer's to vouch for.
            let decision = db
                .read_sync(|c| policy::decide_stored(c, &policy_req))?
                .filter(|d| d.decision == "deny");
            db.write_sync(|tx| {
                if !store::auth_requests::bind_principal(
                    tx,
                    &dev.id,
                    &rid,
                    &p.principal_id,
                    &hash,
                    now_ms(),
                )? {
                    return Err(not_found());
                }
                let did = store::agents::find(tx, &dev.id, &req.agent_id)?
                    .map(|a| a.did)
                    .unwrap_or_default();
                if let policy::Outcome::Denied(d) = policy::apply(tx, &policy_req, decision, &did)?
                {
                    store::auth_requests::deny(tx, &rid)?;
                    // Returned, not raised: the denial and its audit entry commit.
                    return Ok(Err(d));
                }
                Ok(Ok(req.expires_at))
            })
        })
        .await?
        .map_err(|d| policy::refusal(&d, policy::Action::Authorize))?;
    let url = format!(
        "{}/consent?req={id}&{}={secret}",
        st.settings.public_url,
        consent_login::PARAM
    );
    Ok(Json(McpPrincipalBinding {
        consent_url: url,
        expires_at: iso(expires_at),
    }))
}
