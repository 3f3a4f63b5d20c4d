//! Protocol types: the JSON shapes of the Grantex API, camelCase on the wire.
//!
//! Responses tolerate unknown fields; a missing required field is a [`crate::Error::Decode`].
//! The server crate serialises the same types, so the wire shapes are shared by construction.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod alerts;
mod anomalies;
mod budgets;
mod compliance;
mod mcp;
mod policies;
mod scim;
mod sso;
mod usage;
mod vault;
mod webhooks;
pub use alerts::*;
pub use anomalies::*;
pub use budgets::*;
pub use compliance::*;
pub use mcp::*;
pub use policies::*;
pub use scim::*;
pub use sso::*;
pub use usage::*;
pub use vault::*;
pub use webhooks::*;

/// Developer account mode, fixed at signup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Live,
    Sandbox,
}

/// `POST /v1/signup` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SignupParams {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
}

/// `POST /v1/signup` response (the API key is shown only here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SignupResponse {
    pub developer_id: String,
    pub api_key: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub mode: Mode,
    pub created_at: String,
}

/// `GET /v1/me` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub developer_id: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub mode: Mode,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default)]
    pub fido_required: bool,
    #[serde(default)]
    pub fido_rp_name: Option<String>,
    pub created_at: String,
}

/// `POST /v1/keys/rotate` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RotateKeyResponse {
    pub api_key: String,
    pub rotated_at: String,
}

/// `PATCH /v1/me` body: only the given fields change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py = "UpdateDeveloperSettingsParams")]
pub struct UpdateSettingsParams {
    /// Require WebAuthn (FIDO) for consent; this server has no WebAuthn, so only `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fido_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fido_rp_name: Option<String>,
    /// The developer account's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `PATCH /v1/me` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py = "UpdateDeveloperSettingsResponse")]
pub struct UpdateSettingsResponse {
    pub updated: bool,
}

/// `GET /health` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

// ---------------------------------------------------------------- agents

/// An agent registered by a developer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    #[serde(alias = "id")]
    #[wire(py = "id", js_alias = "id")]
    pub agent_id: String,
    pub did: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub status: String,
    #[serde(default)]
    pub developer_id: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    /// Where authorization may send the user back; when non-empty, `/v1/authorize` accepts
    /// exactly these `redirectUri`s and no other.
    #[serde(default)]
    #[wire(py_default)]
    pub redirect_uris: Vec<String>,
    /// RFC 8707 resource identifiers this agent may request as a grant's `audience`; when
    /// non-empty, `/v1/authorize` refuses any other audience.
    #[serde(default)]
    #[wire(py_default)]
    pub resource_servers: Vec<String>,
    /// The agent's public JWK (key binding), as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub public_jwk: Option<Value>,
    /// RFC 7638 SHA-256 thumbprint of `public_jwk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub key_thumbprint: Option<String>,
    /// Whether a public key is bound to the agent.
    #[serde(default)]
    #[wire(py_default)]
    pub key_binding_configured: bool,
    /// When `status` last changed (suspension, reactivation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub status_changed_at: Option<String>,
    /// Why `status` last changed, when the change said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub status_reason: Option<String>,
    /// When the agent was retired (deleted); absent while it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub retired_at: Option<String>,
}

/// `POST /v1/agents` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RegisterAgentParams {
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Always sent (empty by default), as the reference Python SDK does.
    #[serde(default)]
    #[wire(py_default)]
    pub description: String,
    /// Exact redirect URIs this agent may use (absolute https URLs, http only for loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// RFC 8707 resource identifiers (absolute URIs) this agent may request as `audience`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_servers: Option<Vec<String>>,
    /// A public asymmetric JWK (RSA or EC, no private members) binding the agent to its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_jwk: Option<Value>,
    /// `active` (the default) or `suspended`: an agent may be registered suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `PATCH /v1/agents/:id` body; only the fields given are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAgentParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Replaces the registered redirect URIs (`[]` removes them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// Replaces the registered resource servers (`[]` removes them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_servers: Option<Vec<String>>,
    /// Replaces the bound public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_jwk: Option<Value>,
    /// Why the status changes (recorded as the agent's `statusReason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
}

/// `GET /v1/agents` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[wire(py = "ListAgentsResponse")]
pub struct AgentList {
    pub agents: Vec<Agent>,
}

// ---------------------------------------------------------------- authorize / consent

/// `POST /v1/authorize` parameters. `user_id` is sent as `principalId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeParams {
    pub agent_id: String,
    /// The principal (human) the agent acts for; sent as `principalId`.
    #[serde(rename = "principalId", alias = "userId")]
    pub user_id: String,
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// What the grant is for (e.g. `aml.cdd.onboarding`): shown on the consent page, stored
    /// with the grant and returned with it and with its audit entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Where the grant's data may be processed (`in`, `eu`, ...; stored lowercased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_region: Option<String>,
}

