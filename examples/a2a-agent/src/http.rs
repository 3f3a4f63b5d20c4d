//! The axum side: the card route, the guard layer in front of `POST /`, and JSON-RPC dispatch.

use crate::Agent;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use grantex::a2a::jsonrpc::codes;
use grantex::a2a::{
    peek_request, A2ARejection, JsonRpcError, JsonRpcRequest, JsonRpcResponse, AGENT_CARD_PATH,
    METHOD_CANCEL, METHOD_GET, METHOD_SEND,
};
use grantex::VerifiedGrant;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Largest JSON-RPC request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `GET /.well-known/agent.json` and the guarded `POST /`.
pub fn router(agent: Arc<Agent>) -> Router {
    let guarded = Router::new()
        .route("/", post(rpc))
        .layer(middleware::from_fn_with_state(agent.clone(), guard_layer));
    Router::new()
        .route(AGENT_CARD_PATH, get(card))
        .merge(guarded)
        .with_state(agent)
}

async fn card(State(agent): State<Arc<Agent>>) -> Response {
    agent.stats.card_requests.fetch_add(1, Ordering::Relaxed);
    json_response(StatusCode::OK, agent.card.to_json())
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn rpc_error(status: StatusCode, id: Option<&Value>, error: JsonRpcError) -> Response {
    json_response(status, error.to_response(id).to_string())
}

/// The raw `Authorization` value: `None` when absent; a value that is not visible ASCII or a
/// repeated header becomes `Some("")`, which the guard refuses as malformed.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let first = all.next()?;
    if all.next().is_some() {
        return Some("");
    }
    Some(first.to_str().unwrap_or(""))
}

fn rejection_response(r: &A2ARejection, id: Option<&Value>) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut resp = json_response(status, r.body(id).to_string());
    if let Some(v) = r
        .www_authenticate()
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// Reads the body (bounded), finds the method for per-method scopes, and runs the guard; on
/// success the [`VerifiedGrant`] travels to the handler as a request extension.
async fn guard_layer(State(agent): State<Arc<Agent>>, req: Request, next: Next) -> Response {
    agent.stats.rpc_requests.fetch_add(1, Ordering::Relaxed);
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return rpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                JsonRpcError::new(
                    codes::INVALID_REQUEST,
                    "the request body is larger than 1 MiB",
                ),
            )
        }
    };
    let peeked = peek_request(&bytes);
    let method = peeked.method.as_deref().unwrap_or("");
    match agent
        .guard
        .check(authorization(&parts.headers), method)
        .await
    {
        Ok(grant) => {
            agent.stats.accepted.fetch_add(1, Ordering::Relaxed);
            parts.extensions.insert(grant);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(r) => {
            agent.stats.rejected.fetch_add(1, Ordering::Relaxed);
            rejection_response(&r, peeked.id.as_ref())
        }
    }
}

fn params<T: DeserializeOwned>(params: Option<Value>) -> Result<T, JsonRpcError> {
    serde_json::from_value(params.unwrap_or(Value::Null))
        .map_err(|e| JsonRpcError::new(codes::INVALID_PARAMS, format!("invalid params: {e}")))
}

async fn rpc(
    State(agent): State<Arc<Agent>>,
    Extension(grant): Extension<VerifiedGrant>,
    body: Bytes,
) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            let e = JsonRpcError::new(codes::PARSE_ERROR, "the body is not JSON");
            return rpc_error(StatusCode::BAD_REQUEST, None, e);
        }
    };
    let req: JsonRpcRequest = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(_) => {
            let e = JsonRpcError::new(
                codes::INVALID_REQUEST,
                "not a JSON-RPC 2.0 request object (batches are not supported)",
            );
            return rpc_error(StatusCode::BAD_REQUEST, None, e);
        }
    };
    let id = match req.id {
        Some(id @ (Value::String(_) | Value::Number(_))) if req.jsonrpc == "2.0" => id,
        _ => {
            let e = JsonRpcError::new(
                codes::INVALID_REQUEST,
                "a request needs \"jsonrpc\": \"2.0\" and a string or number id",
            );
            return rpc_error(StatusCode::BAD_REQUEST, None, e);
        }
    };
    let tasks = &agent.tasks;
    let outcome = match req.method.as_str() {
        METHOD_SEND => params(req.params).and_then(|p| tasks.send(p, &grant)),
        METHOD_GET => params(req.params).and_then(|p| tasks.get(p, &grant)),
        METHOD_CANCEL => params(req.params).and_then(|p| tasks.cancel(p, &grant)),
        other => Err(JsonRpcError::new(
            codes::METHOD_NOT_FOUND,
            format!("method `{other}` is not supported"),
        )),
    };
    match outcome.and_then(|task| {
        serde_json::to_value(task)
            .map_err(|e| JsonRpcError::new(codes::INTERNAL_ERROR, e.to_string()))
    }) {
        Ok(result) => {
            let resp = JsonRpcResponse::success(id, result);
            json_response(
                StatusCode::OK,
                serde_json::to_string(&resp).unwrap_or_default(),
            )
        }
        Err(e) => rpc_error(StatusCode::OK, Some(&id), e),
    }
}
