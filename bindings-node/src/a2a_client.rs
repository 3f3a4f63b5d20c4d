//! `NativeA2AClient`: the core `grantex::a2a::A2AClient` behind the JS `A2AClient`. The core
//! verifies the grant token offline (signature against the issuer's JWKS, expiry, the card's
//! scopes and delegation rule) before every request; this file only converts.

use crate::convert::{self, params};
use crate::errors::{a2a_to_napi, invalid, to_napi};
use crate::promise::spawn_with;
use grantex::a2a::{
    A2AClient, A2AClientConfig, AgentCard, JwksSource, Task, TaskCancelParams, TaskGetParams,
    TaskSendParams,
};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The constructor options as the JS layer passes them (unknown keys are a bug there).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientOptions {
    agent_url: String,
    grant_token: String,
    card: Option<String>,
    jwks_uri: Option<String>,
    jwks_json: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Option<Vec<String>>,
    clock_tolerance: Option<f64>,
    timeout_ms: Option<f64>,
}

fn config(o: ClientOptions) -> Result<A2AClientConfig> {
    let jwks = JwksSource::from_settings(o.jwks_uri, o.jwks_json).map_err(to_napi)?;
    let card = o
        .card
        .map(|text| AgentCard::from_json(&text))
        .transpose()
        .map_err(a2a_to_napi)?;
    let clock_tolerance = crate::verify::whole("clockTolerance", o.clock_tolerance, 1e12)?;
    let timeout = match o.timeout_ms {
        None => None,
        Some(ms) if ms.is_finite() && ms > 0.0 && ms <= 1e12 => {
            Some(Duration::from_secs_f64(ms / 1000.0))
        }
        Some(ms) => {
            return Err(invalid(format!(
                "timeout must be a positive number of milliseconds, got {ms}"
            )))
        }
    };
    Ok(A2AClientConfig {
        agent_url: o.agent_url,
        grant_token: o.grant_token,
        card,
        jwks,
        issuer: o.issuer,
        audience: o.audience,
        required_scopes: o.required_scopes.unwrap_or_default(),
        clock_tolerance: clock_tolerance.map_or(0, |x| x as u64),
        timeout,
    })
}

fn task(t: Task) -> grantex::Result<Value> {
    convert::to_json(t)
}

/// A JSON-RPC client for one remote agent and one grant token. Calls run on the core runtime.
#[napi]
pub struct NativeA2AClient {
    inner: Arc<A2AClient>,
}

#[napi]
impl NativeA2AClient {
    /// Validates the options (URL, token, card, JWKS source); no request is made.
    #[napi(constructor)]
    pub fn new(env: Env, options: Unknown<'_>) -> Result<Self> {
        let o: ClientOptions = params(&env, "A2A client options", options)?;
        let client = A2AClient::new(config(o)?).map_err(a2a_to_napi)?;
        Ok(NativeA2AClient {
            inner: Arc::new(client),
        })
    }

    #[napi(getter)]
    pub fn agent_url(&self) -> String {
        self.inner.agent_url().to_owned()
    }

    /// The remote card (the configured one, else fetched once from the well-known path).
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn card<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_with(
            env,
            async move { c.card().await.cloned() },
            convert::to_json,
            a2a_to_napi,
        )
    }

    /// The offline check run before every request, on its own.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn preflight<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_with(
            env,
            async move { c.preflight().await },
            convert::verified_grant,
            a2a_to_napi,
        )
    }

    /// `tasks/send`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn send_task<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: TaskSendParams = params(env, "tasks/send params", p)?;
        let c = self.inner.clone();
        spawn_with(env, async move { c.send_task(&p).await }, task, a2a_to_napi)
    }

    /// `tasks/get`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn get_task<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: TaskGetParams = params(env, "tasks/get params", p)?;
        let c = self.inner.clone();
        spawn_with(env, async move { c.get_task(&p).await }, task, a2a_to_napi)
    }

    /// `tasks/cancel`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn cancel_task<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: TaskCancelParams = params(env, "tasks/cancel params", p)?;
        let c = self.inner.clone();
        spawn_with(
            env,
            async move { c.cancel_task(&p).await },
            task,
            a2a_to_napi,
        )
    }

    /// Any JSON-RPC method; resolves with `result`. `params` is JSON text (any JSON value).
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        method: String,
        params_json: String,
    ) -> Result<Object<'env>> {
        let params: Value = serde_json::from_str(&params_json)
            .map_err(|e| invalid(format!("params are not JSON: {e}")))?;
        let c = self.inner.clone();
        spawn_with(
            env,
            async move { c.call(&method, params).await },
            Ok,
            a2a_to_napi,
        )
    }
}
