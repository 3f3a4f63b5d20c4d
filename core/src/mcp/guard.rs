//! [`McpGuard`]: one MCP server's checks over the A2A guard's verifier and revocation cache,
//! with the MCP server's URL as the audience every token must name.

use super::jsonrpc::tool_calls;
use super::policy::McpPolicy;
use super::rejection::McpRejection;
use crate::a2a::{A2AError, A2AGuard, A2APolicy, A2ARejection};
use crate::error::Error;
use crate::verify::VerifiedGrant;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt;

fn config(message: impl Into<String>) -> Error {
    Error::config(message)
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
        if policy.authorization_servers.is_empty() {
            return Err(config("authorization_servers must not be empty"));
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
        McpRejection::new(status, error, reason, message, scope, &self.metadata_url)
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
        self.authorize_scopes(&grant.scopes, tool)
    }

    /// [`authorize_tool`](Self::authorize_tool) for a grant known by its scopes only.
    pub fn authorize_scopes(&self, granted: &[String], tool: &str) -> Result<(), McpRejection> {
        let need = self.scopes_for_tool(tool);
        let missing: Vec<&str> = need
            .iter()
            .filter(|s| !granted.contains(s))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(self.reject(
            403,
            "insufficient_scope",
            "missing_scopes",
            format!(
                "the tool `{}` needs the scope(s) {}",
                shown(tool),
                missing.join(", ")
            ),
            need,
        ))
    }

    /// The `tools/call` checks of a JSON-RPC `body` alone, for a request whose token an earlier
    /// layer already verified with this guard (the MCP SDKs' bearer-auth step with our
    /// verifier): checking the token again would cost a second online revocation round trip.
    /// `granted` are that grant's scopes.
    /// A body this check cannot read is refused (400 `invalid_request`): the MCP server's
    /// parser may read it and run a tool nobody checked.
    pub fn authorize_body(&self, granted: &[String], body: &[u8]) -> Result<(), McpRejection> {
        let tools = tool_calls(body).map_err(|why| {
            self.reject(
                400,
                "invalid_request",
                "unreadable_body",
                why.to_string(),
                Vec::new(),
            )
        })?;
        tools
            .iter()
            .try_for_each(|tool| self.authorize_scopes(granted, tool))
    }

    /// Checks a request: the token, then every `tools/call` in the JSON-RPC `body` (one
    /// request or a batch; a body it cannot read is refused).
    pub async fn check(
        &self,
        authorization: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<VerifiedGrant, McpRejection> {
        let grant = self.authenticate(authorization).await?;
        if let Some(body) = body {
            self.authorize_body(&grant.scopes, body)?;
        }
        Ok(grant)
    }
}

/// A request-supplied name as messages show it: at most 64 characters (the header is capped
/// anyway; the JSON body should not echo a megabyte either).
fn shown(name: &str) -> String {
    const MAX: usize = 64;
    if name.chars().count() <= MAX {
        return name.to_string();
    }
    let mut s: String = name.chars().take(MAX).collect();
    s.push_str("...");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::McpPolicy;

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
}
