//! `POST /v1/authorize` and the sandbox helpers `POST /v1/authorize/:id/approve|deny`.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::routes::agents;
use crate::state::AppState;
use crate::time::{self, iso, now_ms};
use crate::{auth_request_store, ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{Agent, AuthorizationRequest, AuthorizeParams, Mode};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

/// One row of `auth_requests`.
#[derive(Debug, Clone)]
pub struct AuthRequestRow {
    pub id: String,
    pub developer_id: String,
    pub agent_id: String,
    pub principal_id: String,
    pub scopes: Vec<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub expires_in: String,
    pub expires_in_secs: i64,
    pub expires_at: i64,
    pub audience: Option<String>,
    pub code_challenge: Option<String>,
    pub status: String,
    pub code: Option<String>,
    pub created_at: i64,
}

pub const COLUMNS: &str = "id, developer_id, agent_id, principal_id, scopes, redirect_uri, state, expires_in, \
                           expires_in_secs, expires_at, audience, code_challenge, status, code, created_at";

pub fn from_row(r: &Row<'_>) -> rusqlite::Result<AuthRequestRow> {
    let scopes: String = r.get(4)?;
    Ok(AuthRequestRow {
        id: r.get(0)?,
        developer_id: r.get(1)?,
        agent_id: r.get(2)?,
        principal_id: r.get(3)?,
        scopes: serde_json::from_str(&scopes).unwrap_or_default(),
        redirect_uri: r.get(5)?,
        state: r.get(6)?,
        expires_in: r.get(7)?,
        expires_in_secs: r.get(8)?,
        expires_at: r.get(9)?,
        audience: r.get(10)?,
        code_challenge: r.get(11)?,
        status: r.get(12)?,
        code: r.get(13)?,
        created_at: r.get(14)?,
    })
}

/// Any auth request by id (consent routes are public, so not scoped to a developer).
pub fn find(conn: &Connection, id: &str) -> ApiResult<Option<AuthRequestRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM auth_requests WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

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

pub async fn authorize(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<AuthorizeParams>,
) -> ApiResult<(StatusCode, Json<AuthorizationRequest>)> {
    let secs = validate_params(&p)?;
    let now = now_ms();
    let expires_in = p.expires_in.clone().unwrap_or_else(|| "24h".into());
    let sandbox = dev.mode == Mode::Sandbox;
    let row = AuthRequestRow {
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
    };
    let r = row.clone();
    let require_registered = st.settings.require_registered_redirects;
    st.db
        .write(move |tx| {
            auth_request_store::purge_expired(tx, &r.developer_id, r.created_at)?;
            let agent = agents::find(tx, &r.developer_id, &r.agent_id)?
                .ok_or_else(|| ApiError::not_found("Agent not found"))?;
            if agent.status != "active" {
                return Err(agents::suspended_error());
            }
            check_redirect(&agent, r.redirect_uri.as_deref(), require_registered)?;
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
                    if agent.scopes.is_empty() { "none".to_string() } else { agent.scopes.join(", ") }
                )));
            }
            tx.execute(
                &format!("INSERT INTO auth_requests ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
                params![
                    r.id, r.developer_id, r.agent_id, r.principal_id, serde_json::to_string(&r.scopes)?,
                    r.redirect_uri, r.state, r.expires_in, r.expires_in_secs, r.expires_at, r.audience,
                    r.code_challenge, r.status, r.code, r.created_at
                ],
            )?;
            Ok(())
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthorizationRequest {
            consent_url: format!("{}/consent?req={}", st.settings.public_url, row.id),
            auth_request_id: row.id,
            agent_id: Some(row.agent_id),
            principal_id: Some(row.principal_id),
            scopes: row.scopes,
            expires_in: Some(expires_in),
            expires_at: iso(row.expires_at),
            status: Some(row.status),
            created_at: Some(iso(now)),
            code: row.code,
            sandbox: sandbox.then_some(true),
            policy_enforced: None,
            effect: None,
        }),
    ))
}

/// Loads the caller's request for a sandbox helper: sandbox only, not consumed/denied/expired.
fn sandbox_request(tx: &Connection, dev: &Developer, id: &str) -> ApiResult<AuthRequestRow> {
    if dev.mode != Mode::Sandbox {
        return Err(ApiError::forbidden(
            "CONSENT_REQUIRED",
            "Live developers need the principal's consent: use the consent page (consentUrl)",
        ));
    }
    find(tx, id)?
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
                    if !auth_request_store::approve(tx, &id, &c, now_ms(), ttl)? {
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
            tx.execute(
                "UPDATE auth_requests SET status = 'denied', code = NULL WHERE id = ?1",
                [&id],
            )?;
            Ok(Json(json!({ "requestId": id, "status": "denied" })))
        })
        .await
}
