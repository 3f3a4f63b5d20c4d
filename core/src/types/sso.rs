//! Single sign-on for principals: OIDC and SAML 2.0 connections of a developer
//! (`/v1/sso/connections`), the legacy single OIDC config (`/v1/sso/config`), enforcement,
//! the SSO sessions a login opens, and the login and callback steps (`/sso/…`). Secrets
//! (`clientSecret`, `ldapBindPassword`) are write-only: sent, never returned.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An SSO connection to one identity provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoConnection {
    pub id: String,
    pub developer_id: String,
    pub name: String,
    /// `oidc`, `saml` or `ldap`.
    pub protocol: String,
    /// `active`, `inactive` or `testing`.
    pub status: String,
    /// The e-mail domains this connection signs in (none: any).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Provision the principal at its first login.
    #[serde(default)]
    pub jit_provisioning: bool,
    #[serde(default)]
    pub enforce: bool,
    /// IdP group → the scopes its members get.
    #[serde(default)]
    pub group_mappings: BTreeMap<String, Vec<String>>,
    /// The scopes every member gets.
    #[serde(default)]
    pub default_scopes: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub issuer_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub idp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub idp_sso_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub sp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub sp_acs_url: Option<String>,
    /// The claim (OIDC) or attribute (SAML) that carries the groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub group_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_bind_dn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_search_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_search_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_group_search_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_group_search_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub ldap_tls_enabled: Option<bool>,
}

/// `POST /v1/sso/connections` body. OIDC needs `issuerUrl`, `clientId`, `clientSecret`;
/// SAML needs `idpEntityId`, `idpSsoUrl`, `idpCertificate` (PEM).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateSsoConnectionParams {
    pub name: String,
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Write-only; kept encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_sso_url: Option<String>,
    /// The IdP's signing certificate (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_acs_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_bind_dn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_bind_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_search_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_search_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_group_search_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_group_search_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_tls_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_provisioning: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_mappings: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_scopes: Option<Vec<String>>,
}

/// `PATCH /v1/sso/connections/{id}` body: only the given fields change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSsoConnectionParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_sso_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_acs_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_bind_dn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_bind_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_search_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_search_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_group_search_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_group_search_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_tls_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jit_provisioning: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_mappings: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_scopes: Option<Vec<String>>,
}

/// `GET /v1/sso/connections` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListSsoConnectionsResponse {
    pub connections: Vec<SsoConnection>,
}

/// `POST /v1/sso/connections/{id}/test` response: what the IdP publishes, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoConnectionTestResult {
    pub success: bool,
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub token_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub idp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub idp_sso_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub error: Option<String>,
}

/// `POST /v1/sso/enforce` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoEnforcementParams {
    pub enforce: bool,
}

/// `POST /v1/sso/enforce` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoEnforcementResponse {
    pub enforce: bool,
    pub developer_id: String,
}

/// A principal's session opened by an SSO login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoSession {
    pub id: String,
    pub connection_id: String,
    /// The IdP's subject (OIDC `sub`, SAML NameID).
    pub idp_subject: String,
    #[serde(default)]
    pub groups: Vec<String>,
    /// The scopes the group mappings and default scopes give this session.
    #[serde(default)]
    pub mapped_scopes: Vec<String>,
    pub expires_at: String,
    pub created_at: String,
    #[serde(default)]
    #[wire(py_default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub email: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub name: Option<String>,
}

/// `GET /v1/sso/sessions` response (live sessions, newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListSsoSessionsResponse {
    pub sessions: Vec<SsoSession>,
}

/// `GET /sso/login` query: the developer (`org`) and, to pick a connection, the user's
/// e-mail domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoLoginParams {
    pub org: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// `GET /sso/login` response: where to send the user's browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoLoginResponse {
    pub authorize_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub connection_id: Option<String>,
}

/// `POST /sso/callback/oidc` body: what the IdP sent to the redirect URI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
pub struct SsoOidcCallbackParams {
    pub code: String,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The `iss` the IdP added to its redirect (RFC 9207): forward it, so a response from
    /// another provider (a mix-up) is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

/// `POST /sso/callback/saml` body: the IdP's HTTP-POST binding form fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
pub struct SsoSamlCallbackParams {
    #[serde(rename = "SAMLResponse")]
    pub saml_response: String,
    #[serde(rename = "RelayState")]
    pub relay_state: String,
}

/// `POST /sso/callback/ldap` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoLdapCallbackParams {
    pub username: String,
    pub password: String,
    pub connection_id: String,
    pub org: String,
}

/// A completed SSO login: the session it opened and what the IdP said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoCallbackResult {
    pub session_id: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub mapped_scopes: Vec<String>,
    pub developer_id: String,
    pub expires_at: String,
    /// The principal session token (`principal_sessions` semantics): shown once.
    #[serde(default)]
    #[wire(py_default)]
    pub session_token: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub email: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub name: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub sub: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub principal_id: Option<String>,
}

/// The legacy single OIDC configuration of a developer (no secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoConfig {
    pub issuer_url: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /v1/sso/config` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateSsoConfigParams {
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// `GET /sso/callback` query (legacy config).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
pub struct SsoCallbackParams {
    pub code: String,
    pub state: String,
}

/// `GET /sso/callback` response (legacy config): who signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct SsoCallbackResponse {
    pub developer_id: String,
    #[serde(default)]
    #[wire(py_default)]
    pub email: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub name: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub sub: Option<String>,
}
