//! How responses map to values and errors: the error envelope variants, auth failures,
//! decode failures, 204s and the rate-limit headers.

use grantex::types::{AgentList, RateLimit};
use grantex::{Client, ClientConfig, Error};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::new(ClientConfig {
        api_key: Some("test-key-0123456789".into()),
        base_url: Some(server.uri()),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap()
}

async fn mount(server: &MockServer, route: &str, response: ResponseTemplate) {
    server.reset().await;
    Mock::given(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn json_error_envelope() {
    let server = MockServer::start().await;
    let body = json!({"message": "Agent not found", "code": "NOT_FOUND", "requestId": "req-body"});
    mount(
        &server,
        "/v1/agents/ag_1",
        ResponseTemplate::new(404).set_body_json(&body),
    )
    .await;
    let err = client(&server).agents().get("ag_1").await.unwrap_err();
    assert_eq!(err.code(), "api_error");
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 404);
    assert_eq!(api.message, "Agent not found");
    assert_eq!(api.code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(
        api.request_id.as_deref(),
        Some("req-body"),
        "falls back to the body"
    );
    assert_eq!(api.body, body);
    assert_eq!(
        err.to_string(),
        "Agent not found (HTTP 404, code NOT_FOUND, request id req-body)"
    );

    // The x-request-id header wins over the body.
    let response = ResponseTemplate::new(404)
        .set_body_json(&body)
        .insert_header("x-request-id", "req-hdr");
    mount(&server, "/v1/agents/ag_1", response).await;
    let err = client(&server).agents().get("ag_1").await.unwrap_err();
    assert_eq!(err.as_api().unwrap().request_id.as_deref(), Some("req-hdr"));
}

#[tokio::test]
async fn nested_and_string_error_members() {
    let server = MockServer::start().await;
    let nested = json!({"error": {"message": "scope too wide", "code": "BAD_SCOPE"}});
    mount(
        &server,
        "/v1/me",
        ResponseTemplate::new(400).set_body_json(&nested),
    )
    .await;
    let err = client(&server).me().await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.message.as_str(), api.code.as_deref()),
        ("scope too wide", Some("BAD_SCOPE"))
    );

    // Fastify's default 404 body.
    let fastify =
        json!({"message": "Route PUT:/x not found", "error": "Not Found", "statusCode": 404});
    mount(
        &server,
        "/v1/me",
        ResponseTemplate::new(404).set_body_json(&fastify),
    )
    .await;
    let err = client(&server).me().await.unwrap_err();
    assert_eq!(err.as_api().unwrap().message, "Route PUT:/x not found");

    let string_error = json!({"error": "Not Found", "statusCode": 404});
    mount(
        &server,
        "/v1/me",
        ResponseTemplate::new(404).set_body_json(&string_error),
    )
    .await;
    let err = client(&server).me().await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.message.as_str(), api.code.as_deref()),
        ("Not Found", None)
    );
}

#[tokio::test]
async fn plain_text_and_empty_error_bodies() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/v1/me",
        ResponseTemplate::new(502).set_body_string("upstream down"),
    )
    .await;
    let err = client(&server).me().await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.message, "HTTP 502");
    assert_eq!(api.body, json!("upstream down"));
    assert_eq!(api.code, None);

    mount(&server, "/v1/me", ResponseTemplate::new(500)).await;
    let err = client(&server).me().await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.message.as_str(), &api.body),
        ("HTTP 500", &serde_json::Value::Null)
    );
    assert_eq!(err.to_string(), "HTTP 500", "the status is said once");

    // An empty 404 with a request id: the status once, then the id.
    let response = ResponseTemplate::new(404).insert_header("x-request-id", "req-empty");
    mount(&server, "/v1/me", response).await;
    let err = client(&server).me().await.unwrap_err();
    assert_eq!(err.as_api().unwrap().message, "HTTP 404");
    assert_eq!(err.to_string(), "HTTP 404 (request id req-empty)");
    assert_eq!(err.to_string().matches("HTTP 404").count(), 1);

    // A plain-text body keeps its status once too.
    mount(
        &server,
        "/v1/me",
        ResponseTemplate::new(502).set_body_string("upstream down"),
    )
    .await;
    let err = client(&server).me().await.unwrap_err();
    assert_eq!(err.to_string(), "HTTP 502");
}

