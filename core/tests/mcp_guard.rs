//! The MCP guard against tokens signed here with a static JWKS: the audience must be the MCP
//! server, scopes per request and per tool, the challenges, and the online revocation check
//! against a mock Grantex server.

mod a2a_common;

use a2a_common::*;
use grantex::a2a::{JwksSource, RevocationCheck};
use grantex::mcp::{McpGuard, McpPolicy, McpRejection};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RESOURCE: &str = "https://tools.example/mcp";
const META: &str = "https://tools.example/.well-known/oauth-protected-resource/mcp";

fn policy() -> McpPolicy {
    let mut p = McpPolicy::new(RESOURCE, "https://auth.example");
    p.jwks = JwksSource::Json(jwks_json());
    p.issuer = Some(ISSUER.into());
    p.required_scopes = vec!["mcp".into()];
    p.tool_scopes
        .insert("send".into(), vec!["mail:send".into()]);
    p
}

fn guard() -> McpGuard {
    McpGuard::new(policy()).unwrap()
}

/// A token for `aud` (a string or an array) with `scopes`.
fn token(aud: serde_json::Value, scopes: &[&str]) -> String {
    let mut c = claims(scopes);
    c["aud"] = aud;
    sign(&c)
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

fn call(tool: &str) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool}})
        .to_string()
        .into_bytes()
}

async fn refused(g: &McpGuard, auth: Option<&str>, body: Option<&[u8]>) -> McpRejection {
    g.check(auth, body)
        .await
        .expect_err("the guard should refuse")
}

