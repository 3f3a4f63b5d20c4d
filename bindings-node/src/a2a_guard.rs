//! The receiving side of the A2A bridge: `NativeA2AGuard` over the core `A2AGuard`, plus
//! `peek_request`. A refusal rejects with the core's rejection (status, reason, JSON-RPC error,
//! `WWW-Authenticate`), turned into `A2AAuthError` by `lib/errors.cjs`.

use crate::convert::{self, params};
use crate::errors::{a2a_to_napi, invalid, rejection_to_napi, to_napi};
use crate::promise::spawn_with;
use grantex::a2a::{peek_request, A2AGuard, A2APolicy, A2ARejection, JwksSource};
use napi::bindgen_prelude::{Buffer, Either, Object, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// `revocation` of the policy: ask the Grantex server, reusing "active" answers `cacheTtl`
/// seconds (≤ 300; 0 asks every time).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RevocationOptions {
    base_url: String,
    api_key: String,
    cache_ttl: Option<f64>,
}

/// The policy as the JS layer passes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyOptions {
    jwks_uri: Option<String>,
    jwks_json: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Option<Vec<String>>,
    method_scopes: Option<BTreeMap<String, Vec<String>>>,
    allow_delegation: Option<bool>,
    max_delegation_depth: Option<f64>,
    clock_tolerance: Option<f64>,
    expected_developer_id: Option<String>,
    allow_sandbox: Option<bool>,
    revocation: Option<RevocationOptions>,
}

fn config_error(message: impl Into<String>) -> napi::Error {
    to_napi(grantex::Error::Config {
        message: message.into(),
    })
}

fn policy(o: PolicyOptions) -> Result<A2APolicy> {
    let jwks = JwksSource::required(o.jwks_uri, o.jwks_json).map_err(to_napi)?;
    let mut p = A2APolicy::new(jwks);
    p.issuer = o.issuer;
    p.audience = o.audience;
    p.required_scopes = o.required_scopes.unwrap_or_default();
    p.method_scopes = o.method_scopes.unwrap_or_default();
    p.clock_tolerance =
        crate::verify::whole("clockTolerance", o.clock_tolerance, 1e12)?.map_or(0, |x| x as u64);
    p.allow_delegation = o.allow_delegation.unwrap_or(false);
    p.expected_developer_id = o.expected_developer_id;
    p.allow_sandbox = o.allow_sandbox;
    p.max_delegation_depth = crate::verify::whole(
        "maxDelegationDepth",
        o.max_delegation_depth,
        f64::from(u32::MAX),
    )?
    .map(|x| x as u32);
    if let Some(r) = o.revocation {
        let ttl = match r.cache_ttl {
            None => Duration::ZERO,
            Some(s) => Duration::try_from_secs_f64(s).map_err(|_| {
                config_error(format!(
                    "revocation.cacheTtl must be a number of seconds >= 0, got {s}"
                ))
            })?,
        };
        p = p.revocation_online(r.base_url, r.api_key, ttl);
    }
    Ok(p)
}

/// Checks incoming A2A requests against a policy. Share one per agent.
#[napi]
pub struct NativeA2AGuard {
    guard: A2AGuard,
}

#[napi]
impl NativeA2AGuard {
    /// Validates the policy; no request is made (a remote JWKS is fetched on the first check).
    #[napi(constructor)]
    pub fn new(env: Env, options: Unknown<'_>) -> Result<Self> {
        let o: PolicyOptions = params(&env, "A2A policy", options)?;
        let guard = A2AGuard::new(policy(o)?).map_err(a2a_to_napi)?;
        Ok(NativeA2AGuard { guard })
    }

    /// The issuer tokens must come from (explicit, else derived from the JWKS URI).
    #[napi(getter)]
    pub fn issuer(&self) -> Option<String> {
        self.guard.issuer()
    }

    /// The card's Grantex bearer scheme for this policy (`null` with a static JWKS: a card must
    /// point callers at a JWKS URI).
    #[napi(ts_return_type = "unknown")]
    pub fn auth_scheme(&self) -> Result<Value> {
        match self.guard.auth_scheme() {
            Some(scheme) => convert::to_json(scheme).map_err(to_napi),
            None => Ok(Value::Null),
        }
    }

    /// Checks one request: the raw `Authorization` value (`null` when absent) and the JSON-RPC
    /// method (empty: the default scopes). Resolves with the grant; rejects with the refusal.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn check<'env>(
        &self,
        env: &'env Env,
        authorization: Option<String>,
        method: String,
    ) -> Result<Object<'env>> {
        let guard = self.guard.clone();
        spawn_with(
            env,
            async move { guard.check(authorization.as_deref(), &method).await },
            convert::verified_grant,
            rejection_to_napi,
        )
    }
}

/// `{id, method}` of a JSON-RPC request body, read before authenticating it. Never throws:
/// anything unreadable gives `null`s.
#[napi(
    js_name = "a2aPeekRequest",
    ts_return_type = "{ id: string | number | null; method: string | null }"
)]
pub fn a2a_peek_request(body: Either<String, Buffer>) -> Value {
    let bytes: &[u8] = match &body {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b.as_ref(),
    };
    let peeked = peek_request(bytes);
    json!({ "id": peeked.id, "method": peeked.method })
}

/// The JSON-RPC error code the core gives a refusal with this HTTP status (for an
/// `A2AAuthError` built by hand).
#[napi(js_name = "a2aRpcCode")]
pub fn a2a_rpc_code(status: u32) -> Result<i64> {
    let status = u16::try_from(status).map_err(|_| invalid("status must be an HTTP status"))?;
    Ok(A2ARejection {
        status,
        reason: "",
        message: String::new(),
    }
    .rpc_code())
}
