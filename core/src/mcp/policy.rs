//! What an MCP server accepts ([`McpPolicy`]), and the JSON form every binding passes so that
//! the settings are read and checked once, here.

use crate::a2a::{JwksSource, RevocationCheck};
use crate::error::Error;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What an MCP server accepts.
#[derive(Clone, Debug)]
pub struct McpPolicy {
    /// The MCP server's canonical URL (the RFC 8707 resource its tokens name in `aud`).
    pub resource: String,
    /// The Grantex server(s) clients get tokens from (listed in the metadata).
    pub authorization_servers: Vec<String>,
    /// Where the guard gets the issuer's keys (default: the first authorization server's
    /// `/.well-known/jwks.json`).
    pub jwks: JwksSource,
    /// Expected `iss` (default: derived from the JWKS URI).
    pub issuer: Option<String>,
    pub resource_name: Option<String>,
    /// Scopes to advertise (default: the required scopes and every tool's).
    pub scopes_supported: Vec<String>,
    /// Needed for every request.
    pub required_scopes: Vec<String>,
    /// Needed to call one tool (`tools/call` with this `name`), on top of the required ones;
    /// every listed scope must be granted, compared as exact strings (as the MCP client asks
    /// for them from the metadata's `scopes_supported`).
    ///
    /// Deliberately not filled from [`crate::enforce::ToolManifest`]: a manifest's
    /// `tool:<connector>:<level>[:<tool>]` scopes are a hierarchy (`admin` covers `write`, a
    /// connector-wide scope covers each tool), which a list of exact scopes cannot express
    /// without refusing grants the manifest accepts. Servers with manifests keep this map to
    /// the coarse scopes their metadata advertises and run `Enforcer::enforce` in the tool.
    pub tool_scopes: BTreeMap<String, Vec<String>>,
    pub expected_developer_id: Option<String>,
    pub allow_sandbox: Option<bool>,
    pub clock_tolerance: u64,
    pub revocation: RevocationCheck,
}

/// The JSON form bindings pass (camelCase; `authorizationServer` for one server).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyJson {
    resource: String,
    #[serde(default)]
    authorization_server: Option<String>,
    #[serde(default)]
    authorization_servers: Option<Vec<String>>,
    #[serde(default)]
    jwks_uri: Option<String>,
    #[serde(default)]
    jwks: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    resource_name: Option<String>,
    #[serde(default)]
    scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    required_scopes: Option<Vec<String>>,
    #[serde(default)]
    tool_scopes: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    expected_developer_id: Option<String>,
    #[serde(default)]
    allow_sandbox: Option<bool>,
    #[serde(default)]
    clock_tolerance: Option<u64>,
    #[serde(default)]
    revocation: Option<RevocationJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RevocationJson {
    /// Default: the first authorization server.
    #[serde(default)]
    base_url: Option<String>,
    api_key: String,
    /// Seconds an answer is reused (≤ 300; 0 asks every time, the default).
    #[serde(default)]
    cache_ttl: Option<f64>,
}

fn config(message: impl Into<String>) -> Error {
    Error::config(message)
}

impl McpPolicy {
    /// A policy for `resource` whose tokens come from the Grantex server at
    /// `authorization_server`; no scope requirement, offline checks only.
    pub fn new(resource: impl Into<String>, authorization_server: impl Into<String>) -> McpPolicy {
        let server: String = authorization_server.into();
        McpPolicy {
            resource: resource.into(),
            jwks: JwksSource::Uri(format!(
                "{}/.well-known/jwks.json",
                server.trim_end_matches('/')
            )),
            authorization_servers: vec![server],
            issuer: None,
            resource_name: None,
            scopes_supported: Vec::new(),
            required_scopes: Vec::new(),
            tool_scopes: BTreeMap::new(),
            expected_developer_id: None,
            allow_sandbox: None,
            clock_tolerance: 0,
            revocation: RevocationCheck::Off,
        }
    }

