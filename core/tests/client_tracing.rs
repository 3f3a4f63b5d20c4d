//! The client's tracing: one `grantex.call` span per call carrying the operation, method, path,
//! final status, request id and attempt count; an `info` event per retry; nothing secret. Seen
//! through a small capturing subscriber (its own test binary: the subscriber is process-wide).

use grantex::{Client, ClientConfig};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type Fields = BTreeMap<String, String>;

#[derive(Default)]
struct Seen {
    spans: BTreeMap<u64, (String, Fields)>,
    /// (level, fields incl. "message", the enclosing span's id)
    events: Vec<(tracing::Level, Fields, Option<u64>)>,
}

#[derive(Clone, Default)]
struct Capture {
    seen: Arc<Mutex<Seen>>,
    next: Arc<AtomicU64>,
    current: Arc<Mutex<Vec<u64>>>,
}

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        span.record(&mut Collect(&mut fields));
        self.seen
            .lock()
            .unwrap()
            .spans
            .insert(id, (span.metadata().name().to_owned(), fields));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut seen = self.seen.lock().unwrap();
        if let Some((_, fields)) = seen.spans.get_mut(&span.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Collect(&mut fields));
        let parent = self.current.lock().unwrap().last().copied();
        self.seen
            .lock()
            .unwrap()
            .events
            .push((*event.metadata().level(), fields, parent));
    }
    fn enter(&self, span: &Id) {
        self.current.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut current = self.current.lock().unwrap();
        if let Some(i) = current.iter().rposition(|s| *s == span.into_u64()) {
            current.remove(i);
        }
    }
}

#[test]
fn a_call_is_one_span_with_its_outcome_and_each_retry_an_event() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    // A current-thread runtime: every span enter/exit happens on this thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/agents/ag_1"))
            .respond_with(ResponseTemplate::new(503).insert_header("x-request-id", "req_first"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/agents/ag_1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-request-id", "req_second")
                    .set_body_json(json!({
                        "agentId": "ag_1", "did": "did:grantex:ag_1", "name": "a",
                        "description": "", "scopes": [], "status": "active",
                        "developerId": "dev_1", "createdAt": "2026-01-01T00:00:00Z",
                        "updatedAt": "2026-01-01T00:00:00Z"
                    })),
            )
            .mount(&server)
            .await;
        let client = Client::new(ClientConfig {
            api_key: Some("gx_secret_key_0123456789".into()),
            base_url: Some(server.uri()),
            max_retries: Some(2),
            ..Default::default()
        })
        .unwrap()
        .with_retry_base(Duration::from_millis(1))
        .unwrap();
        client.agents().get("ag_1").await.unwrap();
    });

    let seen = capture.seen.lock().unwrap();
    let calls: Vec<_> = seen
        .spans
        .iter()
        .filter(|(_, (name, _))| name == "grantex.call")
        .collect();
    assert_eq!(calls.len(), 1, "one span per call");
    let (&span_id, (_, fields)) = calls[0];
    assert_eq!(fields["op"], "agents.get");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["path"], "/v1/agents/ag_1");
    assert_eq!(fields["status"], "200");
    assert_eq!(fields["request_id"], "req_second");
    assert_eq!(fields["attempts"], "2");

    let in_call: Vec<_> = seen
        .events
        .iter()
        .filter(|(_, _, p)| *p == Some(span_id))
        .collect();
    let retries: Vec<_> = in_call
        .iter()
        .filter(|(level, _, _)| *level == tracing::Level::INFO)
        .collect();
    assert_eq!(retries.len(), 1, "one retry event: {in_call:?}");
    assert_eq!(retries[0].1["status"], "503");
    assert_eq!(retries[0].1["request_id"], "req_first");
    assert!(
        in_call
            .iter()
            .any(|(level, f, _)| *level == tracing::Level::DEBUG
                && f["message"].contains("succeeded"))
    );
    // Nothing secret is recorded.
    let everything = format!("{:?}{:?}", seen.spans, seen.events);
    assert!(!everything.contains("gx_secret_key"), "{everything}");
}
