//! Agent status is enforced wherever a token is judged (issue 23 item 1), registered redirect
//! URIs (item 2), revocable principal sessions and the server's own audit entries (item 8) —
//! all against the real server.

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};

async fn online_valid(c: &grantex::Client, token: &str) -> bool {
    c.tokens().verify(token).await.unwrap().valid
}

async fn grant_verify(api: &Api, token: &str) -> Value {
    let r = api
        .post("/v1/grants/verify", json!({ "token": token }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// The server-written entries (`grantex.*`) of a developer's chain, in order.
async fn server_events(c: &grantex::Client) -> Vec<AuditEntry> {
    c.audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries
        .into_iter()
        .filter(|e| e.action.starts_with("grantex."))
        .collect()
}

#[tokio::test]
async fn a_suspended_agent_s_tokens_stop_working_everywhere_until_reactivated() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let a = agent(&c, "parent", &["read", "write"]).await;
    let sub = agent(&c, "child", &["read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read", "write"]).await;
    let child = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    // A token revoked before the suspension must stay revoked after reactivation.
    let revoked = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    c.tokens().revoke(&jti(&revoked.grant_token)).await.unwrap();
    assert!(online_valid(&c, &t.grant_token).await);
    assert!(online_valid(&c, &child.grant_token).await);

    set_status(&c, &a.agent_id, "suspended").await;

    // Online verify, grant verify: invalid at once, for the agent and what it delegated.
    assert!(!online_valid(&c, &t.grant_token).await);
    assert!(!online_valid(&c, &child.grant_token).await);
    let v = grant_verify(&api, &t.grant_token).await;
    assert_eq!(
        (v["active"].as_bool(), v["reason"].as_str()),
        (Some(false), Some("agent_suspended"))
    );
    let v = grant_verify(&api, &child.grant_token).await;
    assert_eq!(v["reason"], "agent_suspended");
    // Refresh: refused with a clear code, and the refresh token is not spent by the attempt.
    let e = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: revoked.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e)),
        (403, "AGENT_SUSPENDED".to_string()),
        "{e}"
    );
    // The sub-agent's grant cannot be refreshed while an ancestor's agent is suspended either.
    let e = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: child.refresh_token.clone().unwrap(),
            agent_id: sub.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AGENT_SUSPENDED");
    // Not a delegation parent.
    let e = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e)),
        (403, "AGENT_SUSPENDED".to_string()),
        "{e}"
    );
    // No new grants: authorize refuses a suspended agent, with the same clear code.
    let e = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e)),
        (403, "AGENT_SUSPENDED".to_string()),
        "{e}"
    );

    set_status(&c, &a.agent_id, "active").await;

    // Reactivation restores what is otherwise valid, and only that.
    assert!(online_valid(&c, &t.grant_token).await);
    assert!(online_valid(&c, &child.grant_token).await);
    assert!(
        !online_valid(&c, &revoked.grant_token).await,
        "a revoked token stays revoked"
    );
    let fresh = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: revoked.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .expect("the refresh token refused during the suspension was not spent");
    assert!(online_valid(&c, &fresh.grant_token).await);

    // Audited: suspension and reactivation, in order, by the server.
    let actions: Vec<String> = server_events(&c)
        .await
        .into_iter()
        .filter(|e| e.agent_id == a.agent_id && e.action.starts_with("grantex.agent."))
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["grantex.agent.suspended", "grantex.agent.reactivated"]
    );
}

