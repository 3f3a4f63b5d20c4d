//! Cross-cutting HTTP behaviour.
//!
//! `common` (outermost, every response): `x-request-id`, the security headers every
//! Grantex response carries, and the `{message, code, requestId}` envelope for every error — including the ones axum
//! produces itself (405, extractor rejections) and the 404 fallback — and rate-limit headers
//! (per IP) on responses that never reached a route.
//!
//! `guard` (matched routes only): authentication by route class and the per-caller, per-route
//! rate limit with its `X-RateLimit-*` headers (none on the JWKS).

use crate::auth;
use crate::error::{default_code, ApiError, ErrorBody};
use crate::ratelimit::Decision;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;
use tracing::Instrument;

const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "0"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
    ("cache-control", "no-store"),
];

/// Longest request target (path and query) routed; longer ones get 414 in the envelope.
pub const MAX_URI_LEN: usize = 8 * 1024;

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// A complete HTTP/1.1 error response in the envelope, with the headers every response carries,
/// for refusals made before hyper parses the request (see `serve.rs`). The connection closes.
pub fn raw_error_response(status: StatusCode, code: &str, message: &str) -> Vec<u8> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({ "message": message, "code": code, "requestId": request_id })
        .to_string();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nx-request-id: {request_id}\r\ncontent-security-policy: {API_CSP}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    for (k, v) in SECURITY_HEADERS {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    out.into_bytes()
}

fn envelope(err: &ErrorBody, request_id: &str) -> Body {
    let mut v = err.details.as_deref().cloned().unwrap_or_default();
    v.insert("message".into(), err.message.clone().into());
    v.insert("code".into(), err.code.clone().into());
    v.insert("requestId".into(), request_id.into());
    Body::from(serde_json::Value::Object(v).to_string())
}

/// Marks a 4xx/5xx response whose body is the route's own answer, not to be replaced by the
/// error envelope.
#[derive(Debug, Clone, Copy)]
pub struct KeepBody;

/// Outermost layer: request id, security headers, error envelope.
pub async fn common(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = req.method().clone();
    let target_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let path = req.uri().path().to_string();
    let started = Instant::now();
    // `route` (the matched template) and `developer_id` are recorded by `guard`.
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = tracing::field::Empty,
        request_id = %request_id,
        developer_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let mut resp = if target_len > MAX_URI_LEN {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            format!("The request target exceeds {MAX_URI_LEN} bytes"),
        )
        .into_response()
    } else {
        next.run(req).instrument(span.clone()).await
    };
    let status = resp.status();

    if let Some(err) = resp.extensions_mut().remove::<ErrorBody>() {
        *resp.body_mut() = envelope(&err, &request_id);
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp.headers_mut().remove(header::CONTENT_LENGTH);
    } else if resp.extensions_mut().remove::<KeepBody>().is_some() {
        // A failure status whose body is the answer (e.g. /health's 503 report).
    } else if status.is_client_error() || status.is_server_error() {
        let is_html = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html {
            let (mut parts, body) = resp.into_parts();
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&text).trim().to_string();
            let message = match status {
                StatusCode::NOT_FOUND => format!("Route {method}:{path} not found"),
                StatusCode::METHOD_NOT_ALLOWED => {
                    format!("Method {method} is not allowed on {path}")
                }
                StatusCode::PAYLOAD_TOO_LARGE => "Request body exceeds the 1 MiB limit".to_string(),
                _ if status.is_server_error() => "An unexpected error occurred".to_string(),
                _ if !text.is_empty() => text,
                _ => status
                    .canonical_reason()
                    .unwrap_or("Request failed")
                    .to_string(),
            };
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            let err = ErrorBody {
                code: default_code(status).to_string(),
                message,
                details: None,
            };
            resp = Response::from_parts(parts, envelope(&err, &request_id));
        }
    }

    // Responses the route guard never saw (unknown route, 405) report the caller's IP bucket.
    if path != "/.well-known/jwks.json" && !resp.headers().contains_key("x-ratelimit-limit") {
        let d = state
            .limiter
            .hit(
                &format!("ip:{}|unrouted", peer.ip()),
                state.settings.rate_limit,
            )
            .await;
        resp = with_rate_headers(resp, &d);
    }
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), v);
    }
    for (k, v) in SECURITY_HEADERS {
        headers.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    }
    // HTML pages set their own CSP (with a script nonce).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        );
    }
    let route = resp.extensions_mut().remove::<RouteTemplate>();
    let route = route.as_ref().map_or("unmatched", |r| r.0.as_str());
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .observe_request(&method, route, status, elapsed);
    span.record("status", status);
    crate::observability::otel_request_attributes(&span, &method, route, status);
    let latency_ms = elapsed.as_micros() as f64 / 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(method = %method, route = %route, status, request_id = %request_id, latency_ms, "request completed");
        } else {
            tracing::info!(method = %method, route = %route, status, request_id = %request_id, latency_ms, "request completed");
        }
    });
    resp
}

