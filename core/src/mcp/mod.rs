//! The protected-resource side of MCP authorization: what an MCP server puts in front of its
//! tools when Grantex is its authorization server.
//!
//! - [`McpGuard::metadata`] is its RFC 9728 protected resource metadata, served at
//!   [`McpGuard::metadata_path`] (the resource's path appended to
//!   `/.well-known/oauth-protected-resource`, RFC 9728 §3.1), naming the Grantex server.
//! - [`McpGuard::check`] takes the `Authorization` header and the JSON-RPC body: the token must
//!   verify offline (signature, expiry, issuer), name this MCP server in `aud` (RFC 8707: a token
//!   for another server is refused), carry the required scopes and, for `tools/call`, the
//!   called tool's scopes; optionally it must still be active on the Grantex server (a revoked
//!   grant is refused at the next call).
//! - A refusal is an [`McpRejection`] with the status and the `WWW-Authenticate` value the MCP
//!   authorization specification asks for (`resource_metadata` on 401, `insufficient_scope`
//!   with `scope` on 403).
//!
//! The token checks are the A2A guard's ([`crate::a2a::A2AGuard`]): one verifier, one online
//! revocation cache, for both bridges. Bindings build the guard from [`McpPolicy::from_json`]
//! and get every answer from here.

mod guard;
mod jsonrpc;
mod policy;
mod rejection;

pub use guard::McpGuard;
pub use jsonrpc::{called_tools, tool_calls};
pub use policy::McpPolicy;
pub use rejection::McpRejection;