#[tokio::test]
async fn unauthorized_and_forbidden_are_auth_errors() {
    let server = MockServer::start().await;
    for status in [401u16, 403] {
        let body = json!({"message": "Invalid API key", "code": "UNAUTHORIZED"});
        mount(
            &server,
            "/v1/me",
            ResponseTemplate::new(status).set_body_json(body),
        )
        .await;
        let err = client(&server).me().await.unwrap_err();
        assert_eq!(err.code(), "auth_error", "{status}");
        assert!(err.as_api().unwrap().is_auth());
        assert_eq!(
            err.to_string(),
            format!("Invalid API key (HTTP {status}, code UNAUTHORIZED)")
        );
    }
}

#[tokio::test]
async fn bad_success_bodies_are_decode_errors() {
    let server = MockServer::start().await;
    let html = ResponseTemplate::new(200)
        .set_body_string("<html>proxy login</html>")
        .insert_header("x-request-id", "r-7");
    mount(&server, "/v1/agents", html).await;
    match client(&server).agents().list().await.unwrap_err() {
        Error::Decode {
            status, request_id, ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(request_id.as_deref(), Some("r-7"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }

    // Valid JSON of the wrong shape.
    mount(
        &server,
        "/v1/agents",
        ResponseTemplate::new(200).set_body_json(json!({"agents": 3})),
    )
    .await;
    let err = client(&server).agents().list().await.unwrap_err();
    assert_eq!(err.code(), "decode_error");

    // An empty 200 where a body is expected.
    mount(&server, "/v1/agents", ResponseTemplate::new(200)).await;
    assert_eq!(
        client(&server).agents().list().await.unwrap_err().code(),
        "decode_error"
    );

    // And a good one decodes.
    mount(
        &server,
        "/v1/agents",
        ResponseTemplate::new(200).set_body_json(json!({"agents": []})),
    )
    .await;
    let list: AgentList = client(&server).agents().list().await.unwrap();
    assert!(list.agents.is_empty());
}

#[tokio::test]
async fn no_content_is_unit() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/grants/grnt_1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/tokens/revoke"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = client(&server);
    c.grants().revoke("grnt_1").await.unwrap();
    c.tokens().revoke("tok_1").await.unwrap();
    let revoke = &server.received_requests().await.unwrap()[1];
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&revoke.body).unwrap(),
        json!({"jti": "tok_1"})
    );
}

fn with_rate_limit(
    status: u16,
    limit: &str,
    remaining: &str,
    reset: Option<&str>,
) -> ResponseTemplate {
    let mut r = ResponseTemplate::new(status)
        .set_body_json(json!({"agents": []}))
        .insert_header("X-RateLimit-Limit", limit)
        .insert_header("X-RateLimit-Remaining", remaining);
    if let Some(reset) = reset {
        r = r.insert_header("X-RateLimit-Reset", reset);
    }
    r
}

#[tokio::test]
async fn rate_limit_headers() {
    let server = MockServer::start().await;
    let c = client(&server);
    assert_eq!(c.last_rate_limit(), None);

    mount(
        &server,
        "/v1/agents",
        with_rate_limit(200, "100", "99", Some("60")),
    )
    .await;
    c.agents().list().await.unwrap();
    assert_eq!(
        c.last_rate_limit(),
        Some(RateLimit {
            limit: 100,
            remaining: 99,
            reset: 60,
            retry_after: None
        })
    );

    // Missing X-RateLimit-Reset: no rate limit at all (and the old one is replaced).
    mount(
        &server,
        "/v1/agents",
        with_rate_limit(200, "100", "98", None),
    )
    .await;
    c.agents().list().await.unwrap();
    assert_eq!(c.last_rate_limit(), None);

    // Not an integer.
    mount(
        &server,
        "/v1/agents",
        with_rate_limit(200, "100", "many", Some("60")),
    )
    .await;
    c.agents().list().await.unwrap();
    assert_eq!(c.last_rate_limit(), None);

    // An error response updates it too, and carries it.
    let limited = with_rate_limit(429, "100", "0", Some("42")).insert_header("Retry-After", "42");
    mount(&server, "/v1/agents", limited).await;
    let err = c.agents().list().await.unwrap_err();
    let expected = RateLimit {
        limit: 100,
        remaining: 0,
        reset: 42,
        retry_after: Some(42),
    };
    assert_eq!(err.as_api().unwrap().rate_limit, Some(expected));
    assert_eq!(c.last_rate_limit(), Some(expected));
}

