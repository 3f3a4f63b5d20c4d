//! OTLP trace export (`--otlp-endpoint`, issue 18) against the built binary: an in-test
//! collector on loopback accepts `POST /v1/traces`, decodes the protobuf body and finds the
//! request span (service `grantex-server`, method/route/status attributes) — exported in the
//! background while the server runs, and the last spans flushed when it shuts down. With a dead
//! endpoint the server serves as usual and still stops promptly.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every export request the collector received: (content type, decoded body).
type Received = Arc<Mutex<Vec<(String, ExportTraceServiceRequest)>>>;

async fn collector() -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/v1/traces",
            post(
                |State(r): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    let ct = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    match ExportTraceServiceRequest::decode(body) {
                        Ok(req) => {
                            r.lock().unwrap().push((ct, req));
                            StatusCode::OK
                        }
                        Err(_) => StatusCode::BAD_REQUEST,
                    }
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), received)
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

fn str_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match attr(attrs, key) {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

fn int_attr(attrs: &[KeyValue], key: &str) -> Option<i64> {
    match attr(attrs, key) {
        Some(any_value::Value::IntValue(i)) => Some(*i),
        _ => None,
    }
}

/// The exported span of the request with this id, with its resource's service name.
fn find_span(received: &Received, request_id: &str) -> Option<(String, Span)> {
    let got = received.lock().unwrap();
    for (ct, req) in got.iter() {
        assert_eq!(ct, "application/x-protobuf", "OTLP/HTTP protobuf");
        for rs in &req.resource_spans {
            let service = rs
                .resource
                .as_ref()
                .and_then(|r| str_attr(&r.attributes, "service.name"))
                .unwrap_or("")
                .to_string();
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    if str_attr(&span.attributes, "request_id") == Some(request_id) {
                        return Some((service, span.clone()));
                    }
                }
            }
        }
    }
    None
}

async fn wait_for_span(received: &Received, request_id: &str, within: Duration) -> (String, Span) {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = find_span(received, request_id) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "no span for request {request_id} within {within:?} ({} export requests)",
            received.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn list_agents(http: &reqwest::Client, server: &ChildServer) -> String {
    let resp = http
        .get(format!("{}/v1/agents", server.info.base_url))
        .bearer_auth(&server.info.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.headers()["x-request-id"].to_str().unwrap().to_string()
}

fn assert_request_span(service: &str, span: &Span, route: &str, status: i64) {
    assert_eq!(service, "grantex-server");
    assert_eq!(span.name, "request");
    assert_eq!(str_attr(&span.attributes, "method"), Some("GET"));
    assert_eq!(str_attr(&span.attributes, "route"), Some(route));
    // tracing's u64 fields arrive as strings (OTLP has no unsigned integers); the OpenTelemetry
    // HTTP attribute is the integer.
    let logged = match attr(&span.attributes, "status") {
        Some(any_value::Value::IntValue(i)) => Some(*i),
        Some(any_value::Value::StringValue(s)) => s.parse().ok(),
        _ => None,
    };
    assert_eq!(logged, Some(status), "{:?}", span.attributes);
    assert_eq!(
        str_attr(&span.attributes, "http.request.method"),
        Some("GET")
    );
    assert_eq!(str_attr(&span.attributes, "http.route"), Some(route));
    assert_eq!(
        int_attr(&span.attributes, "http.response.status_code"),
        Some(status)
    );
    assert_eq!(span.trace_id.len(), 16);
    assert_eq!(span.span_id.len(), 8);
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
    assert!(
        span.events.iter().any(|e| e.name == "request completed"),
        "the completion log event rides along as a span event: {:?}",
        span.events
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_are_exported_over_otlp_http() {
    let (endpoint, received) = collector().await;
    let dir = TempDir::new("otlp");
    // A short batch delay so the running server exports without waiting for shutdown.
    let server = ChildServer::start(
        dir.path(),
        &["--otlp-endpoint", &endpoint],
        &[("OTEL_BSP_SCHEDULE_DELAY", "100")],
    );
    let http = reqwest::Client::new();

    let first = list_agents(&http, &server).await;
    let (service, span) = wait_for_span(&received, &first, Duration::from_secs(15)).await;
    assert_request_span(&service, &span, "/v1/agents", 200);

    // A 404 on a templated route: the template, not the raw path.
    let resp = http
        .get(format!("{}/v1/agents/ag_missing", server.info.base_url))
        .bearer_auth(&server.info.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let missing = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    let (_, span) = wait_for_span(&received, &missing, Duration::from_secs(15)).await;
    assert_eq!(
        str_attr(&span.attributes, "http.route"),
        Some("/v1/agents/{id}")
    );
    assert_eq!(
        int_attr(&span.attributes, "http.response.status_code"),
        Some(404)
    );

    // The last span before SIGTERM is flushed by the shutdown.
    let last = list_agents(&http, &server).await;
    let status = server.terminate();
    assert!(status.success(), "clean exit: {status}");
    let (service, span) = find_span(&received, &last)
        .unwrap_or_else(|| panic!("the span of the last request was not flushed at shutdown"));
    assert_request_span(&service, &span, "/v1/agents", 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flush_at_shutdown_exports_what_the_batch_still_holds() {
    let (endpoint, received) = collector().await;
    let dir = TempDir::new("otlp-flush");
    // The default 5 s batch delay: nothing is exported before the shutdown.
    let server = ChildServer::start(
        dir.path(),
        &["--otlp-endpoint", &format!("{endpoint}/v1/traces")],
        &[],
    );
    let http = reqwest::Client::new();
    let id = list_agents(&http, &server).await;
    let stopped = Instant::now();
    assert!(server.terminate().success());
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopped.elapsed()
    );
    let (service, span) = find_span(&received, &id).expect("flushed at shutdown");
    assert_request_span(&service, &span, "/v1/agents", 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_endpoint_does_not_disturb_the_server() {
    // Nothing listens on this port (bound, then released).
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = TempDir::new("otlp-dead");
    let server = ChildServer::start(
        dir.path(),
        &["--otlp-endpoint", &format!("http://127.0.0.1:{dead}")],
        &[("OTEL_BSP_SCHEDULE_DELAY", "50")],
    );
    let http = reqwest::Client::new();
    let started = Instant::now();
    for _ in 0..50 {
        list_agents(&http, &server).await;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(10),
        "50 requests took {elapsed:?}"
    );
    let stopped = Instant::now();
    assert!(server.terminate().success());
    assert!(
        stopped.elapsed() < Duration::from_secs(8),
        "{:?}",
        stopped.elapsed()
    );
}

#[test]
fn a_bad_endpoint_is_refused_at_start() {
    let dir = TempDir::new("otlp-bad");
    let out = std::process::Command::new(server_bin())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(["--otlp-endpoint", "ftp://collector"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--otlp-endpoint"), "{err}");
}

#[test]
fn traces_url() {
    use grantex_server::otlp_traces_url as url;
    assert_eq!(url("http://c:4318").unwrap(), "http://c:4318/v1/traces");
    assert_eq!(url("http://c:4318/").unwrap(), "http://c:4318/v1/traces");
    assert_eq!(
        url("https://c/otel/v1/traces").unwrap(),
        "https://c/otel/v1/traces"
    );
    assert_eq!(url("https://c/otel").unwrap(), "https://c/otel/v1/traces");
    assert!(url("not a url").is_err());
    assert!(url("ftp://c").is_err());
}
