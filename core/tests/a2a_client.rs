//! The A2A client against a mock remote agent: wire format, the offline preflight (nothing is
//! sent for a token the agent would refuse) and the typed errors.

mod a2a_common;

use a2a_common::*;
use grantex::a2a::*;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A remote agent whose JWKS (at `/jwks.json`) holds the test key and whose card requires `scopes`.
async fn agent(scopes: &[&str], delegation_allowed: bool) -> (MockServer, AgentCard) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jwks_json(), "application/json"))
        .mount(&server)
        .await;
    let card = AgentCard::builder("B", "remote", server.uri())
        .grantex(format!("{}/jwks.json", server.uri()), ISSUER)
        .required_scopes(scopes.iter().copied())
        .delegation_allowed(delegation_allowed)
        .build()
        .unwrap();
    (server, card)
}

fn completed(id: &Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {
        "id": "task-1", "status": {"state": "completed"},
        "artifacts": [{"name": "echo", "parts": [{"type": "text", "text": "hello"}]}]
    }})
}

/// Answers every JSON-RPC POST with a completed task echoing the request id.
async fn answer_tasks(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            ResponseTemplate::new(200).set_body_json(completed(&body["id"]))
        })
        .mount(server)
        .await;
}

async fn posts(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect()
}

fn client(card: &AgentCard, token: String) -> A2AClient {
    A2AClient::new(A2AClientConfig {
        agent_url: format!("{}/", card.url),
        grant_token: token,
        card: Some(card.clone()),
        ..Default::default()
    })
    .unwrap()
}

fn send() -> TaskSendParams {
    TaskSendParams {
        id: None,
        message: Message::user_text("hello"),
        metadata: None,
    }
}

#[tokio::test]
async fn sends_jsonrpc_with_the_bearer_token_and_a_counter_id() {
    let (server, card) = agent(&["tasks:send"], true).await;
    answer_tasks(&server).await;
    let token = sign(&claims(&["tasks:send"]));
    let c = client(&card, token.clone());
    assert_eq!(c.agent_url(), card.url, "one trailing slash is stripped");
    let task = c.send_task(&send()).await.unwrap();
    assert_eq!(task.status.state, TaskState::Completed);
    assert_eq!(task.artifacts.unwrap()[0].parts[0].as_text(), Some("hello"));
    c.get_task(&TaskGetParams {
        id: "task-1".into(),
        history_length: None,
    })
    .await
    .unwrap();
    c.cancel_task(&TaskCancelParams {
        id: "task-1".into(),
    })
    .await
    .unwrap();
    let sent = posts(&server).await;
    assert_eq!(sent.len(), 3);
    let expected = [
        (
            1,
            "tasks/send",
            json!({"message": {"role": "user", "parts": [{"type": "text", "text": "hello"}]}}),
        ),
        (2, "tasks/get", json!({"id": "task-1"})),
        (3, "tasks/cancel", json!({"id": "task-1"})),
    ];
    for (req, (id, m, params)) in sent.iter().zip(expected) {
        assert_eq!(
            req.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {token}")
        );
        assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            body,
            json!({"jsonrpc": "2.0", "id": id, "method": m, "params": params})
        );
    }
}

#[tokio::test]
async fn refuses_to_send_expired_underscoped_or_forged_tokens() {
    let (server, card) = agent(&["tasks:send"], true).await;
    answer_tasks(&server).await;
    let mut expired = claims(&["tasks:send"]);
    expired["exp"] = json!(now() - 1);
    expired["iat"] = json!(now() - 60);
    let cases = [
        (sign(&expired), "expired"),
        (sign(&claims(&["tasks:read"])), "missing_scopes"),
        (
            impostor().sign_claims(&claims(&["tasks:send"])).unwrap(),
            "bad_signature",
        ),
        ("x.y.z".to_string(), "malformed"),
    ];
    for (token, reason) in cases {
        let e = client(&card, token).send_task(&send()).await.unwrap_err();
        assert!(matches!(e, A2AError::Preflight(_)), "{e}");
        assert_eq!((e.code(), e.reason()), ("a2a_preflight", Some(reason)));
        assert_eq!(e.status(), None);
    }
    assert_eq!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/")
            .count(),
        0,
        "no request reached the agent"
    );
}

