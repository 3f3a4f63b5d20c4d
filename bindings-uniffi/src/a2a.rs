//! The A2A bridge for the JVM: the client (calls a remote agent with the caller's grant token,
//! after the core's offline preflight) and the guard (checks incoming requests' tokens). Values
//! cross as JSON text where their shapes are the A2A protocol's (cards, task params, results).

use crate::error::FfiError;
use crate::runtime::on_core;
use crate::verify::VerifiedGrant;
use grantex::a2a::{
    peek_request, A2AClient, A2AClientConfig, A2AError, A2AGuard, A2APolicy, AgentCard, JwksSource,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

impl From<A2AError> for FfiError {
    fn from(e: A2AError) -> Self {
        let detail = e.to_string();
        let code = e.code().to_owned();
        let reason = e.reason().map(str::to_owned);
        let status = e.status().map(i32::from);
        match e {
            A2AError::Core(core) => core.into(),
            A2AError::Rpc { error, .. } => FfiError::A2a {
                detail,
                code,
                reason,
                status,
                rpc_error_json: serde_json::to_string(&error).ok(),
            },
            _ => FfiError::A2a {
                detail,
                code,
                reason,
                status,
                rpc_error_json: None,
            },
        }
    }
}

fn seconds(what: &str, v: i64) -> Result<u64, FfiError> {
    u64::try_from(v).map_err(|_| FfiError::invalid(format!("{what} must be >= 0, got {v}")))
}

/// How to reach and trust a remote agent (see `grantex::a2a::A2AClientConfig`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct A2AClientSettings {
    /// The agent's JSON-RPC URL; its card is at `<agentUrl>/.well-known/agent.json`.
    pub agent_url: String,
    /// The caller's grant token, sent as the bearer credential.
    pub grant_token: String,
    /// The remote card as JSON, if already known (else fetched on first use).
    #[uniffi(default = None)]
    pub card_json: Option<String>,
    /// The issuer's key set to verify our own token against (a URI or a document; neither:
    /// the card's `jwksUri`).
    #[uniffi(default = None)]
    pub jwks_uri: Option<String>,
    #[uniffi(default = None)]
    pub jwks_json: Option<String>,
    #[uniffi(default = None)]
    pub issuer: Option<String>,
    #[uniffi(default = None)]
    pub audience: Option<String>,
    #[uniffi(default = [])]
    pub required_scopes: Vec<String>,
    #[uniffi(default = 0)]
    pub clock_tolerance: i64,
    /// Per-request timeout in milliseconds (default 30 s).
    #[uniffi(default = None)]
    pub timeout_ms: Option<i64>,
}

/// A JSON-RPC client for one remote agent and one grant token.
#[derive(Debug, uniffi::Object)]
pub struct NativeA2AClient {
    inner: Arc<A2AClient>,
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeA2AClient {
    /// Validates the settings; no request is made.
    #[uniffi::constructor]
    pub fn new(settings: A2AClientSettings) -> Result<Arc<Self>, FfiError> {
        let card = settings
            .card_json
            .as_deref()
            .map(AgentCard::from_json)
            .transpose()?;
        let timeout = settings
            .timeout_ms
            .map(|ms| seconds("timeoutMs", ms).map(Duration::from_millis))
            .transpose()?;
        let config = A2AClientConfig {
            agent_url: settings.agent_url,
            grant_token: settings.grant_token,
            card,
            jwks: JwksSource::from_settings(settings.jwks_uri, settings.jwks_json)?,
            issuer: settings.issuer,
            audience: settings.audience,
            required_scopes: settings.required_scopes,
            clock_tolerance: seconds("clockTolerance", settings.clock_tolerance)?,
            timeout,
        };
        Ok(Arc::new(NativeA2AClient {
            inner: Arc::new(A2AClient::new(config)?),
        }))
    }

    pub fn agent_url(&self) -> String {
        self.inner.agent_url().to_owned()
    }

    /// The remote card as JSON (the configured one, else fetched once).
    pub async fn card_json(&self) -> Result<String, FfiError> {
        let c = self.inner.clone();
        on_core(async move { Ok(c.card().await?.to_json()) }).await
    }

    /// The offline check run before every request.
    pub async fn preflight(&self) -> Result<VerifiedGrant, FfiError> {
        let c = self.inner.clone();
        on_core(async move { Ok(c.preflight().await?.into()) }).await
    }

    /// Any JSON-RPC method (`tasks/send`, `tasks/get`, `tasks/cancel`, ...): preflight, then one
    /// POST; the `result` as JSON.
    pub async fn call(&self, method: String, params_json: String) -> Result<String, FfiError> {
        let params: Value = serde_json::from_str(&params_json)
            .map_err(|e| FfiError::invalid(format!("params are not JSON: {e}")))?;
        let c = self.inner.clone();
        on_core(async move { Ok(c.call(&method, params).await?.to_string()) }).await
    }
}

/// What incoming tokens must satisfy (see `grantex::a2a::A2APolicy`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct A2APolicySettings {
    /// The issuer's key set: a URI or a document.
    #[uniffi(default = None)]
    pub jwks_uri: Option<String>,
    #[uniffi(default = None)]
    pub jwks_json: Option<String>,
    #[uniffi(default = None)]
    pub issuer: Option<String>,
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Scopes for every method without its own entry in `method_scopes`.
    #[uniffi(default = [])]
    pub required_scopes: Vec<String>,
    /// Scopes per JSON-RPC method.
    pub method_scopes: std::collections::HashMap<String, Vec<String>>,
    #[uniffi(default = false)]
    pub allow_delegation: bool,
    #[uniffi(default = None)]
    pub max_delegation_depth: Option<i64>,
    #[uniffi(default = 0)]
    pub clock_tolerance: i64,
    #[uniffi(default = None)]
    pub expected_developer_id: Option<String>,
    #[uniffi(default = None)]
    pub allow_sandbox: Option<bool>,
    /// Check revocation online with this Grantex server and API key.
    #[uniffi(default = None)]
    pub revocation_base_url: Option<String>,
    #[uniffi(default = None)]
    pub revocation_api_key: Option<String>,
    /// Seconds an "active" answer is reused (0 to 300).
    #[uniffi(default = 300)]
    pub revocation_cache_ttl: i64,
}