/// `POST /v1/authorize` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationRequest {
    #[wire(py = "request_id")]
    pub auth_request_id: String,
    pub consent_url: String,
    #[serde(default)]
    pub agent_id: String,
    #[serde(default)]
    pub principal_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub expires_in: String,
    pub expires_at: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub created_at: String,
    /// Set at once in sandbox mode; in live mode the human's consent yields it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub sandbox: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub policy_enforced: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub effect: Option<String>,
    /// The purpose the request binds the grant to, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub purpose: Option<String>,
    /// The data region the request binds the grant to (lowercased), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub data_region: Option<String>,
}

/// `GET /v1/consent/:id` response: what the consent page shows the human.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRequest {
    pub id: String,
    pub agent_name: String,
    pub agent_did: String,
    #[serde(default)]
    pub agent_description: Option<String>,
    pub scopes: Vec<String>,
    pub scope_descriptions: Vec<String>,
    pub expires_at: String,
    pub status: String,
    #[serde(default)]
    #[wire(py_default)]
    pub fido_required: bool,
    /// What the grant is for, when the request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub purpose: Option<String>,
    /// Where the grant's data may be processed, when the request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub data_region: Option<String>,
}

/// `POST /v1/consent/:id/approve` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ConsentApproval {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub state: Option<String>,
}

/// `POST /v1/consent/:id/deny` response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ConsentDenial {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub state: Option<String>,
}

// ---------------------------------------------------------------- tokens

/// `POST /v1/token` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeTokenParams {
    pub code: String,
    pub agent_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    /// `jwt` (the default), `vc-jwt` or `both`: with `vc-jwt`/`both` the response also
    /// carries a W3C verifiable credential of the grant (`verifiableCredential`, a VC-JWT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_format: Option<String>,
    /// Must equal the `redirectUri` of the authorization request, when it had one (RFC 6749
    /// §4.1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

/// `POST /v1/token/refresh` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenParams {
    pub refresh_token: String,
    pub agent_id: String,
    /// Sent as the `Idempotency-Key` header on every attempt of the call, never in the body;
    /// the core picks a fresh UUID when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// Token exchange / refresh response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeTokenResponse {
    pub grant_token: String,
    pub expires_at: String,
    pub scopes: Vec<String>,
    pub refresh_token: String,
    pub grant_id: String,
    /// The grant as a VC-JWT, when `credentialFormat` asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub verifiable_credential: Option<String>,
}

/// `POST /v1/tokens/verify` response (online verification; always 200).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct VerifyTokenResponse {
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

// ---------------------------------------------------------------- grants

/// A grant: what a principal allowed an agent to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    #[serde(alias = "id")]
    #[wire(py = "id", js_alias = "id")]
    pub grant_id: String,
    pub agent_id: String,
    #[serde(default)]
    pub agent_did: String,
    pub principal_id: String,
    #[serde(default)]
    pub developer_id: String,
    pub scopes: Vec<String>,
    pub status: String,
    pub issued_at: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// What the grant is for, when its authorization request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub purpose: Option<String>,
    /// A WebAuthn assertion behind the approval (this server does not take WebAuthn
    /// approvals yet, so it is absent from its grants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub webauthn_evidence: Option<WebAuthnGrantEvidence>,
    /// Where the grant's data may be processed, when its authorization request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub data_region: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub delegation_depth: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub parent_grant_id: Option<String>,
}

/// A reference to the WebAuthn assertion a principal approved a grant with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnGrantEvidence {
    pub auth_request_id: String,
    pub rp_id: String,
    pub origin: String,
    pub user_verified: bool,
    pub asserted_at: String,
    /// Hex SHA-256 of the assertion material.
    pub digest: String,
    /// Always `GrantexWebAuthnAssertion` (the TypeScript reference's `type`).
    #[serde(rename = "type", default = "webauthn_kind")]
    #[wire(py_default = "\"GrantexWebAuthnAssertion\"")]
    pub kind: String,
    /// The evidence format version, 1.
    #[serde(default = "webauthn_version")]
    #[wire(py_default = "1")]
    pub version: u32,
}

fn webauthn_kind() -> String {
    "GrantexWebAuthnAssertion".to_owned()
}

fn webauthn_version() -> u32 {
    1
}

/// `GET /v1/grants` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[wire(py = "ListGrantsResponse")]
pub struct GrantList {
    pub grants: Vec<Grant>,
}

/// `GET /v1/grants` query filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListGrantsParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

/// `POST /v1/grants/delegate` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct DelegateParams {
    pub parent_grant_token: String,
    pub sub_agent_id: String,
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
}

