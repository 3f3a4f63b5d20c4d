//! `NativeClient`: the core `grantex::Client` behind the JS `Grantex` class. Every operation
//! goes through one generic entry point, `call(op, input)`: the input object is converted to
//! JSON on the JS thread, the core checks it against the operation's declaration and runs it on
//! the core runtime, and the promise resolves with the result's JSON (see `promise.rs`). What
//! the JS methods look like comes from the generated `lib/operations.cjs`.

use crate::errors::{invalid, to_napi};
use crate::promise::spawn;
use grantex::{Client, ClientConfig};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{Env, Result, ValueType};
use napi_derive::napi;
use serde_json::Value;

/// Constructor options as the JS layer passes them (`timeout` in milliseconds, as the
/// reference SDK takes it). Their rules are the core's (`ClientConfig`).
#[napi(object)]
pub struct NativeClientOptions {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub max_retries: Option<f64>,
    pub user_agent: Option<String>,
}

/// The input object of a generic call as JSON: `undefined`/`null` are `{}` to the core. The JS
/// layer has already checked that it is made of JSON values.
fn input(value: Option<Unknown<'_>>) -> Result<Value> {
    match value {
        None => Ok(Value::Null),
        Some(v) if matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
            Ok(Value::Null)
        }
        // SAFETY: converting to `serde_json::Value` accepts any JS value (it fails, safely,
        // for those JSON cannot represent).
        Some(v) => unsafe { v.cast::<Value>() }
            .map_err(|e| invalid(format!("the input is not a JSON value: {}", e.reason))),
    }
}

/// The core API client. Cheap to share: the core client is an `Arc` inside.
#[napi]
pub struct NativeClient {
    inner: Client,
}

impl NativeClient {
    /// The core client (for the enforcer, which shares its connection pool).
    pub fn core(&self) -> &Client {
        &self.inner
    }
}

#[napi]
impl NativeClient {
    /// Builds the client; a missing API key or bad base URL throws `config_error`, a timeout or
    /// retry count out of the core's range `invalid_argument`.
    #[napi(constructor)]
    pub fn new(options: NativeClientOptions) -> Result<Self> {
        let config = ClientConfig {
            api_key: options.api_key,
            base_url: options.base_url,
            timeout: options
                .timeout_ms
                .map(ClientConfig::timeout_from_millis)
                .transpose()
                .map_err(to_napi)?,
            max_retries: options
                .max_retries
                .map(ClientConfig::max_retries_from)
                .transpose()
                .map_err(to_napi)?,
            user_agent: options.user_agent,
        };
        Client::new(config)
            .map(|inner| NativeClient { inner })
            .map_err(to_napi)
    }

    /// Runs the catalog operation `op` (`"agents.get"`) with `input` (path parameters and
    /// body or query members under their wire names); resolves with the result's JSON (`null`
    /// for none).
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        #[napi(ts_arg_type = "object | undefined | null")] input: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let input = self::input(input)?;
        let c = self.inner.clone();
        spawn(env, async move { c.call(&op, input).await }, Ok)
    }

    /// [`NativeClient::call`] for the operations that need no API key (`signup`); `baseUrl`
    /// falls back to `GRANTEX_BASE_URL`, then the default.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn call_unauthenticated<'env>(
        env: &'env Env,
        base_url: Option<String>,
        op: String,
        #[napi(ts_arg_type = "object | undefined | null")] input: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let input = self::input(input)?;
        spawn(
            env,
            async move { Client::call_unauthenticated(base_url.as_deref(), &op, input).await },
            Ok,
        )
    }

    /// Follows the developer's events (`GET /v1/events/stream`): only `types` when given, after
    /// the log position `lastEventId` when given (from now on otherwise). Nothing is sent until
    /// the stream's first `next()`; an empty or comma-holding type throws `invalid_argument`.
    #[napi]
    pub fn event_stream(
        &self,
        types: Option<Vec<String>>,
        last_event_id: Option<f64>,
    ) -> Result<crate::events::NativeEventStream> {
        let options = grantex::events::StreamOptions {
            types,
            last_event_id: crate::events::cursor(last_event_id)?,
        };
        self.inner
            .events()
            .stream(&options)
            .map(crate::events::NativeEventStream::new)
            .map_err(to_napi)
    }

    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    #[napi]
    pub fn jwks_uri(&self) -> String {
        self.inner.jwks_uri()
    }

    /// Rate-limit headers of the last response, or `null` before any.
    #[napi]
    pub fn last_rate_limit(&self) -> Option<Value> {
        self.inner
            .last_rate_limit()
            .map(crate::convert::rate_limit_value)
    }
}

/// The name of every operation of the core's catalog, in declaration order: the JS layer's
/// generated table must list exactly these (a test checks it).
#[napi]
pub fn operations() -> Vec<String> {
    grantex::catalog::OPERATIONS
        .iter()
        .map(|op| op.name.to_owned())
        .collect()
}