#[tokio::test]
async fn the_server_audits_issuance_refresh_delegation_revocation_replays_and_key_rotation() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let a = agent(&c, "audited", &["read"]).await;
    let sub = agent(&c, "audited-sub", &["read"]).await;
    let t = grant(&c, &a.agent_id, "bob", &["read"]).await;
    let r = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let d = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: r.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    c.tokens().revoke(&jti(&r.grant_token)).await.unwrap();
    // Reuse of the spent refresh token: detected, the family revoked, both audited as such.
    c.tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap_err();
    let rotated = c.rotate_key().await.unwrap();
    let c = client(&s.base_url, &rotated.api_key);

    let events = server_events(&c).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "grantex.token.issued",
            "grantex.token.refreshed",
            "grantex.grant.delegated",
            "grantex.token.revoked",
            "grantex.refresh_token.reused",
            "grantex.grant.revoked",
            "grantex.api_key.rotated",
        ]
    );
    let by = |a: &str| events.iter().find(|e| e.action == a).unwrap();
    let issued = by("grantex.token.issued");
    assert_eq!(
        (
            issued.agent_id.as_str(),
            issued.grant_id.as_str(),
            issued.principal_id.as_str()
        ),
        (a.agent_id.as_str(), t.grant_id.as_str(), "bob")
    );
    assert_eq!(issued.metadata["jti"], jti(&t.grant_token));
    let delegated = by("grantex.grant.delegated");
    assert_eq!(delegated.agent_id, sub.agent_id);
    assert_eq!(delegated.grant_id, d.grant_id);
    assert_eq!(delegated.metadata["parentGrantId"], t.grant_id);
    // The token revocation cascaded to the grant delegated from that token.
    assert_eq!(
        by("grantex.token.revoked").metadata["delegatedGrantsRevoked"],
        1
    );
    assert_eq!(by("grantex.refresh_token.reused").status, "failure");
    assert_eq!(
        by("grantex.grant.revoked").metadata["cause"],
        "refresh_token_reused"
    );
    let key_event = by("grantex.api_key.rotated");
    let prefix = key_event.metadata["keyPrefix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        rotated.api_key.starts_with(&prefix) && prefix.len() < 16,
        "{prefix}"
    );
    assert!(!serde_json::to_string(&events)
        .unwrap()
        .contains(&rotated.api_key));
    assert!(!serde_json::to_string(&events)
        .unwrap()
        .contains(&dev.api_key));

    // The chain with the server's entries still verifies end to end.
    let all = c
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    let mut prev: Option<String> = None;
    for e in &all {
        assert_eq!(e.prev_hash, prev, "chain order");
        assert_eq!(grantex::audit_chain::compute_hash(e), e.hash);
        prev = Some(e.hash.clone());
    }

    // A deleted agent is audited too.
    c.agents().delete(&sub.agent_id).await.unwrap();
    let last = server_events(&c).await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.agent_id.as_str()),
        ("grantex.agent.deleted", sub.agent_id.as_str())
    );
}

#[tokio::test]
async fn a_replayed_code_is_audited_as_a_failure_with_the_revocation() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Sandbox).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let a = agent(&c, "replayed", &["read"]).await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "carol".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let body = json!({ "code": auth.code.unwrap(), "agentId": a.agent_id });
    assert_eq!(api.post("/v1/token", body.clone()).await.status, 201);
    assert_eq!(api.post("/v1/token", body).await.status, 400);
    let events = server_events(&c).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "grantex.token.issued",
            "grantex.code.replayed",
            "grantex.grant.revoked"
        ]
    );
    assert_eq!(events[1].status, "failure");
    assert_eq!(events[1].metadata["authRequestId"], auth.auth_request_id);
    assert_eq!(events[2].metadata["cause"], "code_replayed");
}

