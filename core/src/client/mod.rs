//! The async Grantex API client.
//!
//! One [`Client`] holds one connection pool; clone it freely (it is an `Arc`). Resource groups
//! are borrowed views: `client.agents().get(id)`, `client.tokens().exchange(..)`, ...
//!
//! Requires a tokio runtime with IO and time enabled (any `#[tokio::main]` runtime); the
//! [`crate::blocking`] facade provides one for synchronous callers.

mod claims;
mod config;
mod path;

pub use crate::catalog::groups::*;
pub use config::{default_user_agent, ClientConfig, API_KEY_ENV, BASE_URL_ENV};
pub(crate) use path::segment as path_segment;

use crate::catalog::{self, HasHttp};
use crate::error::{Error, Result};
use crate::http::Http;
use crate::types::{RateLimit, SignupParams, SignupResponse};
use serde_json::Value;
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
    /// The HTTP layer (for the revocation feed's stream).
    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    pub fn base_url(&self) -> &str {
        &self.http.settings.base_url
    }

    /// Rate-limit headers of the most recent response (success or error); `None` when that
    /// response did not carry all of `X-RateLimit-Limit/Remaining/Reset` as integers.
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.http.last_rate_limit()
    }

    /// The per-attempt timeout of this client's requests.
    pub fn timeout(&self) -> std::time::Duration {
        self.http.settings.timeout
    }

    /// `{base_url}/.well-known/jwks.json`, for the offline verifier.
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base_url())
    }

    /// Create a developer account (`POST /v1/signup`, no API key). `base_url` falls back to
    /// `GRANTEX_BASE_URL`, then the default. Not retried: a retry could create a second
    /// account. Errors are [`crate::Error::Api`] like every other call.
    pub async fn signup(base_url: Option<&str>, params: &SignupParams) -> Result<SignupResponse> {
        let op = &catalog::unauthenticated::signup;
        let http = unauthenticated_http(base_url)?;
        let input = catalog::to_input(op, params)?;
        crate::http::decode(catalog::run(&http, op, &[], Some(input)).await?)
    }

    /// Run any operation of [`crate::catalog::OPERATIONS`] by name, from JSON: the input
    /// object holds the path parameters and the body or query members under their wire
    /// (camelCase) names; the answer is the response as JSON (`null` for none). The input is
    /// checked against the operation's types first (unknown or missing members, wrong JSON
    /// types: [`Error::InvalidArgument`]), so a generic call sends exactly what the typed
    /// method would. This is what the Python, Node and C bindings call.
    pub async fn call(&self, operation: &str, input: Value) -> Result<Value> {
        call_with(self.http(), operation, input, catalog::Auth::ApiKey).await
    }

    /// [`Client::call`] for the operations that need no API key (`signup`), with the base URL
    /// resolved as in [`Client::signup`].
    pub async fn call_unauthenticated(
        base_url: Option<&str>,
        operation: &str,
        input: Value,
    ) -> Result<Value> {
        let http = unauthenticated_http(base_url)?;
        call_with(&http, operation, input, catalog::Auth::None).await
    }
}

impl HasHttp for Client {
    fn http(&self) -> &Http {
        &self.http
    }
}

fn unauthenticated_http(base_url: Option<&str>) -> Result<Http> {
    let config = ClientConfig {
        base_url: Some(config::resolve_base_url(base_url)?),
        ..Default::default()
    };
    Http::new(config.resolve(false)?)
}

async fn call_with(http: &Http, name: &str, input: Value, auth: catalog::Auth) -> Result<Value> {
    let op = lookup(name, auth)?;
    let mut map = catalog::validate::object(op, input)?;
    let ids = catalog::validate::take_path_params(op, &mut map)?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = match (op.validate)(op, Value::Object(map))? {
        Value::Null => None,
        body => Some(body),
    };
    let response = catalog::run(http, op, &ids, body).await?;
    (op.respond)(response)
}

fn lookup(name: &str, auth: catalog::Auth) -> Result<&'static catalog::Operation> {
    if auth == catalog::Auth::None {
        return match name {
            "signup" => Ok(&catalog::unauthenticated::signup),
            other => Err(Error::invalid(format!(
                "{other:?} is not an operation that runs without an API key"
            ))),
        };
    }
    catalog::find(name)
        .filter(|op| op.auth != catalog::Auth::None)
        .ok_or_else(|| Error::invalid(format!("unknown operation {name:?}")))
}
