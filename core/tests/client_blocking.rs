//! The blocking facade: the same calls without async, the process runtime, and `block_on`
//! from inside another runtime.

use grantex::blocking;
use grantex::types::UpdateAgentParams;
use grantex::ClientConfig;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn agent_json() -> serde_json::Value {
    json!({"agentId": "ag_1", "did": "did:grantex:ag_1", "name": "bot", "status": "active"})
}

fn start_server() -> MockServer {
    blocking::block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/agents/ag_1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(agent_json()))
            .mount(&server)
            .await;
        Mock::given(method("PATCH"))
            .and(path("/v1/agents/ag_1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(agent_json()))
            .mount(&server)
            .await;
        Mock::given(path("/v1/grants/grnt_1"))
            .respond_with(
                ResponseTemplate::new(404)
                    .set_body_json(json!({"message": "Grant not found", "code": "NOT_FOUND"})),
            )
            .mount(&server)
            .await;
        server
    })
}

fn client(server: &MockServer) -> blocking::Client {
    blocking::Client::new(ClientConfig {
        api_key: Some("test-key-0123456789".into()),
        base_url: Some(server.uri()),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn blocking_calls_return_values_and_errors() {
    let server = start_server();
    let c = client(&server);
    assert_eq!(c.agents().get("ag_1").unwrap().did, "did:grantex:ag_1");
    let update = UpdateAgentParams {
        name: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(c.agents().update("ag_1", &update).unwrap().agent_id, "ag_1");
    let err = c.grants().get("grnt_1").unwrap_err();
    assert_eq!(err.as_api().unwrap().code.as_deref(), Some("NOT_FOUND"));
    assert_eq!(c.grants().get("").unwrap_err().code(), "invalid_argument");
    assert_eq!(c.base_url(), server.uri());
}

#[test]
fn blocking_client_is_usable_from_many_threads() {
    let server = start_server();
    let c = client(&server);
    std::thread::scope(|s| {
        for _ in 0..8 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..5 {
                    assert_eq!(c.agents().get("ag_1").unwrap().agent_id, "ag_1");
                }
            });
        }
    });
    let received = blocking::block_on(server.received_requests()).unwrap();
    assert_eq!(
        received
            .iter()
            .filter(|r| r.url.path() == "/v1/agents/ag_1")
            .count(),
        40
    );
}

#[test]
fn block_on_runs_on_the_process_runtime() {
    let value = blocking::block_on(async {
        let task = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            21
        });
        task.await.unwrap() * 2
    });
    assert_eq!(value, 42);
    let name = blocking::block_on(async {
        tokio::spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("grantex-runtime"));
}

#[tokio::test]
async fn block_on_inside_another_runtime_does_not_panic() {
    // A synchronous caller inside async code (e.g. a sync callback) must not hit tokio's
    // "cannot start a runtime from within a runtime" panic.
    let server = MockServer::start().await;
    Mock::given(path("/v1/agents/ag_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(agent_json()))
        .mount(&server)
        .await;
    let c = client(&server);
    let agent = c.agents().get("ag_1").unwrap();
    assert_eq!(agent.agent_id, "ag_1");
    assert_eq!(blocking::block_on(async { 7 }), 7);
}

#[test]
fn blocking_offline_verification_end_to_end() {
    let signer = grantex::sign::RsaSigner::generate("k1").unwrap();
    let server = blocking::block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/.well-known/jwks.json"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"keys": [signer.public_jwk()]})),
            )
            .mount(&server)
            .await;
        server
    });
    let c = client(&server);
    let now = 1_767_225_600;
    let claims = json!({
        "iss": server.uri(), "sub": "user-42", "agt": "did:grantex:ag_1", "dev": "dev_1",
        "scp": ["calendar:read"], "jti": "tok_1", "grnt": "grnt_1", "iat": now, "exp": now + 3600
    });
    let token = signer.sign_claims(&claims).unwrap();
    let opts = grantex::VerifyOptions {
        now: Some(now + 10),
        ..Default::default()
    };
    let grant = blocking::verify_grant_token(&token, &c.jwks_uri(), &opts).unwrap();
    assert_eq!(grant.grant_id, "grnt_1");
    assert_eq!(grant.scopes, vec!["calendar:read".to_string()]);

    let late = grantex::VerifyOptions {
        now: Some(now + 7200),
        ..Default::default()
    };
    let err = blocking::verify_grant_token(&token, &c.jwks_uri(), &late).unwrap_err();
    assert_eq!(
        err.as_token().unwrap().code,
        grantex::TokenErrorCode::Expired
    );
}

#[test]
fn runtime_handle_is_reused() {
    let a = blocking::runtime();
    let b = blocking::runtime();
    assert_eq!(a.id(), b.id());
}
