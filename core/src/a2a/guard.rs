//! The server-side guard: `Authorization` header value and JSON-RPC method in, verified grant
//! or a typed rejection (HTTP status + JSON-RPC error body) out. Framework-neutral: an axum
//! layer, a Python or a Node server all call [`A2AGuard::check`].

use super::bearer::{parse_bearer, BearerError};
use super::card::{check_http_url, AuthScheme, GrantexAuthConfig};
use super::error::A2AError;
use super::jsonrpc::{codes, JsonRpcError};
use super::revocation::{OnlineRevocation, Refusal, MAX_REVOCATION_CACHE_TTL};
use crate::client::{Client, ClientConfig};
use crate::error::{Error, TokenErrorCode};
use crate::jwks::JwksCache;
use crate::verify::{derive_issuer, VerifiedGrant, VerifyOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Where the guard gets the issuer's public keys.
#[derive(Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// Fetched (and cached, see [`JwksCache::shared`]) from this http(s) URI.
    Uri(String),
    /// A fixed JWKS document; needs an explicit [`A2APolicy::issuer`].
    Json(String),
}

impl fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksSource::Uri(u) => f.debug_tuple("Uri").field(u).finish(),
            JwksSource::Json(j) => write!(f, "Json(<{} bytes>)", j.len()),
        }
    }
}

impl JwksSource {
    /// The one rule for bindings that take the key set as two optional settings: a URI or a
    /// JWKS document, never both ([`Error::Config`]); neither is `None`.
    pub fn from_settings(uri: Option<String>, json: Option<String>) -> Result<Option<Self>, Error> {
        match (uri, json) {
            (Some(_), Some(_)) => Err(Error::config(
                "give the key set as a JWKS URI or as a JWKS document, not both",
            )),
            (Some(uri), None) => Ok(Some(JwksSource::Uri(uri))),
            (None, Some(json)) => Ok(Some(JwksSource::Json(json))),
            (None, None) => Ok(None),
        }
    }

    /// [`Self::from_settings`] where a key set is required (a guard's policy).
    pub fn required(uri: Option<String>, json: Option<String>) -> Result<Self, Error> {
        Self::from_settings(uri, json)?.ok_or_else(|| {
            Error::config("a key set is required: give a JWKS URI or a JWKS document")
        })
    }

    pub(crate) fn cache(&self) -> Result<JwksCache, Error> {
        match self {
            JwksSource::Uri(uri) => JwksCache::shared(uri),
            JwksSource::Json(json) => JwksCache::from_json(json),
        }
    }
}

/// Whether the guard asks the Grantex server if a token was revoked.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum RevocationCheck {
    /// Offline only: a revoked token is accepted until it expires.
    #[default]
    Off,
    /// `POST {base_url}/v1/tokens/verify` with the API key of the developer owning the tokens;
    /// answers cached per [`cache_ttl`](RevocationCheck::Online::cache_ttl).
    Online {
        base_url: String,
        api_key: String,
        /// How long an "active" answer is reused: at most 5 minutes, `ZERO` asks every time.
        cache_ttl: Duration,
    },
}

impl fmt::Debug for RevocationCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationCheck::Off => f.write_str("Off"),
            RevocationCheck::Online {
                base_url,
                cache_ttl,
                ..
            } => f
                .debug_struct("Online")
                .field("base_url", base_url)
                .field("api_key", &"<redacted>")
                .field("cache_ttl", cache_ttl)
                .finish(),
        }
    }
}