/// Carries the matched route template from `guard` out to `common` (logs and metrics label
/// requests by template, never by raw path).
#[derive(Debug, Clone)]
struct RouteTemplate(String);

/// 404 for every unknown path, in the envelope.
pub async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("Route {method}:{} not found", uri.path()))
}

enum RouteClass {
    Exempt,
    Public,
    Principal,
    Developer,
    /// `/scim/v2`: a SCIM bearer token (`auth::authenticate_scim`); refusals are SCIM errors.
    Scim,
}

fn classify(route: &str) -> RouteClass {
    match route {
        // `/metrics` checks its own bearer token (see `observability::metrics`); its requests
        // count in the caller's IP bucket (`common`), like unrouted ones.
        "/.well-known/jwks.json" | "/metrics" => RouteClass::Exempt,
        "/health" | "/consent" | "/permissions" | "/v1/signup" => RouteClass::Public,
        // Authenticated by the grant token it carries (`routes::vault::exchange`).
        "/v1/vault/credentials/exchange" => RouteClass::Public,
        // The OAuth 2.1 server for MCP clients: public, client-authenticated where it matters.
        "/.well-known/oauth-authorization-server" => RouteClass::Public,
        r if r.starts_with("/oauth/") => RouteClass::Public,
        // The SSO login steps: the state (or RelayState) they carry is the capability.
        r if r.starts_with("/sso/") => RouteClass::Public,
        r if r.starts_with("/v1/consent/") || r.starts_with("/consent/") => RouteClass::Public,
        r if r.starts_with("/v1/principal/") => RouteClass::Principal,
        // SCIM discovery (RFC 7644 §4) is the same for everyone: public.
        "/scim/v2/ServiceProviderConfig"
        | "/scim/v2/ResourceTypes"
        | "/scim/v2/ResourceTypes/{name}"
        | "/scim/v2/Schemas"
        | "/scim/v2/Schemas/{id}" => RouteClass::Public,
        r if r == "/scim/v2" || r.starts_with("/scim/v2/") => RouteClass::Scim,
        _ => RouteClass::Developer,
    }
}

fn rate_headers(d: &Decision) -> [(HeaderName, HeaderValue); 3] {
    [
        (
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderValue::from(d.limit),
        ),
        (
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderValue::from(d.remaining),
        ),
        (
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderValue::from(d.reset),
        ),
    ]
}

fn with_rate_headers(mut resp: Response, d: &Decision) -> Response {
    for (k, v) in rate_headers(d) {
        resp.headers_mut().insert(k, v);
    }
    resp
}

fn too_many(d: &Decision, authorize: bool) -> Response {
    let (code, prefix) = if authorize {
        ("RATE_LIMITED", "Rate limit exceeded")
    } else {
        ("RATE_LIMIT_EXCEEDED", "Plan rate limit exceeded")
    };
    let mut err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        code,
        format!("{prefix}, retry in {} seconds", d.reset),
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(d.reset));
    for (k, v) in rate_headers(d) {
        err = err.with_header(k, v);
    }
    err.into_response()
}

/// Bodies up to this size are read and discarded before a 401/429, so the connection can stay
/// open; a larger (or unsized) unread body gets `Connection: close` instead (see `serve.rs`).
const DRAIN_LIMIT: u64 = 64 * 1024;

