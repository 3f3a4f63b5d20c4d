//! The product flow end to end, the token-revoke cascade, and every error path, against a real
//! server on 127.0.0.1 driven by the core client (raw reqwest where the client hides details).

mod common;

use common::*;
use grantex::types::*;
use grantex::{JwksCache, TokenErrorCode, VerifyOptions};
use serde_json::{json, Value};

fn delegate_params(
    token: &str,
    sub: &str,
    scopes: &[&str],
    expires_in: Option<&str>,
) -> DelegateParams {
    DelegateParams {
        parent_grant_token: token.into(),
        sub_agent_id: sub.into(),
        scopes: strings(scopes),
        expires_in: expires_in.map(Into::into),
    }
}

#[tokio::test]
async fn full_flow_authorize_consent_exchange_offline_verify_delegate_revoke() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let planner = agent(&c, "Planner", &["calendar:read", "email:send"]).await;
    let helper = agent(&c, "Helper", &["calendar:read"]).await;
    let pkce = grantex::pkce::generate_pkce();

    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: planner.agent_id.clone(),
            user_id: "user-42".into(),
            scopes: strings(&["calendar:read", "email:send"]),
            expires_in: Some("2h".into()),
            redirect_uri: Some("https://app.example.com/callback?tenant=7".into()),
            state: Some("xyz-state".into()),
            audience: Some("https://api.example.com".into()),
            code_challenge: Some(pkce.code_challenge.clone()),
            code_challenge_method: Some("S256".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(auth.status, "pending");
    assert!(auth.code.is_none());

    let consent = c.consent().get(&auth.auth_request_id).await.unwrap();
    assert_eq!(consent.agent_name, "Planner");
    assert_eq!(
        consent.scope_descriptions,
        vec!["Read your calendar events", "Send email on your behalf"]
    );

    let approval = c.consent().approve(&auth.auth_request_id).await.unwrap();
    assert_eq!(
        approval.redirect_uri.as_deref(),
        Some("https://app.example.com/callback?tenant=7")
    );
    assert_eq!(approval.state.as_deref(), Some("xyz-state"));

    let token = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: approval.code,
            agent_id: planner.agent_id.clone(),
            code_verifier: Some(pkce.code_verifier.clone()),
            ..Default::default()
        })
        .await
        .unwrap();

    // Offline verification against the live JWKS.
    let jwks = JwksCache::remote(&s.jwks_uri).unwrap();
    let opts = VerifyOptions {
        audience: Some("https://api.example.com".into()),
        ..Default::default()
    };
    let g = jwks.verify(&token.grant_token, &opts).await.unwrap();
    assert_eq!(g.grant_id, token.grant_id);
    assert_eq!(g.principal_id, "user-42");
    assert_eq!(g.agent_did, planner.did);
    assert_eq!(g.scopes, strings(&["calendar:read", "email:send"]));
    assert_eq!(g.issuer, s.issuer);
    assert_eq!(
        g.audience,
        Some(serde_json::json!("https://api.example.com"))
    );
    assert_eq!(g.delegation_depth, None);
    assert_eq!(g.expires_at - g.issued_at, 7200);

    // Delegate to the helper; the child verifies offline with its lineage.
    let child = c
        .grants()
        .delegate(&delegate_params(
            &token.grant_token,
            &helper.agent_id,
            &["calendar:read"],
            Some("30m"),
        ))
        .await
        .unwrap();
    let cg = jwks
        .verify(&child.grant_token, &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(cg.delegation_depth, Some(1));
    assert_eq!(cg.parent_grant_id.as_deref(), Some(token.grant_id.as_str()));
    assert_eq!(cg.parent_agent_did.as_deref(), Some(planner.did.as_str()));
    assert_eq!(cg.agent_did, helper.did);
    assert_eq!(cg.principal_id, "user-42");
    assert!(cg.audience.is_none(), "aud is not inherited");
    assert_eq!(cg.expires_at - cg.issued_at, 1800);
    assert!(c.tokens().verify(&child.grant_token).await.unwrap().valid);
    let online = c.grants().verify(&child.grant_token).await.unwrap();
    assert_eq!(online.grant_id, child.grant_id);

    // Revoke the root: both go invalid online at once (offline still verifies — by design).
    c.grants().revoke(&token.grant_id).await.unwrap();
    assert!(!c.tokens().verify(&token.grant_token).await.unwrap().valid);
    assert!(!c.tokens().verify(&child.grant_token).await.unwrap().valid);
    let e = c.grants().verify(&child.grant_token).await.unwrap_err();
    assert_eq!(e.as_token().map(|t| t.code), Some(TokenErrorCode::Inactive));
    let child_grant = c.grants().get(&child.grant_id).await.unwrap();
    assert_eq!(child_grant.status, "revoked");
    assert_eq!(
        child_grant.parent_grant_id.as_deref(),
        Some(token.grant_id.as_str())
    );
    assert_eq!(child_grant.delegation_depth, 1);
    // A revoked grant's refresh tokens die with it; so does delegating from it.
    let e = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: token.refresh_token,
            agent_id: planner.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    let e = c
        .grants()
        .delegate(&delegate_params(
            &token.grant_token,
            &helper.agent_id,
            &["calendar:read"],
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
}

#[tokio::test]
async fn token_revoke_cascades_to_grants_delegated_from_that_token_only() {
    let (c, _) = developer(shared(), Mode::Sandbox).await;
    let a = agent(&c, "root", &["read", "write"]).await;
    let b = agent(&c, "sub", &["read"]).await;
    let root = grant(&c, &a.agent_id, "u", &["read", "write"]).await;
    let d1 = c
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            &b.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap();
    let d2 = c
        .grants()
        .delegate(&delegate_params(
            &d1.grant_token,
            &b.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap();
    // A refreshed d1 token and a sibling minted from a different root token.
    let d1r = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: d1.refresh_token.clone().unwrap(),
            agent_id: b.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let root2 = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: root.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let sibling = c
        .grants()
        .delegate(&delegate_params(
            &root2.grant_token,
            &b.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap();
    for t in [
        &root.grant_token,
        &d1.grant_token,
        &d2.grant_token,
        &d1r.grant_token,
        &sibling.grant_token,
    ] {
        assert!(c.tokens().verify(t).await.unwrap().valid);
    }

    c.tokens().revoke(&jti(&root.grant_token)).await.unwrap();

    assert!(
        !c.tokens().verify(&root.grant_token).await.unwrap().valid,
        "the jti itself is blocklisted"
    );
    assert!(
        !c.tokens().verify(&d1.grant_token).await.unwrap().valid,
        "depth 1 child dies"
    );
    assert!(
        !c.tokens().verify(&d1r.grant_token).await.unwrap().valid,
        "every token of the child grant dies"
    );
    assert!(
        !c.tokens().verify(&d2.grant_token).await.unwrap().valid,
        "depth 2 grandchild dies"
    );
    assert_eq!(
        c.grants().get(&d1.grant_id).await.unwrap().status,
        "revoked"
    );
    assert_eq!(
        c.grants().get(&d2.grant_id).await.unwrap().status,
        "revoked"
    );
    // The parent grant and grants minted from its other tokens stay active and refreshable.
    assert_eq!(
        c.grants().get(&root.grant_id).await.unwrap().status,
        "active"
    );
    assert!(c.tokens().verify(&root2.grant_token).await.unwrap().valid);
    assert!(c.tokens().verify(&sibling.grant_token).await.unwrap().valid);
    let again = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: root2.refresh_token,
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert!(c.tokens().verify(&again.grant_token).await.unwrap().valid);
    // Revoking twice is a 404.
    let e = c
        .tokens()
        .revoke(&jti(&root.grant_token))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
    let e = c.tokens().revoke("tok_unknown").await.unwrap_err();
    assert_eq!(status(&e), 404);
}

#[tokio::test]
async fn authorize_validation_errors() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let a = agent(&c, "v", &["read"]).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let base = json!({"agentId": a.agent_id, "principalId": "u", "scopes": ["read"]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let long_scope = "x".repeat(257);
    let many: Vec<String> = (0..101).map(|i| format!("s{i}")).collect();
    let cases = vec![
        ("scopes empty", with("scopes", json!([]))),
        ("scope blank", with("scopes", json!([""]))),
        ("scope too long", with("scopes", json!([long_scope]))),
        ("too many scopes", with("scopes", json!(many))),
        ("scope with space", with("scopes", json!(["read write"]))),
        ("scopes not array", with("scopes", json!("read"))),
        (
            "principal missing",
            json!({"agentId": a.agent_id, "scopes": ["read"]}),
        ),
        (
            "principal too long",
            with("principalId", json!("p".repeat(257))),
        ),
        ("agent empty", with("agentId", json!(""))),
        ("relative redirect", with("redirectUri", json!("/callback"))),
        (
            "ftp redirect",
            with("redirectUri", json!("ftp://x.example/cb")),
        ),
        (
            "redirect with fragment",
            with("redirectUri", json!("https://x.example/cb#f")),
        ),
        ("state too long", with("state", json!("s".repeat(1025)))),
        ("bad duration", with("expiresIn", json!("10x"))),
        ("zero duration", with("expiresIn", json!("0h"))),
        ("negative duration", with("expiresIn", json!("-1h"))),
        ("duration number", with("expiresIn", json!(3600))),
        ("audience empty", with("audience", json!(""))),
        (
            "challenge short",
            json!({"agentId": a.agent_id, "principalId": "u", "scopes": ["read"], "codeChallenge": "abc", "codeChallengeMethod": "S256"}),
        ),
        (
            "method plain",
            json!({"agentId": a.agent_id, "principalId": "u", "scopes": ["read"], "codeChallenge": "E9Melhoa2OwvFr-zgb8H6Ae2UkXx87Qi-9lz8c0uKBY", "codeChallengeMethod": "plain"}),
        ),
        (
            "challenge alone",
            with(
                "codeChallenge",
                json!("E9Melhoa2OwvFr-zgb8H6Ae2UkXx87Qi-9lz8c0uKBY"),
            ),
        ),
    ];
    for (name, body) in cases {
        let r = api.post("/v1/authorize", body).await;
        assert_eq!(r.status, 400, "{name}: {}", r.text);
        assert_envelope(&r, 400, "BAD_REQUEST");
    }
    // Suspended agents cannot be authorized.
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                status: Some("suspended".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_envelope(
        &api.post("/v1/authorize", base).await,
        403,
        "AGENT_SUSPENDED",
    );
}

#[tokio::test]
async fn exchange_errors_pkce_agent_mismatch_expiry_suspension() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "x", &["read"]).await;
    let other = agent(&c, "y", &["read"]).await;
    let pkce = grantex::pkce::generate_pkce();
    let start = |challenge: bool, expires: &str| {
        let c = c.clone();
        let (aid, ch, exp) = (
            a.agent_id.clone(),
            pkce.code_challenge.clone(),
            expires.to_string(),
        );
        async move {
            let auth = c
                .authorize(&AuthorizeParams {
                    agent_id: aid,
                    user_id: "u".into(),
                    scopes: strings(&["read"]),
                    expires_in: Some(exp),
                    code_challenge: challenge.then(|| ch.clone()),
                    code_challenge_method: challenge.then(|| "S256".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
            (
                auth.auth_request_id.clone(),
                c.consent()
                    .approve(&auth.auth_request_id)
                    .await
                    .unwrap()
                    .code,
            )
        }
    };
    let (_, code) = start(true, "1h").await;
    let r = api
        .post("/v1/token", json!({"code": code, "agentId": a.agent_id}))
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_eq!(r.body["message"], "codeVerifier is required for PKCE");
    let wrong = "a".repeat(43);
    let r = api
        .post(
            "/v1/token",
            json!({"code": code, "agentId": a.agent_id, "codeVerifier": wrong}),
        )
        .await;
    assert_eq!(r.body["message"], "Invalid codeVerifier");
    let r = api
        .post(
            "/v1/token",
            json!({"code": code, "agentId": a.agent_id, "codeVerifier": "short"}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    // The wrong agent cannot use the code; the right one still can afterwards.
    let r = api
        .post(
            "/v1/token",
            json!({"code": code, "agentId": other.agent_id, "codeVerifier": pkce.code_verifier}),
        )
        .await;
    assert_eq!(r.body["message"], "Invalid code");
    let r = api
        .post(
            "/v1/token",
            json!({"code": code, "agentId": a.agent_id, "codeVerifier": pkce.code_verifier}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Another developer cannot use a code.
    let (_, other_dev) = developer(s, Mode::Live).await;
    let (_, code2) = start(false, "1h").await;
    let r = Api::new(&s.base_url, Some(&other_dev.api_key))
        .post("/v1/token", json!({"code": code2, "agentId": a.agent_id}))
        .await;
    assert_eq!(r.body["message"], "Invalid code");
    // A suspended agent cannot exchange.
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                status: Some("suspended".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = api
        .post("/v1/token", json!({"code": code2, "agentId": a.agent_id}))
        .await;
    assert_envelope(&r, 403, "AGENT_SUSPENDED");
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        api.post("/v1/token", json!({"code": code2, "agentId": a.agent_id}))
            .await
            .status,
        201
    );
    // A short grant lifetime does not shorten the request: it lives the code TTL (10 minutes
    // here); expiry of requests and codes is tested in hardening.rs with a 1 s TTL.
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            expires_in: Some("1s".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let created = grantex_server::time::parse_iso(&auth.created_at).unwrap();
    let expires = grantex_server::time::parse_iso(&auth.expires_at).unwrap();
    assert_eq!(expires - created, 600_000, "{auth:?}");
    assert_eq!(auth.expires_in, "1s");
}

#[tokio::test]
async fn consent_and_sandbox_helper_errors() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let public = Api::new(&s.base_url, None);
    let a = agent(&c, "x", &["read"]).await;
    let auth = |redirect: Option<&str>| {
        let (c, aid, r) = (c.clone(), a.agent_id.clone(), redirect.map(str::to_string));
        async move {
            c.authorize(&AuthorizeParams {
                agent_id: aid,
                user_id: "u".into(),
                scopes: strings(&["read"]),
                redirect_uri: r,
                state: Some("st".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .auth_request_id
        }
    };
    assert_envelope(&public.get("/v1/consent/areq_nope").await, 404, "NOT_FOUND");
    assert_envelope(
        &public
            .post("/v1/consent/areq_nope/approve", json!({}))
            .await,
        410,
        "GONE",
    );
    assert_envelope(
        &public.post("/v1/consent/areq_nope/deny", json!({})).await,
        404,
        "NOT_FOUND",
    );
    let id = auth(Some("https://cb.example/x")).await;
    let denial = c.consent().deny(&id).await.unwrap();
    assert_eq!(denial.redirect_uri.as_deref(), Some("https://cb.example/x"));
    assert_eq!(denial.state.as_deref(), Some("st"));
    assert_envelope(
        &public
            .post(&format!("/v1/consent/{id}/approve"), json!({}))
            .await,
        410,
        "GONE",
    );
    assert_envelope(&public.get(&format!("/v1/consent/{id}")).await, 410, "GONE");
    assert_envelope(
        &public
            .post(&format!("/v1/consent/{id}/deny"), json!({}))
            .await,
        404,
        "NOT_FOUND",
    );
    // Sandbox helpers are refused for live developers.
    let id = auth(None).await;
    assert_envelope(
        &api.post(&format!("/v1/authorize/{id}/approve"), json!({}))
            .await,
        403,
        "CONSENT_REQUIRED",
    );
    assert_envelope(
        &api.post(&format!("/v1/authorize/{id}/deny"), json!({}))
            .await,
        403,
        "CONSENT_REQUIRED",
    );
    // Sandbox: approve returns the (auto-approved) code, deny kills it, unknown is 404.
    let (sc, sd) = developer(s, Mode::Sandbox).await;
    let sapi = Api::new(&s.base_url, Some(&sd.api_key));
    let sa = agent(&sc, "s", &["read"]).await;
    let sauth = sc
        .authorize(&AuthorizeParams {
            agent_id: sa.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let r = sapi
        .post(
            &format!("/v1/authorize/{}/approve", sauth.auth_request_id),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "approved");
    assert_eq!(r.body["code"], sauth.code.clone().unwrap().as_str());
    let r = sapi
        .post(
            &format!("/v1/authorize/{}/deny", sauth.auth_request_id),
            json!({}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"requestId": sauth.auth_request_id, "status": "denied"})
    );
    let r = sapi
        .post(
            "/v1/token",
            json!({"code": sauth.code.unwrap(), "agentId": sa.agent_id}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_envelope(
        &sapi
            .post("/v1/authorize/areq_nope/approve", json!({}))
            .await,
        404,
        "NOT_FOUND",
    );
    // Another developer's request is invisible.
    assert_envelope(
        &sapi
            .post(&format!("/v1/authorize/{id}/approve"), json!({}))
            .await,
        404,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn delegation_errors_depth_owner_expiry() {
    let s = shared();
    let (c, _) = developer(s, Mode::Sandbox).await;
    let a = agent(&c, "a", &["read"]).await;
    let root = grant(&c, &a.agent_id, "u", &["read"]).await;
    // Depth: the shared server allows 3 hops; the 4th is 403.
    let mut tok = root.grant_token.clone();
    for depth in 1..=3 {
        let d = c
            .grants()
            .delegate(&delegate_params(&tok, &a.agent_id, &["read"], None))
            .await
            .unwrap();
        assert_eq!(claims(&d.grant_token)["delegationDepth"], depth);
        tok = d.grant_token;
    }
    let e = c
        .grants()
        .delegate(&delegate_params(&tok, &a.agent_id, &["read"], None))
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e).as_str()),
        (403, "DELEGATION_DEPTH_EXCEEDED")
    );
    // Another developer's parent token: 403.
    let (c2, _) = developer(s, Mode::Sandbox).await;
    let a2 = agent(&c2, "a2", &["read"]).await;
    let e = c2
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            &a2.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!((status(&e), code(&e).as_str()), (403, "FORBIDDEN"));
    // ... and its online verify is valid:false, grant verify reason wrong_developer.
    assert!(!c2.tokens().verify(&root.grant_token).await.unwrap().valid);
    let e = c2.grants().verify(&root.grant_token).await.unwrap_err();
    assert!(e.to_string().contains("wrong_developer"), "{e}");
    // Garbage parent: 400; unknown or suspended sub-agent: 404; empty scopes: 400; bad expiresIn: 400.
    let e = c
        .grants()
        .delegate(&delegate_params("a.b.c", &a.agent_id, &["read"], None))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    let e = c
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            "ag_nope",
            &["read"],
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
    let e = c
        .grants()
        .delegate(&delegate_params(&root.grant_token, &a.agent_id, &[], None))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    let e = c
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            &a.agent_id,
            &["read"],
            Some("1y"),
        ))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    // Expiry: default 1 h; never beyond the parent's expiry.
    let d = c
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            &a.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap();
    let cl = claims(&d.grant_token);
    assert_eq!(
        cl["exp"].as_i64().unwrap() - cl["iat"].as_i64().unwrap(),
        3600
    );
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            expires_in: Some("10m".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let short = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: auth.code.unwrap(),
            agent_id: a.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let d = c
        .grants()
        .delegate(&delegate_params(
            &short.grant_token,
            &a.agent_id,
            &["read"],
            Some("2h"),
        ))
        .await
        .unwrap();
    assert_eq!(
        claims(&d.grant_token)["exp"],
        claims(&short.grant_token)["exp"]
    );
    assert_eq!(d.expires_at, short.expires_at);
    // A suspended sub-agent is not a delegation target (404, as if unknown) ...
    let sub = agent(&c, "suspended-sub", &["read"]).await;
    let suspend = |id: String| {
        let c = c.clone();
        async move {
            c.agents()
                .update(
                    &id,
                    &UpdateAgentParams {
                        status: Some("suspended".into()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
        }
    };
    suspend(sub.agent_id.clone()).await;
    let e = c
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            &sub.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
    // ... and a suspended agent's grant is not a delegation parent (403 AGENT_SUSPENDED).
    suspend(a.agent_id.clone()).await;
    let e = c
        .grants()
        .delegate(&delegate_params(
            &root.grant_token,
            &a.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!((status(&e), code(&e).as_str()), (403, "AGENT_SUSPENDED"));
}

#[tokio::test]
async fn grants_listing_filters_and_errors() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Sandbox).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "a", &["read"]).await;
    let b = agent(&c, "b", &["read"]).await;
    let g1 = grant(&c, &a.agent_id, "p1", &["read"]).await;
    let g2 = grant(&c, &b.agent_id, "p2", &["read"]).await;
    c.grants().revoke(&g2.grant_id).await.unwrap();
    let ids = |l: GrantList| l.grants.into_iter().map(|g| g.grant_id).collect::<Vec<_>>();
    let list = |p: ListGrantsParams| {
        let c = c.clone();
        async move { c.grants().list(&p).await.unwrap() }
    };
    assert_eq!(
        ids(list(ListGrantsParams::default()).await),
        vec![g2.grant_id.clone(), g1.grant_id.clone()],
        "newest first"
    );
    assert_eq!(
        ids(list(ListGrantsParams {
            agent_id: Some(a.agent_id.clone()),
            ..Default::default()
        })
        .await),
        vec![g1.grant_id.clone()]
    );
    assert_eq!(
        ids(list(ListGrantsParams {
            principal_id: Some("p2".into()),
            ..Default::default()
        })
        .await),
        vec![g2.grant_id.clone()]
    );
    assert_eq!(
        ids(list(ListGrantsParams {
            status: Some("revoked".into()),
            ..Default::default()
        })
        .await),
        vec![g2.grant_id.clone()]
    );
    assert_eq!(
        ids(list(ListGrantsParams {
            status: Some("active".into()),
            ..Default::default()
        })
        .await),
        vec![g1.grant_id.clone()]
    );
    assert_eq!(
        ids(list(ListGrantsParams {
            page_size: Some(1),
            page: Some(2),
            ..Default::default()
        })
        .await),
        vec![g1.grant_id.clone()]
    );
    assert_envelope(
        &api.get("/v1/grants?status=bogus").await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(&api.get("/v1/grants?pageSize=0").await, 400, "BAD_REQUEST");
    assert_envelope(&api.get("/v1/grants/grnt_nope").await, 404, "NOT_FOUND");
    assert_envelope(
        &api.call("DELETE", &format!("/v1/grants/{}", g2.grant_id), None)
            .await,
        404,
        "NOT_FOUND",
    );
    // Other developers see nothing.
    let (c2, _) = developer(s, Mode::Sandbox).await;
    assert_eq!(
        status(&c2.grants().get(&g1.grant_id).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(&c2.grants().revoke(&g1.grant_id).await.unwrap_err()),
        404
    );
    assert!(c2
        .grants()
        .list(&ListGrantsParams::default())
        .await
        .unwrap()
        .grants
        .is_empty());
}

#[tokio::test]
async fn audit_chain_filters_and_errors() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let entry = |agent: &str, action: &str, meta: Value| AuditLogParams {
        agent_id: agent.into(),
        agent_did: format!("did:grantex:{agent}"),
        grant_id: "grnt_1".into(),
        principal_id: "u".into(),
        action: action.into(),
        metadata: Some(meta),
        status: Some(AuditStatus::Failure),
    };
    let e1 = c
        .audit()
        .log(&entry(
            "ag_a",
            "pay",
            json!({"z": 1, "a": {"y": [1, "two"], "b": null}}),
        ))
        .await
        .unwrap();
    let e2 = c
        .audit()
        .log(&entry("ag_b", "read", json!({})))
        .await
        .unwrap();
    let e3 = c
        .audit()
        .log(&entry("ag_a", "read", json!({"unicode": "é✓"})))
        .await
        .unwrap();
    assert_eq!(e1.status, "failure");
    assert_eq!(e1.hash, grantex::audit_chain::compute_hash(&e1));
    let all = c
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    assert_eq!(
        all.iter().map(|e| &e.entry_id).collect::<Vec<_>>(),
        vec![&e1.entry_id, &e2.entry_id, &e3.entry_id]
    );
    let report = grantex::audit_chain::verify_chain(&all);
    assert!(report.valid, "{report:?}");
    assert_eq!(report.checked_entries, 3);
    let by_agent = c
        .audit()
        .list(&ListAuditParams {
            agent_id: Some("ag_a".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_agent.entries.len(), 2);
    let by_action = c
        .audit()
        .list(&ListAuditParams {
            action: Some("read".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_action.entries.len(), 2);
    let since = c
        .audit()
        .list(&ListAuditParams {
            since: Some(e3.timestamp.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(since.entries.last().unwrap().entry_id, e3.entry_id);
    let until = c
        .audit()
        .list(&ListAuditParams {
            until: Some("2000-01-01".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(until.entries.is_empty());
    assert_envelope(
        &api.get("/v1/audit/entries?since=yesterday").await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(&api.get("/v1/audit/alog_nope").await, 404, "NOT_FOUND");
    let bad = [
        json!({"agentDid": "d", "grantId": "g", "principalId": "p", "action": "a"}),
        json!({"agentId": "a", "agentDid": "d", "grantId": "g", "principalId": "p", "action": ""}),
        json!({"agentId": "a", "agentDid": "d", "grantId": "g", "principalId": "p", "action": "a", "metadata": [1]}),
        json!({"agentId": "a", "agentDid": "d", "grantId": "g", "principalId": "p", "action": "a", "status": "weird"}),
    ];
    for b in bad {
        assert_envelope(&api.post("/v1/audit/log", b).await, 400, "BAD_REQUEST");
    }
    // One chain per developer: another developer starts its own.
    let (c2, _) = developer(s, Mode::Live).await;
    let first = c2
        .audit()
        .log(&entry("ag_z", "x", json!({})))
        .await
        .unwrap();
    assert_eq!(first.prev_hash, None);
    assert_eq!(
        status(&c2.audit().get(&e1.entry_id).await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn agents_errors_and_delete_cascade() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Sandbox).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    assert_envelope(
        &api.post("/v1/agents", json!({"name": "  "})).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.post("/v1/agents", json!({"name": "x", "scopes": [""]}))
            .await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.post("/v1/agents", json!({"name": 5})).await,
        400,
        "BAD_REQUEST",
    );
    let a = agent(&c, "doomed", &["read"]).await;
    let path = format!("/v1/agents/{}", a.agent_id);
    assert_envelope(
        &api.call("PATCH", &path, Some(json!({}))).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.call("PATCH", &path, Some(json!({"status": "deleted"})))
            .await,
        400,
        "BAD_REQUEST",
    );
    let updated = c
        .agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                description: Some("new".into()),
                scopes: Some(strings(&["read", "write"])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.description.as_str(), updated.scopes.len()),
        ("new", 2)
    );
    let (c2, _) = developer(s, Mode::Sandbox).await;
    assert_eq!(
        status(&c2.agents().get(&a.agent_id).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(&c2.agents().delete(&a.agent_id).await.unwrap_err()),
        404
    );
    // Delete cascades: grants, tokens, pending requests; delegated children elsewhere are revoked.
    let keeper = agent(&c, "keeper", &["read"]).await;
    let g = grant(&c, &a.agent_id, "u", &["read"]).await;
    let child = c
        .grants()
        .delegate(&delegate_params(
            &g.grant_token,
            &keeper.agent_id,
            &["read"],
            None,
        ))
        .await
        .unwrap();
    let pending = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    c.agents().delete(&a.agent_id).await.unwrap();
    assert_eq!(status(&c.agents().get(&a.agent_id).await.unwrap_err()), 404);
    assert_eq!(status(&c.grants().get(&g.grant_id).await.unwrap_err()), 404);
    assert!(!c.tokens().verify(&g.grant_token).await.unwrap().valid);
    assert!(!c.tokens().verify(&child.grant_token).await.unwrap().valid);
    assert_eq!(
        c.grants().get(&child.grant_id).await.unwrap().status,
        "revoked"
    );
    assert_eq!(
        status(&c.consent().get(&pending.auth_request_id).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(&c.agents().delete(&a.agent_id).await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn http_layer_errors_use_the_envelope() {
    let s = shared();
    let (_, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let r = api.get("/v1/unknown/route").await;
    assert_envelope(&r, 404, "NOT_FOUND");
    assert_eq!(r.body["message"], "Route GET:/v1/unknown/route not found");
    assert_envelope(
        &Api::new(&s.base_url, None).get("/nope").await,
        404,
        "NOT_FOUND",
    );
    let r = api.call("PUT", "/v1/agents", Some(json!({}))).await;
    assert_envelope(&r, 405, "METHOD_NOT_ALLOWED");
    assert!(
        r.header("allow")
            .is_some_and(|a| a.contains("GET") && a.contains("POST")),
        "{:?}",
        r.header("allow")
    );
    assert_envelope(
        &api.call("DELETE", "/health", None).await,
        405,
        "METHOD_NOT_ALLOWED",
    );
    for r in [
        api.get("/nope").await,
        api.call("DELETE", "/health", None).await,
    ] {
        assert!(
            r.header("x-ratelimit-limit").is_some() && r.header("x-ratelimit-reset").is_some(),
            "{}",
            r.text
        );
    }
    // Malformed JSON, wrong content type, non-object JSON, empty body, 1 MiB limit.
    let raw = |body: Vec<u8>, ct: Option<&str>| {
        let mut rb = api
            .http
            .post(format!("{}/v1/agents", s.base_url))
            .bearer_auth(&signup.api_key)
            .body(body);
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        Api::finish(rb)
    };
    assert_envelope(
        &raw(b"{\"name\":".to_vec(), Some("application/json")).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &raw(b"{\"name\":\"x\"}".to_vec(), Some("text/plain")).await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    );
    assert_envelope(
        &raw(b"{\"name\":\"x\"}".to_vec(), None).await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    );
    assert_envelope(
        &raw(b"[1,2]".to_vec(), Some("application/json")).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &raw(Vec::new(), Some("application/json")).await,
        400,
        "BAD_REQUEST",
    );
    let mut big = b"{\"name\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'a', (1 << 20) + 10));
    big.extend(b"\"}");
    assert_envelope(
        &raw(big, Some("application/json")).await,
        413,
        "PAYLOAD_TOO_LARGE",
    );
    // Charset parameters are fine.
    assert_eq!(
        raw(
            b"{\"name\":\"ok\"}".to_vec(),
            Some("application/json; charset=utf-8")
        )
        .await
        .status,
        201
    );
    // x-request-id and the security headers on every kind of response.
    for path in [
        "/health",
        "/.well-known/jwks.json",
        "/v1/agents",
        "/consent?req=areq_nope",
        "/nope",
    ] {
        let r = api.get(path).await;
        assert!(r.header("x-request-id").is_some_and(uuid_v4), "{path}");
        for (h, v) in [
            (
                "strict-transport-security",
                "max-age=31536000; includeSubDomains",
            ),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("x-xss-protection", "0"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
            (
                "permissions-policy",
                "camera=(), microphone=(), geolocation=()",
            ),
            ("cache-control", "no-store"),
        ] {
            assert_eq!(r.header(h), Some(v), "{h} on {path}");
        }
        assert!(
            r.header("content-security-policy")
                .is_some_and(|c| c.contains("frame-ancestors 'none'")),
            "{path}"
        );
    }
    assert_eq!(
        api.get("/v1/agents")
            .await
            .header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    );
}

#[tokio::test]
async fn api_key_rules_signup_me_and_key_rotation() {
    let s = shared();
    let get = |auth: Option<String>| {
        let http = http();
        let url = format!("{}/v1/me", s.base_url);
        async move {
            let mut rb = http.get(url);
            if let Some(a) = auth {
                rb = rb.header("authorization", a);
            }
            Api::finish(rb).await
        }
    };
    let (c, signup) = developer(s, Mode::Live).await;
    assert!(signup.api_key.starts_with("gx_live_") && signup.api_key.len() == 51);
    let key = signup.api_key.clone();
    assert_eq!(
        get(Some(format!("bearer \t{key}"))).await.status,
        200,
        "scheme is case-insensitive, tabs allowed"
    );
    for (auth, msg) in [
        (None, "Missing or invalid Authorization header"),
        (
            Some(format!("Basic {key}")),
            "Missing or invalid Authorization header",
        ),
        (
            Some(format!("Bearer{key}")),
            "Missing or invalid Authorization header",
        ),
        (Some("Bearer short".to_string()), "Invalid API key"),
        (
            Some(format!("Bearer {}", "k".repeat(513))),
            "Invalid API key",
        ),
        (Some(format!("Bearer {key}x")), "Invalid API key"),
    ] {
        let r = get(auth).await;
        assert_envelope(&r, 401, "UNAUTHORIZED");
        assert_eq!(r.body["message"], msg);
        assert!(
            r.header("x-ratelimit-limit").is_some(),
            "401s report the IP bucket"
        );
    }
    let me = c.me().await.unwrap();
    assert_eq!(
        (me.developer_id.as_str(), me.mode),
        (signup.developer_id.as_str(), Mode::Live)
    );
    let api = Api::new(&s.base_url, Some(&key));
    assert_eq!(
        api.call("PATCH", "/v1/me", Some(json!({"name": "Renamed"})))
            .await
            .body,
        json!({"updated": true})
    );
    assert_eq!(c.me().await.unwrap().name, "Renamed");
    assert_envelope(
        &api.call("PATCH", "/v1/me", Some(json!({"fidoRequired": true})))
            .await,
        400,
        "BAD_REQUEST",
    );
    // Signup validation.
    let public = Api::new(&s.base_url, None);
    let email = format!("dev-{}@example.com", signup.developer_id.to_lowercase());
    assert_eq!(
        public
            .post("/v1/signup", json!({"name": "A", "email": email}))
            .await
            .status,
        201
    );
    assert_envelope(
        &public
            .post(
                "/v1/signup",
                json!({"name": "B", "email": email.to_uppercase()}),
            )
            .await,
        409,
        "CONFLICT",
    );
    assert_envelope(
        &public
            .post("/v1/signup", json!({"name": "B", "email": "not-an-email"}))
            .await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &public.post("/v1/signup", json!({"email": "x@y.z"})).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &public
            .post("/v1/signup", json!({"name": "x", "mode": "prod"}))
            .await,
        400,
        "BAD_REQUEST",
    );
    let sb = public
        .post("/v1/signup", json!({"name": "S", "mode": "sandbox"}))
        .await;
    assert!(sb.body["apiKey"].as_str().unwrap().starts_with("gx_test_"));
    // Rotation: the new key works, the old one stops at once.
    let rotated = c.rotate_key().await.unwrap();
    assert!(rotated.api_key.starts_with("gx_live_"));
    assert_envelope(
        &get(Some(format!("Bearer {key}"))).await,
        401,
        "UNAUTHORIZED",
    );
    assert_eq!(
        get(Some(format!("Bearer {}", rotated.api_key)))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn online_verify_and_refresh_edge_cases() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Sandbox).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "a", &["read"]).await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    assert_envelope(
        &api.post("/v1/tokens/verify", json!({})).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.post("/v1/tokens/verify", json!({"token": ""})).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.post("/v1/tokens/verify", json!({"token": 7})).await,
        400,
        "BAD_REQUEST",
    );
    let huge = "a".repeat(20_000);
    assert_eq!(
        api.post("/v1/tokens/verify", json!({"token": huge}))
            .await
            .body,
        json!({"valid": false})
    );
    // A token with a forged signature is invalid.
    let mut parts: Vec<String> = t.grant_token.split('.').map(str::to_string).collect();
    parts[2] = parts[2].chars().rev().collect();
    assert_eq!(
        api.post("/v1/tokens/verify", json!({"token": parts.join(".")}))
            .await
            .body["valid"],
        false
    );
    assert_envelope(
        &api.post("/v1/grants/verify", json!({"token": parts.join(".")}))
            .await,
        400,
        "BAD_REQUEST",
    );
    // Idempotent refresh: a retry with the same key replays the answer; reuse elsewhere is refused.
    let p = RefreshTokenParams {
        refresh_token: t.refresh_token.clone(),
        agent_id: a.agent_id.clone(),
        idempotency_key: Some("retry-1".into()),
    };
    let r1 = c.tokens().refresh(&p).await.unwrap();
    let r2 = c.tokens().refresh(&p).await.unwrap();
    assert_eq!(r1, r2);
    let p2 = RefreshTokenParams {
        refresh_token: r1.refresh_token.clone(),
        agent_id: a.agent_id.clone(),
        idempotency_key: Some("retry-1".into()),
    };
    assert_eq!(status(&c.tokens().refresh(&p2).await.unwrap_err()), 400);
    assert_envelope(
        &api.post(
            "/v1/token/refresh",
            json!({"refreshToken": "ref_nope", "agentId": a.agent_id}),
        )
        .await,
        400,
        "BAD_REQUEST",
    );
    // Revoking the grant kills its remaining refresh token.
    c.grants().revoke(&t.grant_id).await.unwrap();
    let p3 = RefreshTokenParams {
        refresh_token: r1.refresh_token,
        agent_id: a.agent_id.clone(),
        idempotency_key: None,
    };
    let e = c.tokens().refresh(&p3).await.unwrap_err();
    assert_eq!(e.as_api().unwrap().message, "Grant has been revoked");
}

#[tokio::test]
async fn principal_session_errors() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Sandbox).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "a", &["read"]).await;
    assert_envelope(
        &api.post("/v1/principal-sessions", json!({"principalId": "nobody"}))
            .await,
        404,
        "NOT_FOUND",
    );
    let mine = grant(&c, &a.agent_id, "frank", &["read"]).await;
    let theirs = grant(&c, &a.agent_id, "grace", &["read"]).await;
    assert_envelope(
        &api.post(
            "/v1/principal-sessions",
            json!({"principalId": "frank", "expiresIn": "soon"}),
        )
        .await,
        400,
        "BAD_REQUEST",
    );
    let sess = api
        .post(
            "/v1/principal-sessions",
            json!({"principalId": "frank", "expiresIn": "30d"}),
        )
        .await;
    let cl = claims(sess.body["sessionToken"].as_str().unwrap());
    assert_eq!(
        cl["exp"].as_i64().unwrap() - cl["iat"].as_i64().unwrap(),
        86_400,
        "capped at 24 h"
    );
    let session = Api::new(&s.base_url, sess.body["sessionToken"].as_str());
    assert_envelope(
        &session
            .call(
                "DELETE",
                &format!("/v1/principal/grants/{}", theirs.grant_id),
                None,
            )
            .await,
        404,
        "NOT_FOUND",
    );
    assert_eq!(
        session
            .call(
                "DELETE",
                &format!("/v1/principal/grants/{}", mine.grant_id),
                None
            )
            .await
            .status,
        204
    );
    assert_envelope(
        &session
            .call(
                "DELETE",
                &format!("/v1/principal/grants/{}", mine.grant_id),
                None,
            )
            .await,
        404,
        "NOT_FOUND",
    );
    // Grant tokens, API keys and garbage are not sessions.
    for bad in [
        theirs.grant_token.as_str(),
        signup.api_key.as_str(),
        "x.y.z",
    ] {
        assert_envelope(
            &Api::new(&s.base_url, Some(bad))
                .get("/v1/principal/grants")
                .await,
            401,
            "UNAUTHORIZED",
        );
    }
    assert_envelope(
        &Api::new(&s.base_url, None).get("/v1/principal/audit").await,
        401,
        "UNAUTHORIZED",
    );
}

#[tokio::test]
async fn consent_page_renders_plain_language() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = c
        .agents()
        .register(&RegisterAgentParams {
            name: "Trip <Planner>".into(),
            description: "Books & plans trips".into(),
            scopes: strings(&[
                "calendar:read",
                "payments:initiate:max_500",
                "tickets:write",
                "read",
            ]),
            ..Default::default()
        })
        .await
        .unwrap();
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "user-7".into(),
            scopes: strings(&[
                "calendar:read",
                "payments:initiate:max_500",
                "tickets:write",
                "read",
            ]),
            ..Default::default()
        })
        .await
        .unwrap();
    let r = Api::new(&s.base_url, None)
        .get(&format!("/consent?req={}", auth.auth_request_id))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'nonce-") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    for text in [
        "Read your calendar events",
        "Initiate payments up to 500",
        "Create and modify your tickets",
        "Read access",
        "Trip &lt;Planner&gt;",
        "Books &amp; plans trips",
        "test Live", // the developer's name
        "user-7",
        "1 day",
        auth.expires_at.as_str(),
        "data-action=\"approve\"",
        "data-action=\"deny\"",
    ] {
        assert!(r.text.contains(text), "consent page lacks {text:?}");
    }
    assert!(
        !r.text.contains("Trip <Planner>"),
        "agent name must be escaped"
    );
    let missing = Api::new(&s.base_url, None).get("/consent").await;
    assert_eq!(missing.status, 400);
    assert!(missing
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        Api::new(&s.base_url, None)
            .get("/consent?req=areq_nope")
            .await
            .status,
        404
    );
    c.consent().approve(&auth.auth_request_id).await.unwrap();
    assert_eq!(
        Api::new(&s.base_url, None)
            .get(&format!("/consent?req={}", auth.auth_request_id))
            .await
            .status,
        410
    );
}

/// The payload of a JWS, decoded without verification (test inspection only).
fn claims_of(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn sandbox_tokens_are_marked_and_refused_by_default_verifiers() {
    let s = shared();
    let jwks = JwksCache::remote(&s.jwks_uri).unwrap();
    let opts = |allow: bool| VerifyOptions {
        allow_sandbox: Some(allow),
        ..Default::default()
    };

    // A sandbox developer: approved without a human, and the token says so.
    let (sandbox, _) = developer(s, Mode::Sandbox).await;
    let a = agent(&sandbox, "Sandboxed", &["calendar:read"]).await;
    let helper = agent(&sandbox, "Sandbox helper", &["calendar:read"]).await;
    let auth = sandbox
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "user-1".into(),
            scopes: strings(&["calendar:read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let token = sandbox
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: auth.code.expect("a sandbox key gets the code at once"),
            agent_id: a.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        claims_of(&token.grant_token)[grantex::verify::ENVIRONMENT_CLAIM],
        "sandbox"
    );
    let err = jwks
        .verify(&token.grant_token, &opts(false))
        .await
        .unwrap_err();
    assert_eq!(err.as_token().unwrap().code, TokenErrorCode::SandboxToken);
    jwks.verify(&token.grant_token, &opts(true)).await.unwrap();
    // The server accepts its own sandbox tokens: online verification, delegation, refresh.
    assert!(
        sandbox
            .tokens()
            .verify(&token.grant_token)
            .await
            .unwrap()
            .valid
    );
    let child = sandbox
        .grants()
        .delegate(&delegate_params(
            &token.grant_token,
            &helper.agent_id,
            &["calendar:read"],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(
        claims_of(&child.grant_token)[grantex::verify::ENVIRONMENT_CLAIM],
        "sandbox"
    );
    let refreshed = sandbox
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: token.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(
        claims_of(&refreshed.grant_token)[grantex::verify::ENVIRONMENT_CLAIM],
        "sandbox"
    );

    // A live developer's tokens carry no marker and verify by default.
    let (live, _) = developer(s, Mode::Live).await;
    let b = agent(&live, "Live", &["calendar:read"]).await;
    let auth = live
        .authorize(&AuthorizeParams {
            agent_id: b.agent_id.clone(),
            user_id: "user-1".into(),
            scopes: strings(&["calendar:read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = live
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let token = live
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: b.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(claims_of(&token.grant_token)
        .get(grantex::verify::ENVIRONMENT_CLAIM)
        .is_none());
    jwks.verify(&token.grant_token, &opts(false)).await.unwrap();
}