/// What an incoming A2A request's grant token must satisfy.
#[derive(Clone, Debug)]
pub struct A2APolicy {
    pub jwks: JwksSource,
    /// Expected `iss`; `None` derives it from the JWKS URI (required with a static JWKS).
    pub issuer: Option<String>,
    /// When set, the token's `aud` must contain it. Delegated tokens carry no `aud`, so a guard
    /// with an audience refuses them.
    pub audience: Option<String>,
    /// Scopes needed for any method without its own entry in `method_scopes`.
    pub required_scopes: Vec<String>,
    /// Scopes needed per JSON-RPC method (replacing `required_scopes` for that method).
    pub method_scopes: BTreeMap<String, Vec<String>>,
    /// Accept tokens a parent agent delegated (`delegationDepth` ≥ 1). Default: no.
    pub allow_delegation: bool,
    /// With delegation allowed, refuse tokens delegated more hops than this.
    pub max_delegation_depth: Option<u32>,
    /// Seconds of leeway on `exp`/`nbf`/`iat`.
    pub clock_tolerance: u64,
    /// When set, only grants issued for this developer are accepted (else 401 `wrong_issuer`).
    /// One Grantex server signs every developer's tokens with the same key and issuer, so an
    /// agent that must accept only its own developer's grants pins it here.
    pub expected_developer_id: Option<String>,
    /// Accept sandbox tokens (approved without a human). `None`: the environment variable
    /// `GRANTEX_ALLOW_SANDBOX_TOKENS=1` decides (for test suites); else refused (401
    /// `sandbox_token`).
    pub allow_sandbox: Option<bool>,
    pub revocation: RevocationCheck,
}

impl A2APolicy {
    /// A policy with no scope requirement, no audience, no delegation, offline checks only.
    pub fn new(jwks: JwksSource) -> A2APolicy {
        A2APolicy {
            jwks,
            issuer: None,
            audience: None,
            required_scopes: Vec::new(),
            method_scopes: BTreeMap::new(),
            allow_delegation: false,
            max_delegation_depth: None,
            clock_tolerance: 0,
            expected_developer_id: None,
            allow_sandbox: None,
            revocation: RevocationCheck::Off,
        }
    }

    /// Accept (or refuse) sandbox tokens regardless of the environment.
    pub fn allow_sandbox(mut self, allow: bool) -> Self {
        self.allow_sandbox = Some(allow);
        self
    }

    /// Accept only grants issued for `developer_id` (the tenant pin).
    pub fn expected_developer(mut self, developer_id: impl Into<String>) -> Self {
        self.expected_developer_id = Some(developer_id.into());
        self
    }

    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Default scopes, for every method without its own.
    pub fn require<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Scopes for one method.
    pub fn require_for<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        method: impl Into<String>,
        scopes: I,
    ) -> Self {
        self.method_scopes
            .insert(method.into(), scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Accept delegated tokens up to `max_depth` hops (`None`: any depth the server issued).
    pub fn allow_delegation(mut self, max_depth: Option<u32>) -> Self {
        self.allow_delegation = true;
        self.max_delegation_depth = max_depth;
        self
    }

    /// Check revocation (and agent suspension) online, reusing each answer for `cache_ttl`
    /// (≤ 5 minutes).
    pub fn revocation_online(
        mut self,
        base_url: impl Into<String>,
        api_key: impl Into<String>,
        cache_ttl: Duration,
    ) -> Self {
        self.revocation = RevocationCheck::Online {
            base_url: base_url.into(),
            api_key: api_key.into(),
            cache_ttl,
        };
        self
    }

    /// The scopes `method` needs.
    pub fn scopes_for(&self, method: &str) -> &[String] {
        self.method_scopes
            .get(method)
            .unwrap_or(&self.required_scopes)
    }
}

/// A refused request: the HTTP status, a stable reason and the JSON-RPC error to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A2A request refused (HTTP {status}, {reason}): {message}")]
pub struct A2ARejection {
    /// 401 (no usable or valid token), 403 (valid token, not allowed) or 503 (could not check).
    pub status: u16,
    /// Stable: `missing_token`, `invalid_authorization_header`, `delegation_not_allowed`,
    /// `revocation_unavailable`, `verifier_unavailable`, or a [`TokenErrorCode`] string (`expired`, `bad_signature`,
    /// `wrong_audience`, `missing_scopes`, `delegation_too_deep`, `revoked`, `jwks_fetch`, ...).
    pub reason: &'static str,
    /// Human-readable; never contains the token.
    pub message: String,
}

impl A2ARejection {
    fn new(status: u16, reason: &'static str, message: impl Into<String>) -> Self {
        A2ARejection {
            status,
            reason,
            message: message.into(),
        }
    }

    /// [`codes::UNAUTHENTICATED`] (401), [`codes::FORBIDDEN`] (403) or
    /// [`codes::AUTH_UNAVAILABLE`] (503).
    pub fn rpc_code(&self) -> i64 {
        match self.status {
            403 => codes::FORBIDDEN,
            503 => codes::AUTH_UNAVAILABLE,
            _ => codes::UNAUTHENTICATED,
        }
    }

    /// The JSON-RPC error object, with `data.reason`.
    pub fn to_rpc_error(&self) -> JsonRpcError {
        JsonRpcError {
            code: self.rpc_code(),
            message: self.message.clone(),
            data: Some(json!({ "reason": self.reason })),
        }
    }

    /// The whole response body for the request with `id` (`null` when unknown).
    pub fn body(&self, id: Option<&Value>) -> Value {
        self.to_rpc_error().to_response(id)
    }

    /// The `WWW-Authenticate` header value (RFC 6750 §3) for 401 and 403.
    pub fn www_authenticate(&self) -> Option<String> {
        match (self.status, self.reason) {
            (401, "missing_token") => Some("Bearer realm=\"grantex\"".into()),
            (401, _) => Some("Bearer realm=\"grantex\", error=\"invalid_token\"".into()),
            (403, _) => Some("Bearer realm=\"grantex\", error=\"insufficient_scope\"".into()),
            _ => None,
        }
    }
}

/// The status a failed token check maps to.
fn token_status(code: TokenErrorCode) -> u16 {
    match code {
        TokenErrorCode::MissingScopes | TokenErrorCode::DelegationTooDeep => 403,
        TokenErrorCode::JwksFetch | TokenErrorCode::InvalidJwks => 503,
        _ => 401,
    }
}

struct GuardInner {
    policy: A2APolicy,
    jwks: JwksCache,
    revocation: Option<OnlineRevocation>,
}

/// Checks incoming A2A requests against an [`A2APolicy`]. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct A2AGuard {
    inner: Arc<GuardInner>,
}

