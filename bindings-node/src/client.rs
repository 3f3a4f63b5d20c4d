//! `NativeClient`: the core `grantex::Client` behind the JS `Grantex` class. Every method
//! converts its arguments on the JS thread, runs the core call on the core runtime and returns
//! a promise (see `promise.rs`).

use crate::convert::{self, params};
use crate::promise::{spawn, spawn_json};
use grantex::types::{
    AuditLogParams, AuthorizeParams, DelegateParams, ExchangeTokenParams, ListAuditParams,
    ListGrantsParams, PrincipalSessionParams, RefreshTokenParams, RegisterAgentParams,
    SignupParams, UpdateAgentParams,
};
use grantex::{Client, ClientConfig};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;
use std::time::Duration;

/// Constructor options, already in the core's units (the JS layer passes `timeout` through as
/// milliseconds, as the reference SDK takes it).
#[napi(object)]
pub struct NativeClientOptions {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub max_retries: Option<f64>,
    pub user_agent: Option<String>,
}

fn timeout(ms: Option<f64>) -> Result<Option<Duration>> {
    match ms {
        None => Ok(None),
        Some(ms) if ms.is_finite() && ms > 0.0 && ms <= 1e12 => {
            Ok(Some(Duration::from_secs_f64(ms / 1000.0)))
        }
        Some(ms) => Err(crate::errors::invalid(format!(
            "timeout must be a positive number of milliseconds, got {ms}"
        ))),
    }
}

fn retries(n: Option<f64>) -> Result<Option<u32>> {
    match n {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => {
            Ok(Some(n as u32))
        }
        Some(n) => Err(crate::errors::invalid(format!(
            "maxRetries must be a non-negative integer, got {n}"
        ))),
    }
}

/// `tokens.refresh` parameters: the core type plus the optional `idempotencyKey`, which the
/// core sends as a header rather than in the body.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshArgs {
    #[serde(flatten)]
    params: RefreshTokenParams,
    #[serde(default)]
    idempotency_key: Option<String>,
}

/// Optional filter objects: `undefined`/`null` mean "no filters".
fn filters<T: serde::de::DeserializeOwned + Default>(
    env: &Env,
    what: &str,
    value: Option<Unknown<'_>>,
) -> Result<T> {
    match value {
        Some(v)
            if !matches!(
                v.get_type()?,
                napi::ValueType::Undefined | napi::ValueType::Null
            ) =>
        {
            params(env, what, v)
        }
        _ => Ok(T::default()),
    }
}

/// The core API client. Cheap to share: the core client is an `Arc` inside.
#[napi]
pub struct NativeClient {
    inner: Client,
}

#[napi]
impl NativeClient {
    /// Builds the client; a missing API key or bad base URL throws `config_error`.
    #[napi(constructor)]
    pub fn new(options: NativeClientOptions) -> Result<Self> {
        let config = ClientConfig {
            api_key: options.api_key,
            base_url: options.base_url,
            timeout: timeout(options.timeout_ms)?,
            max_retries: retries(options.max_retries)?,
            user_agent: options.user_agent,
        };
        Client::new(config)
            .map(|inner| NativeClient { inner })
            .map_err(crate::errors::to_napi)
    }

