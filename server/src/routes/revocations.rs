//! `GET /v1/revocations/status`: whether one grant or token is still live, for SDKs that
//! verify offline and ask about revocation separately (`enforce` with `revocation_check`
//! `online`). Always read from the database: a cached "active" would defeat the point.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryMap;
use crate::state::AppState;
use crate::store;
use crate::time::{iso, now_ms};
use axum::extract::State;
use axum::{Extension, Json};
use grantex::types::RevocationStatus;

pub async fn status(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<RevocationStatus>> {
    let grant_id = q.get("grantId").map(str::to_string);
    let jti = q.get("jti").map(str::to_string);
    if grant_id.is_none() && jti.is_none() {
        return Err(ApiError::bad_request("grantId or jti is required"));
    }
    if grant_id.as_ref().is_some_and(|g| g.len() > 256)
        || jti.as_ref().is_some_and(|j| j.len() > 512)
    {
        return Err(ApiError::bad_request(
            "grantId and jti must be short identifiers",
        ));
    }
    let (g, j) = (grant_id.clone(), jti.clone());
    let found = st
        .db
        .read(move |c| store::grants::credential_status(c, &dev.id, g.as_deref(), j.as_deref()))
        .await?;
    Ok(Json(RevocationStatus {
        status: found.status.to_string(),
        revoked: found.status != "active",
        grant_id: found.grant_id.or(grant_id),
        jti,
        expires_at: found.expires_at.map(iso),
        checked_at: Some(iso(now_ms())),
    }))
}
