//! `POST /v1/authorize` and the sandbox helpers `POST /v1/authorize/:id/approve|deny`.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::policy;
use crate::state::AppState;
use crate::store;
use crate::time::{self, iso, now_ms};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{Agent, AuthorizationRequest, AuthorizeParams, Mode};
use serde_json::{json, Value};

fn validate_params(p: &AuthorizeParams) -> ApiResult<i64> {
    validate::text("agentId", &p.agent_id, 256)?;
    validate::text("principalId", &p.user_id, 256)?;
    validate::scopes("scopes", &p.scopes, true)?;
    if let Some(r) = &p.redirect_uri {
        validate::redirect_uri(r)?;
    }
    if let Some(s) = &p.state {
        validate::free_text("state", s, 1024)?;
    }
    if let Some(a) = &p.audience {
        validate::text("audience", a, 1024)?;
    }
    if let Some(purpose) = &p.purpose {
        validate::purpose(purpose)?;
    }
    match (&p.code_challenge, &p.code_challenge_method) {
        (None, None) => {}
        (Some(c), Some(m)) => {
            if m != "S256" {
                return Err(ApiError::bad_request(
                    "codeChallengeMethod must be \"S256\"",
                ));
            }
            validate::code_challenge(c)?;
        }
        _ => {
            return Err(ApiError::bad_request(
                "codeChallenge and codeChallengeMethod must be given together",
            ))
        }
    }
    time::parse_duration(p.expires_in.as_deref().unwrap_or("24h")).map_err(ApiError::bad_request)
}

/// Exact matching against the agent's registered redirect URIs (RFC 9700 §4.1.3). An agent
/// with none registered may use any valid URI unless the server requires registration.
fn check_redirect(
    agent: &Agent,
    redirect: Option<&str>,
    require_registered: bool,
) -> ApiResult<()> {
    let Some(uri) = redirect else { return Ok(()) };
    if agent.redirect_uris.is_empty() {
        if require_registered {
            return Err(ApiError::bad_request(
                "This server requires registered redirect URIs: register the agent's redirectUris first",
            ));
        }
        return Ok(());
    }
    if agent.redirect_uris.iter().any(|r| r == uri) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "redirectUri {uri:?} is not one of the agent's registered redirectUris (exact match required)"
        )))
    }
}

/// RFC 8707: an agent with registered resource servers may ask only for one of them as the
/// grant's audience.
fn check_resource(agent: &Agent, audience: Option<&str>) -> ApiResult<()> {
    match audience {
        Some(a) if !agent.resource_servers.is_empty() && !agent.resource_servers.iter().any(|r| r == a) => {
            Err(ApiError::bad_request(format!(
                "audience {a:?} is not one of the agent's registered resourceServers (exact match required)"
            )))
        }
        _ => Ok(()),
    }
}

