//! Regression tests for the security-hardening findings: each test drives a real server on
//! 127.0.0.1 the way the adversarial run did and asserts the typed refusal (never a panic, a
//! dropped connection or a silent success).

mod common;

use common::*;
use grantex::types::*;
use serde_json::json;

/// A live developer with one agent holding one grant; returns (api, agent id, grant token).
async fn granted(s: &ServerRef, scopes: &[&str]) -> (Api, String, ExchangeTokenResponse) {
    let (c, signup) = developer(s, Mode::Live).await;
    let a = agent(&c, "Hardening", scopes).await;
    let t = grant(&c, &a.agent_id, "alice", scopes).await;
    (Api::new(&s.base_url, Some(&signup.api_key)), a.agent_id, t)
}

#[tokio::test]
async fn non_ascii_expires_in_is_a_400_on_every_route_that_parses_durations() {
    let s = shared();
    let (api, agent_id, t) = granted(s, &["read"]).await;
    for bad in ["1é", "é", "30€", "1\u{1F600}", "\u{e9}h", "1\u{301}h"] {
        let r = api
            .post(
                "/v1/authorize",
                json!({"agentId": agent_id, "principalId": "alice", "scopes": ["read"], "expiresIn": bad}),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
        assert!(r.text.contains("expiresIn"), "{}", r.text);
        let r = api
            .post(
                "/v1/grants/delegate",
                json!({"parentGrantToken": t.grant_token, "subAgentId": agent_id, "scopes": ["read"], "expiresIn": bad}),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
        assert!(r.text.contains("expiresIn"), "{}", r.text);
        let r = api
            .post(
                "/v1/principal-sessions",
                json!({"principalId": "alice", "expiresIn": bad}),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
        assert!(r.text.contains("expiresIn"), "{}", r.text);
    }
    // The connection pool survived: a good request on the same client still works.
    let r = api
        .post(
            "/v1/principal-sessions",
            json!({"principalId": "alice", "expiresIn": "5m"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}