impl fmt::Debug for A2AGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("A2AGuard")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl A2AGuard {
    /// Validates the policy (JWKS URI or document, issuer, revocation settings). No request is
    /// made; a remote JWKS is fetched on the first check.
    pub fn new(policy: A2APolicy) -> Result<A2AGuard, A2AError> {
        let jwks = policy.jwks.cache()?;
        if policy.clock_tolerance > crate::verify::MAX_CLOCK_TOLERANCE {
            return Err(A2AError::config(
                "the A2A policy's clock tolerance is over an hour (is it in milliseconds?)",
            ));
        }
        if matches!(policy.jwks, JwksSource::Json(_)) && policy.issuer.is_none() {
            return Err(A2AError::config(
                "a static JWKS needs an explicit issuer in the A2A policy",
            ));
        }
        if policy.expected_developer_id.as_deref() == Some("") {
            return Err(A2AError::config(
                "the A2A policy's expected developer id must not be empty",
            ));
        }
        let revocation = match &policy.revocation {
            RevocationCheck::Off => None,
            RevocationCheck::Online {
                base_url,
                api_key,
                cache_ttl,
            } => {
                if *cache_ttl > MAX_REVOCATION_CACHE_TTL {
                    return Err(A2AError::config(
                        "the revocation cache TTL may be at most 5 minutes",
                    ));
                }
                if api_key.trim().is_empty() {
                    return Err(A2AError::config(
                        "online revocation checks need the Grantex API key of the token owner",
                    ));
                }
                // A policy setting, like the JWKS URI: a bad one is a configuration error.
                check_http_url(base_url, "Grantex base URL")
                    .map_err(|e| A2AError::config(e.to_string()))?;
                let client = Client::new(ClientConfig {
                    api_key: Some(api_key.clone()),
                    base_url: Some(base_url.clone()),
                    timeout: Some(Duration::from_secs(10)),
                    max_retries: Some(1),
                    ..Default::default()
                })?;
                Some(OnlineRevocation::new(
                    client,
                    *cache_ttl,
                    policy.clock_tolerance,
                ))
            }
        };
        Ok(A2AGuard {
            inner: Arc::new(GuardInner {
                policy,
                jwks,
                revocation,
            }),
        })
    }

