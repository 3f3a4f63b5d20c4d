//! Mirrors every check of the reference Grantex server's conformance suite: the core suites
//! (health, agents, authorize, token, tokens, grants, delegation, audit, security,
//! rate-limit-headers) and the optional `token-refresh` and `principal-sessions` suites.
//! One test per check, named `<suite>__<check>`, against a real server on 127.0.0.1.
#![allow(non_snake_case)]

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};

/// A live developer (consent via the public approve route) with a `read`/`write` agent.
async fn live() -> (grantex::Client, Api, Agent) {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let a = agent(&c, "conformance-shared", &["read", "write"]).await;
    (c, Api::new(&s.base_url, Some(&signup.api_key)), a)
}

fn is_iso(v: &Value) -> bool {
    v.as_str()
        .and_then(grantex_server::time::parse_iso)
        .is_some()
}

// ------------------------------------------------------------------ health (2)

#[tokio::test]
async fn health__returns_200_with_status() {
    let r = Api::new(&shared().base_url, None).get("/health").await;
    assert_eq!(r.status, 200);
    assert!(r.body["status"].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn health__jwks_has_an_rsa_key() {
    let r = Api::new(&shared().base_url, None)
        .get("/.well-known/jwks.json")
        .await;
    assert_eq!(r.status, 200);
    let keys = r.body["keys"].as_array().unwrap();
    assert!(keys.iter().any(|k| k["kty"] == "RSA"));
}

// ------------------------------------------------------------------ agents (5)

#[tokio::test]
async fn agents__create_201_with_fields() {
    let (_, api, _) = live().await;
    let r = api
        .post(
            "/v1/agents",
            json!({"name": "created", "description": "d", "scopes": ["read", "write"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for f in ["agentId", "did", "name", "scopes", "status", "createdAt"] {
        assert!(!r.body[f].is_null(), "missing {f}: {}", r.text);
    }
    assert_eq!(
        r.body["did"],
        format!("did:grantex:{}", r.body["agentId"].as_str().unwrap())
    );
    assert_eq!(r.body["status"], "active");
}

#[tokio::test]
async fn agents__list_returns_agents_array() {
    let (_, api, a) = live().await;
    let r = api.get("/v1/agents").await;
    assert_eq!(r.status, 200);
    let list = r.body["agents"].as_array().unwrap();
    assert!(list.iter().any(|x| x["agentId"] == a.agent_id.as_str()));
}

#[tokio::test]
async fn agents__get_has_fields() {
    let (_, api, a) = live().await;
    let r = api.get(&format!("/v1/agents/{}", a.agent_id)).await;
    assert_eq!(r.status, 200);
    for f in ["agentId", "did", "name", "scopes", "status"] {
        assert!(!r.body[f].is_null(), "missing {f}");
    }
    assert_eq!(r.body["agentId"], a.agent_id.as_str());
}

#[tokio::test]
async fn agents__patch_name_returns_agent_id_and_name() {
    let (_, api, a) = live().await;
    let r = api
        .call(
            "PATCH",
            &format!("/v1/agents/{}", a.agent_id),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["agentId"], a.agent_id.as_str());
    assert_eq!(r.body["name"], "renamed");
}

#[tokio::test]
async fn agents__delete_204() {
    let (_, api, a) = live().await;
    let r = api
        .call("DELETE", &format!("/v1/agents/{}", a.agent_id), None)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        api.get(&format!("/v1/agents/{}", a.agent_id)).await.status,
        404
    );
}

// ------------------------------------------------------------------ authorize (4)

#[tokio::test]
async fn authorize__201_with_request_id_consent_url_expiry() {
    let (_, api, a) = live().await;
    let r = api
        .post(
            "/v1/authorize",
            json!({"agentId": a.agent_id, "principalId": "user-1", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["authRequestId"].as_str().unwrap();
    assert!(id.starts_with("areq_"));
    assert!(r.body["consentUrl"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/consent?req={id}")));
    assert!(is_iso(&r.body["expiresAt"]));
}

#[tokio::test]
async fn authorize__empty_body_400() {
    let (_, api, _) = live().await;
    let r = api.post("/v1/authorize", json!({})).await;
    assert_envelope(&r, 400, "BAD_REQUEST");
}

#[tokio::test]
async fn authorize__unknown_agent_404() {
    let (_, api, _) = live().await;
    let r = api
        .post(
            "/v1/authorize",
            json!({"agentId": "ag_unknown", "principalId": "u", "scopes": ["read"]}),
        )
        .await;
    assert_envelope(&r, 404, "NOT_FOUND");
}

#[tokio::test]
async fn authorize__approval_yields_code() {
    // live: public consent approve 200 {code}
    let (_, api, a) = live().await;
    let r = api
        .post(
            "/v1/authorize",
            json!({"agentId": a.agent_id, "principalId": "u", "scopes": ["read"]}),
        )
        .await;
    assert!(r.body["code"].is_null(), "live requests need consent");
    let id = r.body["authRequestId"].as_str().unwrap();
    let approve = Api::new(&shared().base_url, None)
        .post(&format!("/v1/consent/{id}/approve"), json!({}))
        .await;
    assert_eq!(approve.status, 200);
    assert!(approve.body["code"].as_str().is_some_and(|c| !c.is_empty()));
    // sandbox: code inline
    let (sc, _) = developer(shared(), Mode::Sandbox).await;
    let sa = agent(&sc, "sandbox", &["read"]).await;
    let auth = sc
        .authorize(&AuthorizeParams {
            agent_id: sa.agent_id,
            user_id: "u".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(auth.code.is_some_and(|c| !c.is_empty()));
    assert_eq!(auth.sandbox, Some(true));
}

// ------------------------------------------------------------------ token (5)

#[tokio::test]
async fn token__full_flow_returns_all_fields() {
    let (c, api, a) = live().await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = c
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let r = api
        .post("/v1/token", json!({"code": code, "agentId": a.agent_id}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for f in ["grantToken", "refreshToken", "grantId", "expiresAt"] {
        assert!(
            r.body[f].as_str().is_some_and(|v| !v.is_empty()),
            "missing {f}"
        );
    }
    assert_eq!(r.body["scopes"], json!(["read"]));
}

#[tokio::test]
async fn token__invalid_code_400() {
    let (_, api, a) = live().await;
    let r = api
        .post(
            "/v1/token",
            json!({"code": "01HXXXXXXXXXXXXXXXXXXXXXXX", "agentId": a.agent_id}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
}

#[tokio::test]
async fn token__reused_code_400() {
    let (c, api, a) = live().await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = c
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let first = api
        .post("/v1/token", json!({"code": code, "agentId": a.agent_id}))
        .await;
    assert_eq!(first.status, 201);
    let again = api
        .post("/v1/token", json!({"code": code, "agentId": a.agent_id}))
        .await;
    assert_envelope(&again, 400, "BAD_REQUEST");
}

#[tokio::test]
async fn token__refresh_201_same_grant_new_refresh_token() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api
        .post(
            "/v1/token/refresh",
            json!({"refreshToken": t.refresh_token, "agentId": a.agent_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["grantId"], t.grant_id.as_str());
    assert_ne!(r.body["refreshToken"], t.refresh_token.as_str());
}

#[tokio::test]
async fn token__reused_refresh_token_400() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let body = json!({"refreshToken": t.refresh_token, "agentId": a.agent_id});
    assert_eq!(
        api.post("/v1/token/refresh", body.clone()).await.status,
        201
    );
    assert_envelope(
        &api.post("/v1/token/refresh", body).await,
        400,
        "BAD_REQUEST",
    );
}

// ------------------------------------------------------------------ tokens (4)

#[tokio::test]
async fn tokens__verify_valid_with_fields() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "user-9", &["read", "write"]).await;
    let r = api
        .post("/v1/tokens/verify", json!({"token": t.grant_token}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["valid"], true);
    assert_eq!(r.body["grantId"], t.grant_id.as_str());
    assert_eq!(r.body["scopes"], json!(["read", "write"]));
    assert_eq!(r.body["principal"], "user-9");
    assert_eq!(r.body["agent"], a.did.as_str());
    assert!(is_iso(&r.body["expiresAt"]));
}

#[tokio::test]
async fn tokens__revoke_by_jti_204() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api
        .post("/v1/tokens/revoke", json!({"jti": jti(&t.grant_token)}))
        .await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
}

#[tokio::test]
async fn tokens__verify_after_revoke_is_false() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    c.tokens().revoke(&jti(&t.grant_token)).await.unwrap();
    let r = api
        .post("/v1/tokens/verify", json!({"token": t.grant_token}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"valid": false}));
}

#[tokio::test]
async fn tokens__garbage_token_is_false() {
    let (_, api, _) = live().await;
    let r = api
        .post("/v1/tokens/verify", json!({"token": "not.a.jwt"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["valid"], false);
}

// ------------------------------------------------------------------ grants (4)

#[tokio::test]
async fn grants__list_returns_grants_array() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api.get("/v1/grants").await;
    assert_eq!(r.status, 200);
    assert!(r.body["grants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["grantId"] == t.grant_id.as_str()));
}

#[tokio::test]
async fn grants__get_has_fields() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api.get(&format!("/v1/grants/{}", t.grant_id)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["grantId"], t.grant_id.as_str());
    assert_eq!(r.body["agentId"], a.agent_id.as_str());
    assert_eq!(r.body["scopes"], json!(["read"]));
    assert_eq!(r.body["status"], "active");
}

#[tokio::test]
async fn grants__delete_204() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api
        .call("DELETE", &format!("/v1/grants/{}", t.grant_id), None)
        .await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn grants__status_revoked_after_delete() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    c.grants().revoke(&t.grant_id).await.unwrap();
    let r = api.get(&format!("/v1/grants/{}", t.grant_id)).await;
    assert_eq!(r.body["status"], "revoked");
    assert!(is_iso(&r.body["revokedAt"]));
}

// ------------------------------------------------------------------ delegation (5)

#[tokio::test]
async fn delegation__201_with_fields() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read", "write"]).await;
    let r = api
        .post("/v1/grants/delegate", json!({"parentGrantToken": t.grant_token, "subAgentId": a.agent_id, "scopes": ["read"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for f in ["grantToken", "expiresAt", "grantId"] {
        assert!(
            r.body[f].as_str().is_some_and(|v| !v.is_empty()),
            "missing {f}"
        );
    }
    assert_eq!(r.body["scopes"], json!(["read"]));
}

#[tokio::test]
async fn delegation__child_token_has_parent_claims_depth_1() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read", "write"]).await;
    let d = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: a.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    let cl = claims(&d.grant_token);
    assert_eq!(cl["parentAgt"], a.did.as_str());
    assert_eq!(cl["parentGrnt"], t.grant_id.as_str());
    assert_eq!(cl["delegationDepth"], 1);
    assert!(cl.get("aud").is_none());
}

#[tokio::test]
async fn delegation__superset_scopes_400() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api
        .post("/v1/grants/delegate", json!({"parentGrantToken": t.grant_token, "subAgentId": a.agent_id, "scopes": ["read", "admin"]}))
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert!(r.body["message"].as_str().unwrap().contains("admin"));
}

#[tokio::test]
async fn delegation__second_hop_has_depth_2() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read", "write"]).await;
    let hop = |tok: String| DelegateParams {
        parent_grant_token: tok,
        sub_agent_id: a.agent_id.clone(),
        scopes: strings(&["read"]),
        expires_in: None,
    };
    let d1 = c.grants().delegate(&hop(t.grant_token)).await.unwrap();
    let d2 = c
        .grants()
        .delegate(&hop(d1.grant_token.clone()))
        .await
        .unwrap();
    let cl = claims(&d2.grant_token);
    assert_eq!(cl["delegationDepth"], 2);
    assert_eq!(cl["parentGrnt"], d1.grant_id.as_str());
}

#[tokio::test]
async fn delegation__revoking_parent_invalidates_child() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let d = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token,
            sub_agent_id: a.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    assert!(c.tokens().verify(&d.grant_token).await.unwrap().valid);
    c.grants().revoke(&t.grant_id).await.unwrap();
    assert!(!c.tokens().verify(&d.grant_token).await.unwrap().valid);
}

// ------------------------------------------------------------------ audit (5)

fn audit_body(action: &str) -> Value {
    json!({"agentId": "ag_x", "agentDid": "did:grantex:ag_x", "grantId": "grnt_x", "principalId": "u", "action": action,
           "metadata": {"amount": 5}})
}

#[tokio::test]
async fn audit__log_201_with_entry_id_hash_prev_hash() {
    let (_, api, _) = live().await;
    let r = api.post("/v1/audit/log", audit_body("email.sent")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body["entryId"].as_str().unwrap().starts_with("alog_"));
    assert!(r.body["hash"].is_string());
    assert!(r.body.as_object().unwrap().contains_key("prevHash"));
}

#[tokio::test]
async fn audit__second_entry_links_to_first() {
    let (_, api, _) = live().await;
    let first = api.post("/v1/audit/log", audit_body("a.one")).await;
    let second = api.post("/v1/audit/log", audit_body("a.two")).await;
    assert_eq!(
        first.body["prevHash"],
        Value::Null,
        "a new developer's first entry starts the chain"
    );
    assert_eq!(second.body["prevHash"], first.body["hash"]);
}

#[tokio::test]
async fn audit__list_returns_entries() {
    let (_, api, _) = live().await;
    let e = api.post("/v1/audit/log", audit_body("a.listed")).await;
    let r = api.get("/v1/audit/entries").await;
    assert_eq!(r.status, 200);
    assert!(r.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["entryId"] == e.body["entryId"]));
}

#[tokio::test]
async fn audit__get_by_id() {
    let (_, api, _) = live().await;
    let e = api.post("/v1/audit/log", audit_body("a.get")).await;
    let r = api
        .get(&format!(
            "/v1/audit/{}",
            e.body["entryId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["entryId"], e.body["entryId"]);
    assert_eq!(r.body["hash"], e.body["hash"]);
    assert_eq!(r.body["action"], "a.get");
}

#[tokio::test]
async fn audit__hash_is_64_lowercase_hex() {
    let (_, api, _) = live().await;
    let e = api.post("/v1/audit/log", audit_body("a.hash")).await;
    let h = e.body["hash"].as_str().unwrap();
    assert_eq!(h.len(), 64);
    assert!(h
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
}

// ------------------------------------------------------------------ security (5)

#[tokio::test]
async fn security__no_auth_401() {
    let r = Api::new(&shared().base_url, None).get("/v1/agents").await;
    assert_envelope(&r, 401, "UNAUTHORIZED");
    assert_eq!(r.body["message"], "Missing or invalid Authorization header");
}

#[tokio::test]
async fn security__bad_key_401() {
    // A present but unknown key, whatever its length, is an invalid API key (as in the
    // reference); only a missing or malformed header gets the header message.
    for key in ["invalid-api-key-12345", "wrong", &"k".repeat(513)] {
        let r = Api::new(&shared().base_url, Some(key))
            .get("/v1/agents")
            .await;
        assert_envelope(&r, 401, "UNAUTHORIZED");
        assert_eq!(
            r.body["message"],
            "Invalid API key",
            "key of {} chars",
            key.len()
        );
    }
}

#[tokio::test]
async fn security__jwks_only_rs256_rsa_keys() {
    let r = Api::new(&shared().base_url, None)
        .get("/.well-known/jwks.json")
        .await;
    for k in r.body["keys"].as_array().unwrap() {
        assert_eq!(k["kty"], "RSA");
        assert_eq!(k["alg"], "RS256");
        assert_eq!(k["use"], "sig");
        let members: Vec<&String> = k.as_object().unwrap().keys().collect();
        assert_eq!(
            members.len(),
            6,
            "only kty, kid, alg, use, n, e: {members:?}"
        );
    }
}

#[tokio::test]
async fn security__delegating_read_write_from_read_token_400() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api
        .post("/v1/grants/delegate", json!({"parentGrantToken": t.grant_token, "subAgentId": a.agent_id, "scopes": ["read", "write"]}))
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
}

#[tokio::test]
async fn security__put_and_delete_audit_entry_405() {
    let (_, api, _) = live().await;
    let e = api.post("/v1/audit/log", audit_body("a.immutable")).await;
    let path = format!("/v1/audit/{}", e.body["entryId"].as_str().unwrap());
    for m in ["PUT", "DELETE", "PATCH"] {
        let r = api
            .call(m, &path, Some(json!({"action": "tampered"})))
            .await;
        assert_envelope(&r, 405, "METHOD_NOT_ALLOWED");
    }
    assert_eq!(api.get(&path).await.body["action"], "a.immutable");
}

// ------------------------------------------------------------------ rate-limit-headers (3)

fn assert_rate_headers(r: &Resp) {
    let num = |h: &str| {
        r.header(h)
            .unwrap_or_else(|| panic!("missing {h}"))
            .parse::<u64>()
            .expect("numeric")
    };
    assert!(num("x-ratelimit-limit") > 0);
    assert!(num("x-ratelimit-remaining") < num("x-ratelimit-limit"));
    assert!((0..=3600).contains(&num("x-ratelimit-reset")));
}

#[tokio::test]
async fn rate_limit_headers__on_agents_list() {
    let (_, api, _) = live().await;
    let r = api.get("/v1/agents").await;
    assert_eq!(r.status, 200);
    assert_rate_headers(&r);
}

#[tokio::test]
async fn rate_limit_headers__on_tokens_verify() {
    let (_, api, _) = live().await;
    let r = api.post("/v1/tokens/verify", json!({"token": "x"})).await;
    assert_eq!(r.status, 200);
    assert_rate_headers(&r);
}

#[tokio::test]
async fn rate_limit_headers__absent_on_jwks() {
    let r = Api::new(&shared().base_url, None)
        .get("/.well-known/jwks.json")
        .await;
    assert!(r.header("x-ratelimit-limit").is_none());
    assert!(r.header("x-ratelimit-remaining").is_none());
    assert!(r.header("x-ratelimit-reset").is_none());
}

// ------------------------------------------------------------------ token-refresh (6, optional suite)

#[tokio::test]
async fn token_refresh__201_same_grant_rotated_token() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(r.grant_id, t.grant_id);
    assert_ne!(r.refresh_token, t.refresh_token);
    assert_ne!(jti(&r.grant_token), jti(&t.grant_token));
    assert_eq!(r.expires_at, t.expires_at, "refresh never extends a grant");
}

#[tokio::test]
async fn token_refresh__reuse_400() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let p = RefreshTokenParams {
        refresh_token: t.refresh_token,
        agent_id: a.agent_id.clone(),
        idempotency_key: None,
    };
    c.tokens().refresh(&p).await.unwrap();
    let e = c.tokens().refresh(&p).await.unwrap_err();
    assert_eq!(status(&e), 400);
}

#[tokio::test]
async fn token_refresh__mismatched_agent_400() {
    let (c, api, a) = live().await;
    let other = agent(&c, "other", &["read"]).await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = api
        .post(
            "/v1/token/refresh",
            json!({"refreshToken": t.refresh_token, "agentId": other.agent_id}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_eq!(r.body["message"], "Agent mismatch");
}

#[tokio::test]
async fn token_refresh__missing_refresh_token_400() {
    let (_, api, a) = live().await;
    assert_envelope(
        &api.post("/v1/token/refresh", json!({"agentId": a.agent_id}))
            .await,
        400,
        "BAD_REQUEST",
    );
}

#[tokio::test]
async fn token_refresh__missing_agent_id_400() {
    let (c, api, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    assert_envelope(
        &api.post(
            "/v1/token/refresh",
            json!({"refreshToken": t.refresh_token}),
        )
        .await,
        400,
        "BAD_REQUEST",
    );
}

#[tokio::test]
async fn token_refresh__refreshed_token_verifies_with_same_grant() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let r = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token,
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let v = c.tokens().verify(&r.grant_token).await.unwrap();
    assert!(v.valid);
    assert_eq!(v.grant_id.as_deref(), Some(t.grant_id.as_str()));
}

// ------------------------------------------------------------------ principal-sessions (7, optional suite)

async fn session_for(c: &grantex::Client, principal: &str) -> PrincipalSession {
    c.principal_sessions()
        .create(&PrincipalSessionParams {
            principal_id: principal.into(),
            expires_in: None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn principal_sessions__201_with_fields() {
    let (c, api, a) = live().await;
    grant(&c, &a.agent_id, "alice", &["read"]).await;
    let r = api
        .post("/v1/principal-sessions", json!({"principalId": "alice"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.body["sessionToken"].as_str().unwrap();
    assert!(r.body["dashboardUrl"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/permissions#session={token}")));
    assert!(is_iso(&r.body["expiresAt"]));
    assert_eq!(claims(token)["purpose"], "principal_dashboard");
}

#[tokio::test]
async fn principal_sessions__missing_principal_400() {
    let (_, api, _) = live().await;
    assert_envelope(
        &api.post("/v1/principal-sessions", json!({})).await,
        400,
        "BAD_REQUEST",
    );
}

#[tokio::test]
async fn principal_sessions__reads_principal_grants() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "bob", &["read"]).await;
    let s = session_for(&c, "bob").await;
    let r = Api::new(&shared().base_url, Some(&s.session_token))
        .get("/v1/principal/grants")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["principalId"], "bob");
    let g = r.body["grants"].as_array().unwrap();
    assert!(g
        .iter()
        .any(|x| x["grantId"] == t.grant_id.as_str() && x["agentName"] == "conformance-shared"));
}

#[tokio::test]
async fn principal_sessions__reads_principal_audit() {
    let (c, api, a) = live().await;
    grant(&c, &a.agent_id, "carol", &["read"]).await;
    let mut body = audit_body("carol.did.something");
    body["principalId"] = json!("carol");
    api.post("/v1/audit/log", body).await;
    let s = session_for(&c, "carol").await;
    let r = Api::new(&shared().base_url, Some(&s.session_token))
        .get("/v1/principal/audit")
        .await;
    assert_eq!(r.status, 200);
    let entries = r.body["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["action"] == "carol.did.something"));
}

#[tokio::test]
async fn principal_sessions__revokes_grant_204() {
    let (c, _, a) = live().await;
    let t = grant(&c, &a.agent_id, "dave", &["read"]).await;
    let s = session_for(&c, "dave").await;
    let r = Api::new(&shared().base_url, Some(&s.session_token))
        .call(
            "DELETE",
            &format!("/v1/principal/grants/{}", t.grant_id),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(c.grants().get(&t.grant_id).await.unwrap().status, "revoked");
    assert!(!c.tokens().verify(&t.grant_token).await.unwrap().valid);
}

#[tokio::test]
async fn principal_sessions__session_token_is_not_an_api_key() {
    let (c, _, a) = live().await;
    grant(&c, &a.agent_id, "erin", &["read"]).await;
    let s = session_for(&c, "erin").await;
    let r = Api::new(&shared().base_url, Some(&s.session_token))
        .get("/v1/agents")
        .await;
    assert_envelope(&r, 401, "UNAUTHORIZED");
}

#[tokio::test]
async fn principal_sessions__permissions_page_200() {
    let r = Api::new(&shared().base_url, None).get("/permissions").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("Revoke") || r.text.contains("revoke"));
}
