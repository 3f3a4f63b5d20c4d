//! The one place where a core [`grantex::Error`] becomes an FFI error.

use grantex::Error;

/// Rate-limit headers of a response (`X-RateLimit-*`, `Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RateLimit {
    pub limit: i64,
    pub remaining: i64,
    /// Seconds until the window resets (as grantex-server sends it).
    pub reset: i64,
    /// `Retry-After` in seconds, when the response carried it.
    pub retry_after: Option<i64>,
}

impl From<grantex::RateLimit> for RateLimit {
    fn from(r: grantex::RateLimit) -> Self {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        RateLimit {
            limit: n(r.limit),
            remaining: n(r.remaining),
            reset: n(r.reset),
            retry_after: r.retry_after.map(n),
        }
    }
}

/// A failure of the core, one variant per kind. `detail` is the core's message (it never
/// contains a token); the Kotlin layer's exception classes carry the same data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FfiError {
    /// A non-2xx answer other than 401/403 (code `api_error`).
    #[error("{detail}")]
    Api {
        detail: String,
        status: i32,
        /// The server's error code (`NOT_FOUND`), if it sent one.
        server_code: Option<String>,
        request_id: Option<String>,
        /// The body as JSON text (`null` for an empty body).
        body_json: String,
        rate_limit: Option<RateLimit>,
    },
    /// 401 or 403 (code `auth_error`).
    #[error("{detail}")]
    Auth {
        detail: String,
        status: i32,
        server_code: Option<String>,
        request_id: Option<String>,
        body_json: String,
        rate_limit: Option<RateLimit>,
    },
    /// A grant token or key set refused; `code` is the stable token error code (`expired`,
    /// `bad_signature`, ... `TokenErrorCode::as_str`).
    #[error("{detail}")]
    Token { detail: String, code: String },
    /// No usable answer (code `network_error`); `source_chain` is the underlying error chain.
    #[error("{detail}")]
    Network {
        detail: String,
        source_chain: Option<String>,
    },
    /// No answer within the timeout (code `timeout`).
    #[error("{detail}")]
    Timeout { detail: String },
    /// Invalid configuration (code `config_error`).
    #[error("{detail}")]
    Config { detail: String },
    /// An invalid argument; nothing was sent (code `invalid_argument`).
    #[error("{detail}")]
    InvalidArgument { detail: String },
    /// A 2xx body without the expected shape (code `decode_error`).
    #[error("{detail}")]
    Decode {
        detail: String,
        status: i32,
        request_id: Option<String>,
    },
    /// The A2A bridge: `a2a_preflight` (our token failed the offline check; `reason` is its
    /// token error code), `a2a_rpc_error` (the remote agent's JSON-RPC error, `rpc_error_json`,
    /// `reason` its `data.reason`), `a2a_http_error`, `a2a_card_error`, `a2a_protocol_error`.
    #[error("{detail}")]
    A2a {
        detail: String,
        code: String,
        reason: Option<String>,
        /// The HTTP status the remote agent answered with.
        status: Option<i32>,
        rpc_error_json: Option<String>,
    },
    /// A kind of failure added to the core later, with its stable code.
    #[error("{detail}")]
    Other { detail: String, code: String },
}

impl FfiError {
    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        FfiError::InvalidArgument {
            detail: detail.into(),
        }
    }

    /// The stable code (`Error::code`, or the token error code for token errors).
    pub fn code(&self) -> &str {
        match self {
            FfiError::Api { .. } => "api_error",
            FfiError::Auth { .. } => "auth_error",
            FfiError::Token { code, .. }
            | FfiError::Other { code, .. }
            | FfiError::A2a { code, .. } => code,
            FfiError::Network { .. } => "network_error",
            FfiError::Timeout { .. } => "timeout",
            FfiError::Config { .. } => "config_error",
            FfiError::InvalidArgument { .. } => "invalid_argument",
            FfiError::Decode { .. } => "decode_error",
        }
    }
}

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        let detail = err.to_string();
        match err {
            Error::Api(api) => {
                let status = i32::from(api.status);
                let server_code = api.code.clone();
                let request_id = api.request_id.clone();
                let body_json = api.body.to_string();
                let rate_limit = api.rate_limit.map(RateLimit::from);
                if api.is_auth() {
                    FfiError::Auth {
                        detail,
                        status,
                        server_code,
                        request_id,
                        body_json,
                        rate_limit,
                    }
                } else {
                    FfiError::Api {
                        detail,
                        status,
                        server_code,
                        request_id,
                        body_json,
                        rate_limit,
                    }
                }
            }
            Error::Token(t) => FfiError::Token {
                detail,
                code: t.code.as_str().to_owned(),
            },
            Error::Network { source, .. } => {
                let mut chain = Vec::new();
                let mut next: Option<&(dyn std::error::Error + 'static)> = match &source {
                    Some(s) => Some(s.as_ref()),
                    None => None,
                };
                while let Some(e) = next {
                    chain.push(e.to_string());
                    next = e.source();
                }
                FfiError::Network {
                    detail,
                    source_chain: (!chain.is_empty()).then(|| chain.join(": ")),
                }
            }
            Error::Timeout { .. } => FfiError::Timeout { detail },
            Error::Config { .. } => FfiError::Config { detail },
            Error::InvalidArgument { .. } => FfiError::InvalidArgument { detail },
            Error::Decode {
                status, request_id, ..
            } => FfiError::Decode {
                detail,
                status: i32::from(status),
                request_id,
            },
            other => FfiError::Other {
                code: other.code().to_owned(),
                detail,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grantex::{ApiError, TokenError, TokenErrorCode};

    #[test]
    fn codes_are_the_core_codes() {
        let api = |status| {
            FfiError::from(Error::from(ApiError {
                status,
                code: Some("NOT_FOUND".into()),
                message: "no".into(),
                request_id: Some("r1".into()),
                rate_limit: None,
                body: serde_json::json!({"code": "NOT_FOUND"}),
            }))
        };
        assert_eq!(api(404).code(), "api_error");
        assert_eq!(api(401).code(), "auth_error");
        assert_eq!(api(403).code(), "auth_error");
        match api(404) {
            FfiError::Api {
                status,
                server_code,
                body_json,
                ..
            } => {
                assert_eq!(status, 404);
                assert_eq!(server_code.as_deref(), Some("NOT_FOUND"));
                assert_eq!(body_json, r#"{"code":"NOT_FOUND"}"#);
            }
            other => panic!("{other:?}"),
        }
        let token = FfiError::from(Error::Token(TokenError::new(TokenErrorCode::Expired, "x")));
        assert_eq!(token.code(), "expired");
        let cfg = FfiError::from(Error::Config {
            message: "m".into(),
        });
        assert_eq!(cfg.code(), "config_error");
        assert_eq!(cfg.to_string(), "configuration error: m");
    }
}