    pub fn policy(&self) -> &A2APolicy {
        &self.inner.policy
    }

    /// The issuer tokens must come from (explicit, else derived from the JWKS URI).
    pub fn issuer(&self) -> Option<String> {
        let p = &self.inner.policy;
        match (&p.issuer, &p.jwks) {
            (Some(i), _) => Some(i.clone()),
            (None, JwksSource::Uri(uri)) => Some(derive_issuer(uri)),
            (None, JwksSource::Json(_)) => None,
        }
    }

    /// The card's Grantex bearer scheme for this policy (`None` with a static JWKS: a card
    /// must point callers at a JWKS URI).
    pub fn auth_scheme(&self) -> Option<AuthScheme> {
        let JwksSource::Uri(jwks_uri) = &self.inner.policy.jwks else {
            return None;
        };
        let p = &self.inner.policy;
        Some(AuthScheme {
            scheme: "bearer".into(),
            grantex_config: Some(GrantexAuthConfig {
                jwks_uri: jwks_uri.clone(),
                issuer: self.issuer()?,
                required_scopes: (!p.required_scopes.is_empty()).then(|| p.required_scopes.clone()),
                delegation_allowed: Some(p.allow_delegation),
            }),
        })
    }

    /// Checks one request: `authorization` is the raw header value (`None` when absent),
    /// `method` the JSON-RPC method (empty when unknown: the default scopes apply).
    pub async fn check(
        &self,
        authorization: Option<&str>,
        method: &str,
    ) -> Result<VerifiedGrant, A2ARejection> {
        let token = parse_bearer(authorization).map_err(|e| match e {
            BearerError::Missing => A2ARejection::new(
                401,
                "missing_token",
                "a Grantex grant token is required (Authorization: Bearer <token>)",
            ),
            BearerError::Invalid => A2ARejection::new(
                401,
                "invalid_authorization_header",
                "the Authorization header must be `Bearer <token>`",
            ),
        })?;
        let p = &self.inner.policy;
        let opts = VerifyOptions {
            issuer: p.issuer.clone(),
            audience: p.audience.clone(),
            required_scopes: p.scopes_for(method).to_vec(),
            clock_tolerance: p.clock_tolerance,
            max_delegation_depth: if p.allow_delegation {
                p.max_delegation_depth
            } else {
                None
            },
            expected_developer_id: p.expected_developer_id.clone(),
            now: None,
            allow_sandbox: p.allow_sandbox,
            ..VerifyOptions::default()
        };
        let grant = self
            .inner
            .jwks
            .verify(token, &opts)
            .await
            .map_err(verify_rejection)?;
        if !p.allow_delegation && (grant.depth() > 0 || grant.parent_grant_id.is_some()) {
            return Err(A2ARejection::new(
                403,
                "delegation_not_allowed",
                "this agent does not accept delegated grant tokens",
            ));
        }
        if let Some(online) = &self.inner.revocation {
            online.check(token, &grant).await.map_err(|r| match r {
                Refusal::Revoked => A2ARejection::new(
                    401,
                    TokenErrorCode::Revoked.as_str(),
                    "the grant token has been revoked (the Grantex server no longer reports it active)",
                ),
                Refusal::Unavailable(e) => A2ARejection::new(
                    503,
                    "revocation_unavailable",
                    format!(
                        "could not check revocation with the Grantex server ({})",
                        e.code()
                    ),
                ),
            })?;
        }
        Ok(grant)
    }
}

fn verify_rejection(e: Error) -> A2ARejection {
    match e {
        Error::Token(t) => A2ARejection::new(token_status(t.code), t.code.as_str(), t.message),
        other => A2ARejection::new(
            503,
            "verifier_unavailable",
            format!("the grant token could not be verified ({})", other.code()),
        ),
    }
}