#[tokio::test]
async fn a_token_for_this_server_passes_and_its_tools_are_checked() {
    let g = guard();
    for aud in [
        json!(RESOURCE),
        json!(["https://other.example/mcp", RESOURCE]),
    ] {
        let t = token(aud, &["mcp", "mail:send"]);
        let grant = g.authenticate(Some(&bearer(&t))).await.unwrap();
        assert_eq!(grant.principal_id, "user-42");
        assert_eq!(grant.agent_did, "did:grantex:ag_A");
        g.authorize_tool(&grant, "send").unwrap();
        g.authorize_tool(&grant, "no-extra-scope").unwrap();
        g.check(Some(&bearer(&t)), Some(&call("send")))
            .await
            .unwrap();
        // Other methods need the required scopes only.
        g.check(Some(&bearer(&t)), Some(br#"{"method":"tools/list"}"#))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_token_for_another_server_or_none_is_invalid_token() {
    let g = guard();
    for t in [
        token(json!("https://other.example/mcp"), &["mcp"]),
        token(json!(["https://tools.example/mcp/other"]), &["mcp"]),
        // No audience at all: it could be replayed at any server.
        sign(&claims(&["mcp"])),
    ] {
        let r = refused(&g, Some(&bearer(&t)), None).await;
        assert_eq!((r.status, r.error), (401, "invalid_token"), "{r:?}");
        assert_eq!(
            r.www_authenticate,
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\", resource_metadata=\"{META}\"",
                r.message
            )
        );
        assert!(!r.message.contains(&t) && !r.www_authenticate.contains(&t));
    }
    let r = refused(
        &g,
        Some(&bearer(&token(json!("https://x.example"), &["mcp"]))),
        None,
    )
    .await;
    assert_eq!(r.reason, "wrong_audience");
}

#[tokio::test]
async fn missing_and_malformed_headers() {
    let g = guard();
    let r = refused(&g, None, None).await;
    assert_eq!((r.status, r.error, r.reason), (401, "", "missing_token"));
    assert_eq!(
        r.www_authenticate,
        format!("Bearer resource_metadata=\"{META}\"")
    );
    assert_eq!(r.body()["error"], "invalid_token");
    let t = token(json!(RESOURCE), &["mcp"]);
    for h in [format!("Basic {t}"), format!("Bearer {t} x"), String::new()] {
        let r = refused(&g, Some(&h), None).await;
        assert_eq!((r.status, r.reason), (401, "invalid_authorization_header"));
        assert!(!r.www_authenticate.contains(&t));
    }
}

#[tokio::test]
async fn expired_forged_and_delegated_tokens_are_invalid_token() {
    let g = guard();
    let mut expired = claims(&["mcp"]);
    expired["aud"] = json!(RESOURCE);
    expired["exp"] = json!(now() - 60);
    let forged = {
        let mut c = claims(&["mcp"]);
        c["aud"] = json!(RESOURCE);
        impostor().sign_claims(&c).unwrap()
    };
    let mut delegated = delegated(&["mcp"], 1);
    delegated["aud"] = json!(RESOURCE);
    for (t, reason) in [
        (sign(&expired), "expired"),
        (forged, "bad_signature"),
        (sign(&delegated), "delegation_not_allowed"),
    ] {
        let r = refused(&g, Some(&bearer(&t)), None).await;
        assert_eq!(
            (r.status, r.error, r.reason),
            (401, "invalid_token", reason)
        );
    }
}

#[tokio::test]
async fn scopes_missing_are_403_insufficient_scope_naming_what_is_needed() {
    let g = guard();
    // Without the required scope: every request.
    let r = refused(
        &g,
        Some(&bearer(&token(json!(RESOURCE), &["mail:send"]))),
        None,
    )
    .await;
    assert_eq!((r.status, r.error), (403, "insufficient_scope"));
    assert_eq!(r.scope, ["mcp"]);
    // Without the tool's scope: only the call of that tool, also inside a batch.
    let t = token(json!(RESOURCE), &["mcp"]);
    let batch = br#"[{"method":"tools/list","id":1},
                     {"method":"tools/call","id":2,"params":{"name":"send"}}]"#;
    for body in [call("send"), batch.to_vec()] {
        let r = refused(&g, Some(&bearer(&t)), Some(&body)).await;
        assert_eq!(
            (r.status, r.error, r.reason),
            (403, "insufficient_scope", "missing_scopes")
        );
        assert_eq!(r.scope, ["mcp", "mail:send"]);
        assert_eq!(
            r.www_authenticate,
            format!(
                "Bearer error=\"insufficient_scope\", error_description=\"{}\", \
                 scope=\"mcp mail:send\", resource_metadata=\"{META}\"",
                r.message
            )
        );
    }
    let grant = g.authenticate(Some(&bearer(&t))).await.unwrap();
    assert!(g.authorize_tool(&grant, "send").is_err());
    // The body alone, for a token another layer verified.
    let r = g.authorize_body(&grant.scopes, batch).unwrap_err();
    assert_eq!((r.status, r.scope.len()), (403, 2));
    g.authorize_body(&["mcp".into(), "mail:send".into()], batch)
        .unwrap();
    // A body the check cannot read is refused: the MCP server's parser might read it.
    let r = g.authorize_body(&grant.scopes, b"{not json").unwrap_err();
    assert_eq!((r.status, r.error), (400, "invalid_request"));
    g.authorize_body(&grant.scopes, b"").unwrap();
}

#[tokio::test]
async fn the_expected_developer_is_enforced() {
    let mut p = policy();
    p.expected_developer_id = Some("dev_other".into());
    let g = McpGuard::new(p).unwrap();
    let r = refused(&g, Some(&bearer(&token(json!(RESOURCE), &["mcp"]))), None).await;
    assert_eq!((r.status, r.error), (401, "invalid_token"));
}

#[tokio::test]
async fn a_tool_name_from_the_request_cannot_break_the_header() {
    let g = guard();
    let mut p = policy();
    let evil = format!("\u{e9}\"\r\n{}", "y".repeat(10_000));
    p.tool_scopes.insert(evil.clone(), vec!["x".into()]);
    let g2 = McpGuard::new(p).unwrap();
    let t = token(json!(RESOURCE), &["mcp"]);
    for guard in [&g, &g2] {
        let body = json!({"method": "tools/call", "params": {"name": evil}}).to_string();
        match guard.check(Some(&bearer(&t)), Some(body.as_bytes())).await {
            Ok(_) => assert!(std::ptr::eq(guard, &g), "g2 needs the scope x"),
            Err(r) => {
                let h = &r.www_authenticate;
                assert!(h.chars().all(|c| (' '..='~').contains(&c)), "{h}");
                assert!(h.len() < 1000 && r.message.len() < 1000);
            }
        }
    }
}

/// A mock Grantex server whose `POST /v1/tokens/verify` answers `valid`.
async fn grantex_server(valid: bool, status: u16) -> MockServer {
    let server = MockServer::start().await;
    let body = if valid {
        json!({"valid": true, "grantId": "grnt_A", "scopes": [], "principal": "user-42",
               "agent": "did:grantex:ag_A", "expiresAt": "2099-01-01T00:00:00Z"})
    } else {
        json!({"valid": false})
    };
    Mock::given(method("POST"))
        .and(path("/v1/tokens/verify"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn online(base_url: String) -> McpGuard {
    let mut p = policy();
    p.revocation = RevocationCheck::Online {
        base_url,
        api_key: "gx_key".into(),
        cache_ttl: Duration::ZERO,
    };
    McpGuard::new(p).unwrap()
}

#[tokio::test]
async fn revocation_is_checked_online() {
    let t = token(json!(RESOURCE), &["mcp"]);
    let active = grantex_server(true, 200).await;
    online(active.uri())
        .authenticate(Some(&bearer(&t)))
        .await
        .unwrap();

    let revoked = grantex_server(false, 200).await;
    let r = refused(&online(revoked.uri()), Some(&bearer(&t)), None).await;
    assert_eq!(
        (r.status, r.error, r.reason),
        (401, "invalid_token", "revoked")
    );
    assert!(r.www_authenticate.contains("resource_metadata="));

    let down = grantex_server(true, 500).await;
    let r = refused(&online(down.uri()), Some(&bearer(&t)), None).await;
    assert_eq!((r.status, r.reason), (503, "revocation_unavailable"));
    assert!(r.www_authenticate.is_empty());
}

#[test]
fn settings_are_checked() {
    let mut p = policy();
    p.resource = "https://tools.example/mcp#x".into();
    assert!(McpGuard::new(p).is_err());
    let mut p = policy();
    p.authorization_servers = vec!["not a url".into()];
    assert!(McpGuard::new(p).is_err());
    let mut p = policy();
    p.authorization_servers.clear();
    assert!(McpGuard::new(p).is_err());
}
