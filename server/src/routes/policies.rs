//! `/v1/policies` — policy CRUD and the dry run `POST /v1/policies/evaluate`. Every change is
//! recorded in the developer's audit chain with the policy's new version.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody};
use crate::policy::{self, rules};
use crate::state::AppState;
use crate::store;
use crate::store::audit::actions;
use crate::time::{self, iso, now_ms};
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{EvaluatePolicyParams, Policy, PolicyDecision, PolicyList};
use serde_json::{json, Map, Value};

fn not_found() -> ApiError {
    ApiError::not_found("Policy not found")
}

fn audit(tx: &store::Conn, developer_id: &str, action: &str, p: &Policy) -> ApiResult<()> {
    store::audit::record_event(
        tx,
        developer_id,
        action,
        store::audit::Subject::default(),
        false,
        json!({
            "policyId": p.id,
            "name": p.name,
            "effect": p.effect,
            "priority": p.priority,
            "version": p.version,
            "kind": if p.cedar.is_some() { "cedar" } else { "native" },
        }),
    )?;
    Ok(())
}

pub async fn create(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<Policy>)> {
    for required in ["name", "effect"] {
        if !body.get(required).is_some_and(Value::is_string) {
            return Err(ApiError::unprocessable(format!(
                "{required} is required (effect: \"allow\" or \"deny\")"
            )));
        }
    }
    let now = now_ms();
    let mut p = Policy {
        id: ids::new_id("pol"),
        name: String::new(),
        effect: String::new(),
        priority: 0,
        agent_id: None,
        principal_id: None,
        scopes: None,
        time_of_day_start: None,
        time_of_day_end: None,
        created_at: iso(now),
        updated_at: iso(now),
        cedar: None,
        version: 1,
    };
    rules::apply(&mut p, &body)?;
    rules::check(&p)?;
    let created = p.clone();
    st.db
        .write(move |tx| {
            if store::policies::count(tx, &dev.id)? >= rules::MAX_POLICIES {
                return Err(ApiError::forbidden(
                    "QUOTA_EXCEEDED",
                    format!(
                        "Quota exceeded: a developer may hold at most {} policies",
                        rules::MAX_POLICIES
                    ),
                ));
            }
            store::policies::insert(tx, &dev.id, &p, now)?;
            audit(tx, &dev.id, actions::POLICY_CREATED, &p)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<PolicyList>> {
    let policies = st
        .db
        .read(move |c| store::policies::list(c, &dev.id))
        .await?;
    Ok(Json(PolicyList {
        total: policies.len() as u64,
        policies,
    }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Policy>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::policies::find(c, &dev.id, &id)?.ok_or_else(not_found))
        .await
        .map(Json)
}

pub async fn update(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Policy>> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            let mut p = store::policies::find(tx, &dev.id, &id)?.ok_or_else(not_found)?;
            rules::apply(&mut p, &body)?;
            rules::check(&p)?;
            let now = now_ms();
            p.version += 1;
            p.updated_at = iso(now);
            // The single writer serialises updates; the version guard is the store's own check.
            if !store::policies::update(tx, &dev.id, &p, now)? {
                return Err(ApiError::conflict(
                    "The policy changed while it was being updated; retry",
                ));
            }
            audit(tx, &dev.id, actions::POLICY_UPDATED, &p)?;
            Ok(Json(p))
        })
        .await
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            let p = store::policies::find(tx, &dev.id, &id)?.ok_or_else(not_found)?;
            store::policies::delete(tx, &dev.id, &id)?;
            audit(tx, &dev.id, actions::POLICY_DELETED, &p)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the server would decide for a request, without creating anything.
pub async fn evaluate(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<EvaluatePolicyParams>,
) -> ApiResult<Json<PolicyDecision>> {
    validate::text("agentId", &p.agent_id, 256)?;
    validate::text("principalId", &p.principal_id, 256)?;
    validate::scopes("scopes", &p.scopes, true)?;
    let action = match p.action.as_deref() {
        None | Some("authorize") => policy::Action::Authorize,
        Some("delegate") => policy::Action::Delegate,
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "action must be \"authorize\" or \"delegate\" (got {other:?})"
            )))
        }
    };
    let depth = p.delegation_depth.unwrap_or(match action {
        policy::Action::Authorize => 0,
        policy::Action::Delegate => 1,
    });
    let at_ms = match &p.at {
        None => now_ms(),
        Some(at) => time::parse_iso(at).ok_or_else(|| {
            ApiError::unprocessable(format!("at must be an RFC 3339 instant (got {at:?})"))
        })?,
    };
    let policies = st
        .db
        .read({
            let dev = dev.id.clone();
            move |c| store::policies::list(c, &dev)
        })
        .await?;
    Ok(Json(policy::decide(
        &policies,
        &policy::Request {
            developer_id: &dev.id,
            agent_id: &p.agent_id,
            principal_id: &p.principal_id,
            scopes: &p.scopes,
            action,
            delegation_depth: depth,
            at_ms,
        },
    )))
}
