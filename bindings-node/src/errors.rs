//! The one place where a core [`grantex::Error`] becomes a JS error.
//!
//! The native side throws a plain `Error` whose message is a JSON document tagged with
//! [`TAG`]; `lib/errors.cjs` (`fromNative`) parses it and throws the matching `GrantexError`
//! subclass. JSON keeps every field (status, server code, request id, rate limit, body, token
//! code, the underlying cause) without building JS objects on a worker thread.

use grantex::a2a::{A2AError, A2ARejection};
use grantex::Error;
use serde_json::{json, Map, Value};

/// First member of every native error document; the JS layer looks for it.
pub const TAG: &str = "grantexNativeError";

/// Convert a core error into the tagged JS error.
pub fn to_napi(err: Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, detail(&err).to_string())
}

/// Convert an A2A client or card failure: `kind` is `a2a`, `code` the core's stable
/// `A2AError::code()`, plus `reason` and `status`; the JSON-RPC error the remote agent sent
/// (`rpcError`) and, for a wrapped core failure or a pre-flight refusal, that failure's own
/// document (`core`) so JS can keep it as the cause.
pub fn a2a_to_napi(err: A2AError) -> napi::Error {
    let mut d = Map::new();
    d.insert(TAG.into(), Value::Bool(true));
    d.insert("kind".into(), json!("a2a"));
    d.insert("code".into(), json!(err.code()));
    d.insert("message".into(), json!(err.to_string()));
    d.insert("reason".into(), json!(err.reason()));
    d.insert("status".into(), json!(err.status()));
    match &err {
        A2AError::Rpc { error, .. } => {
            d.insert("rpcError".into(), json!(error));
        }
        A2AError::Preflight(token) => {
            d.insert("core".into(), detail(&Error::Token(token.clone())));
        }
        A2AError::Core(core) => {
            d.insert("core".into(), detail(core));
        }
        _ => {}
    }
    napi::Error::new(napi::Status::GenericFailure, Value::Object(d).to_string())
}

/// Convert a guard refusal (`kind` `a2a_rejected`): the HTTP status, the stable reason, the
/// JSON-RPC error object and the `WWW-Authenticate` value, all as the core built them.
pub fn rejection_to_napi(rejection: A2ARejection) -> napi::Error {
    let d = json!({
        TAG: true,
        "kind": "a2a_rejected",
        "message": rejection.message,
        "status": rejection.status,
        "reason": rejection.reason,
        "rpcError": rejection.to_rpc_error(),
        "wwwAuthenticate": rejection.www_authenticate(),
    });
    napi::Error::new(napi::Status::GenericFailure, d.to_string())
}

/// A core `InvalidArgument` built in the binding (bad JS input that failed conversion).
pub fn invalid(message: impl Into<String>) -> napi::Error {
    to_napi(Error::InvalidArgument {
        message: message.into(),
    })
}

/// The JSON detail of `err`: `kind` is the core's stable `Error::code()`.
fn detail(err: &Error) -> Value {
    let mut d = Map::new();
    d.insert(TAG.into(), Value::Bool(true));
    d.insert("kind".into(), json!(err.code()));
    match err {
        Error::Api(api) => {
            d.insert("message".into(), json!(api.message));
            d.insert("statusCode".into(), json!(api.status));
            d.insert("code".into(), json!(api.code));
            d.insert("requestId".into(), json!(api.request_id));
            d.insert(
                "rateLimit".into(),
                api.rate_limit
                    .map(crate::convert::rate_limit_value)
                    .unwrap_or(Value::Null),
            );
            d.insert("body".into(), api.body.clone());
        }
        Error::Token(token) => {
            d.insert("message".into(), json!(token.message));
            d.insert("code".into(), json!(token.code.as_str()));
        }
        Error::Network { message, source } => {
            d.insert("message".into(), json!(message));
            d.insert("cause".into(), json!(cause_chain(source.as_deref())));
        }
        Error::Timeout { message }
        | Error::Config { message }
        | Error::InvalidArgument { message }
        | Error::Manifest { message } => {
            d.insert("message".into(), json!(message));
        }
        Error::Decode {
            message,
            status,
            request_id,
        } => {
            d.insert("message".into(), json!(message));
            d.insert("statusCode".into(), json!(status));
            d.insert("requestId".into(), json!(request_id));
        }
        // A variant added to the core later still reaches JS as a GrantexError.
        other => {
            d.insert("message".into(), json!(other.to_string()));
        }
    }
    Value::Object(d)
}

/// The underlying error and its own sources, joined, so JS can keep it as `error.cause`.
fn cause_chain(source: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> Option<String> {
    let first = source?;
    let mut text = first.to_string();
    let mut next = first.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    Some(text)
}
