//! The A2A bridge: Grantex grant tokens inside Google A2A agent-to-agent calls.
//!
//! - [`AgentCard`] declares the Grantex bearer scheme (`authentication.schemes[].grantexConfig`
//!   with `jwksUri`, `issuer`, `requiredScopes`, `delegationAllowed`).
//! - [`A2AClient`] sends JSON-RPC 2.0 (`tasks/send`, `tasks/get`, `tasks/cancel`) with
//!   `Authorization: Bearer <grant token>`, but only after verifying the token offline against
//!   the issuer's JWKS (signature, expiry, the card's scopes and delegation rule).
//! - [`A2AGuard`] is the receiving side: header value and method in, [`VerifiedGrant`] or an
//!   [`A2ARejection`] (401/403/503 plus a JSON-RPC error body) out. It enforces scopes per
//!   method, audience, delegation (allowed at all, maximum depth) and, optionally, revocation
//!   online through `POST /v1/tokens/verify` with a short cache.
//!
//! ```no_run
//! use grantex::a2a::{A2AClient, A2AClientConfig, Message, TaskSendParams};
//!
//! # async fn run() -> Result<(), grantex::a2a::A2AError> {
//! let client = A2AClient::new(A2AClientConfig {
//!     agent_url: "http://127.0.0.1:9000".into(),
//!     grant_token: "eyJ...".into(),
//!     ..Default::default()
//! })?;
//! let task = client
//!     .send_task(&TaskSendParams {
//!         id: None,
//!         message: Message::user_text("hello"),
//!         metadata: None,
//!     })
//!     .await?;
//! println!("{:?}", task.status.state);
//! # Ok(()) }
//! ```
//!
//! [`VerifiedGrant`]: crate::VerifiedGrant

mod bearer;
mod card;
mod client;
mod error;
mod guard;
pub mod jsonrpc;
mod revocation;
mod types;

pub use bearer::{parse_bearer, BearerError};
pub use card::{
    AgentAuthentication, AgentCapabilities, AgentCard, AgentCardBuilder, AgentCardOptions,
    AgentProvider, AgentSkill, AuthScheme, GrantexAuthConfig, AGENT_CARD_PATH, MAX_CARD_BYTES,
};
pub use client::{A2AClient, A2AClientConfig, MAX_RESPONSE_BYTES};
pub use error::A2AError;
pub use guard::{A2AGuard, A2APolicy, A2ARejection, JwksSource, RevocationCheck};
pub use jsonrpc::{peek_request, JsonRpcError, JsonRpcRequest, JsonRpcResponse, PeekedRequest};
pub use revocation::{MAX_REVOCATION_CACHE_TTL, REVOCATION_CACHE_CAPACITY};
pub use types::{
    Artifact, FileContent, Message, Part, Role, Task, TaskCancelParams, TaskGetParams,
    TaskSendParams, TaskState, TaskStatus, METHOD_CANCEL, METHOD_GET, METHOD_SEND,
};
