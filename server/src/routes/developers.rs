//! Developer accounts: `POST /v1/signup`, `GET|PATCH /v1/me`, `POST /v1/keys/rotate`.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::store;
use crate::time::{iso, now_ms};
use crate::{ids, validate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{Me, Mode, RotateKeyResponse, SignupParams, SignupResponse};
use serde::Deserialize;

pub async fn signup(
    State(st): State<AppState>,
    JsonBody(p): JsonBody<SignupParams>,
) -> ApiResult<(StatusCode, Json<SignupResponse>)> {
    validate::text("name", &p.name, 200)?;
    if let Some(e) = &p.email {
        validate::email(e)?;
    }
    let mode = p.mode.unwrap_or(Mode::Live);
    let api_key = ids::new_api_key(mode);
    let id = ids::new_id("dev");
    let now = now_ms();
    let resp = SignupResponse {
        developer_id: id.clone(),
        api_key: api_key.clone(),
        name: p.name.trim().to_string(),
        email: p.email.clone(),
        mode,
        created_at: iso(now),
    };
    let (name, email) = (resp.name.clone(), p.email);
    st.db
        .write(move |tx| {
            store::developers::insert(tx, &id, &name, email.as_deref(), mode, &api_key, now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(resp)))
}

pub async fn me(Extension(dev): Extension<Developer>) -> Json<Me> {
    Json(Me {
        developer_id: dev.id,
        name: dev.name,
        email: dev.email,
        mode: dev.mode,
        plan: Some("self-hosted".into()),
        fido_required: false,
        fido_rp_name: dev.fido_rp_name,
        created_at: iso(dev.created_at),
    })
}

/// `PATCH /v1/me` body. WebAuthn is not implemented here, so `fidoRequired` may only be false.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMe {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    fido_required: Option<bool>,
    #[serde(default)]
    fido_rp_name: Option<String>,
}

pub async fn update_me(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<UpdateMe>,
) -> ApiResult<Json<serde_json::Value>> {
    if p.name.is_none() && p.fido_required.is_none() && p.fido_rp_name.is_none() {
        return Err(ApiError::bad_request(
            "Provide at least one of name, fidoRequired, fidoRpName",
        ));
    }
    if let Some(n) = &p.name {
        validate::text("name", n, 200)?;
    }
    if let Some(n) = &p.fido_rp_name {
        validate::text("fidoRpName", n, 100)?;
    }
    if p.fido_required == Some(true) {
        return Err(ApiError::bad_request(
            "fidoRequired=true is not supported: this server has no WebAuthn support",
        ));
    }
    st.db
        .write(move |tx| {
            if let Some(n) = p.name {
                store::developers::set_name(tx, &dev.id, n.trim())?;
            }
            if let Some(n) = p.fido_rp_name {
                store::developers::set_fido_rp_name(tx, &dev.id, &n)?;
            }
            Ok(())
        })
        .await?;
    Ok(Json(serde_json::json!({ "updated": true })))
}

/// Issues a new API key; the old one stops working when this commits. Of concurrent rotations
/// with one key exactly one succeeds (see `Bootstrap::rotate_key`).
pub async fn rotate_key(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<RotateKeyResponse>> {
    let (settings, db) = (st.settings.clone(), st.db.clone());
    let api_key = tokio::task::spawn_blocking(move || settings.bootstrap.rotate_key(&db, &dev))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(RotateKeyResponse {
        api_key,
        rotated_at: iso(now_ms()),
    }))
}
