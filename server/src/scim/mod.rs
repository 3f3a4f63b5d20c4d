//! SCIM 2.0 (RFC 7643 / RFC 7644) outside the store and the routes: the resource schemas this
//! server serves (`schema`), the filter language (`filter`), PATCH (`patch`), input
//! normalisation, projection and rendering (`resource`), and the SCIM error response.
//!
//! Users and Groups are kept as JSON documents of their attributes, checked against the same
//! schema definitions `/scim/v2/Schemas` serves (embedded JSON, `schemas/*.json`), so what the
//! server advertises and what it accepts cannot drift apart.

pub mod filter;
pub mod patch;
pub mod resource;
pub mod schema;

use crate::error::ApiError;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `application/scim+json`, the media type of every `/scim/v2` answer.
pub const CONTENT_TYPE: &str = "application/scim+json";

/// A SCIM error answer (RFC 7644 §3.12): `status` as a string, an optional `scimType`.
#[derive(Debug, Clone)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }
    /// 400 with a `scimType` (`invalidFilter`, `invalidValue`, `invalidPath`, `noTarget`, ...).
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, None, detail).with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scim\""),
        )
    }
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
    pub fn body(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "schemas": [schema::ERROR_URN],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            v["scimType"] = t.into();
        }
        v
    }
}

/// Server errors keep their status and message (a 500's message is already generic); a
/// 413/408/415 from reading the body keeps its status too.
impl From<ApiError> for ScimError {
    fn from(e: ApiError) -> Self {
        let scim_type = match e.status {
            StatusCode::BAD_REQUEST => Some("invalidSyntax"),
            _ => None,
        };
        ScimError {
            status: e.status,
            scim_type,
            detail: e.message,
            headers: e.headers,
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut resp = (self.status, body).into_response();
        for (k, v) in self.headers {
            resp.headers_mut().insert(k, v);
        }
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        // The answer is the SCIM error itself, not to be replaced by the API error envelope.
        resp.extensions_mut().insert(crate::middleware::KeepBody);
        resp
    }
}

pub type ScimResult<T> = Result<T, ScimError>;
