//! `/v1/webhooks` — endpoint CRUD and the delivery log. Delivery itself is the worker's
//! (`crate::webhooks`); events are queued by the store (`store::events`).

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody, QueryMap};
use crate::ids;
use crate::state::AppState;
use crate::store;
use crate::time::now_ms;
use crate::webhooks::target;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{
    CreateWebhookParams, WebhookDeliveryList, WebhookEndpointWithSecret, WebhookList,
};

/// Endpoints one developer may register.
const MAX_WEBHOOKS: u64 = 20;

fn not_found() -> ApiError {
    ApiError::not_found("Webhook not found")
}

pub async fn create(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<CreateWebhookParams>,
) -> ApiResult<(StatusCode, Json<WebhookEndpointWithSecret>)> {
    let allow_private = st.settings.webhooks.allow_private;
    let url = target::check_url(&p.url, allow_private).map_err(ApiError::unprocessable)?;
    if p.events.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "events must name at least one event type ({})",
            store::events::TYPES.join(", ")
        )));
    }
    let mut events: Vec<String> = Vec::new();
    for e in &p.events {
        if !store::events::TYPES.contains(&e.as_str()) {
            return Err(ApiError::unprocessable(format!(
                "unknown event type {e:?} (known: {})",
                store::events::TYPES.join(", ")
            )));
        }
        if !events.contains(e) {
            events.push(e.clone());
        }
    }
    target::check_resolves_public(&url, allow_private)
        .await
        .map_err(ApiError::unprocessable)?;
    let secret = {
        let bytes = ids::random_bytes::<32>();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let row = store::webhooks::WebhookRow {
        id: ids::new_id("wh"),
        developer_id: dev.id.clone(),
        url: p.url.clone(),
        events,
        secret: format!("whsec_{secret}"),
        created_at: now_ms(),
    };
    let r = row.clone();
    st.db
        .write(move |tx| {
            if store::webhooks::count(tx, &r.developer_id)? >= MAX_WEBHOOKS {
                return Err(ApiError::forbidden(
                    "QUOTA_EXCEEDED",
                    format!("Quota exceeded: a developer may hold at most {MAX_WEBHOOKS} webhooks"),
                ));
            }
            store::webhooks::insert(tx, &r)
        })
        .await?;
    let e = row.endpoint();
    Ok((
        StatusCode::CREATED,
        Json(WebhookEndpointWithSecret {
            id: e.id,
            url: e.url,
            events: e.events,
            created_at: e.created_at,
            secret: row.secret,
        }),
    ))
}

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<WebhookList>> {
    let rows = st
        .db
        .read(move |c| store::webhooks::list(c, &dev.id))
        .await?;
    Ok(Json(WebhookList {
        webhooks: rows
            .iter()
            .map(store::webhooks::WebhookRow::endpoint)
            .collect(),
    }))
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if store::webhooks::delete(tx, &dev.id, &id)? {
                Ok(())
            } else {
                Err(not_found())
            }
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn deliveries(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<WebhookDeliveryList>> {
    path_id(&id)?;
    let status = match q.get("status") {
        None => None,
        Some(s @ ("pending" | "delivered" | "failed")) => Some(s.to_string()),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "status must be pending, delivered or failed (got {other:?})"
            )))
        }
    };
    let page = q.positive("page", 1_000_000)?.unwrap_or(1);
    let page_size = q.positive("pageSize", 100)?.unwrap_or(20);
    st.db
        .read(move |c| {
            store::webhooks::find(c, &dev.id, &id)?.ok_or_else(not_found)?;
            let (deliveries, total) =
                store::webhooks::deliveries(c, &dev.id, &id, status.as_deref(), page, page_size)?;
            Ok(Json(WebhookDeliveryList {
                deliveries,
                total,
                page,
                page_size,
            }))
        })
        .await
}
