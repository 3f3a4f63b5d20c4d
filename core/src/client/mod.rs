//! The async Grantex API client.
//!
//! One [`Client`] holds one connection pool; clone it freely (it is an `Arc`). Resource groups
//! are borrowed views: `client.agents().get(id)`, `client.tokens().exchange(..)`, ...
//!
//! Requires a tokio runtime with IO and time enabled (any `#[tokio::main]` runtime); the
//! [`crate::blocking`] facade provides one for synchronous callers.

mod agents;
mod audit;
mod claims;
mod config;
mod consent;
mod grants;
mod path;
mod tokens;

pub use agents::Agents;
pub use audit::Audit;
pub use config::{default_user_agent, ClientConfig, API_KEY_ENV, BASE_URL_ENV};
pub use consent::{Consent, PrincipalSessions};
pub use grants::Grants;
pub use tokens::Tokens;

use crate::error::Result;
use crate::http::{Http, Request};
use crate::types::{
    AuthorizationRequest, AuthorizeParams, Health, JwkSet, Me, RateLimit, RotateKeyResponse,
    SignupParams, SignupResponse,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Async client for the Grantex API. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    http: Arc<Http>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.http.settings;
        f.debug_struct("Client")
            .field("base_url", &s.base_url)
            .field("timeout", &s.timeout)
            .field("max_retries", &s.max_retries)
            .field("user_agent", &s.user_agent)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Build a client; see [`ClientConfig`] for defaults. Invalid or missing settings are
    /// [`crate::Error::Config`]. No request is made.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let settings = config.resolve(true)?;
        Ok(Client {
            http: Arc::new(Http::new(settings)?),
        })
    }

    /// Same client with another backoff base instead of 0.5 s (tests: keep retries fast).
    /// The formula and the `Retry-After` handling are unchanged.
    #[doc(hidden)]
    pub fn with_retry_base(self, base: Duration) -> Result<Client> {
        let mut settings = self.http.settings.clone();
        settings.retry_base = base;
        Ok(Client {
            http: Arc::new(Http::new(settings)?),
        })
    }

    /// The normalised base URL (no trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.http.settings.base_url
    }

    /// Rate-limit headers of the most recent response (success or error); `None` when that
    /// response did not carry all of `X-RateLimit-Limit/Remaining/Reset` as integers.
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.http.last_rate_limit()
    }

    /// `{base_url}/.well-known/jwks.json`, for the offline verifier.
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base_url())
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    /// Create a developer account (`POST /v1/signup`, no API key). `base_url` falls back to
    /// `GRANTEX_BASE_URL`, then the default. Not retried: a retry could create a second
    /// account. Errors are [`crate::Error::Api`] like every other call.
    pub async fn signup(base_url: Option<&str>, params: &SignupParams) -> Result<SignupResponse> {
        let config = ClientConfig {
            base_url: Some(config::resolve_base_url(base_url)?),
            ..Default::default()
        };
        let http = Http::new(config.resolve(false)?)?;
        http.json(Request::post("/v1/signup").json(params)?.no_retry())
            .await
    }

    /// The calling developer account (`GET /v1/me`).
    pub async fn me(&self) -> Result<Me> {
        self.http.json(Request::get("/v1/me")).await
    }

    /// Replace the API key (`POST /v1/keys/rotate`). The old key stops working at once, so
    /// build a new client with the returned key.
    pub async fn rotate_key(&self) -> Result<RotateKeyResponse> {
        self.http.json(Request::post("/v1/keys/rotate")).await
    }

    /// Start an authorization request (`POST /v1/authorize`).
    pub async fn authorize(&self, params: &AuthorizeParams) -> Result<AuthorizationRequest> {
        self.http
            .json(Request::post("/v1/authorize").json(params)?)
            .await
    }

    /// The server's public signing keys (`GET /.well-known/jwks.json`).
    pub async fn jwks(&self) -> Result<JwkSet> {
        self.http.json(Request::get("/.well-known/jwks.json")).await
    }

    /// Liveness (`GET /health`). A degraded server answers 503, which is an error here.
    pub async fn health(&self) -> Result<Health> {
        self.http.json(Request::get("/health")).await
    }

    /// Agent registration and management.
    pub fn agents(&self) -> Agents<'_> {
        Agents::new(self)
    }

    /// Code exchange, refresh, online verification and revocation of grant tokens.
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(self)
    }

    /// Grants: list, inspect, revoke (cascading), delegate, verify online.
    pub fn grants(&self) -> Grants<'_> {
        Grants::new(self)
    }

    /// The hash-chained audit log.
    pub fn audit(&self) -> Audit<'_> {
        Audit::new(self)
    }

    /// The public consent routes the consent page uses.
    pub fn consent(&self) -> Consent<'_> {
        Consent::new(self)
    }

    /// End-user dashboard sessions.
    pub fn principal_sessions(&self) -> PrincipalSessions<'_> {
        PrincipalSessions::new(self)
    }
}
