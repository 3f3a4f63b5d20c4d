//! `GET /health` and `GET /.well-known/jwks.json`.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use grantex::types::Health;

/// 200 `healthy` when the database answers, else 503 `degraded`.
pub async fn health(State(st): State<AppState>) -> Response {
    let db_ok = st
        .db
        .read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))? == 1))
        .await
        .unwrap_or(false);
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
    (status, Json(body)).into_response()
}

/// The public key set: RS256 keys only, never rate limited.
pub async fn jwks(State(st): State<AppState>) -> Json<grantex::types::JwkSet> {
    Json(st.keys.jwks())
}
