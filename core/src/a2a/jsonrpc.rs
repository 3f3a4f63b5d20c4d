//! JSON-RPC 2.0 envelopes and the error codes the bridge uses.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Error codes. The standard ones, then the bridge's own (server-defined range).
pub mod codes {
    /// The body is not JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The body is JSON but not a JSON-RPC 2.0 request.
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Missing, malformed, expired, badly signed or revoked grant token (HTTP 401).
    pub const UNAUTHENTICATED: i64 = -32001;
    /// Valid token without the needed scopes or delegation rights (HTTP 403).
    pub const FORBIDDEN: i64 = -32003;
    /// The token could not be checked right now: JWKS or revocation service down (HTTP 503).
    pub const AUTH_UNAVAILABLE: i64 = -32005;
    /// No task with that id (for this principal).
    pub const TASK_NOT_FOUND: i64 = -32010;
    /// The task is already completed, canceled or failed.
    pub const TASK_NOT_CANCELABLE: i64 = -32011;
}

/// A JSON-RPC 2.0 error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("JSON-RPC error {code}: {message}")]
pub struct JsonRpcError {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl JsonRpcError {
    pub fn new(code: i64, message: impl Into<String>) -> JsonRpcError {
        JsonRpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// `data.reason`, the stable code the Grantex guard puts on its rejections.
    pub fn reason(&self) -> Option<&str> {
        self.data.as_ref()?.get("reason")?.as_str()
    }

    /// The full response envelope `{"jsonrpc":"2.0","id":..,"error":..}` for request `id`
    /// (`null` when the id is unknown).
    pub fn to_response(&self, id: Option<&Value>) -> Value {
        json!({ "jsonrpc": "2.0", "id": id.cloned().unwrap_or(Value::Null), "error": self })
    }
}

/// A JSON-RPC 2.0 request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRpcRequest {
    pub jsonrpc: String,
    /// Absent for notifications; the bridge always sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

impl JsonRpcRequest {
    pub fn new(id: u64, method: impl Into<String>, params: Value) -> JsonRpcRequest {
        JsonRpcRequest {
            jsonrpc: "2.0".into(),
            id: Some(Value::from(id)),
            method: method.into(),
            params: Some(params),
        }
    }
}

/// A JSON-RPC 2.0 response: exactly one of `result` and `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRpcResponse {
    pub jsonrpc: String,
    #[serde(default)]
    pub id: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JsonRpcError>,
}

impl JsonRpcResponse {
    /// A success envelope.
    pub fn success(id: Value, result: Value) -> JsonRpcResponse {
        JsonRpcResponse {
            jsonrpc: "2.0".into(),
            id,
            result: Some(result),
            error: None,
        }
    }
}

/// What a server can learn from a request body before authenticating it: the id (for the
/// error envelope) and the method (for per-method scopes). Never fails.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeekedRequest {
    /// The request `id` when it is a string or a number.
    pub id: Option<Value>,
    /// The `method` when it is a string.
    pub method: Option<String>,
}

/// Reads `id` and `method` from a body that may be anything (bad JSON gives both `None`).
pub fn peek_request(body: &[u8]) -> PeekedRequest {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return PeekedRequest::default();
    };
    PeekedRequest {
        id: map
            .get("id")
            .filter(|v| v.is_string() || v.is_number())
            .cloned(),
        method: map.get("method").and_then(Value::as_str).map(str::to_owned),
    }
}
