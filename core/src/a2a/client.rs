//! [`A2AClient`]: calls a remote A2A agent with `Authorization: Bearer <grant token>`, after
//! checking the token offline — real RS256 signature against the issuer's JWKS, expiry, the
//! card's required scopes and delegation rule — so a token the agent would refuse is never sent.

use super::card::{check_http_url, AgentCard, AGENT_CARD_PATH, MAX_CARD_BYTES};
use super::error::A2AError;
use super::guard::JwksSource;
use super::jsonrpc::{JsonRpcRequest, JsonRpcResponse};
use super::types::{
    Task, TaskCancelParams, TaskGetParams, TaskSendParams, METHOD_CANCEL, METHOD_GET, METHOD_SEND,
};
use crate::error::{Error, TokenError, TokenErrorCode};
use crate::jwks::JwksCache;
use crate::process_local::{http_client_builder, ProcessLocal};
use crate::verify::{VerifiedGrant, VerifyOptions};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Largest JSON-RPC response body read from a remote agent.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How to reach and trust a remote agent.
#[derive(Clone, Default)]
pub struct A2AClientConfig {
    /// The agent's JSON-RPC URL; its card is at `<agent_url>/.well-known/agent.json`.
    pub agent_url: String,
    /// The caller's grant token, sent as the bearer credential.
    pub grant_token: String,
    /// The remote card, if already known; otherwise fetched once on first use.
    pub card: Option<AgentCard>,
    /// The issuer's key set to verify our own token against. `None`: the card's `jwksUri`
    /// (the card comes from the remote agent; set this to pin the issuer's keys yourself).
    pub jwks: Option<JwksSource>,
    /// Expected issuer. `None`: the card's issuer (else derived from the JWKS URI). When both
    /// this and the card name one, they must agree.
    pub issuer: Option<String>,
    /// Audience the token must carry, if the remote agent is known to check one.
    pub audience: Option<String>,
    /// Scopes the token must hold on top of the card's `requiredScopes`.
    pub required_scopes: Vec<String>,
    /// Seconds of leeway on `exp`/`nbf`/`iat`.
    pub clock_tolerance: u64,
    /// Per-request timeout (default 30 s).
    pub timeout: Option<Duration>,
}

impl fmt::Debug for A2AClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("A2AClientConfig")
            .field("agent_url", &self.agent_url)
            .field("grant_token", &"<redacted>")
            .field("card", &self.card.as_ref().map(|c| &c.name))
            .field("jwks", &self.jwks)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("required_scopes", &self.required_scopes)
            .field("clock_tolerance", &self.clock_tolerance)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A JSON-RPC 2.0 client for one remote agent and one grant token. `Send + Sync`.
pub struct A2AClient {
    /// Rebuilt in a forked child (see `process_local.rs`).
    http: ProcessLocal<reqwest::Client>,
    timeout: Duration,
    agent_url: String,
    token: String,
    jwks: Option<JwksCache>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Vec<String>,
    clock_tolerance: u64,
    card: tokio::sync::OnceCell<AgentCard>,
    next_id: AtomicU64,
}

