//! The one error type of every handler. It renders as the `{message, code, requestId}` envelope;
//! the request id is filled in by the outer middleware (see `middleware.rs`), which knows it.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An API failure: HTTP status, stable string code, human message, extra headers (429).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Extra members of the error envelope (e.g. the `policyId` of a policy refusal).
    pub details: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// Marker placed in the response extensions; the middleware turns it into the JSON envelope.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub details: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
            details: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }
    /// The refusal for a grant to a principal its developer's identity provider deactivated.
    pub fn principal_deprovisioned() -> Self {
        Self::forbidden(
            "PRINCIPAL_DEPROVISIONED",
            "This principal was deactivated by the developer's identity provider (SCIM): it \
             cannot be granted anything",
        )
    }
    /// The refusal for work a suspended agent (or one its grant was delegated from) asks for.
    pub fn agent_suspended() -> Self {
        Self::forbidden(
            "AGENT_SUSPENDED",
            "The agent (or an agent this grant was delegated from) is suspended",
        )
    }
    /// Well-formed JSON whose values break the operation's rules (422 `VALIDATION_ERROR`).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            message,
        )
    }
    /// Adds a member to the error envelope (never `message`, `code` or `requestId`).
    pub fn with_detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details
            .get_or_insert_with(Default::default)
            .insert(key.to_string(), value.into());
        self
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, "GONE", message)
    }
    /// A server-side fault. Details go to stderr, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        eprintln!("grantex-server: internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "An unexpected error occurred",
        )
    }
    /// The database cannot be reached (503, so clients retry). Details go to stderr.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        eprintln!("grantex-server: database unavailable: {detail}");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The database is unavailable; retry shortly",
        )
    }
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("sqlite: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(format!("json: {e}"))
    }
}

impl From<grantex::Error> for ApiError {
    fn from(e: grantex::Error) -> Self {
        ApiError::internal(format!("grantex core: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        for (k, v) in self.headers {
            headers.insert(k, v);
        }
        let mut resp = (self.status, headers).into_response();
        resp.extensions_mut().insert(ErrorBody {
            code: self.code.to_string(),
            message: self.message,
            details: self.details,
        });
        resp
    }
}

/// The envelope code for a status when no handler chose one (404 route, 405, extractor rejections).
pub fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        408 => "REQUEST_TIMEOUT",
        410 => "GONE",
        413 => "PAYLOAD_TOO_LARGE",
        414 => "URI_TOO_LONG",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        422 => "VALIDATION_ERROR",
        429 => "RATE_LIMIT_EXCEEDED",
        500..=599 => "INTERNAL_ERROR",
        _ => "BAD_REQUEST",
    }
}