pub async fn authorize(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<AuthorizeParams>,
) -> ApiResult<(StatusCode, Json<AuthorizationRequest>)> {
    let secs = validate_params(&p)?;
    let data_region = p
        .data_region
        .as_deref()
        .map(validate::data_region)
        .transpose()?;
    let now = now_ms();
    let expires_in = p.expires_in.clone().unwrap_or_else(|| "24h".into());
    let sandbox = dev.mode == Mode::Sandbox;
    let row = store::auth_requests::AuthRequestRow {
        id: ids::new_id("areq"),
        developer_id: dev.id.clone(),
        agent_id: p.agent_id.clone(),
        principal_id: p.user_id.clone(),
        scopes: p.scopes.clone(),
        redirect_uri: p.redirect_uri.clone(),
        state: p.state.clone(),
        expires_in: expires_in.clone(),
        expires_in_secs: secs,
        // The request (and a sandbox code) lives the code TTL; the grant gets `expiresIn`.
        expires_at: now + st.settings.code_ttl_ms,
        audience: p.audience.clone(),
        code_challenge: p.code_challenge.clone(),
        status: if sandbox { "approved" } else { "pending" }.into(),
        code: sandbox.then(|| ids::new_id("")),
        created_at: now,
        purpose: p.purpose.clone(),
        data_region,
        oauth_client_id: None,
    };
    let require_registered = st.settings.require_registered_redirects;
    // One trip to the blocking pool: the policies are weighed on a read connection (outside
    // the write lock), then the request is written.
    let (row, allowed) = st
        .db
        .run(move |db| {
            let decision = db.read_sync(|c| {
                policy::decide_stored(
                    c,
                    &policy::Request {
                        developer_id: &row.developer_id,
                        agent_id: &row.agent_id,
                        principal_id: &row.principal_id,
                        scopes: &row.scopes,
                        action: policy::Action::Authorize,
                        delegation_depth: 0,
                        at_ms: row.created_at,
                    },
                )
            })?;
            db.write_sync(move |tx| {
                let mut r = row;
                store::auth_requests::purge_expired(tx, &r.developer_id, r.created_at)?;
                let agent = store::agents::find(tx, &r.developer_id, &r.agent_id)?
                    .ok_or_else(|| ApiError::not_found("Agent not found"))?;
                if agent.status != "active" {
                    return Err(ApiError::agent_suspended());
                }
                if store::scim::principal_deactivated(tx, &r.developer_id, &r.principal_id)? {
                    return Err(ApiError::principal_deprovisioned());
                }
                check_redirect(&agent, r.redirect_uri.as_deref(), require_registered)?;
                check_resource(&agent, r.audience.as_deref())?;
                // An MCP server's URL names its developer: nobody else mints tokens for it.
                if let Some(aud) = r.audience.as_deref() {
                    if store::mcp::resource(tx, aud)?
                        .is_some_and(|s| s.developer_id != r.developer_id)
                    {
                        return Err(ApiError::bad_request(
                            "audience is an MCP server registered by another developer",
                        ));
                    }
                }
                let unregistered: Vec<&str> = r
                    .scopes
                    .iter()
                    .filter(|s| !agent.scopes.contains(s))
                    .map(String::as_str)
                    .collect();
                if !unregistered.is_empty() {
                    return Err(ApiError::bad_request(format!(
                        "Requested scopes are not registered for this agent: {} (registered: {})",
                        unregistered.join(", "),
                        if agent.scopes.is_empty() {
                            "none".to_string()
                        } else {
                            agent.scopes.join(", ")
                        }
                    )));
                }
                let req = policy::Request {
                    developer_id: &r.developer_id,
                    agent_id: &r.agent_id,
                    principal_id: &r.principal_id,
                    scopes: &r.scopes,
                    action: policy::Action::Authorize,
                    delegation_depth: 0,
                    at_ms: r.created_at,
                };
                let allowed = match policy::apply(tx, &req, decision, &agent.did)? {
                    // Returned, not raised: the refusal's audit entry commits with this transaction.
                    policy::Outcome::Denied(d) => return Ok(Err(d)),
                    policy::Outcome::Allowed => {
                        r.status = "approved".into();
                        r.code.get_or_insert_with(|| ids::new_id(""));
                        true
                    }
                    policy::Outcome::Undecided => false,
                };
                store::auth_requests::insert(tx, &r)?;
                Ok(Ok((r, allowed)))
            })
        })
        .await?
        .map_err(|d| policy::refusal(&d, policy::Action::Authorize))?;
    Ok((
        StatusCode::CREATED,
        Json(AuthorizationRequest {
            consent_url: format!("{}/consent?req={}", st.settings.public_url, row.id),
            auth_request_id: row.id,
            agent_id: row.agent_id,
            principal_id: row.principal_id,
            scopes: row.scopes,
            expires_in,
            expires_at: iso(row.expires_at),
            status: row.status,
            created_at: iso(now),
            code: row.code,
            sandbox: sandbox.then_some(true),
            policy_enforced: allowed.then_some(true),
            effect: allowed.then(|| "allow".to_string()),
            purpose: row.purpose,
            data_region: row.data_region,
        }),
    ))
}

/// Loads the caller's request for a sandbox helper: sandbox only, not consumed/denied/expired.
fn sandbox_request(
    tx: &store::Conn,
    dev: &Developer,
    id: &str,
) -> ApiResult<store::auth_requests::AuthRequestRow> {
    if dev.mode != Mode::Sandbox {
        return Err(ApiError::forbidden(
            "CONSENT_REQUIRED",
            "Live developers need the principal's consent: use the consent page (consentUrl)",
        ));
    }
    store::auth_requests::find(tx, id)?
        .filter(|r| r.developer_id == dev.id)
        .filter(|r| r.status == "pending" || r.status == "approved")
        .filter(|r| r.expires_at > now_ms())
        .ok_or_else(|| {
            ApiError::not_found("Authorization request not found, already processed or expired")
        })
}

/// Sandbox: approve (or return the code of an auto-approved request).
pub async fn sandbox_approve(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    path_id(&id)?;
    let ttl = st.settings.code_ttl_ms;
    st.db
        .write(move |tx| {
            let r = sandbox_request(tx, &dev, &id)?;
            let code = match r.code {
                Some(c) if r.status == "approved" => c,
                _ => {
                    let c = ids::new_id("");
                    if !store::auth_requests::approve(tx, &id, &c, now_ms(), ttl)? {
                        return Err(ApiError::not_found(
                            "Authorization request not found, already processed or expired",
                        ));
                    }
                    c
                }
            };
            Ok(Json(
                json!({ "requestId": id, "status": "approved", "code": code }),
            ))
        })
        .await
}

/// Sandbox: deny; an auto-approved request's code stops working.
pub async fn sandbox_deny(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            sandbox_request(tx, &dev, &id)?;
            store::auth_requests::deny(tx, &id)?;
            Ok(Json(json!({ "requestId": id, "status": "denied" })))
        })
        .await
}
