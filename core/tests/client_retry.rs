//! Retry behaviour of the async client against a local mock server: which statuses and
//! failures are retried, how often, how long it waits, and which calls are never retried.

use grantex::types::{ExchangeTokenParams, RefreshTokenParams};
use grantex::{Client, ClientConfig, Error};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client_with(server_url: &str, max_retries: u32, timeout: Duration) -> Client {
    Client::new(ClientConfig {
        api_key: Some("test-key-0123456789".into()),
        base_url: Some(server_url.into()),
        max_retries: Some(max_retries),
        timeout: Some(timeout),
        ..Default::default()
    })
    .unwrap()
}

/// A client whose backoff base is 1 ms, so retries are fast.
fn fast_client(server: &MockServer, max_retries: u32) -> Client {
    client_with(&server.uri(), max_retries, Duration::from_secs(5))
        .with_retry_base(Duration::from_millis(1))
        .unwrap()
}

fn health_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": "healthy"}))
}

fn token_response() -> serde_json::Value {
    json!({"grantToken": "eyJ.x.y", "expiresAt": "2026-03-02T12:00:00.000Z",
           "scopes": ["read"], "refreshToken": "ref_2", "grantId": "grnt_1"})
}

async fn requests_to(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn transient_statuses_are_retried_until_success() {
    for status in [429u16, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(health_ok())
            .mount(&server)
            .await;

        let health = fast_client(&server, 3).health().await.unwrap();
        assert_eq!(health.status, "healthy");
        assert_eq!(
            requests_to(&server).await,
            3,
            "status {status}: 2 failures + 1 success"
        );
    }
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let err = fast_client(&server, 3).health().await.unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 503);
    assert_eq!(requests_to(&server).await, 4, "1 attempt + 3 retries");

    server.reset().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let err = fast_client(&server, 0).health().await.unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 429);
    assert_eq!(
        requests_to(&server).await,
        1,
        "max_retries 0 disables retries"
    );
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    for status in [500u16, 400, 401, 404, 409] {
        let server = MockServer::start().await;
        Mock::given(path("/health"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let err = fast_client(&server, 3).health().await.unwrap_err();
        assert_eq!(err.as_api().unwrap().status, status);
        assert_eq!(
            requests_to(&server).await,
            1,
            "status {status} must not be retried"
        );
    }
}

#[tokio::test]
async fn default_backoff_waits_about_half_a_second() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/health"))
        .respond_with(health_ok())
        .mount(&server)
        .await;

    let client = client_with(&server.uri(), 1, Duration::from_secs(5));
    let started = Instant::now();
    client.health().await.unwrap();
    let waited = started.elapsed();
    // First retry: 0.5 s + rand(0..0.5 s).
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
}

#[tokio::test]
async fn retry_after_seconds_replaces_the_backoff() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/health"))
        .respond_with(health_ok())
        .mount(&server)
        .await;

    let started = Instant::now();
    fast_client(&server, 2).health().await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 must be honoured: {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(requests_to(&server).await, 2);
}

#[tokio::test]
async fn retry_after_http_date_replaces_the_backoff() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", at.as_str()))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/health"))
        .respond_with(health_ok())
        .mount(&server)
        .await;

    let started = Instant::now();
    fast_client(&server, 2).health().await.unwrap();
    let waited = started.elapsed();
    // The date has whole-second precision: the wait is between ~1 and 2 s.
    assert!(waited >= Duration::from_millis(800), "{waited:?}");
    assert!(waited < Duration::from_millis(3500), "{waited:?}");
}

#[tokio::test]
async fn retry_after_in_the_past_retries_at_once() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() - Duration::from_secs(60));
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", at.as_str()))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/health"))
        .respond_with(health_ok())
        .mount(&server)
        .await;
    // Default 0.5 s base: a short wait proves the (zero) Retry-After was used, not the backoff.
    let client = client_with(&server.uri(), 1, Duration::from_secs(5));
    let started = Instant::now();
    client.health().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn code_exchange_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/token"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let params = ExchangeTokenParams {
        code: "01J".into(),
        agent_id: "ag_1".into(),
        code_verifier: None,
        ..Default::default()
    };
    let err = fast_client(&server, 3)
        .tokens()
        .exchange(&params)
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 503);
    assert_eq!(requests_to(&server).await, 1);
}

#[tokio::test]
async fn refresh_keeps_one_idempotency_key_across_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/token/refresh"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/token/refresh"))
        .respond_with(ResponseTemplate::new(201).set_body_json(token_response()))
        .mount(&server)
        .await;
    let client = fast_client(&server, 3);
    let params = RefreshTokenParams {
        refresh_token: "ref_1".into(),
        agent_id: "ag_1".into(),
        idempotency_key: None,
    };
    let refreshed = client.tokens().refresh(&params).await.unwrap();
    assert_eq!(refreshed.grant_id, "grnt_1");

    let keys: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
    let uuid = uuid::Uuid::parse_str(&keys[0]).expect("a UUID");
    assert_eq!(uuid.get_version_num(), 4);
    // The key is a header, never part of the body.
    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body, json!({"refreshToken": "ref_1", "agentId": "ag_1"}));

    // A second call gets a new key; a caller-supplied key is used verbatim.
    server.reset().await;
    Mock::given(path("/v1/token/refresh"))
        .respond_with(ResponseTemplate::new(201).set_body_json(token_response()))
        .mount(&server)
        .await;
    client.tokens().refresh(&params).await.unwrap();
    let with_key = RefreshTokenParams {
        idempotency_key: Some("my-key-1".into()),
        ..params
    };
    client.tokens().refresh(&with_key).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let second = requests[0]
        .headers
        .get("idempotency-key")
        .unwrap()
        .to_str()
        .unwrap();
    assert_ne!(second, keys[0]);
    assert_eq!(
        requests[1].headers.get("idempotency-key").unwrap(),
        "my-key-1"
    );
}

#[tokio::test]
async fn attempts_time_out_and_are_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(health_ok().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = client_with(&server.uri(), 1, Duration::from_millis(200))
        .with_retry_base(Duration::from_millis(1))
        .unwrap();
    let started = Instant::now();
    let err = client.health().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.code(), "timeout");
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        requests_to(&server).await,
        2,
        "a timed-out attempt is retried"
    );
}

#[tokio::test]
async fn connection_refused_is_a_network_error_after_retries() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = client_with(
        &format!("http://127.0.0.1:{port}"),
        2,
        Duration::from_secs(5),
    )
    .with_retry_base(Duration::from_millis(1))
    .unwrap();
    let err = client.health().await.unwrap_err();
    assert_eq!(err.code(), "network_error");
    match &err {
        Error::Network { message, source } => {
            assert!(source.is_some(), "the reqwest error is kept as the source");
            assert!(message.contains(&port.to_string()), "{message}");
        }
        other => panic!("expected a network error, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn dropping_the_future_cancels_the_backoff() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "100"))
        .mount(&server)
        .await;
    let client = fast_client(&server, 3);
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_millis(300), client.health()).await;
    assert!(outcome.is_err(), "still waiting for the 100 s Retry-After");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(requests_to(&server).await, 1);
}
