//! End to end against the real `grantex-server`: agent A (holding a grant) calls agent B over
//! A2A; B refuses bad tokens with the right status and JSON-RPC error; A delegates to C, C calls
//! B, and revoking A's grant cuts C off; the client never sends a token B would refuse.

mod common;

use common::*;
use grantex::a2a::*;
use grantex_a2a_agent::{start, RunningAgent};
use serde_json::{json, Value};
use std::time::Duration;

async fn agent_b(policy: A2APolicy) -> RunningAgent {
    start("127.0.0.1:0".parse().unwrap(), "B", None, policy)
        .await
        .expect("agent B starts")
}

/// A2A client for `token` talking to `b`, fetching B's card.
fn client_for(b: &RunningAgent, token: &str) -> A2AClient {
    A2AClient::new(A2AClientConfig {
        agent_url: b.url.clone(),
        grant_token: token.into(),
        ..Default::default()
    })
    .unwrap()
}

fn hello(text: &str) -> TaskSendParams {
    TaskSendParams {
        id: None,
        message: Message::user_text(text),
        metadata: None,
    }
}

/// A raw JSON-RPC POST (no client-side checks): status, body, WWW-Authenticate.
async fn raw(b: &RunningAgent, auth: Option<&str>, method: &str) -> (u16, Value, Option<String>) {
    let body = json!({"jsonrpc": "2.0", "id": 41, "method": method,
                      "params": {"message": {"role": "user", "parts": [{"type": "text", "text": "x"}]}}});
    let mut req = reqwest::Client::new()
        .post(&b.url)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let www = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap(), www)
}

/// Asserts a guard rejection: HTTP status, JSON-RPC code and `data.reason`, id echoed.
async fn assert_refused(b: &RunningAgent, token: &str, status: u16, code: i64, reason: &str) {
    let (s, body, _) = raw(b, Some(&format!("Bearer {token}")), METHOD_SEND).await;
    assert_eq!(s, status, "{reason}: {body}");
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 41);
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["data"]["reason"], reason, "{body}");
    assert!(body.get("result").is_none());
}

