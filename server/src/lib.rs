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

mod audit_store;
mod auth;
mod auth_request_store;
mod body_stream;
mod bootstrap;
mod checkpoint;
mod csrf;
mod db;
mod error;
mod extract;
mod fsutil;
mod grant_store;
mod ids;
mod keys;
mod middleware;
mod mint;
mod pages;
mod quota;
mod ratelimit;
mod revocation;
mod routes;
mod scopes;
mod serve;
mod server;
mod session_store;
mod state;
pub mod time;
mod validate;

pub use bootstrap::ServerInfo;
pub use keys::KeyInfo;
pub use quota::{DEFAULT_MAX_ACTIVE_GRANTS, DEFAULT_MAX_AGENTS};
pub use scopes::describe as describe_scope;
pub use serve::Limits;
pub use server::{
    list_signing_keys, rotate_signing_key, start, Config, RunningServer, DEPTH_RANGE,
};
