//! What the client puts on the wire: method, path, query, headers and body of every call.

use grantex::types::*;
use grantex::{Client, ClientConfig, Error};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "test-key-0123456789";

fn client(server: &MockServer) -> Client {
    Client::new(ClientConfig {
        api_key: Some(KEY.into()),
        base_url: Some(format!("{}/", server.uri())),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap()
}

fn agent_json(id: &str) -> Value {
    json!({"agentId": id, "did": format!("did:grantex:{id}"), "developerId": "dev_1",
           "name": "bot", "description": "", "scopes": ["read"], "status": "active",
           "createdAt": "2026-03-01T12:00:00.000Z", "updatedAt": "2026-03-01T12:00:00.000Z"})
}

fn grant_json() -> Value {
    json!({"grantId": "grnt_1", "agentId": "ag_1", "principalId": "user-42", "developerId": "dev_1",
           "scopes": ["read"], "status": "active", "issuedAt": "2026-03-01T12:00:00.000Z",
           "expiresAt": "2026-03-02T12:00:00.000Z", "delegationDepth": 0})
}

fn entry_json() -> Value {
    json!({"entryId": "alog_1", "agentId": "ag_1", "agentDid": "did:grantex:ag_1",
           "grantId": "grnt_1", "principalId": "user-42", "developerId": "dev_1",
           "action": "email.read", "metadata": {}, "hash": "ab", "prevHash": null,
           "timestamp": "2026-03-01T12:00:00.000Z", "status": "success"})
}

fn ok(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

async fn last_request(server: &MockServer) -> Request {
    server
        .received_requests()
        .await
        .unwrap()
        .pop()
        .expect("a request was sent")
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn standard_headers() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/me"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("accept", "application/json"))
        .and(header(
            "user-agent",
            format!("grantex-rust/{}", grantex::VERSION).as_str(),
        ))
        .respond_with(ok(
            200,
            json!({"developerId": "dev_1", "name": "Acme", "mode": "live",
                                      "createdAt": "2026-03-01T12:00:00.000Z"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let me = client(&server).me().await.unwrap();
    assert_eq!(me.developer_id, "dev_1");
    let get = last_request(&server).await;
    assert!(
        get.headers.get("content-type").is_none(),
        "no body, no Content-Type"
    );

    // A POST with a body carries Content-Type; rotate_key has no body and none.
    Mock::given(path("/v1/keys/rotate"))
        .respond_with(ok(
            200,
            json!({"apiKey": "gx_live_new", "rotatedAt": "2026-03-01T12:00:00.000Z"}),
        ))
        .mount(&server)
        .await;
    let rotated = client(&server).rotate_key().await.unwrap();
    assert_eq!(rotated.api_key, "gx_live_new");
    let rotate = last_request(&server).await;
    assert_eq!(rotate.method.as_str(), "POST");
    assert!(rotate.body.is_empty());
    assert!(rotate.headers.get("content-type").is_none());

    Mock::given(path("/v1/agents"))
        .and(method("POST"))
        .respond_with(ok(201, agent_json("ag_1")))
        .mount(&server)
        .await;
    let params = RegisterAgentParams {
        name: "bot".into(),
        ..Default::default()
    };
    client(&server).agents().register(&params).await.unwrap();
    let post = last_request(&server).await;
    assert_eq!(
        post.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(
        body_of(&post),
        json!({"name": "bot", "description": "", "scopes": []})
    );
}

#[tokio::test]
async fn custom_user_agent() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .and(header("user-agent", "my-app/2.0"))
        .respond_with(ok(200, json!({"status": "healthy"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::new(ClientConfig {
        api_key: Some(KEY.into()),
        base_url: Some(server.uri()),
        user_agent: Some("my-app/2.0".into()),
        ..Default::default()
    })
    .unwrap();
    c.health().await.unwrap();
}

#[tokio::test]
async fn agent_update_uses_patch_with_only_given_fields() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/agents/ag_1"))
        .and(body_json(json!({"name": "renamed", "status": "suspended"})))
        .respond_with(ok(200, agent_json("ag_1")))
        .expect(1)
        .mount(&server)
        .await;
    let params = UpdateAgentParams {
        name: Some("renamed".into()),
        status: Some("suspended".into()),
        ..Default::default()
    };
    let agent = client(&server)
        .agents()
        .update("ag_1", &params)
        .await
        .unwrap();
    assert_eq!(agent.agent_id, "ag_1");
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok(200, agent_json("x")))
        .mount(&server)
        .await;
    let c = client(&server);
    c.agents().get("a b/c?d#e%f").await.unwrap();
    let request = last_request(&server).await;
    assert_eq!(request.url.path(), "/v1/agents/a%20b%2Fc%3Fd%23e%25f");
    assert_eq!(request.url.query(), None);

    c.agents().get("ünï").await.unwrap();
    assert_eq!(
        last_request(&server).await.url.path(),
        "/v1/agents/%C3%BCn%C3%AF"
    );
}

#[tokio::test]
async fn empty_or_dot_ids_fail_before_any_request() {
    let server = MockServer::start().await;
    let c = client(&server);
    let results: Vec<Error> = vec![
        c.agents().get("").await.unwrap_err(),
        c.agents().get("..").await.unwrap_err(),
        c.agents().delete("").await.unwrap_err(),
        c.agents()
            .update(".", &UpdateAgentParams::default())
            .await
            .unwrap_err(),
        c.grants().get("").await.unwrap_err(),
        c.grants().revoke("").await.unwrap_err(),
        c.grants().verify("").await.unwrap_err(),
        c.audit().get("").await.unwrap_err(),
        c.consent().get("").await.unwrap_err(),
        c.consent().approve("").await.unwrap_err(),
        c.consent().deny("").await.unwrap_err(),
        c.tokens().verify("").await.unwrap_err(),
        c.tokens().revoke("").await.unwrap_err(),
    ];
    for err in results {
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert_eq!(err.code(), "invalid_argument");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_filters_become_camel_case_queries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/grants"))
        .and(query_param("agentId", "ag 1&x"))
        .and(query_param("status", "active"))
        .and(query_param("pageSize", "10"))
        .respond_with(ok(200, json!({"grants": [grant_json()]})))
        .expect(1)
        .mount(&server)
        .await;
    let params = ListGrantsParams {
        agent_id: Some("ag 1&x".into()),
        status: Some("active".into()),
        page_size: Some(10),
        ..Default::default()
    };
    let list = client(&server).grants().list(&params).await.unwrap();
    assert_eq!(list.grants[0].grant_id, "grnt_1");
    let query = last_request(&server).await.url.query().unwrap().to_owned();
    assert!(
        !query.contains("principalId") && !query.contains("page="),
        "{query}"
    );

    // No filters: no query string at all.
    Mock::given(path("/v1/audit/entries"))
        .respond_with(ok(200, json!({"entries": [entry_json()]})))
        .mount(&server)
        .await;
    let c = client(&server);
    c.audit().list(&ListAuditParams::default()).await.unwrap();
    assert_eq!(last_request(&server).await.url.query(), None);
    let filtered = ListAuditParams {
        grant_id: Some("grnt_1".into()),
        since: Some("2026-03-01T00:00:00Z".into()),
        page: Some(2),
        ..Default::default()
    };
    c.audit().list(&filtered).await.unwrap();
    let url = last_request(&server).await.url;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    // In the params' declaration order (serde_json keeps object order: `preserve_order`).
    assert_eq!(
        pairs,
        vec![
            ("grantId".into(), "grnt_1".into()),
            ("since".into(), "2026-03-01T00:00:00Z".into()),
            ("page".into(), "2".into())
        ]
    );
}

/// Every remaining endpoint: method, path and body as the Grantex API defines them (and the
/// server in this repository serves them).
#[tokio::test]
async fn every_endpoint_hits_its_route() {
    let server = MockServer::start().await;
    let routes: Vec<(&str, &str, u16, Value)> = vec![
        (
            "POST",
            "/v1/authorize",
            201,
            json!({"authRequestId": "areq_1",
            "consentUrl": "http://x/consent?req=areq_1", "expiresAt": "2026-03-02T12:00:00.000Z"}),
        ),
        (
            "GET",
            "/.well-known/jwks.json",
            200,
            json!({"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}),
        ),
        ("GET", "/health", 200, json!({"status": "healthy"})),
        (
            "GET",
            "/v1/agents",
            200,
            json!({"agents": [agent_json("ag_1")]}),
        ),
        ("GET", "/v1/agents/ag_1", 200, agent_json("ag_1")),
        ("DELETE", "/v1/agents/ag_1", 204, Value::Null),
        (
            "POST",
            "/v1/token",
            201,
            json!({"grantToken": "t", "expiresAt": "e", "scopes": [],
            "refreshToken": "ref_1", "grantId": "grnt_1"}),
        ),
        ("POST", "/v1/tokens/verify", 200, json!({"valid": false})),
        ("GET", "/v1/grants/grnt_1", 200, grant_json()),
        (
            "POST",
            "/v1/grants/delegate",
            201,
            json!({"grantToken": "t2", "expiresAt": "e",
            "scopes": ["read"], "grantId": "grnt_2"}),
        ),
        ("POST", "/v1/audit/log", 201, entry_json()),
        ("GET", "/v1/audit/alog_1", 200, entry_json()),
        (
            "GET",
            "/v1/consent/areq_1",
            200,
            json!({"id": "areq_1", "agentName": "bot",
            "agentDid": "did:grantex:ag_1", "agentDescription": null, "scopes": ["read"],
            "scopeDescriptions": ["Read"], "expiresAt": "e", "status": "pending", "fidoRequired": false}),
        ),
        (
            "POST",
            "/v1/consent/areq_1/approve",
            200,
            json!({"code": "01JCODE"}),
        ),
        ("POST", "/v1/consent/areq_1/deny", 200, json!({})),
        (
            "POST",
            "/v1/principal-sessions",
            201,
            json!({"sessionToken": "s",
            "dashboardUrl": "http://x/permissions#session=s", "expiresAt": "e"}),
        ),
    ];
    for (verb, route, status, body) in &routes {
        let response = if body.is_null() {
            ResponseTemplate::new(*status)
        } else {
            ok(*status, body.clone())
        };
        Mock::given(method(*verb))
            .and(path(*route))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: "ag_1".into(),
            user_id: "user-42".into(),
            scopes: vec!["read".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(auth.auth_request_id, "areq_1");
    assert_eq!(c.jwks().await.unwrap().keys.len(), 1);
    c.health().await.unwrap();
    assert_eq!(c.agents().list().await.unwrap().agents.len(), 1);
    c.agents().get("ag_1").await.unwrap();
    c.agents().delete("ag_1").await.unwrap();
    let exchange = ExchangeTokenParams {
        code: "01JCODE".into(),
        agent_id: "ag_1".into(),
        code_verifier: Some("v".repeat(43)),
        ..Default::default()
    };
    c.tokens().exchange(&exchange).await.unwrap();
    assert!(!c.tokens().verify("eyJ.a.b").await.unwrap().valid);
    c.grants().get("grnt_1").await.unwrap();
    let delegate = DelegateParams {
        parent_grant_token: "eyJ.p.s".into(),
        sub_agent_id: "ag_2".into(),
        scopes: vec!["read".into()],
        expires_in: None,
    };
    c.grants().delegate(&delegate).await.unwrap();
    let log = AuditLogParams {
        agent_id: "ag_1".into(),
        agent_did: "did:grantex:ag_1".into(),
        grant_id: "grnt_1".into(),
        principal_id: "user-42".into(),
        action: "email.read".into(),
        metadata: Some(json!({"n": 1})),
        status: Some(AuditStatus::Success),
    };
    c.audit().log(&log).await.unwrap();
    c.audit().get("alog_1").await.unwrap();
    assert_eq!(c.consent().get("areq_1").await.unwrap().agent_name, "bot");
    assert_eq!(c.consent().approve("areq_1").await.unwrap().code, "01JCODE");
    c.consent().deny("areq_1").await.unwrap();
    let session = PrincipalSessionParams {
        principal_id: "user-42".into(),
        expires_in: None,
    };
    c.principal_sessions().create(&session).await.unwrap();

    let bodies: Vec<(String, Value)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let body = if r.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&r.body).unwrap()
            };
            (format!("{} {}", r.method, r.url.path()), body)
        })
        .collect();
    let body = |key: &str| bodies.iter().find(|(k, _)| k == key).unwrap().1.clone();
    assert_eq!(
        body("POST /v1/authorize"),
        json!({"agentId": "ag_1", "principalId": "user-42", "scopes": ["read"]})
    );
    assert_eq!(
        body("POST /v1/token"),
        json!({"code": "01JCODE", "agentId": "ag_1", "codeVerifier": "v".repeat(43)})
    );
    assert_eq!(body("POST /v1/tokens/verify"), json!({"token": "eyJ.a.b"}));
    assert_eq!(
        body("POST /v1/grants/delegate"),
        json!({"parentGrantToken": "eyJ.p.s", "subAgentId": "ag_2", "scopes": ["read"]})
    );
    assert_eq!(body("POST /v1/audit/log")["metadata"], json!({"n": 1}));
    assert_eq!(body("POST /v1/audit/log")["status"], json!("success"));
    assert_eq!(
        body("POST /v1/consent/areq_1/approve"),
        Value::Null,
        "approve sends no body"
    );
    assert_eq!(
        body("POST /v1/principal-sessions"),
        json!({"principalId": "user-42"})
    );
    // `expect(1)` on every mock is checked when the server is dropped.
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/agents/ag_1"))
        .respond_with(ok(200, agent_json("ag_1")))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::new(ClientConfig {
        api_key: Some(KEY.into()),
        base_url: Some(format!("{}/api//", server.uri())),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.base_url(), format!("{}/api", server.uri()));
    assert_eq!(
        c.jwks_uri(),
        format!("{}/api/.well-known/jwks.json", server.uri())
    );
    c.agents().get("ag_1").await.unwrap();
}

#[tokio::test]
async fn signup_sends_no_api_key_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/signup"))
        .and(body_json(json!({"name": "Acme", "mode": "sandbox"})))
        .respond_with(ok(201, json!({"developerId": "dev_1", "apiKey": "gx_test_abc", "name": "Acme",
                                     "email": null, "mode": "sandbox", "createdAt": "2026-03-01T12:00:00.000Z"})))
        .expect(1)
        .mount(&server)
        .await;
    let params = SignupParams {
        name: "Acme".into(),
        email: None,
        mode: Some(Mode::Sandbox),
    };
    let uri = server.uri();
    let created = Client::signup(Some(&uri), &params).await.unwrap();
    assert_eq!(created.api_key, "gx_test_abc");
    assert_eq!(created.mode, Mode::Sandbox);
    let request = last_request(&server).await;
    assert!(request.headers.get("authorization").is_none());
    assert!(request
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("grantex-rust/"));

    server.reset().await;
    let conflict = json!({"message": "Email already registered", "code": "CONFLICT"});
    Mock::given(path("/v1/signup"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let err = Client::signup(Some(&uri), &params).await.unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 503);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    server.reset().await;
    Mock::given(path("/v1/signup"))
        .respond_with(ok(409, conflict))
        .mount(&server)
        .await;
    let err = Client::signup(Some(&uri), &params).await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!((api.status, api.code.as_deref()), (409, Some("CONFLICT")));

    let err = Client::signup(Some("ftp://nope"), &params)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "config_error");
}