#[tokio::test]
async fn agent_a_with_a_grant_calls_agent_b() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let a = register(&c, "A").await;
    let token = grant(&c, &a, &["tasks:send", "tasks:read"], Some("agent-b"), None).await;
    let b = agent_b(
        gx.policy()
            .audience("agent-b")
            .require(["tasks:send"])
            .require_for(METHOD_GET, ["tasks:read"]),
    )
    .await;

    let client = client_for(&b, &token.grant_token);
    let card = client.card().await.unwrap().clone();
    let cfg = card.grantex_config().unwrap();
    assert_eq!(cfg.jwks_uri, gx.jwks_uri);
    assert_eq!(cfg.issuer, gx.issuer);
    assert_eq!(card.required_scopes(), ["tasks:send"]);
    assert_eq!(cfg.delegation_allowed, Some(false));

    let task = client.send_task(&hello("hello B")).await.unwrap();
    assert_eq!(task.status.state, TaskState::Completed);
    let artifact = &task.artifacts.as_ref().unwrap()[0];
    assert_eq!(artifact.name.as_deref(), Some("echo"));
    assert_eq!(artifact.parts, vec![Part::text("hello B")]);
    let who = &task.metadata.as_ref().unwrap()["grantex"];
    assert_eq!(who["agentDid"], a.did);
    assert_eq!(who["grantId"], token.grant_id);
    assert_eq!(who["delegationDepth"], 0);

    let got = client
        .get_task(&TaskGetParams {
            id: task.id.clone(),
            history_length: Some(1),
        })
        .await
        .unwrap();
    assert_eq!(got.id, task.id);
    assert_eq!(got.history.unwrap().len(), 1);

    let pending = client
        .send_task(&TaskSendParams {
            metadata: Some(json!({"defer": true})),
            ..hello("later")
        })
        .await
        .unwrap();
    assert_eq!(pending.status.state, TaskState::Working);
    let canceled = client
        .cancel_task(&TaskCancelParams {
            id: pending.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(canceled.status.state, TaskState::Canceled);
    let again = client
        .cancel_task(&TaskCancelParams { id: pending.id })
        .await
        .unwrap_err();
    assert!(matches!(again, A2AError::Rpc { status: 200, ref error } if error.code == -32011));
    let missing = client
        .get_task(&TaskGetParams {
            id: "nope".into(),
            history_length: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(missing, A2AError::Rpc { ref error, .. } if error.code == -32010));
    assert_eq!(b.agent.stats.snapshot(), (6, 6, 0, 1));
}

#[tokio::test]
async fn b_refuses_missing_expired_foreign_and_underscoped_tokens() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let a = register(&c, "A-refusals").await;
    let b = agent_b(gx.policy().audience("agent-b").require(["tasks:send"])).await;

    let (s, body, www) = raw(&b, None, METHOD_SEND).await;
    assert_eq!((s, body["error"]["code"].as_i64()), (401, Some(-32001)));
    assert_eq!(body["error"]["data"]["reason"], "missing_token");
    assert_eq!(body["id"], 41);
    assert_eq!(www.as_deref(), Some("Bearer realm=\"grantex\""));
    let (s, body, _) = raw(&b, Some("Basic YTpi"), METHOD_SEND).await;
    assert_eq!(
        (s, body["error"]["data"]["reason"].as_str()),
        (401, Some("invalid_authorization_header"))
    );

    let other_aud = grant(&c, &a, &["tasks:send"], Some("agent-x"), None).await;
    assert_refused(&b, &other_aud.grant_token, 401, -32001, "wrong_audience").await;
    let no_aud = grant(&c, &a, &["tasks:send"], None, None).await;
    assert_refused(&b, &no_aud.grant_token, 401, -32001, "wrong_audience").await;

    let reader = grant(&c, &a, &["tasks:read"], Some("agent-b"), None).await;
    assert_refused(&b, &reader.grant_token, 403, -32003, "missing_scopes").await;
    let (_, _, www) = raw(
        &b,
        Some(&format!("Bearer {}", reader.grant_token)),
        METHOD_SEND,
    )
    .await;
    assert!(www.unwrap().contains("insufficient_scope"));

    let short = grant(&c, &a, &["tasks:send"], Some("agent-b"), Some("3s")).await;
    let (s, _, _) = raw(
        &b,
        Some(&format!("Bearer {}", short.grant_token)),
        METHOD_SEND,
    )
    .await;
    assert_eq!(s, 200, "accepted while still valid");
    tokio::time::sleep(Duration::from_millis(4100)).await;
    assert_refused(&b, &short.grant_token, 401, -32001, "expired").await;

    // One signature character changed: still well-formed, no longer the issuer's signature.
    let mut forged = short.grant_token.into_bytes();
    let i = forged.len() - 20;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let (s, body, _) = raw(&b, Some(&format!("Bearer {forged}")), METHOD_SEND).await;
    assert_eq!(s, 401);
    assert_eq!(body["error"]["data"]["reason"], "bad_signature", "{body}");
    let (total, accepted, rejected, _) = b.agent.stats.snapshot();
    assert_eq!((total, accepted, rejected), (9, 1, 8));
}

#[tokio::test]
async fn online_mode_refuses_revoked_tokens_within_the_cache_ttl() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let a = register(&c, "A-revoked").await;
    let b = agent_b(gx.policy().revocation_online(
        &gx.base_url,
        &gx.api_key,
        Duration::from_secs(2),
    ))
    .await;
    let token = grant(&c, &a, &["tasks:send"], None, None).await;
    let client = client_for(&b, &token.grant_token);
    client.send_task(&hello("before")).await.unwrap();
    c.grants().revoke(&token.grant_id).await.unwrap();
    // A cached "active" answer may be reused for at most the TTL ...
    client.send_task(&hello("within ttl")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // ... then the revocation is seen, and remembered.
    for _ in 0..2 {
        let e = client.send_task(&hello("after")).await.unwrap_err();
        assert_eq!(
            (e.code(), e.status(), e.reason()),
            ("a2a_rpc_error", Some(401), Some("revoked")),
            "{e}"
        );
    }
    assert_refused(&b, &token.grant_token, 401, -32001, "revoked").await;

    // Offline B never sees the revocation: that is what online mode is for.
    let offline = agent_b(gx.policy()).await;
    client_for(&offline, &token.grant_token)
        .send_task(&hello("offline"))
        .await
        .unwrap();
}

#[tokio::test]
async fn online_mode_refuses_a_suspended_agent_and_its_sub_agents_until_reactivated() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let a = register(&c, "A-suspended").await;
    let sub = register(&c, "C-of-suspended").await;
    let root = grant(&c, &a, &["tasks:send"], None, None).await;
    let child = delegate(&c, &root.grant_token, &sub, &["tasks:send"]).await;
    let b = agent_b(gx.policy().allow_delegation(Some(1)).revocation_online(
        &gx.base_url,
        &gx.api_key,
        Duration::ZERO,
    ))
    .await;
    let set_status = |status: &str| {
        let (c, id, status) = (c.clone(), a.agent_id.clone(), status.to_string());
        async move {
            c.agents()
                .update(
                    &id,
                    &grantex::types::UpdateAgentParams {
                        status: Some(status),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
    };
    client_for(&b, &root.grant_token)
        .send_task(&hello("active"))
        .await
        .unwrap();
    set_status("suspended").await;
    // The agent's own token and the token delegated from it are refused at once ...
    assert_refused(&b, &root.grant_token, 401, -32001, "revoked").await;
    assert_refused(&b, &child.grant_token, 401, -32001, "revoked").await;
    // ... and work again once it is reactivated (nothing else changed).
    set_status("active").await;
    client_for(&b, &root.grant_token)
        .send_task(&hello("back"))
        .await
        .unwrap();
    client_for(&b, &child.grant_token)
        .send_task(&hello("sub back"))
        .await
        .unwrap();
}

#[tokio::test]
async fn delegated_sub_agent_c_calls_b_and_is_cut_off_with_its_parent() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let a = register(&c, "A-parent").await;
    let sub = register(&c, "C-sub").await;
    let deeper = register(&c, "D-subsub").await;
    let root = grant(&c, &a, &["tasks:send", "tasks:read"], None, None).await;
    let child = delegate(&c, &root.grant_token, &sub, &["tasks:send"]).await;
    let grandchild = delegate(&c, &child.grant_token, &deeper, &["tasks:send"]).await;

    let b = agent_b(
        gx.policy()
            .require(["tasks:send"])
            .allow_delegation(Some(1))
            .revocation_online(&gx.base_url, &gx.api_key, Duration::ZERO),
    )
    .await;
    assert_eq!(
        b.agent.card.grantex_config().unwrap().delegation_allowed,
        Some(true)
    );
    let as_c = client_for(&b, &child.grant_token);
    let task = as_c.send_task(&hello("from C")).await.unwrap();
    let who = &task.metadata.as_ref().unwrap()["grantex"];
    assert_eq!(who["agentDid"], sub.did);
    assert_eq!(who["parentAgentDid"], a.did);
    assert_eq!(who["delegationDepth"], 1);
    // C acts for the same principal as A, so A sees the task C created.
    let seen = client_for(&b, &root.grant_token)
        .get_task(&TaskGetParams {
            id: task.id.clone(),
            history_length: None,
        })
        .await
        .unwrap();
    assert_eq!(seen.id, task.id);

    assert_refused(
        &b,
        &grandchild.grant_token,
        403,
        -32003,
        "delegation_too_deep",
    )
    .await;
    let closed = agent_b(gx.policy()).await;
    assert_refused(
        &closed,
        &child.grant_token,
        403,
        -32003,
        "delegation_not_allowed",
    )
    .await;

    c.grants().revoke(&root.grant_id).await.unwrap();
    let e = as_c.send_task(&hello("after revoke")).await.unwrap_err();
    assert_eq!(
        (e.status(), e.reason()),
        (Some(401), Some("revoked")),
        "{e}"
    );
}

#[tokio::test]
async fn the_client_never_sends_a_token_b_would_refuse() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let a = register(&c, "A-preflight").await;
    let b = agent_b(gx.policy().require(["tasks:send"])).await;
    let card = b.agent.card.clone();
    let with_card = |token: &str| {
        A2AClient::new(A2AClientConfig {
            agent_url: b.url.clone(),
            grant_token: token.into(),
            card: Some(card.clone()),
            ..Default::default()
        })
        .unwrap()
    };

    let reader = grant(&c, &a, &["tasks:read"], None, None).await;
    let e = with_card(&reader.grant_token)
        .send_task(&hello("x"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.reason()),
        ("a2a_preflight", Some("missing_scopes"))
    );

    let short = grant(&c, &a, &["tasks:send"], None, Some("3s")).await;
    let good = grant(&c, &a, &["tasks:send"], None, None).await;
    let kid = {
        use base64::Engine as _;
        let header = good.grant_token.split('.').next().unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        v["kid"].as_str().unwrap().to_owned()
    };
    // Same claims and kid, signed by a key that is not the issuer's.
    let claims: Value = {
        use base64::Engine as _;
        let payload = good.grant_token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    let forged = grantex::sign::RsaSigner::generate(&kid)
        .unwrap()
        .sign_claims(&claims)
        .unwrap();
    let e = with_card(&forged).send_task(&hello("x")).await.unwrap_err();
    assert_eq!(e.reason(), Some("bad_signature"));

    tokio::time::sleep(Duration::from_millis(4100)).await;
    let e = with_card(&short.grant_token)
        .send_task(&hello("x"))
        .await
        .unwrap_err();
    assert_eq!(e.reason(), Some("expired"));
    // Fetching the card is the only request a refusing client makes.
    let e = client_for(&b, &short.grant_token)
        .send_task(&hello("x"))
        .await
        .unwrap_err();
    assert_eq!(e.reason(), Some("expired"));
    assert_eq!(
        b.agent.stats.snapshot(),
        (0, 0, 0, 1),
        "no JSON-RPC request reached B"
    );

    with_card(&good.grant_token)
        .send_task(&hello("ok"))
        .await
        .unwrap();
    assert_eq!(b.agent.stats.snapshot(), (1, 1, 0, 1));
}