    /// `POST /v1/signup` (no API key needed).
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn signup<'env>(
        env: &'env Env,
        params_obj: Unknown<'_>,
        base_url: Option<String>,
    ) -> Result<Object<'env>> {
        let p: SignupParams = params(env, "signup params", params_obj)?;
        spawn_json(
            env,
            async move { Client::signup(base_url.as_deref(), &p).await },
        )
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
        self.inner.last_rate_limit().map(convert::rate_limit_value)
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn me<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.me().await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn rotate_key<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.rotate_key().await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn health<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.health().await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn jwks<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.jwks().await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn authorize<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: AuthorizeParams = params(env, "authorize params", p)?;
        let c = self.inner.clone();
        spawn_json(env, async move { c.authorize(&p).await })
    }

    // ------------------------------------------------------------------ agents

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn agents_register<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: RegisterAgentParams = params(env, "agents.register params", p)?;
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.agents().register(&p).await },
            convert::agent,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn agents_get<'env>(&self, env: &'env Env, agent_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.agents().get(&agent_id).await },
            convert::agent,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn agents_list<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.agents().list().await },
            convert::agent_list,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn agents_update<'env>(
        &self,
        env: &'env Env,
        agent_id: String,
        p: Unknown<'_>,
    ) -> Result<Object<'env>> {
        let p: UpdateAgentParams = params(env, "agents.update params", p)?;
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.agents().update(&agent_id, &p).await },
            convert::agent,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn agents_delete<'env>(&self, env: &'env Env, agent_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.agents().delete(&agent_id).await },
            convert::unit,
        )
    }

    // ------------------------------------------------------------------ tokens

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn tokens_exchange<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: ExchangeTokenParams = params(env, "tokens.exchange params", p)?;
        let c = self.inner.clone();
        spawn_json(env, async move { c.tokens().exchange(&p).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn tokens_refresh<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let args: RefreshArgs = params(env, "tokens.refresh params", p)?;
        let mut p = args.params;
        p.idempotency_key = args.idempotency_key;
        let c = self.inner.clone();
        spawn_json(env, async move { c.tokens().refresh(&p).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn tokens_verify<'env>(&self, env: &'env Env, token: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.tokens().verify(&token).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn tokens_revoke<'env>(&self, env: &'env Env, token_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.tokens().revoke(&token_id).await },
            convert::unit,
        )
    }

    // ------------------------------------------------------------------ grants

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn grants_get<'env>(&self, env: &'env Env, grant_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.grants().get(&grant_id).await },
            convert::grant,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn grants_list<'env>(
        &self,
        env: &'env Env,
        p: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let p: ListGrantsParams = filters(env, "grants.list params", p)?;
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.grants().list(&p).await },
            convert::grant_list,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn grants_revoke<'env>(&self, env: &'env Env, grant_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.grants().revoke(&grant_id).await },
            convert::unit,
        )
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn grants_delegate<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: DelegateParams = params(env, "grants.delegate params", p)?;
        let c = self.inner.clone();
        spawn_json(env, async move { c.grants().delegate(&p).await })
    }

    /// Online verification; an inactive grant rejects with token code `inactive`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn grants_verify<'env>(&self, env: &'env Env, token: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn(
            env,
            async move { c.grants().verify(&token).await },
            convert::verified_grant,
        )
    }

    // ------------------------------------------------------------------ audit

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn audit_log<'env>(&self, env: &'env Env, p: Unknown<'_>) -> Result<Object<'env>> {
        let p: AuditLogParams = params(env, "audit.log params", p)?;
        let c = self.inner.clone();
        spawn_json(env, async move { c.audit().log(&p).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn audit_list<'env>(&self, env: &'env Env, p: Option<Unknown<'_>>) -> Result<Object<'env>> {
        let p: ListAuditParams = filters(env, "audit.list params", p)?;
        let c = self.inner.clone();
        spawn_json(env, async move { c.audit().list(&p).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn audit_get<'env>(&self, env: &'env Env, entry_id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.audit().get(&entry_id).await })
    }

    // ------------------------------------------------------------------ consent, sessions

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn consent_get<'env>(&self, env: &'env Env, id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.consent().get(&id).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn consent_approve<'env>(&self, env: &'env Env, id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.consent().approve(&id).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn consent_deny<'env>(&self, env: &'env Env, id: String) -> Result<Object<'env>> {
        let c = self.inner.clone();
        spawn_json(env, async move { c.consent().deny(&id).await })
    }

    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn principal_sessions_create<'env>(
        &self,
        env: &'env Env,
        p: Unknown<'_>,
    ) -> Result<Object<'env>> {
        let p: PrincipalSessionParams = params(env, "principalSessions.create params", p)?;
        let c = self.inner.clone();
        spawn_json(env, async move { c.principal_sessions().create(&p).await })
    }
}
