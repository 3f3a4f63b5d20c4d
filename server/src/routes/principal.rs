//! Principal (end-user) sessions: a developer mints a short-lived RS256 session token;
//! the end user reads and revokes their own grants with it on `/permissions`.

use crate::auth::{Developer, Principal};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::observability::Revoked;
use crate::pages;
use crate::state::AppState;
use crate::store;
use crate::store::audit::{actions, record_event, Subject};
use crate::time::{self, iso, iso_secs, now_ms, now_secs};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use grantex::types::{PrincipalSession, PrincipalSessionParams};
use serde_json::{json, Value};

/// The `purpose` claim that marks a principal session token.
pub const SESSION_PURPOSE: &str = "principal_dashboard";
const MAX_SESSION_SECS: i64 = 24 * 3600;

pub async fn create_session(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<PrincipalSessionParams>,
) -> ApiResult<(StatusCode, Json<PrincipalSession>)> {
    validate::text("principalId", &p.principal_id, 256)?;
    let secs = time::parse_duration(p.expires_in.as_deref().unwrap_or("1h"))
        .map_err(ApiError::bad_request)?;
    let secs = secs.min(MAX_SESSION_SECS);
    let keys = st.keys.clone();
    let public_url = st.settings.public_url.clone();
    let session = st
        .db
        .run(move |db| {
            let has_grant = db.read_sync(|c| {
                store::grants::principal_has_active(c, &dev.id, &p.principal_id, now_ms())
            })?;
            if !has_grant {
                return Err(ApiError::not_found("No active grants for this principal"));
            }
            let (iat, exp) = (now_secs(), now_secs() + secs);
            let jti = ids::new_id("psess");
            let claims = json!({
                "iss": keys.issuer(), "sub": p.principal_id, "dev": dev.id,
                "purpose": SESSION_PURPOSE, "jti": jti, "iat": iat, "exp": exp,
            });
            let token = keys.sign(&claims)?;
            db.write_sync(|tx| {
                store::sessions::insert(tx, &jti, &dev.id, &p.principal_id, exp * 1000, now_ms())?;
                keys.record_token_exp(tx, &token, exp)
            })?;
            Ok(PrincipalSession {
                dashboard_url: format!("{public_url}/permissions#session={token}"),
                session_token: token,
                expires_at: iso_secs(exp),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// The principal's active grants with agent details.
pub async fn grants(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Value>> {
    let principal_id = p.principal_id.clone();
    let grants = st
        .db
        .read(move |c| {
            let rows = store::grants::principal_grants(c, &p.developer_id, &p.principal_id, now_ms())?;
            Ok(rows
                .into_iter()
                .map(|pg| {
                    let g = pg.grant;
                    json!({
                        "grantId": g.id,
                        "agentId": g.agent_id,
                        "agentName": pg.agent_name,
                        "agentDescription": pg.agent_description,
                        "agentDid": g.agent_did,
                        "scopeDescriptions": g.scopes.iter().map(|s| crate::scopes::describe(s)).collect::<Vec<_>>(),
                        "scopes": g.scopes,
                        "status": "active",
                        "issuedAt": iso(g.issued_at),
                        "expiresAt": iso(g.expires_at),
                        "delegationDepth": g.delegation_depth,
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(
        json!({ "grants": grants, "principalId": principal_id }),
    ))
}

/// The principal's newest 100 audit entries (without the chain hashes).
pub async fn audit(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Value>> {
    let entries = st
        .db
        .read(move |c| {
            let rows = store::audit::principal_entries(c, &p.developer_id, &p.principal_id, 100)?;
            Ok(rows
                .into_iter()
                .map(|e| {
                    json!({
                        "entryId": e.entry_id, "agentId": e.agent_id, "agentDid": e.agent_did, "grantId": e.grant_id,
                        "action": e.action, "metadata": e.metadata, "timestamp": e.timestamp, "status": e.status,
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(json!({ "entries": entries })))
}

/// The principal revokes one of their active grants (cascades to descendants).
pub async fn revoke(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    let cascaded = st
        .db
        .write(move |tx| {
            let g = store::grants::find(tx, &p.developer_id, &id)?
                .filter(|g| g.principal_id == p.principal_id && g.status == "active")
                .ok_or_else(|| ApiError::not_found("Grant not found or already revoked"))?;
            store::revocation::revoke_grant(
                tx,
                &p.developer_id,
                &g.id,
                now_ms(),
                store::revocation::Cause::Principal,
            )?
            .ok_or_else(|| ApiError::not_found("Grant not found or already revoked"))
        })
        .await?;
    st.metrics.revoked(Revoked::Principal, cascaded);
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/principal-sessions/{principalId}` (API key): ends every unexpired session of that
/// principal at once (e.g. when the end user signs out of the developer's app). 204 even when
/// there was none, so the call is idempotent. Audited.
pub async fn revoke_sessions(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(principal_id): Path<String>,
) -> ApiResult<StatusCode> {
    validate::text("principalId", &principal_id, 256)?;
    st.db
        .write(move |tx| {
            let n = store::sessions::revoke_all(tx, &dev.id, &principal_id, now_ms())?;
            if n > 0 {
                let who = Subject {
                    principal_id: &principal_id,
                    ..Default::default()
                };
                record_event(
                    tx,
                    &dev.id,
                    actions::PRINCIPAL_SESSION_REVOKED,
                    who,
                    false,
                    json!({ "sessions": n, "by": "developer" }),
                )?;
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// `DELETE /v1/principal/session` (the session itself): signs the end user out. Audited.
pub async fn end_session(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<StatusCode> {
    st.db
        .write(move |tx| {
            if store::sessions::revoke_one(tx, &p.session_id, &p.developer_id, now_ms())? {
                let who = Subject {
                    principal_id: &p.principal_id,
                    ..Default::default()
                };
                record_event(
                    tx,
                    &p.developer_id,
                    actions::PRINCIPAL_SESSION_REVOKED,
                    who,
                    false,
                    json!({ "sessions": 1, "by": "principal" }),
                )?;
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// `GET /permissions`: the end-user page; the session arrives in the URL fragment.
pub async fn permissions_page() -> Response {
    pages::permissions::render()
}
