//! The public consent step: `GET /consent?req=…` (HTML), `GET /v1/consent/:id`,
//! `POST /v1/consent/:id/approve|deny`. Knowing the `areq_…` id is the capability.

use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, QueryMap};
use crate::pages;
use crate::routes::{agents, authorize};
use crate::scopes::describe;
use crate::state::AppState;
use crate::time::{iso, now_ms};
use crate::{auth_request_store, ids};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use grantex::types::{Agent, ConsentApproval, ConsentDenial, ConsentRequest};
use rusqlite::{params, OptionalExtension};

/// Request + agent + developer name, or the reason there is nothing to consent to.
enum Lookup {
    Pending(Box<(authorize::AuthRequestRow, Agent, String)>),
    Unknown,
    Finished(&'static str),
}

async fn lookup(st: &AppState, id: String) -> ApiResult<Lookup> {
    st.db
        .read(move |c| {
            let Some(r) = authorize::find(c, &id)? else {
                return Ok(Lookup::Unknown);
            };
            if r.expires_at <= now_ms() {
                return Ok(Lookup::Finished("This authorization request has expired."));
            }
            if r.status != "pending" {
                return Ok(Lookup::Finished(
                    "This authorization request has already been answered.",
                ));
            }
            let Some(agent) = agents::find(c, &r.developer_id, &r.agent_id)? else {
                return Ok(Lookup::Unknown);
            };
            let dev_name: String = c
                .query_row(
                    "SELECT name FROM developers WHERE id = ?1",
                    [&r.developer_id],
                    |row| row.get(0),
                )
                .optional()?
                .unwrap_or_default();
            Ok(Lookup::Pending(Box::new((r, agent, dev_name))))
        })
        .await
}

/// `GET /v1/consent/:id`: 404 unknown, 410 expired or not pending.
pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentRequest>> {
    path_id(&id)?;
    match lookup(&st, id).await? {
        Lookup::Unknown => Err(ApiError::not_found("Authorization request not found")),
        Lookup::Finished(why) => Err(ApiError::gone(why)),
        Lookup::Pending(b) => {
            let (r, agent, _) = *b;
            Ok(Json(ConsentRequest {
                id: r.id,
                agent_name: agent.name,
                agent_did: agent.did,
                agent_description: Some(agent.description).filter(|d| !d.is_empty()),
                scope_descriptions: r.scopes.iter().map(|s| describe(s)).collect(),
                scopes: r.scopes,
                expires_at: iso(r.expires_at),
                status: r.status,
                fido_required: false,
            }))
        }
    }
}

/// `POST /v1/consent/:id/approve`: mints the code. 410 if unknown, expired or already answered.
pub async fn approve(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentApproval>> {
    path_id(&id)
        .map_err(|_| ApiError::gone("Authorization request not found or no longer pending"))?;
    let ttl = st.settings.code_ttl_ms;
    st.db
        .write(move |tx| {
            let code = ids::new_id("");
            if !auth_request_store::approve(tx, &id, &code, now_ms(), ttl)? {
                return Err(ApiError::gone(
                    "Authorization request not found, expired or already answered",
                ));
            }
            let r = authorize::find(tx, &id)?
                .ok_or_else(|| ApiError::internal("approved request vanished"))?;
            Ok(Json(ConsentApproval {
                code,
                redirect_uri: r.redirect_uri,
                state: r.state,
            }))
        })
        .await
}

/// `POST /v1/consent/:id/deny`: 404 if unknown or not pending.
pub async fn deny(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentDenial>> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            let n = tx.execute(
                "UPDATE auth_requests SET status = 'denied' WHERE id = ?1 AND status = 'pending' AND expires_at > ?2",
                params![id, now_ms()],
            )?;
            if n == 0 {
                return Err(ApiError::not_found("Authorization request not found or no longer pending"));
            }
            let r = authorize::find(tx, &id)?.ok_or_else(|| ApiError::internal("denied request vanished"))?;
            Ok(Json(ConsentDenial { redirect_uri: r.redirect_uri, state: r.state }))
        })
        .await
}

/// `GET /consent?req=…`: the HTML consent page.
pub async fn page(State(st): State<AppState>, q: QueryMap) -> Response {
    let Some(id) = q.get("req").filter(|r| r.len() <= 256).map(str::to_string) else {
        return pages::message_page(
            StatusCode::BAD_REQUEST,
            "Missing authorization request",
            "This link is incomplete: it has no req parameter.",
        );
    };
    match lookup(&st, id).await {
        Ok(Lookup::Pending(b)) => pages::consent::render(&b.0, &b.1, &b.2),
        Ok(Lookup::Unknown) => pages::message_page(
            StatusCode::NOT_FOUND,
            "Authorization request not found",
            "This authorization request does not exist. Ask the application to start again.",
        ),
        Ok(Lookup::Finished(why)) => {
            pages::message_page(StatusCode::GONE, "Nothing to approve", why)
        }
        Err(e) => e.into_response(),
    }
}
