//! The API client: the core's generic call, async and blocking. The per-operation methods are
//! generated Kotlin (tools/codegen `kotlin.rs`) that call these with the operation's name.

use crate::error::{FfiError, RateLimit};
use crate::runtime::on_core;
use grantex::catalog::{self, Auth};
use grantex::{blocking, Client, ClientConfig};
use serde_json::Value;
use std::sync::Arc;

/// The User-Agent of the JVM SDK.
fn user_agent() -> String {
    format!("grantex-kotlin/{}", grantex::VERSION)
}

/// One core client (one connection pool). Thread-safe; share it.
#[derive(Debug, uniffi::Object)]
pub struct NativeClient {
    inner: Client,
}

/// `input_json` as the generic call's input: `""` is `{}` (sent as `null`, which the core reads
/// as an empty object); anything else must be JSON text.
fn input(input_json: &str) -> Result<Value, FfiError> {
    if input_json.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(input_json)
        .map_err(|e| FfiError::invalid(format!("input is not valid JSON: {e}")))
}

fn output(value: Value) -> String {
    value.to_string()
}

/// The core's error, except that an operation that needs no API key says where it belongs.
fn call_error(operation: &str, err: grantex::Error) -> FfiError {
    match catalog::find(operation) {
        Some(op) if op.auth == Auth::None => FfiError::invalid(format!(
            "{operation:?} needs no API key: run it with callUnauthenticated"
        )),
        _ => err.into(),
    }
}

impl NativeClient {
    /// The core client (shared with an enforcer).
    pub(crate) fn core(&self) -> &Client {
        &self.inner
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// A client. `None` means "not given": the API key falls back to `GRANTEX_API_KEY`, the
    /// base URL to `GRANTEX_BASE_URL` then the default; `timeout_ms` (per attempt, default
    /// 30 000) and `max_retries` (default 3) are checked by the core's rules. No request is
    /// made.
    #[uniffi::constructor]
    pub fn new(
        api_key: Option<String>,
        base_url: Option<String>,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
    ) -> Result<Arc<Self>, FfiError> {
        let timeout = timeout_ms
            .map(ClientConfig::timeout_from_millis)
            .transpose()?;
        let max_retries = max_retries
            .map(ClientConfig::max_retries_from)
            .transpose()?;
        let inner = Client::new(ClientConfig {
            api_key,
            base_url,
            timeout,
            max_retries,
            user_agent: Some(user_agent()),
        })?;
        Ok(Arc::new(NativeClient { inner }))
    }

    /// The normalised base URL (no trailing `/`).
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// `{base_url}/.well-known/jwks.json`.
    pub fn jwks_uri(&self) -> String {
        self.inner.jwks_uri()
    }

    /// Rate-limit headers of the most recent response, when it carried all three.
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.inner.last_rate_limit().map(RateLimit::from)
    }

    /// Runs the catalog operation `operation` (`"agents.get"`) with the members of the JSON
    /// object `input_json` (path parameters and body or query members under their wire
    /// names; `""` means `{}`). Returns the result as JSON text (`null` for none).
    pub async fn call(&self, operation: String, input_json: String) -> Result<String, FfiError> {
        let input = input(&input_json)?;
        let client = self.inner.clone();
        on_core(async move {
            client
                .call(&operation, input)
                .await
                .map(output)
                .map_err(|e| call_error(&operation, e))
        })
        .await
    }

    /// [`Self::call`], blocking the calling thread.
    pub fn call_blocking(&self, operation: String, input_json: String) -> Result<String, FfiError> {
        let input = input(&input_json)?;
        let client = &self.inner;
        blocking::block_on(async { client.call(&operation, input).await })
            .map(output)
            .map_err(|e| call_error(&operation, e))
    }
}

/// Runs an operation that needs no API key (`signup`); `base_url` falls back as for a client.
#[uniffi::export(async_runtime = "tokio")]
pub async fn call_unauthenticated(
    base_url: Option<String>,
    operation: String,
    input_json: String,
) -> Result<String, FfiError> {
    let input = input(&input_json)?;
    on_core(async move {
        Client::call_unauthenticated(base_url.as_deref(), &operation, input)
            .await
            .map(output)
            .map_err(FfiError::from)
    })
    .await
}

/// [`call_unauthenticated`], blocking the calling thread.
#[uniffi::export]
pub fn call_unauthenticated_blocking(
    base_url: Option<String>,
    operation: String,
    input_json: String,
) -> Result<String, FfiError> {
    let input = input(&input_json)?;
    blocking::block_on(async {
        Client::call_unauthenticated(base_url.as_deref(), &operation, input).await
    })
    .map(output)
    .map_err(FfiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_follow_the_core_rules() {
        let ok = NativeClient::new(
            Some("k".into()),
            Some("http://127.0.0.1:1/".into()),
            None,
            None,
        )
        .unwrap();
        assert_eq!(ok.base_url(), "http://127.0.0.1:1");
        assert_eq!(ok.jwks_uri(), "http://127.0.0.1:1/.well-known/jwks.json");
        assert!(ok.last_rate_limit().is_none());
        let bad_retries = NativeClient::new(Some("k".into()), None, None, Some(1.5)).unwrap_err();
        assert_eq!(bad_retries.code(), "invalid_argument");
        let bad_url =
            NativeClient::new(Some("k".into()), Some("ftp://x".into()), None, None).unwrap_err();
        assert_eq!(bad_url.code(), "config_error");
    }

    #[test]
    fn generic_call_checks_input_before_sending() {
        let c = NativeClient::new(
            Some("k".into()),
            Some("http://127.0.0.1:1".into()),
            None,
            None,
        )
        .unwrap();
        let err = c
            .call_blocking("agents.get".into(), "{".into())
            .unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
        let err = c.call_blocking("no.such".into(), "{}".into()).unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
        let err = c
            .call_blocking("agents.get".into(), r#"{"agentId":"a","x":1}"#.into())
            .unwrap_err();
        assert_eq!(err.code(), "invalid_argument", "{err}");
        let err = c.call_blocking("signup".into(), "{}".into()).unwrap_err();
        assert!(err.to_string().contains("needs no API key"), "{err}");
    }
}