impl fmt::Debug for A2AClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("A2AClient")
            .field("agent_url", &self.agent_url)
            .field("issuer", &self.issuer)
            .field("next_id", &self.next_id.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl A2AClient {
    /// Validates the configuration; no request is made.
    pub fn new(config: A2AClientConfig) -> Result<A2AClient, A2AError> {
        let agent_url = config.agent_url.trim_end_matches('/').to_owned();
        check_http_url(&agent_url, "agent URL")?;
        if config.grant_token.trim().is_empty() {
            return Err(A2AError::invalid("the grant token is empty"));
        }
        if config.clock_tolerance > crate::verify::MAX_CLOCK_TOLERANCE {
            return Err(A2AError::config(
                "the A2A client's clock tolerance is over an hour (is it in milliseconds?)",
            ));
        }
        let jwks = config.jwks.as_ref().map(JwksSource::cache).transpose()?;
        let timeout = config.timeout.unwrap_or(Duration::from_secs(30));
        let http = ProcessLocal::with_value(build_http(timeout)?);
        let card = tokio::sync::OnceCell::new();
        if let Some(c) = config.card {
            // A freshly created cell is empty, so this always stores the card.
            let _ = card.set(c);
        }
        Ok(A2AClient {
            http,
            timeout,
            agent_url,
            token: config.grant_token,
            jwks,
            issuer: config.issuer,
            audience: config.audience,
            required_scopes: config.required_scopes,
            clock_tolerance: config.clock_tolerance,
            card,
            next_id: AtomicU64::new(1),
        })
    }

    /// The agent URL requests go to (without a trailing `/`).
    pub fn agent_url(&self) -> &str {
        &self.agent_url
    }

    /// The remote card: the configured one, else fetched from the well-known path once.
    pub async fn card(&self) -> Result<&AgentCard, A2AError> {
        self.card.get_or_try_init(|| self.fetch_card()).await
    }

    /// This process's HTTP client.
    fn http(&self) -> Result<reqwest::Client, A2AError> {
        self.http
            .get(|| build_http(self.timeout), reqwest::Client::clone)
    }

    async fn fetch_card(&self) -> Result<AgentCard, A2AError> {
        let url = format!("{}{AGENT_CARD_PATH}", self.agent_url);
        let resp = self
            .http()?
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(network_error)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(A2AError::card(format!(
                "fetching the agent card answered HTTP {}",
                status.as_u16()
            )));
        }
        let body = read_capped(resp, MAX_CARD_BYTES)
            .await?
            .ok_or_else(|| A2AError::card("the agent card is larger than 1 MiB"))?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| A2AError::card("the agent card is not UTF-8"))?;
        AgentCard::from_json(text)
    }

    /// The offline check run before every request; public so callers can check up front.
    pub async fn preflight(&self) -> Result<VerifiedGrant, A2AError> {
        let card = self.card().await?;
        let cfg = card.grantex_config();
        let issuer = match (&self.issuer, cfg) {
            (Some(mine), Some(c)) if *mine != c.issuer => {
                return Err(A2AError::card(format!(
                    "the agent trusts issuer `{}`, not the configured `{mine}`",
                    c.issuer
                )))
            }
            (Some(mine), _) => Some(mine.clone()),
            (None, Some(c)) => Some(c.issuer.clone()),
            (None, None) => None,
        };
        let jwks = match (&self.jwks, cfg) {
            (Some(j), _) => j.clone(),
            (None, Some(c)) => JwksCache::shared(&c.jwks_uri)?,
            (None, None) => {
                return Err(A2AError::card(
                    "the agent card declares no Grantex scheme and no JWKS was configured",
                ))
            }
        };
        let mut scopes = self.required_scopes.clone();
        for s in card.required_scopes() {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        let opts = VerifyOptions {
            issuer,
            audience: self.audience.clone(),
            required_scopes: scopes,
            clock_tolerance: self.clock_tolerance,
            max_delegation_depth: None,
            expected_developer_id: None,
            now: None,
            // The caller's own token: sandbox tokens follow GRANTEX_ALLOW_SANDBOX_TOKENS.
            allow_sandbox: None,
            ..VerifyOptions::default()
        };
        let grant = jwks.verify(&self.token, &opts).await.map_err(|e| match e {
            Error::Token(t) => A2AError::Preflight(t),
            other => A2AError::Core(other),
        })?;
        let no_delegation = cfg.and_then(|c| c.delegation_allowed) == Some(false);
        if no_delegation && grant.depth() > 0 {
            return Err(A2AError::Preflight(TokenError::new(
                TokenErrorCode::DelegationTooDeep,
                "the agent card does not accept delegated tokens (delegationAllowed: false)",
            )));
        }
        Ok(grant)
    }

    /// `tasks/send`.
    pub async fn send_task(&self, params: &TaskSendParams) -> Result<Task, A2AError> {
        self.call_typed(METHOD_SEND, params).await
    }

    /// `tasks/get`.
    pub async fn get_task(&self, params: &TaskGetParams) -> Result<Task, A2AError> {
        self.call_typed(METHOD_GET, params).await
    }

    /// `tasks/cancel`.
    pub async fn cancel_task(&self, params: &TaskCancelParams) -> Result<Task, A2AError> {
        self.call_typed(METHOD_CANCEL, params).await
    }

    async fn call_typed<P: serde::Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        params: &P,
    ) -> Result<R, A2AError> {
        let params = serde_json::to_value(params)
            .map_err(|e| A2AError::invalid(format!("params do not serialise: {e}")))?;
        let result = self.call(method, params).await?;
        serde_json::from_value(result)
            .map_err(|e| A2AError::protocol(format!("`{method}` result has the wrong shape: {e}")))
    }

    /// Any JSON-RPC method: preflight, then one POST; returns `result`.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, A2AError> {
        if method.is_empty() {
            return Err(A2AError::invalid("the JSON-RPC method is empty"));
        }
        self.preflight().await?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = serde_json::to_vec(&JsonRpcRequest::new(id, method, params))
            .map_err(|e| A2AError::invalid(format!("request does not serialise: {e}")))?;
        let resp = self
            .http()?
            .post(&self.agent_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", self.token),
            )
            .body(body)
            .send()
            .await
            .map_err(network_error)?;
        let status = resp.status();
        let code = status.as_u16();
        let bytes = read_capped(resp, MAX_RESPONSE_BYTES)
            .await?
            .ok_or_else(|| A2AError::protocol("the response is larger than 8 MiB"))?;
        let parsed = serde_json::from_slice::<JsonRpcResponse>(&bytes).ok();
        if !status.is_success() {
            return Err(match parsed.and_then(|r| r.error) {
                Some(error) => A2AError::Rpc {
                    status: code,
                    error,
                },
                None => A2AError::Http {
                    status: code,
                    message: status.canonical_reason().unwrap_or("error").to_owned(),
                },
            });
        }
        let resp =
            parsed.ok_or_else(|| A2AError::protocol("the body is not a JSON-RPC response"))?;
        if resp.jsonrpc != "2.0" {
            return Err(A2AError::protocol("`jsonrpc` is not \"2.0\""));
        }
        if resp.id != id {
            return Err(A2AError::protocol(
                "the response id does not match the request",
            ));
        }
        match (resp.result, resp.error) {
            (_, Some(error)) => Err(A2AError::Rpc {
                status: code,
                error,
            }),
            (Some(result), None) => Ok(result),
            (None, None) => Err(A2AError::protocol(
                "the response has neither result nor error",
            )),
        }
    }
}

fn network_error(e: reqwest::Error) -> A2AError {
    let timeout = e.is_timeout();
    let e = e.without_url();
    let message = e.to_string();
    A2AError::Core(if timeout {
        Error::Timeout { message }
    } else {
        Error::Network {
            message,
            source: Some(Box::new(e)),
        }
    })
}

/// The body, or `None` when it is longer than `limit` (reading stops there).
async fn read_capped(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, A2AError> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(network_error)? {
        if out.len() + chunk.len() > limit {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

/// The agent-call HTTP client (never follows redirects: one could carry the bearer token to
/// another host).
fn build_http(timeout: Duration) -> Result<reqwest::Client, A2AError> {
    http_client_builder()
        .timeout(timeout)
        .user_agent(crate::client::default_user_agent())
        .build()
        .map_err(|e| A2AError::config(format!("could not build the HTTP client: {e}")))
}