    /// The policy bindings describe as JSON: `resource`, `authorizationServer` (or
    /// `authorizationServers`), and optionally `jwksUri` or `jwks` (a document), `issuer`,
    /// `resourceName`, `scopesSupported`, `requiredScopes`, `toolScopes` (`{tool: [scopes]}`),
    /// `expectedDeveloperId`, `allowSandbox`, `clockTolerance` (seconds) and `revocation`
    /// (`{apiKey, baseUrl?, cacheTtl?}`: check online that the grant is still active).
    pub fn from_json(text: &str) -> Result<McpPolicy, Error> {
        let p: PolicyJson = serde_json::from_str(text)
            .map_err(|e| config(format!("invalid MCP guard settings: {e}")))?;
        let servers = match (p.authorization_server, p.authorization_servers) {
            (Some(_), Some(_)) => {
                return Err(config(
                    "give authorizationServer or authorizationServers, not both",
                ))
            }
            (Some(s), None) => vec![s],
            (None, Some(v)) => v,
            (None, None) => return Err(config("authorizationServer is required")),
        };
        let first = servers
            .first()
            .cloned()
            .ok_or_else(|| config("authorizationServers must not be empty"))?;
        let mut policy = McpPolicy::new(p.resource, first.clone());
        policy.authorization_servers = servers;
        if let Some(j) = JwksSource::from_settings(p.jwks_uri, p.jwks)? {
            policy.jwks = j;
        }
        policy.issuer = p.issuer;
        policy.resource_name = p.resource_name;
        policy.scopes_supported = p.scopes_supported.unwrap_or_default();
        policy.required_scopes = p.required_scopes.unwrap_or_default();
        policy.tool_scopes = p.tool_scopes.unwrap_or_default();
        policy.expected_developer_id = p.expected_developer_id;
        policy.allow_sandbox = p.allow_sandbox;
        policy.clock_tolerance = p.clock_tolerance.unwrap_or(0);
        if let Some(r) = p.revocation {
            let ttl = r.cache_ttl.unwrap_or(0.0);
            let cache_ttl = Duration::try_from_secs_f64(ttl).map_err(|_| {
                config(format!(
                    "revocation.cacheTtl must be seconds >= 0, got {ttl}"
                ))
            })?;
            policy.revocation = RevocationCheck::Online {
                base_url: r.base_url.unwrap_or(first),
                api_key: r.api_key,
                cache_ttl,
            };
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::McpGuard;

    #[test]
    fn settings_from_json_are_checked() {
        let p = McpPolicy::from_json(
            r#"{"resource":"http://127.0.0.1:9/mcp","authorizationServer":"http://127.0.0.1:1",
                "toolScopes":{"add":["math"]},"revocation":{"apiKey":"k","cacheTtl":1.5}}"#,
        )
        .unwrap();
        assert_eq!(
            p.jwks,
            JwksSource::Uri("http://127.0.0.1:1/.well-known/jwks.json".into())
        );
        assert!(
            matches!(p.revocation, RevocationCheck::Online { ref base_url, .. } if base_url == "http://127.0.0.1:1")
        );
        for bad in [
            r#"{"resource":"http://x/mcp"}"#,
            r#"{"resource":"http://x/mcp","authorizationServer":"a","authorizationServers":["a"]}"#,
            r#"{"resource":"http://x/mcp","authorizationServers":[]}"#,
            r#"{"resource":"http://x/mcp","authorizationServer":"http://a","unknown":1}"#,
            r#"{"resource":"http://x/mcp","authorizationServer":"http://a","revocation":{"apiKey":"k","cacheTtl":-1}}"#,
        ] {
            assert!(McpPolicy::from_json(bad).is_err(), "{bad}");
        }
        for bad in ["not a url", "ftp://x/mcp", "https://x/mcp#frag"] {
            assert!(
                McpGuard::new(McpPolicy::new(bad, "https://a.example")).is_err(),
                "{bad}"
            );
        }
    }
}
