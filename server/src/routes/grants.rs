//! Grants, delegation and `POST /v1/grants/verify`.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody, QueryMap};
use crate::keys;
use crate::mint::{Lineage, TokenSpec};
use crate::observability::{Issued, Revoked, Verify};
use crate::policy;
use crate::state::AppState;
use crate::store;
use crate::store::grants::{GrantRow, TokenState};
use crate::time::{self, iso_secs, now_ms, now_secs};
use crate::token_check::{check, CheckFailure, TokenBody};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::Mode;
use grantex::types::{DelegateParams, DelegateResponse, Grant, GrantList, GrantVerifyResponse};

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<GrantList>> {
    let status = match q.get("status") {
        None => None,
        Some("active") => Some(store::grants::StatusFilter::Active),
        Some("expired") => Some(store::grants::StatusFilter::Expired),
        Some("revoked") => Some(store::grants::StatusFilter::Revoked),
        Some(_) => {
            return Err(ApiError::bad_request(
                "status must be one of active, revoked, expired",
            ))
        }
    };
    let page = q.positive("page", 1_000_000)?.unwrap_or(1);
    let filter = store::grants::ListFilter {
        agent_id: q.get("agentId").map(str::to_string),
        principal_id: q.get("principalId").map(str::to_string),
        status,
        // No pagination unless `pageSize` is given.
        page: q.positive("pageSize", 1000)?.map(|size| (page, size)),
    };
    let grants = st
        .db
        .read(move |c| {
            let rows = store::grants::list(c, &dev.id, &filter, now_ms())?;
            Ok(rows.iter().map(GrantRow::to_api).collect())
        })
        .await?;
    Ok(Json(GrantList { grants }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Grant>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::grants::find(c, &dev.id, &id))
        .await?
        .map(|g| Json(g.to_api()))
        .ok_or_else(|| ApiError::not_found("Grant not found"))
}

/// Revokes the grant and every descendant in one transaction.
pub async fn revoke(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    let cascaded = st
        .db
        .write(move |tx| {
            store::revocation::revoke_grant(
                tx,
                &dev.id,
                &id,
                now_ms(),
                store::revocation::Cause::Developer,
            )?
            .ok_or_else(|| ApiError::not_found("Grant not found or already revoked"))
        })
        .await?;
    st.metrics.revoked(Revoked::Grant, cascaded);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delegate(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<DelegateParams>,
) -> ApiResult<(StatusCode, Json<DelegateResponse>)> {
    validate::text("parentGrantToken", &p.parent_grant_token, 16 * 1024)?;
    validate::text("subAgentId", &p.sub_agent_id, 256)?;
    validate::scopes("scopes", &p.scopes, true)?;
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = p.scopes.iter().find(|s| !seen.insert(s.as_str())) {
        return Err(ApiError::bad_request(format!(
            "scopes must not repeat a scope (got {dup:?} twice)"
        )));
    }
    let lifetime = time::parse_duration(p.expires_in.as_deref().unwrap_or("1h"))
        .map_err(ApiError::bad_request)?;
    let (keys, max_depth) = (st.keys.clone(), st.settings.max_delegation_depth);
    let max_grants = st.settings.max_active_grants;
    let resp = st
        .db
        .run(move |db| {
            let (parent, parent_grant) =
                match check(db, &keys, &dev.id, &p.parent_grant_token, None)? {
                    Err(CheckFailure::Invalid) => {
                        return Err(ApiError::bad_request("Invalid parent grant token"))
                    }
                    Err(CheckFailure::WrongDeveloper) => {
                        return Err(ApiError::forbidden(
                            "FORBIDDEN",
                            "The parent grant token belongs to another developer",
                        ))
                    }
                    Ok((_, TokenState::Revoked)) => {
                        return Err(ApiError::bad_request("Parent grant has been revoked"))
                    }
                    Ok((_, TokenState::Expired)) => {
                        return Err(ApiError::bad_request("Parent grant has expired"))
                    }
                    Ok((_, TokenState::NotFound)) => {
                        return Err(ApiError::bad_request("Parent grant not found"))
                    }
                    Ok((_, TokenState::AgentInactive)) => return Err(ApiError::agent_suspended()),
                    Ok((v, TokenState::Active(g))) => (v, g),
                };
            let depth = parent.depth() + 1;
            if depth > max_depth {
                return Err(ApiError::forbidden(
                    "DELEGATION_DEPTH_EXCEEDED",
                    format!("Delegation depth {depth} exceeds the maximum of {max_depth}"),
                ));
            }
            let extra: Vec<&str> = p
                .scopes
                .iter()
                .filter(|s| !parent.scopes.contains(s))
                .map(String::as_str)
                .collect();
            if !extra.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "Requested scopes are not a subset of the parent grant's scopes: {}",
                    extra.join(", ")
                )));
            }
            let sub = db
                .read_sync(|c| store::agents::find_active(c, &dev.id, &p.sub_agent_id))?
                .ok_or_else(|| ApiError::not_found("Sub-agent not found"))?;
            let now = now_secs();
            let exp = (now + lifetime).min(parent.expires_at);
            let child = GrantRow {
                id: ids::new_id("grnt"),
                developer_id: dev.id.clone(),
                agent_id: sub.agent_id.clone(),
                agent_did: sub.did.clone(),
                principal_id: parent.principal_id.clone(),
                scopes: p.scopes.clone(),
                status: "active".into(),
                issued_at: now_ms(),
                expires_at: exp * 1000,
                revoked_at: None,
                audience: None,
                parent_grant_id: Some(parent_grant.id.clone()),
                parent_agent_did: Some(parent.agent_did.clone()),
                delegation_depth: depth,
                // A delegated grant serves its parent's purpose, within its data region.
                purpose: parent_grant.purpose.clone(),
                data_region: parent_grant.data_region.clone(),
                // The sub-agent's own key: it is the one presenting the delegated token.
                key_thumbprint: sub.key_thumbprint.clone(),
            };
            let spec = TokenSpec {
                jti: ids::new_id("tok"),
                grant_id: child.id.clone(),
                developer_id: dev.id.clone(),
                principal_id: child.principal_id.clone(),
                agent_did: child.agent_did.clone(),
                scopes: child.scopes.clone(),
                audience: None,
                iat: now,
                exp,
                lineage: Some(db.read_sync(|c| {
                    Lineage::read(c, &dev.id, &parent.agent_did, &parent_grant.id, depth)
                })?),
                sandbox: dev.mode == Mode::Sandbox,
                cnf_jkt: child.key_thumbprint.clone(),
                // The parents' budgets bound the new grant's from the start.
                budget: db
                    .read_sync(|c| store::budgets::effective_remaining(c, &dev.id, &child))?,
            };
            let token = spec.sign(&keys)?;
            let req = policy::Request {
                developer_id: &dev.id,
                agent_id: &child.agent_id,
                principal_id: &child.principal_id,
                scopes: &child.scopes,
                action: policy::Action::Delegate,
                delegation_depth: depth,
                at_ms: child.issued_at,
            };
            // Weighed on a read connection, outside the write lock.
            let decision = db.read_sync(|c| policy::decide_stored(c, &req))?;
            let refresh = db
                .write_sync(|tx| {
                    // Serialised with revocation by the single writer: a parent revoked meanwhile refuses here.
                    if !matches!(
                        store::grants::token_state(
                            tx,
                            &dev.id,
                            &parent.token_id,
                            &parent.grant_id
                        )?,
                        TokenState::Active(_)
                    ) {
                        return Err(ApiError::bad_request("Parent grant is no longer active"));
                    }
                    if store::agents::find_active(tx, &dev.id, &sub.agent_id)?.is_none() {
                        return Err(ApiError::not_found("Sub-agent not found"));
                    }
                    if let policy::Outcome::Denied(d) =
                        policy::apply(tx, &req, decision, &child.agent_did)?
                    {
                        // Returned, not raised: the refusal's audit entry commits.
                        return Ok(Err(d));
                    }
                    store::quota::check_active_grants(tx, &dev.id, max_grants, now_ms())?;
                    store::grants::insert(tx, &child, Some(&parent.token_id))?;
                    spec.record(tx, &keys, &token)?;
                    spec.audit(
                        tx,
                        crate::store::audit::actions::GRANT_DELEGATED,
                        &child.agent_id,
                    )?;
                    store::tokens::new_refresh_token(tx, &child.id, child.expires_at).map(Ok)
                })?
                .map_err(|d| policy::refusal(&d, policy::Action::Delegate))?;
            Ok(DelegateResponse {
                grant_token: token,
                expires_at: iso_secs(exp),
                scopes: child.scopes,
                grant_id: child.id,
                refresh_token: Some(refresh),
            })
        })
        .await?;
    st.metrics.issued(Issued::Delegation);
    Ok((StatusCode::CREATED, Json(resp)))
}