#[tokio::test]
async fn registered_redirect_uris_are_matched_exactly() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let authorize = |agent_id: String, uri: Option<&str>| {
        let c = c.clone();
        let uri = uri.map(str::to_string);
        async move {
            c.authorize(&AuthorizeParams {
                agent_id,
                user_id: "dana".into(),
                scopes: strings(&["read"]),
                redirect_uri: uri,
                ..Default::default()
            })
            .await
        }
    };
    let registered = c
        .agents()
        .register(&RegisterAgentParams {
            name: "registered".into(),
            scopes: strings(&["read"]),
            redirect_uris: Some(strings(&[
                "https://app.example.com/cb",
                "http://127.0.0.1:8765/cb",
            ])),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        registered.redirect_uris,
        ["https://app.example.com/cb", "http://127.0.0.1:8765/cb"]
    );
    assert_eq!(
        c.agents()
            .get(&registered.agent_id)
            .await
            .unwrap()
            .redirect_uris,
        registered.redirect_uris
    );
    let id = || registered.agent_id.clone();
    authorize(id(), Some("https://app.example.com/cb"))
        .await
        .unwrap();
    authorize(id(), Some("http://127.0.0.1:8765/cb"))
        .await
        .unwrap();
    authorize(id(), None)
        .await
        .expect("no redirect at all sends the user nowhere: allowed");
    for near_miss in [
        "https://app.example.com/cb/",
        "https://app.example.com/cb?x=1",
        "https://APP.example.com/cb",
        "https://app.example.com/cb2",
        "https://evil.example.com/cb",
        "https://app.example.com:443/cb?",
    ] {
        let e = authorize(id(), Some(near_miss)).await.unwrap_err();
        assert_eq!(status(&e), 400, "{near_miss}: {e}");
        assert!(e.to_string().contains("registered redirectUris"), "{e}");
    }
    // Update replaces the list; [] removes it (back to the reference's rules).
    let upd = |uris: Vec<String>| {
        let (c, id) = (c.clone(), id());
        async move {
            c.agents()
                .update(
                    &id,
                    &UpdateAgentParams {
                        redirect_uris: Some(uris),
                        ..Default::default()
                    },
                )
                .await
        }
    };
    upd(strings(&["https://other.example.com/cb"]))
        .await
        .unwrap();
    authorize(id(), Some("https://app.example.com/cb"))
        .await
        .unwrap_err();
    authorize(id(), Some("https://other.example.com/cb"))
        .await
        .unwrap();
    assert!(upd(vec![]).await.unwrap().redirect_uris.is_empty());
    authorize(id(), Some("https://anything.example.com/cb"))
        .await
        .unwrap();
    // Registration is validated: https (http only for loopback), no fragment, no duplicates.
    for bad in [
        strings(&["http://app.example.com/cb"]),
        strings(&["https://a.example.com/cb#x"]),
        strings(&["https://a.example.com/cb", "https://a.example.com/cb"]),
        strings(&["/relative"]),
    ] {
        let e = upd(bad.clone()).await.unwrap_err();
        assert_eq!(status(&e), 400, "{bad:?}: {e}");
    }
    // Without registered URIs the reference rules apply: http only for loopback.
    let e = authorize(id(), Some("http://app.example.com/cb"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
    // Agents registered without the field have none.
    let plain = agent(&c, "plain", &["read"]).await;
    assert!(plain.redirect_uris.is_empty());
}

#[tokio::test]
async fn require_registered_redirects_flag_refuses_unregistered_agents() {
    let dir = TempDir::new("require-redirects");
    let srv = ChildServer::start(dir.path(), &["--require-registered-redirects"], &[]);
    let c = client(&srv.info.base_url, &srv.info.api_key);
    let plain = agent(&c, "plain", &["read"]).await;
    let params = |agent_id: &str, uri: Option<&str>| AuthorizeParams {
        agent_id: agent_id.into(),
        user_id: "erin".into(),
        scopes: strings(&["read"]),
        redirect_uri: uri.map(str::to_string),
        ..Default::default()
    };
    let e = c
        .authorize(&params(&plain.agent_id, Some("https://x.example.com/cb")))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    assert!(
        e.to_string().contains("requires registered redirect URIs"),
        "{e}"
    );
    c.authorize(&params(&plain.agent_id, None)).await.unwrap();
    c.agents()
        .update(
            &plain.agent_id,
            &UpdateAgentParams {
                redirect_uris: Some(strings(&["https://x.example.com/cb"])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.authorize(&params(&plain.agent_id, Some("https://x.example.com/cb")))
        .await
        .unwrap();
}

#[tokio::test]
async fn principal_sessions_can_be_revoked_by_the_developer_and_by_their_holder() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let a = agent(&c, "sessions", &["read"]).await;
    grant(&c, &a.agent_id, "frank", &["read"]).await;
    grant(&c, &a.agent_id, "gina", &["read"]).await;
    let session = |who: &str| {
        let (c, who) = (c.clone(), who.to_string());
        async move {
            c.principal_sessions()
                .create(&PrincipalSessionParams {
                    principal_id: who,
                    expires_in: None,
                })
                .await
                .unwrap()
                .session_token
        }
    };
    let as_principal = |token: &str| Api::new(&s.base_url, Some(token));
    let (f1, f2, g1) = (
        session("frank").await,
        session("frank").await,
        session("gina").await,
    );
    for t in [&f1, &f2, &g1] {
        assert_eq!(
            as_principal(t).get("/v1/principal/grants").await.status,
            200
        );
    }
    // The developer ends every session of frank; gina's is untouched.
    c.principal_sessions().revoke("frank").await.unwrap();
    for t in [&f1, &f2] {
        let r = as_principal(t).get("/v1/principal/grants").await;
        assert_envelope(&r, 401, "UNAUTHORIZED");
    }
    assert_eq!(
        as_principal(&g1).get("/v1/principal/grants").await.status,
        200
    );
    // Idempotent; a new session after the revocation works.
    c.principal_sessions().revoke("frank").await.unwrap();
    let f3 = session("frank").await;
    assert_eq!(
        as_principal(&f3).get("/v1/principal/grants").await.status,
        200
    );
    // The holder signs out: that session only.
    let g2 = session("gina").await;
    assert_eq!(
        as_principal(&g1)
            .call("DELETE", "/v1/principal/session", None)
            .await
            .status,
        204
    );
    assert_envelope(
        &as_principal(&g1).get("/v1/principal/grants").await,
        401,
        "UNAUTHORIZED",
    );
    assert_eq!(
        as_principal(&g2).get("/v1/principal/grants").await.status,
        200
    );
    // A developer cannot end another developer's principal sessions.
    let (other, _) = developer(s, Mode::Live).await;
    other.principal_sessions().revoke("gina").await.unwrap();
    assert_eq!(
        as_principal(&g2).get("/v1/principal/grants").await.status,
        200
    );
    // Audited (sessions ended: 2 by the developer, 1 by gina); the session tokens never appear.
    let events = server_events(&c).await;
    let revoked: Vec<(String, Value)> = events
        .iter()
        .filter(|e| e.action == "grantex.principal_session.revoked")
        .map(|e| (e.principal_id.clone(), e.metadata.clone()))
        .collect();
    assert_eq!(
        revoked,
        [
            (
                "frank".to_string(),
                json!({"sessions": 2, "by": "developer"})
            ),
            (
                "gina".to_string(),
                json!({"sessions": 1, "by": "principal"})
            ),
        ]
    );
    let _ = dev;
}