/// Reads and discards a small request body the handler will never see.
async fn drain_small(req: Request) {
    let small = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n <= DRAIN_LIMIT);
    if small {
        let read = axum::body::to_bytes(req.into_body(), DRAIN_LIMIT as usize);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read).await;
    }
}

/// Route layer: authenticate by route class, then count the request in its bucket.
pub async fn guard(
    State(state): State<AppState>,
    matched: MatchedPath,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let route = matched.as_str().to_string();
    tracing::Span::current().record("route", tracing::field::display(&route));
    let mut resp = authenticate_and_limit(state, &route, peer, req, next).await;
    resp.extensions_mut().insert(RouteTemplate(route));
    resp
}

async fn authenticate_and_limit(
    state: AppState,
    route: &str,
    peer: SocketAddr,
    mut req: Request,
    next: Next,
) -> Response {
    let is_authorize = route == "/v1/authorize" && req.method() == Method::POST;
    let limit = if is_authorize {
        state.settings.authorize_rate_limit
    } else {
        state.settings.rate_limit
    };
    let route_key = format!("{} {route}", req.method());
    let mut metered = None;
    let ip_bucket = format!("ip:{}|{route_key}", peer.ip());

    let bucket = match classify(route) {
        RouteClass::Exempt => return next.run(req).await,
        RouteClass::Public => ip_bucket,
        RouteClass::Developer => match auth::authenticate_developer(&state, req.headers()).await {
            Ok(dev) => {
                tracing::Span::current().record("developer_id", tracing::field::display(&dev.id));
                let b = format!("dev:{}|{route_key}", dev.id);
                metered =
                    crate::usage::Metered::of(req.method(), route).map(|m| (dev.id.clone(), m));
                req.extensions_mut().insert(dev);
                b
            }
            Err(e) => {
                drain_small(req).await;
                return reject(&state, &ip_bucket, limit, e, is_authorize).await;
            }
        },
        RouteClass::Principal => match auth::authenticate_principal(&state, req.headers()).await {
            Ok(p) => {
                tracing::Span::current()
                    .record("developer_id", tracing::field::display(&p.developer_id));
                let b = format!("dev:{}|{route_key}", p.developer_id);
                req.extensions_mut().insert(p);
                b
            }
            Err(e) => {
                drain_small(req).await;
                return reject(&state, &ip_bucket, limit, e, is_authorize).await;
            }
        },
        RouteClass::Scim => match auth::authenticate_scim(&state, req.headers()).await {
            Ok(caller) => {
                tracing::Span::current().record(
                    "developer_id",
                    tracing::field::display(&caller.developer_id),
                );
                let b = format!("dev:{}|{route_key}", caller.developer_id);
                req.extensions_mut().insert(caller);
                b
            }
            Err(e) => {
                drain_small(req).await;
                let d = state.limiter.hit(&ip_bucket, limit).await;
                if !d.allowed {
                    return too_many(&d, false);
                }
                let err = if e.status == StatusCode::UNAUTHORIZED {
                    crate::scim::ScimError::unauthorized(e.message)
                } else {
                    crate::scim::ScimError::from(e)
                };
                return with_rate_headers(err.into_response(), &d);
            }
        },
    };
    let decision = state.limiter.hit(&bucket, limit).await;
    if !decision.allowed {
        drain_small(req).await;
        return too_many(&decision, is_authorize);
    }
    let resp = next.run(req).await;
    if let Some((developer_id, what)) = metered {
        if resp.status().is_success() {
            state
                .usage
                .count(&developer_id, what, crate::time::now_ms());
        }
    }
    with_rate_headers(resp, &decision)
}

/// A failed authentication still counts against (and reports) the caller's IP bucket.
async fn reject(
    state: &AppState,
    ip_bucket: &str,
    limit: u64,
    err: ApiError,
    is_authorize: bool,
) -> Response {
    let d = state.limiter.hit(ip_bucket, limit).await;
    if !d.allowed {
        return too_many(&d, is_authorize);
    }
    with_rate_headers(err.into_response(), &d)
}
