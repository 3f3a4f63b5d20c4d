//! `/v1/anomalies` — run detection now, list, get, acknowledge. The rules are `crate::anomaly`'s.

use crate::anomaly;
use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, QueryMap};
use crate::state::AppState;
use crate::store;
use crate::time::{iso, now_ms};
use axum::extract::{Path, State};
use axum::Extension;
use axum::Json;
use grantex::types::{Anomaly, AnomalyList, DetectAnomaliesResponse};

fn not_found() -> ApiError {
    ApiError::not_found("Anomaly not found")
}

pub async fn detect(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<DetectAnomaliesResponse>> {
    let now = now_ms();
    let anomalies = anomaly::detect(&st.db, &dev.id, now).await?;
    Ok(Json(DetectAnomaliesResponse {
        detected_at: iso(now),
        total: anomalies.len() as u64,
        anomalies,
        response_mode: "alert_only".into(),
        auto_revoked_grants: 0,
    }))
}

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<AnomalyList>> {
    let unacknowledged = match q.get("unacknowledged") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unacknowledged must be true or false (got {other:?})"
            )))
        }
    };
    let anomalies = st
        .db
        .read(move |c| store::anomalies::list(c, &dev.id, unacknowledged))
        .await?;
    Ok(Json(AnomalyList {
        total: anomalies.len() as u64,
        anomalies,
    }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Anomaly>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::anomalies::find(c, &dev.id, &id)?.ok_or_else(not_found))
        .await
        .map(Json)
}

pub async fn acknowledge(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Anomaly>> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if !store::anomalies::acknowledge(tx, &dev.id, &id, now_ms())? {
                return Err(not_found());
            }
            store::anomalies::find(tx, &dev.id, &id)?.ok_or_else(not_found)
        })
        .await
        .map(Json)
}
