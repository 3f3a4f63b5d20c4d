//! `GET /health` and `GET /.well-known/jwks.json`.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use grantex::types::Health;

/// 200 `healthy` when the database can be read and written, else 503 `degraded`.
pub async fn health(State(st): State<AppState>) -> Response {
    let db_ok = st.db.run(|db| Ok(db.healthy_sync())).await.unwrap_or(false);
    let body = Health {
        status: if db_ok { "healthy" } else { "degraded" }.into(),
        database: Some(if db_ok { "ok" } else { "error" }.into()),
        version: Some(env!("CARGO_PKG_VERSION").into()),
    };
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut resp = (status, Json(body)).into_response();
    resp.extensions_mut().insert(crate::middleware::KeepBody);
    resp
}

/// The public key set: RS256 keys only, never rate limited.
pub async fn jwks(State(st): State<AppState>) -> Json<grantex::types::JwkSet> {
    Json(st.keys.jwks())
}
