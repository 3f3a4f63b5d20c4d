//! MCP authorization (`/v1/mcp/…`): the MCP servers a developer protects with Grantex (each an
//! OAuth resource, RFC 8707), the MCP clients allowed to ask for access to them, and the
//! dynamic-registration policy. The OAuth 2.1 endpoints themselves (`/oauth/…`) speak form
//! encoding and RFC 6749 errors, not these types.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};

/// `POST /v1/mcp/servers` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RegisterMcpServerParams {
    /// Shown to the human on the consent page.
    pub name: String,
    /// The MCP server's canonical URL (RFC 8707 resource, e.g. `https://tools.example/mcp`):
    /// the audience of its tokens, matched exactly. Unique across the server.
    pub resource_url: String,
    /// The scopes its clients may ask for.
    pub scopes: Vec<String>,
    /// Where the consent page sends a browser whose principal is not known yet; the
    /// developer's login binds it (`bind_principal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// Lifetime of the grants its clients get (`30d` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_ttl: Option<String>,
}

/// A registered MCP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct McpServer {
    pub id: String,
    pub name: String,
    pub resource_url: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub login_url: Option<String>,
    pub grant_ttl: String,
    /// The authorization server to name in the MCP server's protected resource metadata.
    pub authorization_server: String,
    pub created_at: String,
}

/// `GET /v1/mcp/servers` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct McpServerList {
    pub servers: Vec<McpServer>,
}

/// `POST /v1/mcp/clients` body: an MCP client registered by the developer (RFC 7591 field
/// meanings).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct RegisterOAuthClientParams {
    pub client_name: String,
    /// Exact redirect URIs: https, or http on a loopback host; no fragment.
    pub redirect_uris: Vec<String>,
    /// `none` (a public client, the default), `client_secret_post` or `client_secret_basic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
}

/// An MCP client (an OAuth client of the `/oauth` endpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClient {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: String,
    /// Only in the registration answer, for confidential clients: shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// `api` (registered by the developer) or `dynamic` (RFC 7591 registration).
    pub registered_by: String,
    /// The agent the client's grants name.
    #[serde(default)]
    pub agent_id: Option<String>,
    pub created_at: String,
}

/// `GET /v1/mcp/clients` response, newest first: the developer's own clients and the openly
/// registered ones that asked for one of its MCP servers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClientList {
    pub clients: Vec<OAuthClient>,
}

/// `PUT /v1/mcp/settings` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMcpSettingsParams {
    /// Dynamic client registration for the developer's MCP servers: `open` (any client may
    /// register; the human's consent still gates every grant), `token` (registration needs
    /// the developer's initial access token) or `off` (only clients registered through the API).
    pub registration_policy: String,
    /// Issue a new registration token (the old one stops working). A switch to `token` without
    /// one issues one as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_registration_token: Option<bool>,
}

/// The developer's MCP settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct McpSettings {
    pub registration_policy: String,
    /// Whether a registration token is configured.
    pub registration_token_set: bool,
    /// Only when one was just issued: the initial access token (RFC 7591 §3) for
    /// `POST /oauth/register`, shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_token: Option<String>,
}

/// `POST /v1/mcp/authorizations/{authRequestId}/principal` body: the developer's login
/// tells who the human at the consent page is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct BindMcpPrincipalParams {
    pub principal_id: String,
}

/// Where to send the signed-in browser: the consent page, with a one-time login secret the
/// page turns into a cookie (so only that browser can answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct McpPrincipalBinding {
    pub consent_url: String,
    pub expires_at: String,
}