#[tokio::test]
async fn extra_scopes_audience_and_card_delegation_rule_are_checked_too() {
    let (server, card) = agent(&[], false).await;
    answer_tasks(&server).await;
    let extra = A2AClient::new(A2AClientConfig {
        agent_url: card.url.clone(),
        grant_token: sign(&claims(&["a"])),
        card: Some(card.clone()),
        required_scopes: vec!["b".into()],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        extra.send_task(&send()).await.unwrap_err().reason(),
        Some("missing_scopes")
    );
    let aud = A2AClient::new(A2AClientConfig {
        agent_url: card.url.clone(),
        grant_token: sign(&claims(&["a"])),
        card: Some(card.clone()),
        audience: Some("agent-b".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        aud.send_task(&send()).await.unwrap_err().reason(),
        Some("wrong_audience")
    );
    let sub = client(&card, sign(&delegated(&["a"], 1)));
    let e = sub.send_task(&send()).await.unwrap_err();
    assert_eq!(e.reason(), Some("delegation_too_deep"));
    assert!(e.to_string().contains("delegationAllowed"));
    assert_eq!(posts(&server).await.len(), 0);
    let grant = client(&card, sign(&claims(&["a"])))
        .preflight()
        .await
        .unwrap();
    assert_eq!(grant.scopes, ["a"]);
}

#[tokio::test]
async fn fetches_the_card_once_when_not_given() {
    let (server, card) = agent(&["tasks:send"], true).await;
    answer_tasks(&server).await;
    Mock::given(method("GET"))
        .and(path("/.well-known/agent.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(card.to_json(), "application/json"))
        .expect(2) // once per client below, never per request
        .mount(&server)
        .await;
    let c = A2AClient::new(A2AClientConfig {
        agent_url: server.uri(),
        grant_token: sign(&claims(&["tasks:send"])),
        ..Default::default()
    })
    .unwrap();
    c.send_task(&send()).await.unwrap();
    c.send_task(&send()).await.unwrap();
    assert_eq!(c.card().await.unwrap(), &card);
    let under = A2AClient::new(A2AClientConfig {
        agent_url: server.uri(),
        grant_token: sign(&claims(&["other"])),
        ..Default::default()
    })
    .unwrap();
    let e = under.send_task(&send()).await.unwrap_err();
    assert_eq!(
        e.reason(),
        Some("missing_scopes"),
        "scopes come from the fetched card"
    );
    assert_eq!(posts(&server).await.len(), 2);
}

#[tokio::test]
async fn card_problems_are_card_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/agent.json"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let token = sign(&claims(&[]));
    let cfg = |card: Option<AgentCard>| A2AClientConfig {
        agent_url: server.uri(),
        grant_token: token.clone(),
        card,
        ..Default::default()
    };
    let e = A2AClient::new(cfg(None))
        .unwrap()
        .send_task(&send())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "a2a_card_error", "{e}");

    let plain = AgentCard::builder("P", "", server.uri()).build().unwrap();
    let e = A2AClient::new(cfg(Some(plain.clone())))
        .unwrap()
        .preflight()
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "a2a_card_error",
        "no Grantex scheme and no JWKS: {e}"
    );
    // With the issuer's JWKS configured, a plain card is fine.
    A2AClient::new(A2AClientConfig {
        jwks: Some(JwksSource::Json(jwks_json())),
        issuer: Some(ISSUER.into()),
        ..cfg(Some(plain))
    })
    .unwrap()
    .preflight()
    .await
    .unwrap();

    let (_b, card) = agent(&[], true).await;
    let e = A2AClient::new(A2AClientConfig {
        issuer: Some("https://other-issuer.test".into()),
        ..cfg(Some(card))
    })
    .unwrap()
    .preflight()
    .await
    .unwrap_err();
    assert_eq!(e.code(), "a2a_card_error");
    assert!(e.to_string().contains("other-issuer"));
    assert!(posts(&server).await.is_empty());
}

#[tokio::test]
async fn bad_configuration_is_refused_without_a_request() {
    for (url, token) in [
        ("ftp://x", "t"),
        ("not a url", "t"),
        ("http://x", ""),
        ("http://x", "  "),
    ] {
        let e = A2AClient::new(A2AClientConfig {
            agent_url: url.into(),
            grant_token: token.into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{url:?} {token:?}");
    }
    let dbg = format!(
        "{:?}",
        A2AClientConfig {
            agent_url: "http://x".into(),
            grant_token: "secret-token".into(),
            ..Default::default()
        }
    );
    assert!(!dbg.contains("secret-token"));
}

async fn client_against(response: ResponseTemplate) -> (MockServer, A2AClient) {
    let (server, card) = agent(&[], true).await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("content-type", "application/json"))
        .respond_with(response)
        .mount(&server)
        .await;
    let c = client(&card, sign(&claims(&[])));
    (server, c)
}

#[tokio::test]
async fn remote_rejections_keep_status_code_and_reason() {
    let body = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32001,
        "message": "grant token expired", "data": {"reason": "expired"}}});
    let (_s, c) = client_against(ResponseTemplate::new(401).set_body_json(body)).await;
    let e = c.send_task(&send()).await.unwrap_err();
    match &e {
        A2AError::Rpc { status, error } => {
            assert_eq!((*status, error.code), (401, -32001));
            assert_eq!(error.message, "grant token expired");
        }
        other => panic!("expected an Rpc error, got {other:?}"),
    }
    assert_eq!(
        (e.code(), e.reason(), e.status()),
        ("a2a_rpc_error", Some("expired"), Some(401))
    );

    let ok_status =
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32010, "message": "no such task"}});
    let (_s, c) = client_against(ResponseTemplate::new(200).set_body_json(ok_status)).await;
    let e = c
        .get_task(&TaskGetParams {
            id: "nope".into(),
            history_length: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(e, A2AError::Rpc { status: 200, ref error } if error.code == -32010));
    assert_eq!(e.reason(), None);
}

