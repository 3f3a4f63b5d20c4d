//! # grantex
//!
//! The Grantex core: "OAuth 2.0 for AI agents". A human approves, in plain language, what an AI
//! agent may do; the agent gets a signed, scoped, time-limited RS256 JWT grant token; any service
//! verifies it offline against a JWKS; the grant can be revoked at once, cascading to every
//! sub-agent it was delegated to; every action lands in a hash-chained audit log.
//!
//! This crate holds everything the Python, Node and C SDKs share: protocol types, the async API
//! client (with a [`blocking`] facade), the strict offline verifier with its JWKS cache, webhook
//! signatures, PKCE, audit-chain verification and the A2A bridge.
//!
//! ```no_run
//! use grantex::{Client, ClientConfig, VerifyOptions};
//! use grantex::types::{AuthorizeParams, ExchangeTokenParams};
//!
//! # async fn run() -> grantex::Result<()> {
//! let client = Client::new(ClientConfig {
//!     api_key: Some("gx_test_...".into()),
//!     base_url: Some("http://127.0.0.1:8080".into()),
//!     ..Default::default()
//! })?;
//! let auth = client
//!     .authorize(&AuthorizeParams {
//!         agent_id: "ag_01J...".into(),
//!         user_id: "usr_01J...".into(),
//!         scopes: vec!["calendar:read".into()],
//!         ..Default::default()
//!     })
//!     .await?;
//! let code = client.consent().approve(&auth.auth_request_id).await?.code;
//! let token = client
//!     .tokens()
//!     .exchange(&ExchangeTokenParams { code, agent_id: "ag_01J...".into(), ..Default::default() })
//!     .await?;
//! let grant = grantex::verify_grant_token(
//!     &token.grant_token,
//!     "http://127.0.0.1:8080/.well-known/jwks.json",
//!     &VerifyOptions::default(),
//! )
//! .await?;
//! assert_eq!(grant.scopes, vec!["calendar:read".to_string()]);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

// `#[derive(Wire)]` names `::grantex::catalog`, inside this crate too.
extern crate self as grantex;

pub mod a2a;
pub mod audit_chain;
pub mod blocking;
pub mod catalog;
pub mod client;
pub mod decode;
pub mod dpop;
pub mod enforce;
pub mod error;
pub mod events;
mod http;
pub mod jwks;
pub mod mcp;
pub mod oidc;
pub mod pkce;
mod process_local;
pub mod sign;
mod sse;
pub mod types;
pub mod verify;
pub mod webhook;

pub use client::{Client, ClientConfig};
pub use error::{ApiError, Error, Result, TokenError, TokenErrorCode};
pub use jwks::JwksCache;
pub use types::RateLimit;
pub use verify::{verify_grant_token, VerifiedGrant, VerifyOptions};

/// Crate version, used in the default user agent (`grantex-rust/<version>`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