/// 400 for a token that fails signature/claims; else 200 `{active, reason?, claims?}`.
pub async fn verify(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<TokenBody>,
) -> ApiResult<Json<GrantVerifyResponse>> {
    if b.token.is_empty() {
        return Err(ApiError::bad_request("token is required"));
    }
    let k = st.keys.clone();
    let fresh = st.fresh.clone();
    let stamp = match &fresh {
        Some(f) => f.stamp().await,
        None => None,
    };
    let res = st
        .db
        .run(move |db| {
            let cached = fresh.as_deref().zip(stamp);
            let inactive = |reason: &str| GrantVerifyResponse {
                active: false,
                reason: Some(reason.into()),
                claims: None,
            };
            Ok(Json(match check(db, &k, &dev.id, &b.token, cached)? {
                Err(CheckFailure::Invalid) => {
                    return Err(ApiError::bad_request("Invalid grant token"))
                }
                Err(CheckFailure::WrongDeveloper) => inactive("wrong_developer"),
                Ok((_, TokenState::Revoked)) => inactive("revoked"),
                Ok((_, TokenState::Expired)) => inactive("expired"),
                Ok((_, TokenState::NotFound)) => inactive("not_found"),
                Ok((_, TokenState::AgentInactive)) => inactive("agent_suspended"),
                Ok((_, TokenState::Active(_))) => GrantVerifyResponse {
                    active: true,
                    reason: None,
                    claims: keys::decode_payload(&b.token),
                },
            }))
        })
        .await;
    // A token failing signature/claims (400) is an invalid verification too.
    match &res {
        Ok(r) => st.metrics.verification(Verify::Grant, r.active),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            st.metrics.verification(Verify::Grant, false)
        }
        Err(_) => {}
    }
    res
}