#[tokio::test]
async fn http_failures_and_malformed_answers_are_typed() {
    let (_s, c) = client_against(ResponseTemplate::new(502).set_body_string("bad gateway")).await;
    let e = c.send_task(&send()).await.unwrap_err();
    assert!(matches!(e, A2AError::Http { status: 502, .. }), "{e:?}");
    assert_eq!(e.code(), "a2a_http_error");

    let cases = [
        ResponseTemplate::new(200).set_body_string("<html>"),
        ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": 99, "result": {}})),
        ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "1.0", "id": 1, "result": {}})),
        ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": 1})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": {"id": 5}})),
        ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:1/"),
    ];
    for (i, resp) in cases.into_iter().enumerate() {
        let (_s, c) = client_against(resp).await;
        let e = c.send_task(&send()).await.unwrap_err();
        let want = if i == 5 {
            "a2a_http_error"
        } else {
            "a2a_protocol_error"
        };
        assert_eq!(e.code(), want, "case {i}: {e}");
    }

    let c = A2AClient::new(A2AClientConfig {
        agent_url: "http://127.0.0.1:1".into(),
        grant_token: sign(&claims(&[])),
        jwks: Some(JwksSource::Json(jwks_json())),
        issuer: Some(ISSUER.into()),
        card: Some(
            AgentCard::builder("X", "", "http://127.0.0.1:1")
                .build()
                .unwrap(),
        ),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        c.send_task(&send()).await.unwrap_err().code(),
        "network_error"
    );
}
