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
//! The token checks are the A2A guard's ([`A2AGuard`]): one verifier, one online revocation
//! cache, for both bridges. Bindings build the guard from [`McpPolicy::from_json`] and get every
//! answer from here.

use crate::a2a::{A2AError, A2AGuard, A2APolicy, A2ARejection, JwksSource, RevocationCheck};
use crate::error::Error;
use crate::verify::VerifiedGrant;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
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
    /// Needed to call one tool (`tools/call` with this `name`), on top of the required ones.
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

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MCP request refused (HTTP {status}, {reason}): {message}")]
pub struct McpRejection {
    /// 401 (no valid token for this server), 403 (valid, a scope is missing) or 503 (could not
    /// check).
    pub status: u16,
    /// The RFC 6750 error: `invalid_token`, `insufficient_scope`, or `temporarily_unavailable`
    /// for a 503. Empty when the request carried no token (RFC 6750 §3.1: no error then).
    pub error: &'static str,
    /// Stable detail: `missing_token`, `invalid_authorization_header`, a token error code
    /// (`expired`, `bad_signature`, `wrong_audience`, `missing_scopes`, `revoked`, …),
    /// `delegation_not_allowed`, `revocation_unavailable` or `verifier_unavailable`.
    pub reason: &'static str,
    /// Human-readable; never contains the token.
    pub message: String,
    /// For 403: every scope the request needs.
    pub scope: Vec<String>,
    /// `WWW-Authenticate` (RFC 6750 §3, RFC 9728 §5.1); empty for a 503.
    pub www_authenticate: String,
}

impl McpRejection {
    /// The JSON body to answer with: `{error, error_description}` (`error` is
    /// `invalid_request`-free: `invalid_token` when no token came).
    pub fn body(&self) -> Value {
        json!({
            "error": if self.error.is_empty() { "invalid_token" } else { self.error },
            "error_description": self.message,
        })
    }

    /// The whole rejection as JSON (for bindings).
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "error": self.error,
            "reason": self.reason,
            "message": self.message,
            "scope": self.scope,
            "wwwAuthenticate": self.www_authenticate,
            "body": self.body(),
        })
    }
}

/// `"` and `\` escaped for an RFC 7230 quoted-string; control characters dropped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks requests to one MCP server. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct McpGuard {
    policy: McpPolicy,
    inner: A2AGuard,
    metadata_url: String,
    metadata_path: String,
}

impl fmt::Debug for McpGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpGuard")
            .field("resource", &self.policy.resource)
            .field("authorization_servers", &self.policy.authorization_servers)
            .finish_non_exhaustive()
    }
}

