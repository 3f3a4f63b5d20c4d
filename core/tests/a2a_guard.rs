//! The server-side guard against tokens signed here with a static JWKS, and its online
//! revocation check against a mock Grantex server.

mod a2a_common;

use a2a_common::*;
use grantex::a2a::*;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn policy() -> A2APolicy {
    A2APolicy::new(JwksSource::Json(jwks_json())).issuer(ISSUER)
}

fn guard(p: A2APolicy) -> A2AGuard {
    A2AGuard::new(p).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn refused(g: &A2AGuard, header: Option<&str>, method: &str) -> A2ARejection {
    g.check(header, method)
        .await
        .expect_err("the guard should refuse")
}

#[tokio::test]
async fn a_valid_token_yields_the_verified_grant() {
    let g = guard(policy().require(["tasks:send"]));
    let t = sign(&claims(&["tasks:send", "other"]));
    let grant = g.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    assert_eq!(grant.principal_id, "user-42");
    assert_eq!(grant.agent_did, "did:grantex:ag_A");
    assert_eq!(grant.scopes, ["tasks:send", "other"]);
    assert_eq!(grant.depth(), 0);
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        g.check(Some(&format!("{scheme} {t}")), METHOD_SEND)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_missing_token_is_401_with_a_jsonrpc_body() {
    let g = guard(policy());
    let r = refused(&g, None, METHOD_SEND).await;
    assert_eq!((r.status, r.reason), (401, "missing_token"));
    assert_eq!(r.rpc_code(), -32001);
    assert_eq!(r.www_authenticate().unwrap(), "Bearer realm=\"grantex\"");
    let body = r.body(Some(&json!(7)));
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 7);
    assert_eq!(body["error"]["code"], -32001);
    assert_eq!(body["error"]["data"], json!({"reason": "missing_token"}));
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Bearer"));
    assert_eq!(r.body(None)["id"], Value::Null);
}

#[tokio::test]
async fn malformed_authorization_headers_are_401() {
    let g = guard(policy());
    let t = sign(&claims(&[]));
    for h in [
        "".to_string(),
        format!("Basic {t}"),
        format!("Bearer  {t}"),
        format!("Bearer {t} extra"),
        format!("Bearer{t}"),
        "Bearer".to_string(),
    ] {
        let r = refused(&g, Some(&h), METHOD_SEND).await;
        assert_eq!((r.status, r.reason), (401, "invalid_authorization_header"));
        assert!(r
            .www_authenticate()
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
    let r = refused(&g, Some("Bearer not.a.jwt"), METHOD_SEND).await;
    assert_eq!((r.status, r.reason), (401, "malformed"));
    assert!(!r.message.contains("not.a.jwt"), "message leaks the token");
}

#[tokio::test]
async fn expired_badly_signed_and_foreign_tokens_are_401() {
    let g = guard(policy());
    let mut c = claims(&[]);
    c["exp"] = json!(now() - 5);
    c["iat"] = json!(now() - 100);
    let r = refused(&g, Some(&bearer(&sign(&c))), METHOD_GET).await;
    assert_eq!((r.status, r.reason, r.rpc_code()), (401, "expired", -32001));

    let forged = impostor().sign_claims(&claims(&[])).unwrap();
    let r = refused(&g, Some(&bearer(&forged)), METHOD_GET).await;
    assert_eq!((r.status, r.reason), (401, "bad_signature"));

    let mut c = claims(&[]);
    c["iss"] = json!("https://evil.test");
    let r = refused(&g, Some(&bearer(&sign(&c))), METHOD_GET).await;
    assert_eq!((r.status, r.reason), (401, "wrong_issuer"));
}

#[tokio::test]
async fn the_audience_must_match_when_configured() {
    let g = guard(policy().audience("agent-b"));
    let mut c = claims(&[]);
    c["aud"] = json!("agent-b");
    g.check(Some(&bearer(&sign(&c))), METHOD_SEND)
        .await
        .unwrap();
    c["aud"] = json!("agent-c");
    let r = refused(&g, Some(&bearer(&sign(&c))), METHOD_SEND).await;
    assert_eq!((r.status, r.reason), (401, "wrong_audience"));
    let r = refused(&g, Some(&bearer(&sign(&claims(&[])))), METHOD_SEND).await;
    assert_eq!(
        (r.status, r.reason),
        (401, "wrong_audience"),
        "no aud at all"
    );
}

#[tokio::test]
async fn the_tenant_pin_accepts_only_its_developers_grants() {
    let t = sign(&claims(&[]));
    let pinned = guard(policy().expected_developer("dev_1"));
    pinned.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    let other = guard(policy().expected_developer("dev_2"));
    let r = refused(&other, Some(&bearer(&t)), METHOD_SEND).await;
    assert_eq!((r.status, r.reason), (401, "wrong_issuer"));
    let empty = A2AGuard::new(policy().expected_developer(""));
    assert_eq!(empty.unwrap_err().code(), "config_error");
}

#[tokio::test]
async fn scopes_are_required_per_method_with_a_default() {
    let g = guard(
        policy()
            .require(["tasks:send"])
            .require_for(METHOD_GET, ["tasks:read"]),
    );
    let reader = bearer(&sign(&claims(&["tasks:read"])));
    g.check(Some(&reader), METHOD_GET).await.unwrap();
    for m in [METHOD_SEND, METHOD_CANCEL, "", "unknown/method"] {
        let r = refused(&g, Some(&reader), m).await;
        assert_eq!(
            (r.status, r.reason, r.rpc_code()),
            (403, "missing_scopes", -32003)
        );
        assert!(r.www_authenticate().unwrap().contains("insufficient_scope"));
        assert_eq!(r.body(Some(&json!("x")))["error"]["code"], -32003);
    }
    let sender = bearer(&sign(&claims(&["tasks:send"])));
    g.check(Some(&sender), METHOD_CANCEL).await.unwrap();
    let r = refused(&g, Some(&sender), METHOD_GET).await;
    assert_eq!(r.reason, "missing_scopes");
    assert_eq!(g.policy().scopes_for(METHOD_GET), ["tasks:read"]);
}

#[tokio::test]
async fn delegated_tokens_need_permission_and_a_shallow_enough_chain() {
    let one = bearer(&sign(&delegated(&["s"], 1)));
    let two = bearer(&sign(&delegated(&["s"], 2)));

    let closed = guard(policy());
    for t in [&one, &two] {
        let r = refused(&closed, Some(t), METHOD_SEND).await;
        assert_eq!((r.status, r.reason), (403, "delegation_not_allowed"));
    }

    let depth1 = guard(policy().allow_delegation(Some(1)));
    let grant = depth1.check(Some(&one), METHOD_SEND).await.unwrap();
    assert_eq!(grant.delegation_depth, Some(1));
    assert_eq!(grant.parent_agent_did.as_deref(), Some("did:grantex:ag_A"));
    let r = refused(&depth1, Some(&two), METHOD_SEND).await;
    assert_eq!((r.status, r.reason), (403, "delegation_too_deep"));

    let any = guard(policy().allow_delegation(None));
    any.check(Some(&two), METHOD_SEND).await.unwrap();
}

#[test]
fn bad_policies_are_refused_up_front() {
    let no_issuer = A2AGuard::new(A2APolicy::new(JwksSource::Json(jwks_json())));
    assert_eq!(no_issuer.unwrap_err().code(), "config_error");
    let bad_jwks = A2AGuard::new(policy_with(JwksSource::Json("{}".into())));
    assert_eq!(bad_jwks.unwrap_err().reason(), Some("invalid_jwks"));
    let bad_uri = A2AGuard::new(policy_with(JwksSource::Uri("ftp://x/jwks".into())));
    assert_eq!(bad_uri.unwrap_err().code(), "config_error");
    let long_ttl = A2AGuard::new(policy().revocation_online(
        "http://127.0.0.1:1",
        "key",
        Duration::from_secs(301),
    ));
    assert_eq!(long_ttl.unwrap_err().code(), "config_error");
    let mut skew = policy();
    skew.clock_tolerance = 30_000;
    assert_eq!(A2AGuard::new(skew).unwrap_err().code(), "config_error");
    let no_key =
        A2AGuard::new(policy().revocation_online("http://127.0.0.1:1", " ", Duration::ZERO));
    assert_eq!(no_key.unwrap_err().code(), "config_error");
    let bad_base = A2AGuard::new(policy().revocation_online("nope", "k", Duration::ZERO));
    assert_eq!(bad_base.unwrap_err().code(), "config_error");
    let ftp_base = A2AGuard::new(policy().revocation_online("ftp://x", "k", Duration::ZERO));
    let ftp_base = ftp_base.unwrap_err();
    assert_eq!(ftp_base.code(), "config_error");
    assert!(ftp_base.to_string().contains("http(s) URL"), "{ftp_base}");
    A2AGuard::new(policy().revocation_online("http://127.0.0.1:1", "k", MAX_REVOCATION_CACHE_TTL))
        .unwrap();
}

fn policy_with(jwks: JwksSource) -> A2APolicy {
    A2APolicy::new(jwks).issuer(ISSUER)
}

#[tokio::test]
async fn a_remote_jwks_is_fetched_and_the_issuer_derived_from_it() {
    let server = MockServer::start().await;
    let uri = format!("{}/.well-known/jwks.json", server.uri());
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwks_json(), "application/json"))
        .mount(&server)
        .await;
    let g = guard(A2APolicy::new(JwksSource::Uri(uri.clone())));
    assert_eq!(g.issuer().as_deref(), Some(server.uri().as_str()));
    let scheme = g.auth_scheme().unwrap();
    let cfg = scheme.grantex_config.unwrap();
    assert_eq!(
        (cfg.jwks_uri.as_str(), cfg.issuer.as_str()),
        (uri.as_str(), server.uri().as_str())
    );
    assert_eq!(cfg.delegation_allowed, Some(false));
    let mut c = claims(&[]);
    c["iss"] = json!(server.uri());
    g.check(Some(&bearer(&sign(&c))), METHOD_SEND)
        .await
        .unwrap();
    assert!(
        guard(policy()).auth_scheme().is_none(),
        "a static set has no URI to advertise"
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_not_a_token_fault() {
    let server = MockServer::start().await;
    let uri = format!("{}/missing/jwks.json", server.uri());
    let g = guard(A2APolicy::new(JwksSource::Uri(uri)).issuer(ISSUER));
    let r = refused(&g, Some(&bearer(&sign(&claims(&[])))), METHOD_SEND).await;
    assert_eq!(
        (r.status, r.reason, r.rpc_code()),
        (503, "jwks_fetch", -32005)
    );
    assert!(r.www_authenticate().is_none());
}

/// A mock Grantex server answering `POST /v1/tokens/verify` for `token` with `valid`.
async fn verify_server(token: &str, valid: bool) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/tokens/verify"))
        .and(header("authorization", "Bearer gx_owner_key"))
        .and(body_json(json!({ "token": token })))
        .respond_with(ResponseTemplate::new(200).set_body_json(if valid {
            json!({"valid": true, "grantId": "grnt_A", "scopes": [], "principal": "user-42",
                   "agent": "did:grantex:ag_A", "expiresAt": "2099-01-01T00:00:00Z"})
        } else {
            json!({"valid": false})
        }))
        .mount(&server)
        .await;
    server
}

async fn verify_calls(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/tokens/verify")
        .count()
}

#[tokio::test]
async fn online_active_answers_are_cached_for_the_ttl() {
    let t = sign(&claims(&[]));
    let server = verify_server(&t, true).await;
    let g =
        guard(policy().revocation_online(server.uri(), "gx_owner_key", Duration::from_secs(300)));
    for _ in 0..3 {
        g.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    }
    assert_eq!(verify_calls(&server).await, 1);

    let short =
        guard(policy().revocation_online(server.uri(), "gx_owner_key", Duration::from_secs(1)));
    short.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    short.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    assert_eq!(verify_calls(&server).await, 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    short.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    assert_eq!(verify_calls(&server).await, 3, "asked again after the TTL");
}

#[tokio::test]
async fn a_zero_ttl_asks_every_time() {
    let t = sign(&claims(&[]));
    let server = verify_server(&t, true).await;
    let g = guard(policy().revocation_online(server.uri(), "gx_owner_key", Duration::ZERO));
    for _ in 0..3 {
        g.check(Some(&bearer(&t)), METHOD_SEND).await.unwrap();
    }
    assert_eq!(verify_calls(&server).await, 3);
}

#[tokio::test]
async fn inactive_answers_are_401_and_remembered_for_the_ttl_only() {
    // "Not valid" may be a suspended agent, which reactivation undoes: never cached longer
    // than an "active" answer (and not at all with a zero TTL).
    let t = sign(&claims(&[]));
    let server = verify_server(&t, false).await;
    let g = guard(policy().revocation_online(server.uri(), "gx_owner_key", Duration::ZERO));
    for _ in 0..3 {
        let r = refused(&g, Some(&bearer(&t)), METHOD_SEND).await;
        assert_eq!((r.status, r.reason, r.rpc_code()), (401, "revoked", -32001));
    }
    assert_eq!(verify_calls(&server).await, 3);
    let cached =
        guard(policy().revocation_online(server.uri(), "gx_owner_key", Duration::from_secs(300)));
    for _ in 0..3 {
        refused(&cached, Some(&bearer(&t)), METHOD_SEND).await;
    }
    assert_eq!(verify_calls(&server).await, 4);
}

#[tokio::test]
async fn offline_failures_never_reach_the_revocation_service() {
    let t = sign(&claims(&[]));
    let server = verify_server(&t, true).await;
    let g = guard(policy().require(["needed"]).revocation_online(
        server.uri(),
        "gx_owner_key",
        Duration::ZERO,
    ));
    let r = refused(&g, Some(&bearer(&t)), METHOD_SEND).await;
    assert_eq!(r.reason, "missing_scopes");
    let r = refused(&g, None, METHOD_SEND).await;
    assert_eq!(r.reason, "missing_token");
    assert_eq!(verify_calls(&server).await, 0);
}

#[tokio::test]
async fn an_unreachable_revocation_service_fails_closed_with_503() {
    let t = sign(&claims(&[]));
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/tokens/verify"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message": "Invalid API key", "code": "UNAUTHORIZED"})),
        )
        .mount(&server)
        .await;
    let g = guard(policy().revocation_online(server.uri(), "gx_wrong", Duration::from_secs(300)));
    let r = refused(&g, Some(&bearer(&t)), METHOD_SEND).await;
    assert_eq!(
        (r.status, r.reason, r.rpc_code()),
        (503, "revocation_unavailable", -32005)
    );
    assert!(!r.message.contains("gx_wrong"));
    let before = verify_calls(&server).await;
    refused(&g, Some(&bearer(&t)), METHOD_SEND).await;
    assert!(
        verify_calls(&server).await > before,
        "failures are not cached"
    );
}