/// A refused request: the HTTP status, a stable reason, and the response to send.
#[derive(Debug, Clone, uniffi::Record)]
pub struct A2ARejectionInfo {
    /// 401, 403 or 503.
    pub status: i32,
    /// Stable: `missing_token`, `delegation_not_allowed`, `revocation_unavailable`, or a token
    /// error code (`expired`, `missing_scopes`, ...).
    pub reason: String,
    pub message: String,
    /// The whole JSON-RPC error response for the request.
    pub body_json: String,
    /// The `WWW-Authenticate` header value (401 and 403).
    pub www_authenticate: Option<String>,
}

/// The guard's decision: the verified grant, or the rejection.
#[derive(Debug, Clone, uniffi::Record)]
pub struct A2ADecision {
    pub grant: Option<VerifiedGrant>,
    pub rejection: Option<A2ARejectionInfo>,
}

/// Checks incoming A2A requests against a policy.
#[derive(Debug, uniffi::Object)]
pub struct NativeA2AGuard {
    inner: A2AGuard,
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeA2AGuard {
    /// Validates the policy; no request is made.
    #[uniffi::constructor]
    pub fn new(settings: A2APolicySettings) -> Result<Arc<Self>, FfiError> {
        let mut p = A2APolicy::new(JwksSource::required(settings.jwks_uri, settings.jwks_json)?);
        if let Some(i) = settings.issuer {
            p = p.issuer(i);
        }
        if let Some(a) = settings.audience {
            p = p.audience(a);
        }
        p = p.require(settings.required_scopes);
        for (method, scopes) in settings.method_scopes {
            p = p.require_for(method, scopes);
        }
        if settings.allow_delegation {
            let depth = settings
                .max_delegation_depth
                .map(|d| {
                    u32::try_from(d).map_err(|_| {
                        FfiError::invalid(format!("maxDelegationDepth must be >= 0, got {d}"))
                    })
                })
                .transpose()?;
            p = p.allow_delegation(depth);
        }
        p.clock_tolerance = seconds("clockTolerance", settings.clock_tolerance)?;
        if let Some(d) = settings.expected_developer_id {
            p = p.expected_developer(d);
        }
        if let Some(a) = settings.allow_sandbox {
            p = p.allow_sandbox(a);
        }
        match (settings.revocation_base_url, settings.revocation_api_key) {
            (None, None) => {}
            (Some(url), Some(key)) => {
                let ttl = seconds("revocationCacheTtl", settings.revocation_cache_ttl)?;
                p = p.revocation_online(url, key, Duration::from_secs(ttl));
            }
            _ => {
                return Err(FfiError::Config {
                    detail: "online revocation needs both revocationBaseUrl and revocationApiKey"
                        .into(),
                })
            }
        }
        Ok(Arc::new(NativeA2AGuard {
            inner: A2AGuard::new(p)?,
        }))
    }

    /// The issuer tokens must come from.
    pub fn issuer(&self) -> Option<String> {
        self.inner.issuer()
    }

    /// The card's Grantex bearer scheme for this policy as JSON (`None` with a static JWKS).
    pub fn auth_scheme_json(&self) -> Option<String> {
        self.inner
            .auth_scheme()
            .and_then(|s| serde_json::to_string(&s).ok())
    }

    /// Checks one request: the raw `Authorization` header (`None` when absent) and the raw
    /// body (its `id` and `method` are read without trusting it).
    pub async fn check(&self, authorization: Option<String>, body: Vec<u8>) -> A2ADecision {
        let guard = self.inner.clone();
        on_core(async move {
            let peeked = peek_request(&body);
            let method = peeked.method.clone().unwrap_or_default();
            match guard.check(authorization.as_deref(), &method).await {
                Ok(g) => A2ADecision {
                    grant: Some(g.into()),
                    rejection: None,
                },
                Err(r) => A2ADecision {
                    grant: None,
                    rejection: Some(A2ARejectionInfo {
                        status: i32::from(r.status),
                        reason: r.reason.to_owned(),
                        message: r.message.clone(),
                        body_json: r.body(peeked.id.as_ref()).to_string(),
                        www_authenticate: r.www_authenticate(),
                    }),
                },
            }
        })
        .await
    }
}
