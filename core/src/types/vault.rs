//! The credential vault (`/v1/vault/credentials`): upstream credentials (OAuth tokens, API
//! keys) held for principals, encrypted at rest by the server; listing and reading give
//! metadata only. An agent exchanges its grant token — which must carry the exact scope
//! `vault:<service>:exchange` — for the credential of its principal.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// `POST /v1/vault/credentials` body (replaces the principal's credential for the service).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct StoreCredentialParams {
    pub principal_id: String,
    /// 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit.
    pub service: String,
    /// The secret; never shown again except to an exchange.
    pub access_token: String,
    /// `oauth2` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `POST /v1/vault/credentials` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct StoreCredentialResponse {
    pub id: String,
    pub principal_id: String,
    pub service: String,
    pub credential_type: String,
    pub created_at: String,
}

/// A stored credential's metadata (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct VaultCredential {
    pub id: String,
    pub principal_id: String,
    pub service: String,
    pub credential_type: String,
    #[serde(default)]
    pub token_expires_at: Option<String>,
    #[serde(default = "empty_object")]
    pub metadata: Value,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /v1/vault/credentials` query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListVaultCredentialsParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// `GET /v1/vault/credentials` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListVaultCredentialsResponse {
    pub credentials: Vec<VaultCredential>,
}

/// `POST /v1/vault/credentials/exchange` body (the grant token goes in the `Authorization`
/// header).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeCredentialParams {
    pub service: String,
}

/// `POST /v1/vault/credentials/exchange` response: the upstream credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeCredentialResponse {
    pub access_token: String,
    pub service: String,
    pub credential_type: String,
    #[serde(default)]
    pub token_expires_at: Option<String>,
    #[serde(default = "empty_object")]
    pub metadata: Value,
}
