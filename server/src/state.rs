//! Shared application state handed to every handler.

use crate::keys::KeyRing;
use crate::ratelimit::RateLimiter;
use crate::store::Db;
use std::sync::Arc;

/// Everything a handler needs; cloned per request (all fields are shared).
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub keys: Arc<KeyRing>,
    pub limiter: Arc<RateLimiter>,
    pub settings: Arc<Settings>,
    /// This server's counters for `/metrics`.
    pub metrics: Arc<crate::observability::Metrics>,
    /// Cached token and API-key answers kept current through Redis (`--redis-url`; none
    /// without Redis).
    pub fresh: Option<Arc<crate::freshness::Freshness>>,
    /// Becomes `true` when the server starts shutting down: long-lived responses (the
    /// revocation stream) end then, so the graceful stop does not wait for them forever.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// This instance's usage counts not yet in the database (`crate::usage`).
    pub usage: Arc<crate::usage::Meter>,
    /// This instance's broadcast of new events to the event streams (`crate::event_bus`).
    pub events: Arc<crate::event_bus::Bus>,
    /// The credential vault's master keys (`crate::vault`).
    pub vault: Arc<crate::vault::Masters>,
}

/// Fixed per-run settings.
#[derive(Debug)]
pub struct Settings {
    pub public_url: String,
    pub max_delegation_depth: u32,
    pub rate_limit: u64,
    pub authorize_rate_limit: u64,
    /// Lifetime (ms) of a pending authorization request and of an unexchanged code.
    pub code_ttl_ms: i64,
    /// Per-developer quotas.
    pub max_agents: u64,
    pub max_active_grants: u64,
    /// The bootstrap developers, whose keys live in `bootstrap.json` / `server.json`.
    pub bootstrap: crate::bootstrap::Bootstrap,
    /// `--strict-consent`: the JSON consent approve/deny need the request's principal session.
    pub strict_consent: bool,
    /// `--require-registered-redirects` (see `routes::authorize`).
    pub require_registered_redirects: bool,
    /// The consent page's CSRF key (secret from the data dir) and cookie attributes.
    pub consent_csrf: crate::csrf::ConsentCsrf,
    /// `--metrics-token`: the bearer token `/metrics` requires (none: `/metrics` is a 404).
    pub metrics_token: Option<String>,
    /// Webhook delivery settings (the routes read `allow_private`).
    pub webhooks: crate::webhooks::Settings,
    /// The SSO outbound client and its URL rules (`--allow-insecure-sso-urls`).
    pub sso: crate::sso::Outbound,
}
