//! # grantex-server
//!
//! A self-hostable Grantex authorization server: the Grantex
//! protocol (agents, consent, grant tokens, delegation, revocation,
//! hash-chained audit log, principal sessions) on axum + embedded SQLite (WAL, synchronous=FULL).
//! Wire shapes come from [`grantex::types`]; tokens are signed with [`grantex::sign::RsaSigner`]
//! and verified with the core's strict verifier.
//!
//! The binary is `grantex-server`; this library exists so tests and the bench can start it
//! in-process ([`start`]).

#![forbid(unsafe_code)]

mod anomaly;
mod auth;
mod body_stream;
mod bootstrap;
mod checkpoint;
mod consent_login;
mod csrf;
mod error;
mod event_bus;
mod export;
mod extract;
mod freshness;
mod fsutil;
mod ids;
mod issue;
mod keys;
mod middleware;
mod mint;
mod oauth_clients;
mod observability;
mod pages;
mod policy;
mod ratelimit;
mod routes;
pub mod saml;
mod scim;
mod scopes;
mod serve;
mod server;
mod sso;
mod state;
mod store;
pub mod time;
mod token_check;
mod usage;
mod validate;
mod vault;
mod webhooks;

pub use bootstrap::ServerInfo;
pub use keys::KeyInfo;
pub use observability::{init_logging, init_telemetry, otlp_traces_url, LogFormat, Telemetry};
pub use routes::revocations::MAX_STREAMS_PER_DEVELOPER as MAX_REVOCATION_STREAMS_PER_DEVELOPER;
pub use scopes::describe as describe_scope;
pub use serve::Limits;
pub use server::{
    list_signing_keys, rotate_signing_key, rotate_vault_kek, start, Config, RunningServer,
    DEPTH_RANGE,
};
pub use store::quota::{DEFAULT_MAX_ACTIVE_GRANTS, DEFAULT_MAX_AGENTS};
pub use vault::Rotation as VaultRotation;
pub use webhooks::Settings as WebhookSettings;