/// `POST /v1/grants/delegate` response. The reference Python SDK returned the raw JSON dict,
/// so in Python it also answers item access with the wire keys (`result["grantToken"]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py_mixin = "WireMapping")]
pub struct DelegateResponse {
    pub grant_token: String,
    pub expires_at: String,
    pub scopes: Vec<String>,
    pub grant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub refresh_token: Option<String>,
}

/// `POST /v1/grants/verify` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct GrantVerifyResponse {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
}

// ---------------------------------------------------------------- audit

/// Outcome recorded with an audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    Success,
    Failure,
    Blocked,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Success => "success",
            AuditStatus::Failure => "failure",
            AuditStatus::Blocked => "blocked",
        }
    }
}

/// `POST /v1/audit/log` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py = "LogAuditParams")]
pub struct AuditLogParams {
    pub agent_id: String,
    pub agent_did: String,
    pub grant_id: String,
    pub principal_id: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// The Python SDK always sends it (`"success"` by default), as the reference does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default = "\"success\"")]
    pub status: Option<AuditStatus>,
}

/// One hash-chained audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    #[serde(alias = "id")]
    pub entry_id: String,
    pub agent_id: String,
    pub agent_did: String,
    pub grant_id: String,
    pub principal_id: String,
    pub action: String,
    #[serde(default = "empty_object")]
    pub metadata: Value,
    pub hash: String,
    #[serde(default)]
    pub prev_hash: Option<String>,
    pub timestamp: String,
    pub status: String,
    /// The purpose of the grant the entry was recorded under, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub purpose: Option<String>,
    /// Part of the hashed content, so verifying the chain needs it.
    #[serde(default)]
    #[wire(py_default)]
    pub developer_id: String,
}

/// `POST /v1/audit/checkpoints` response: the head of the developer's audit chain, signed by
/// the server as a compact RS256 JWS (verifiable against its JWKS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AuditCheckpoint {
    pub checkpoint_id: String,
    pub head_entry_id: String,
    pub head_hash: String,
    pub head_timestamp: String,
    pub entry_count: u64,
    pub signed_checkpoint: String,
    pub witness_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub created_at: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// `GET /v1/audit/entries` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[wire(py = "ListAuditResponse")]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

/// `GET /v1/audit/entries` query filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListAuditParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

// ---------------------------------------------------------------- principal sessions

/// `POST /v1/principal-sessions` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py = "CreatePrincipalSessionParams")]
pub struct PrincipalSessionParams {
    pub principal_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
}

/// `POST /v1/principal-sessions` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py = "PrincipalSessionResponse")]
pub struct PrincipalSession {
    pub session_token: String,
    pub dashboard_url: String,
    pub expires_at: String,
}

// ---------------------------------------------------------------- JWKS, errors, rate limits

/// One JSON Web Key as published (public RSA members only for RS256).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// `GET /.well-known/jwks.json` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The error envelope every API error uses: `{message, code, requestId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    pub message: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Rate-limit state from `X-RateLimit-Limit/Remaining/Reset` (+ `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets.
    pub reset: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// `GET /v1/revocations/status` query: a grant id, a token id (`jti`), or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RevocationStatusParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// `GET /v1/revocations/status` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RevocationStatus {
    /// `active`, `revoked`, `suspended`, `expired` or `unknown`.
    pub status: String,
    /// True for anything an agent must not act on (every status but `active`).
    pub revoked: bool,
    #[serde(default)]
    pub grant_id: Option<String>,
    #[serde(default)]
    pub jti: Option<String>,
    /// When the grant (or the token, whichever is sooner) expires; `null` when unknown.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// When the server answered.
    #[serde(default)]
    pub checked_at: Option<String>,
}

/// `GET /v1/revocations` query: no `since` for a snapshot (paged by `pageToken`), or the
/// events after the cursor `since`, long-polling up to `wait` seconds when there are none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RevocationFeedParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

/// One revocation-feed event (`seq` 0 in a snapshot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RevocationFeedEntry {
    pub seq: i64,
    /// `revoked`, `token_revoked`, `suspended` or `resumed`.
    pub action: String,
    #[serde(default)]
    pub grant_id: Option<String>,
    #[serde(default)]
    pub jti: Option<String>,
    /// When the credential expires anyway (after which the entry can be forgotten).
    #[serde(default)]
    pub expires_at: Option<String>,
    pub at: String,
}

/// `GET /v1/revocations` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RevocationFeedPage {
    pub entries: Vec<RevocationFeedEntry>,
    /// Ask for `since=cursor` next.
    pub cursor: i64,
    /// A snapshot of everything revoked now (no `since`), else events after `since`.
    pub snapshot: bool,
    pub server_time: String,
    /// The next snapshot page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}