impl McpGuard {
    /// Validates the policy; no request is made (the JWKS is fetched on the first check).
    pub fn new(policy: McpPolicy) -> Result<McpGuard, Error> {
        let url = url::Url::parse(&policy.resource)
            .map_err(|e| config(format!("resource `{}` is not a URL: {e}", policy.resource)))?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(config("resource must be an absolute http(s) URL"));
        }
        if url.fragment().is_some() {
            return Err(config("resource must not have a fragment (RFC 8707)"));
        }
        for s in &policy.authorization_servers {
            let u = url::Url::parse(s)
                .map_err(|e| config(format!("authorization server `{s}` is not a URL: {e}")))?;
            if !matches!(u.scheme(), "http" | "https") || !u.has_host() {
                return Err(config(format!(
                    "authorization server `{s}` must be an absolute http(s) URL"
                )));
            }
        }
        let mut a2a = A2APolicy::new(policy.jwks.clone()).audience(policy.resource.clone());
        a2a.issuer = policy.issuer.clone();
        a2a.required_scopes = policy.required_scopes.clone();
        a2a.expected_developer_id = policy.expected_developer_id.clone();
        a2a.allow_sandbox = policy.allow_sandbox;
        a2a.clock_tolerance = policy.clock_tolerance;
        a2a.revocation = policy.revocation.clone();
        let inner = A2AGuard::new(a2a).map_err(|e| match e {
            A2AError::Core(e) => e,
            other => config(other.to_string()),
        })?;
        let path = url.path().trim_end_matches('/');
        let metadata_path = format!("/.well-known/oauth-protected-resource{path}");
        let metadata_url = format!("{}{metadata_path}", url.origin().ascii_serialization());
        Ok(McpGuard {
            policy,
            inner,
            metadata_url,
            metadata_path,
        })
    }

    pub fn policy(&self) -> &McpPolicy {
        &self.policy
    }

    /// Where the metadata is served, on the MCP server's origin.
    pub fn metadata_path(&self) -> &str {
        &self.metadata_path
    }

    /// The metadata's absolute URL (the `resource_metadata` of every challenge).
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// Every scope the policy names: the advertised ones, else the required and the tools'.
    pub fn scopes_supported(&self) -> Vec<String> {
        if !self.policy.scopes_supported.is_empty() {
            return self.policy.scopes_supported.clone();
        }
        let mut all: BTreeSet<String> = self.policy.required_scopes.iter().cloned().collect();
        for s in self.policy.tool_scopes.values() {
            all.extend(s.iter().cloned());
        }
        all.into_iter().collect()
    }

    /// RFC 9728 protected resource metadata.
    pub fn metadata(&self) -> Value {
        let mut doc = json!({
            "resource": self.policy.resource,
            "authorization_servers": self.policy.authorization_servers,
            "scopes_supported": self.scopes_supported(),
            "bearer_methods_supported": ["header"],
        });
        if let Some(n) = &self.policy.resource_name {
            doc["resource_name"] = json!(n);
        }
        doc
    }

    /// The scopes calling `tool` needs (the required ones and the tool's own).
    pub fn scopes_for_tool(&self, tool: &str) -> Vec<String> {
        let mut need = self.policy.required_scopes.clone();
        for s in self.policy.tool_scopes.get(tool).into_iter().flatten() {
            if !need.contains(s) {
                need.push(s.clone());
            }
        }
        need
    }

    fn reject(
        &self,
        status: u16,
        error: &'static str,
        reason: &'static str,
        message: String,
        scope: Vec<String>,
    ) -> McpRejection {
        let mut parts = vec!["Bearer".to_string()];
        let mut attrs = Vec::new();
        if !error.is_empty() {
            attrs.push(format!("error={}", quoted(error)));
            attrs.push(format!("error_description={}", quoted(&message)));
        }
        if !scope.is_empty() {
            attrs.push(format!("scope={}", quoted(&scope.join(" "))));
        }
        attrs.push(format!("resource_metadata={}", quoted(&self.metadata_url)));
        parts.push(attrs.join(", "));
        McpRejection {
            status,
            error,
            reason,
            message,
            scope,
            www_authenticate: if status == 503 {
                String::new()
            } else {
                parts.join(" ")
            },
        }
    }

    fn translate(&self, r: A2ARejection, scope: Vec<String>) -> McpRejection {
        match (r.status, r.reason) {
            (401, "missing_token") => self.reject(401, "", r.reason, r.message, Vec::new()),
            (403, "missing_scopes") => {
                self.reject(403, "insufficient_scope", r.reason, r.message, scope)
            }
            (503, _) => self.reject(
                503,
                "temporarily_unavailable",
                r.reason,
                r.message,
                Vec::new(),
            ),
            // Wrong audience, expired, revoked, bad signature, a delegated token (no audience
            // of its own): not a token for this server.
            _ => self.reject(401, "invalid_token", r.reason, r.message, Vec::new()),
        }
    }

    /// Checks the token alone (every request): the required scopes, this server's audience.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<VerifiedGrant, McpRejection> {
        self.inner
            .check(authorization, "")
            .await
            .map_err(|r| self.translate(r, self.policy.required_scopes.clone()))
    }

    /// Whether `grant` may call `tool` (403 `insufficient_scope` naming the scopes needed).
    pub fn authorize_tool(&self, grant: &VerifiedGrant, tool: &str) -> Result<(), McpRejection> {
        let need = self.scopes_for_tool(tool);
        let missing: Vec<&String> = need.iter().filter(|s| !grant.scopes.contains(s)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        Err(self.reject(
            403,
            "insufficient_scope",
            "missing_scopes",
            format!("the tool `{tool}` needs the scope(s) {}", list.join(", ")),
            need,
        ))
    }

    /// Checks a request: the token, then every `tools/call` in the JSON-RPC `body` (one
    /// request or a batch; anything unreadable is left to the MCP server to refuse).
    pub async fn check(
        &self,
        authorization: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<VerifiedGrant, McpRejection> {
        let grant = self.authenticate(authorization).await?;
        for tool in body.map(called_tools).unwrap_or_default() {
            self.authorize_tool(&grant, &tool)?;
        }
        Ok(grant)
    }
}

/// The tool names of the `tools/call` requests in a JSON-RPC body.
pub fn called_tools(body: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let one = |m: &Value| -> Option<String> {
        (m.get("method")?.as_str()? == "tools/call")
            .then(|| m.get("params")?.get("name")?.as_str().map(str::to_string))
            .flatten()
    };
    match &v {
        Value::Array(batch) => batch.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(tools: &[(&str, &[&str])]) -> McpGuard {
        let mut p = McpPolicy::new("https://tools.example/mcp", "https://auth.example");
        p.required_scopes = vec!["mcp".into()];
        for (t, s) in tools {
            p.tool_scopes
                .insert(t.to_string(), s.iter().map(|x| x.to_string()).collect());
        }
        McpGuard::new(p).unwrap()
    }

    #[test]
    fn metadata_follows_rfc_9728() {
        let g = guard(&[("send", &["mail:send"])]);
        assert_eq!(
            g.metadata_path(),
            "/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            g.metadata_url(),
            "https://tools.example/.well-known/oauth-protected-resource/mcp"
        );
        let m = g.metadata();
        assert_eq!(m["resource"], "https://tools.example/mcp");
        assert_eq!(m["authorization_servers"], json!(["https://auth.example"]));
        assert_eq!(m["scopes_supported"], json!(["mail:send", "mcp"]));
        assert_eq!(m["bearer_methods_supported"], json!(["header"]));
        let root =
            McpGuard::new(McpPolicy::new("https://tools.example", "https://a.example")).unwrap();
        assert_eq!(
            root.metadata_path(),
            "/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn tools_are_read_from_single_and_batch_requests() {
        let one = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send"}}"#;
        assert_eq!(called_tools(one), vec!["send"]);
        let batch = br#"[{"method":"tools/list"},{"method":"tools/call","params":{"name":"a"}},
                        {"method":"tools/call","params":{"name":"b"}}]"#;
        assert_eq!(called_tools(batch), vec!["a", "b"]);
        assert!(called_tools(b"not json").is_empty());
        assert!(called_tools(br#"{"method":"tools/call","params":{"name":7}}"#).is_empty());
    }

    #[test]
    fn challenges_name_the_metadata_and_the_scopes() {
        let g = guard(&[("send", &["mail:send"])]);
        let missing = g.reject(401, "", "missing_token", "no token".into(), Vec::new());
        assert_eq!(
            missing.www_authenticate,
            "Bearer resource_metadata=\"https://tools.example/.well-known/oauth-protected-resource/mcp\""
        );
        let scope = g.reject(
            403,
            "insufficient_scope",
            "missing_scopes",
            "needs \"mail:send\"".into(),
            g.scopes_for_tool("send"),
        );
        assert_eq!(
            scope.www_authenticate,
            "Bearer error=\"insufficient_scope\", error_description=\"needs \\\"mail:send\\\"\", \
             scope=\"mcp mail:send\", resource_metadata=\"https://tools.example/.well-known/oauth-protected-resource/mcp\""
        );
        assert_eq!(scope.body()["error"], "insufficient_scope");
        let down = g.reject(
            503,
            "temporarily_unavailable",
            "x",
            "down".into(),
            Vec::new(),
        );
        assert!(down.www_authenticate.is_empty());
    }

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
