//! Request extractors whose failures are API errors (envelope, 400/413/415), not axum's plain text.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Body size limit for every route.
pub const BODY_LIMIT: usize = 1 << 20;

/// A JSON object body deserialised into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

fn is_json(ct: &str) -> bool {
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Reads the raw body, mapping size and read failures to envelope errors.
pub async fn read_body<S: Send + Sync>(
    req: Request,
    state: &S,
) -> ApiResult<(Option<String>, Bytes)> {
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let limit = req
        .extensions()
        .get::<crate::serve::BodyTimeout>()
        .map_or(std::time::Duration::from_secs(30), |t| t.0);
    let read = tokio::time::timeout(limit, Bytes::from_request(req, state))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                format!(
                    "The request body did not arrive within {} seconds",
                    limit.as_secs_f64()
                ),
            )
        })?;
    let bytes = read.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "Request body exceeds the 1 MiB limit",
            )
        } else {
            ApiError::bad_request(format!("Could not read the request body: {e}"))
        }
    })?;
    Ok((ct, bytes))
}

/// Parses a JSON object body; shared by [`JsonBody`] and handlers with optional bodies.
pub fn parse_object<T: DeserializeOwned>(ct: Option<&str>, bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("A JSON request body is required"));
    }
    match ct {
        Some(ct) if is_json(ct) => {}
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Content-Type must be application/json",
            ))
        }
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("Malformed JSON body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object",
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let (ct, bytes) = read_body(req, state).await?;
        parse_object(ct.as_deref(), &bytes).map(JsonBody)
    }
}

/// A JSON object body that may be absent (no body, or only whitespace): `None` then.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let (ct, bytes) = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(None));
        }
        parse_object(ct.as_deref(), &bytes).map(|v| OptionalJsonBody(Some(v)))
    }
}

/// Decoded query string pairs (last value wins), with envelope errors.
#[derive(Debug, Default)]
pub struct QueryMap(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<Self> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryMap(
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl QueryMap {
    /// A filter value; empty strings count as absent.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// An optional parameter that must be one of `allowed` (400 naming them otherwise).
    pub fn one_of(&self, k: &str, allowed: &[&str]) -> ApiResult<Option<String>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(v) => Err(ApiError::bad_request(format!(
                "{k} must be one of {} (got {v:?})",
                allowed.join(", ")
            ))),
        }
    }

    /// An optional positive integer parameter within `1..=max`.
    pub fn positive(&self, k: &str, max: u32) -> ApiResult<Option<u32>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(ApiError::bad_request(format!(
                    "{k} must be an integer between 1 and {max}"
                ))),
            },
        }
    }
}

/// A path id: non-empty, ≤256 characters (longer ids can exist nowhere, so they are 404s).
pub fn path_id(id: &str) -> ApiResult<&str> {
    if id.is_empty() || id.len() > 256 {
        return Err(ApiError::not_found("Not found"));
    }
    Ok(id)
}

/// The `Idempotency-Key` header, when given: 1-255 printable ASCII characters.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let s = v.to_str().ok().filter(|s| {
        !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (0x21..0x7f).contains(&b))
    });
    s.map(|s| Some(s.to_string())).ok_or_else(|| {
        ApiError::bad_request("Idempotency-Key must be 1-255 printable ASCII characters")
    })
}