#[tokio::test]
async fn grant_verify_inactive_is_a_token_error() {
    let server = MockServer::start().await;
    let body = json!({"active": false, "reason": "revoked"});
    mount(
        &server,
        "/v1/grants/verify",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let err = client(&server)
        .grants()
        .verify("eyJ.a.b")
        .await
        .unwrap_err();
    let token = err.as_token().expect("a token error");
    assert_eq!(token.code, grantex::TokenErrorCode::Inactive);
    assert_eq!(token.message, "grant token is not active: revoked");
    assert_eq!(err.code(), "token_invalid");

    let body = json!({"active": true});
    mount(
        &server,
        "/v1/grants/verify",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let err = client(&server)
        .grants()
        .verify("eyJ.a.b")
        .await
        .unwrap_err();
    assert_eq!(
        err.as_token().unwrap().code,
        grantex::TokenErrorCode::Inactive
    );
}

#[tokio::test]
async fn grant_verify_active_maps_the_claims() {
    let server = MockServer::start().await;
    let body = json!({"active": true, "claims": {
        "jti": "tok_2", "grnt": "grnt_2", "sub": "user-42", "agt": "did:grantex:ag_2",
        "dev": "dev_1", "scp": ["read"], "iat": 1767225600, "exp": 1767229200,
        "iss": "http://localhost:3001", "parentAgt": "did:grantex:ag_1",
        "parentGrnt": "grnt_1", "delegationDepth": 1
    }});
    Mock::given(method("POST"))
        .and(path("/v1/grants/verify"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let grant = client(&server).grants().verify("eyJ.a.b").await.unwrap();
    assert_eq!(grant.token_id, "tok_2");
    assert_eq!(grant.grant_id, "grnt_2");
    assert_eq!(grant.principal_id, "user-42");
    assert_eq!(grant.agent_did, "did:grantex:ag_2");
    assert_eq!(grant.developer_id, "dev_1");
    assert_eq!(grant.scopes, vec!["read".to_string()]);
    assert_eq!(
        (grant.issued_at, grant.expires_at),
        (1767225600, 1767229200)
    );
    assert_eq!(grant.issuer, "http://localhost:3001");
    assert_eq!(grant.parent_agent_did.as_deref(), Some("did:grantex:ag_1"));
    assert_eq!(grant.parent_grant_id.as_deref(), Some("grnt_1"));
    assert_eq!(grant.delegation_depth, Some(1));
    assert!(grant.audience.is_none());
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(sent, json!({"token": "eyJ.a.b"}));
}

#[tokio::test]
async fn oversized_bodies_are_refused_not_buffered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that announces 200 MB and streams zeros until the client hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200000000\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let block = vec![b' '; 1 << 16];
        let mut sent = 0usize;
        while sent < 200_000_000 {
            if socket.write_all(&block).await.is_err() {
                break;
            }
            sent += block.len();
        }
        sent
    });
    let c = Client::new(ClientConfig {
        api_key: Some("test-key-0123456789".into()),
        base_url: Some(format!("http://127.0.0.1:{port}")),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap();
    let err = c.health().await.unwrap_err();
    match &err {
        Error::Decode {
            message, status, ..
        } => {
            assert_eq!(*status, 200);
            assert!(message.contains("exceeds"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    drop(c);
    let sent = server.await.unwrap();
    assert!(
        sent < 200_000_000,
        "the client stopped reading early ({sent} bytes sent)"
    );
}
