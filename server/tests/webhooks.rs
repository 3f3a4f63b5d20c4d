//! Webhooks against the real server (issue 15 item 2): CRUD and its errors, SSRF refusals,
//! signed deliveries to a real HTTP receiver that checks each with the core's `verify_webhook`,
//! retries with back-off, the delivery log, no loss across a SIGKILL, and a receiver that
//! hangs never holding up the API.

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use grantex::types::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What the receiver saw: every verified delivery, and how many it refused or failed.
#[derive(Default)]
struct Seen {
    delivered: Vec<(String, String, Value)>, // (event id, type, body)
    refused: u32,
}

/// A real HTTP receiver: verifies each delivery with the endpoint secret (both signature
/// headers), answers `fail_next` 503s first, and holds requests while `hold` is set.
#[derive(Clone, Default)]
struct Receiver {
    secret: Arc<Mutex<String>>,
    seen: Arc<Mutex<Seen>>,
    fail_next: Arc<AtomicU32>,
    hold: Arc<Mutex<Option<Arc<Notify>>>>,
    in_flight: Arc<AtomicU32>,
}

impl Receiver {
    async fn start(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move { me.handle(headers, body).await }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    async fn handle(&self, headers: HeaderMap, body: Bytes) -> StatusCode {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let hold = self.hold.lock().unwrap().clone();
        if let Some(n) = hold {
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            n.notified().await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
        if self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        let secret = self.secret.lock().unwrap().clone();
        let v2 = grantex::webhook::verify_webhook(
            &body,
            &h("x-grantex-signature-v2"),
            &h("x-grantex-timestamp"),
            &secret,
            300,
        );
        let v1 =
            grantex::webhook::verify_webhook_signature(&body, &h("x-grantex-signature"), &secret);
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if !(v2 && v1)
            || parsed["id"] != h("x-grantex-event-id").as_str()
            || parsed["type"] != h("x-grantex-event").as_str()
        {
            self.seen.lock().unwrap().refused += 1;
            return StatusCode::UNAUTHORIZED;
        }
        let id = parsed["id"].as_str().unwrap_or_default().to_string();
        let ty = parsed["type"].as_str().unwrap_or_default().to_string();
        self.seen.lock().unwrap().delivered.push((id, ty, parsed));
        StatusCode::NO_CONTENT
    }

    fn types(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for (_, t, _) in &self.seen.lock().unwrap().delivered {
            *m.entry(t.clone()).or_insert(0) += 1;
        }
        m
    }

    /// Waits until `pred` holds for what was received (at most `secs`).
    async fn wait_for(&self, secs: u64, what: &str, pred: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !pred(&self.seen.lock().unwrap()) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; received {:?}",
                self.types()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

const DEV_FLAGS: [&str; 5] = [
    "--allow-private-webhooks",
    "--webhook-retry-base-ms",
    "200",
    "--webhook-timeout-ms",
    "2000",
];

fn all_events() -> Vec<String> {
    strings(&[
        "grant.created",
        "grant.revoked",
        "token.issued",
        "token.revoked",
        "agent.created",
        "agent.updated",
        "agent.deleted",
    ])
}

async fn subscribe(c: &grantex::Client, r: &Receiver, url: &str) -> WebhookEndpointWithSecret {
    let w = c
        .webhooks()
        .create(&CreateWebhookParams {
            url: url.into(),
            events: all_events(),
        })
        .await
        .unwrap();
    *r.secret.lock().unwrap() = w.secret.clone();
    w
}

/// agent.created, grant.created + token.issued (sandbox exchange), token.revoked, grant.revoked,
/// agent.updated, agent.deleted: seven events.
async fn lifecycle(c: &grantex::Client) {
    let a = agent(c, "hooked", &["read"]).await;
    let t = grant(c, &a.agent_id, "alice", &["read"]).await;
    c.tokens().revoke(&jti(&t.grant_token)).await.unwrap();
    c.grants().revoke(&t.grant_id).await.unwrap();
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.agents().delete(&a.agent_id).await.unwrap();
}

fn sandbox_client(s: &ChildServer) -> grantex::Client {
    client(&s.info.base_url, &s.info.sandbox_api_key)
}

#[tokio::test]
async fn deliveries_are_signed_retried_and_logged() {
    let dir = TempDir::new("webhooks-retry");
    let s = ChildServer::start(dir.path(), &DEV_FLAGS, &[]);
    let c = sandbox_client(&s);
    let r = Receiver::default();
    let url = r.start().await;
    let w = subscribe(&c, &r, &url).await;
    assert!(
        w.secret.starts_with("whsec_") && w.secret.len() > 40,
        "{}",
        w.secret
    );
    // The first three attempts fail: the first event is delivered at its fourth attempt.
    r.fail_next.store(3, Ordering::SeqCst);
    lifecycle(&c).await;
    r.wait_for(30, "seven events", |s| s.delivered.len() >= 7)
        .await;
    let types = r.types();
    for t in all_events() {
        assert_eq!(types.get(&t), Some(&1), "{t}: {types:?}");
    }
    {
        let seen = r.seen.lock().unwrap();
        assert_eq!(seen.refused, 0, "every delivery verified");
        let created = seen
            .delivered
            .iter()
            .find(|(_, t, _)| t == "grant.created")
            .unwrap();
        assert_eq!(created.2["data"]["principalId"], "alice");
        assert!(created.2["createdAt"].as_str().is_some());
        let ids: BTreeSet<&String> = seen.delivered.iter().map(|(id, _, _)| id).collect();
        assert_eq!(ids.len(), 7, "one event id per event");
    }

    // The delivery log: every delivery delivered (recorded once the receiver has answered, so
    // wait for it); three failed attempts were retried.
    let deadline = Instant::now() + Duration::from_secs(20);
    let log = loop {
        let log = c
            .webhooks()
            .deliveries(&w.id, &ListDeliveriesParams::default())
            .await
            .unwrap();
        if log.deliveries.iter().all(|d| d.status == "delivered") || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((log.total, log.page, log.page_size), (7, 1, 20));
    assert!(
        log.deliveries
            .iter()
            .all(|d| d.status == "delivered" && d.delivered_at.is_some()),
        "{log:?}"
    );
    let attempts: u32 = log.deliveries.iter().map(|d| d.attempts).sum();
    assert!(
        attempts >= 10,
        "7 deliveries + 3 retries, got {attempts} attempts"
    );
    let delivered = c
        .webhooks()
        .deliveries(
            &w.id,
            &ListDeliveriesParams {
                status: Some("pending".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(delivered.total, 0);
    let page = c
        .webhooks()
        .deliveries(
            &w.id,
            &ListDeliveriesParams {
                page: Some(2),
                page_size: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.deliveries.len(), page.total), (2, 7));
}

#[tokio::test]
async fn exhausted_attempts_end_failed_with_the_error() {
    let dir = TempDir::new("webhooks-failed");
    let s = ChildServer::start(
        dir.path(),
        &["--allow-private-webhooks", "--webhook-retry-base-ms", "20"],
        &[],
    );
    let c = sandbox_client(&s);
    let r = Receiver::default();
    let url = r.start().await;
    let w = c
        .webhooks()
        .create(&CreateWebhookParams {
            url,
            events: strings(&["agent.created"]),
        })
        .await
        .unwrap();
    *r.secret.lock().unwrap() = w.secret.clone();
    r.fail_next.store(1000, Ordering::SeqCst);
    agent(&c, "never-delivered", &["read"]).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let d = loop {
        let log = c
            .webhooks()
            .deliveries(&w.id, &ListDeliveriesParams::default())
            .await
            .unwrap();
        if let Some(d) = log.deliveries.first().filter(|d| d.status == "failed") {
            break d.clone();
        }
        assert!(Instant::now() < deadline, "never failed: {log:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((d.attempts, d.max_attempts), (6, 6));
    assert_eq!(d.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(d.next_attempt_at, None);
}

#[tokio::test]
async fn pending_deliveries_survive_kill_9() {
    let dir = TempDir::new("webhooks-kill9");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // A delivery claimed when the kill lands waits out its lease (twice the timeout + 5 s).
    let flags = [
        "--allow-private-webhooks",
        "--webhook-retry-base-ms",
        "300",
        "--webhook-timeout-ms",
        "2000",
    ];
    let s1 = ChildServer::start(&data, &flags, &[]);
    let c = sandbox_client(&s1);
    let r = Receiver::default();
    let url = r.start().await;
    let w = subscribe(&c, &r, &url).await;
    r.fail_next.store(u32::MAX, Ordering::SeqCst); // the receiver is down
    lifecycle(&c).await;
    // Wait until an attempt has failed (so deliveries are mid-retry), then kill -9.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = c
            .webhooks()
            .deliveries(&w.id, &ListDeliveriesParams::default())
            .await
            .unwrap();
        if log.total == 7 && log.deliveries.iter().any(|d| d.attempts >= 1) {
            assert!(
                log.deliveries.iter().all(|d| d.status == "pending"),
                "{log:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no attempt was made: {log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let key = s1.info.sandbox_api_key.clone();
    s1.kill9();
    r.fail_next.store(0, Ordering::SeqCst); // the receiver is back
    let s2 = ChildServer::start(&data, &flags, &[]);
    let c2 = client(&s2.info.base_url, &key);
    r.wait_for(40, "the seven events after the restart", |s| {
        s.delivered.len() >= 7
    })
    .await;
    // At least once: a delivery in flight at the kill may come twice, never zero times.
    let types = r.types();
    for t in all_events() {
        assert!(
            types.get(&t).is_some_and(|n| *n >= 1),
            "{t} lost: {types:?}"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = c2
            .webhooks()
            .deliveries(&w.id, &ListDeliveriesParams::default())
            .await
            .unwrap();
        if log.deliveries.iter().all(|d| d.status == "delivered") {
            break;
        }
        assert!(Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_hanging_receiver_never_holds_up_the_api() {
    let dir = TempDir::new("webhooks-slow");
    let s = ChildServer::start(
        dir.path(),
        &["--allow-private-webhooks", "--webhook-timeout-ms", "30000"],
        &[],
    );
    let c = sandbox_client(&s);
    let r = Receiver::default();
    let release = Arc::new(Notify::new());
    *r.hold.lock().unwrap() = Some(release.clone());
    let url = r.start().await;
    subscribe(&c, &r, &url).await;
    agent(&c, "busy-0", &["read"]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.in_flight.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the first delivery never reached the receiver"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Nineteen more event-producing calls complete while the receiver holds deliveries open.
    for i in 1..20 {
        agent(&c, &format!("busy-{i}"), &["read"]).await;
    }
    assert!(
        r.in_flight.load(Ordering::SeqCst) >= 1,
        "deliveries are still held by the receiver"
    );
    assert!(
        r.seen.lock().unwrap().delivered.is_empty(),
        "none completed yet"
    );
    *r.hold.lock().unwrap() = None;
    release.notify_waiters();
    r.wait_for(30, "twenty agent.created", |s| s.delivered.len() >= 20)
        .await;
}

#[tokio::test]
async fn crud_errors_and_ssrf_refusals_on_a_production_server() {
    // The shared server runs without --allow-private-webhooks.
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let (other, _) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let w = c
        .webhooks()
        .create(&CreateWebhookParams {
            url: "https://1.1.1.1/grantex".into(),
            events: strings(&["grant.created", "grant.created", "token.issued"]),
        })
        .await
        .unwrap();
    assert_eq!(
        w.events,
        strings(&["grant.created", "token.issued"]),
        "duplicates folded"
    );
    let list = api.get("/v1/webhooks").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["webhooks"][0]["id"], w.id.as_str());
    assert!(
        list.body["webhooks"][0].get("secret").is_none(),
        "the secret is shown once"
    );

    for (url, needle) in [
        ("http://1.1.1.1/x", "https"),
        ("https://127.0.0.1/x", "non-public"),
        ("https://[::1]/x", "non-public"),
        ("https://169.254.169.254/latest/meta-data", "non-public"),
        ("https://10.0.0.7/x", "non-public"),
        ("https://[::ffff:192.168.0.1]/x", "non-public"),
        ("https://localhost/x", "non-public"),
        ("ftp://1.1.1.1/x", "https"),
        ("not a url", "absolute"),
    ] {
        let r = api
            .post(
                "/v1/webhooks",
                json!({ "url": url, "events": ["grant.created"] }),
            )
            .await;
        assert_envelope(&r, 422, "VALIDATION_ERROR");
        assert!(
            r.body["message"].as_str().unwrap().contains(needle),
            "{url}: {}",
            r.text
        );
    }
    for events in [json!([]), json!(["grant.exploded"])] {
        let r = api
            .post(
                "/v1/webhooks",
                json!({ "url": "https://1.1.1.1/x", "events": events }),
            )
            .await;
        assert_envelope(&r, 422, "VALIDATION_ERROR");
    }
    assert_eq!(
        status(&other.webhooks().delete(&w.id).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(
            &other
                .webhooks()
                .deliveries(&w.id, &ListDeliveriesParams::default())
                .await
                .unwrap_err()
        ),
        404
    );
    let r = api
        .get(&format!("/v1/webhooks/{}/deliveries?status=lost", w.id))
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    c.webhooks().delete(&w.id).await.unwrap();
    assert_eq!(status(&c.webhooks().delete(&w.id).await.unwrap_err()), 404);
    assert!(c.webhooks().list().await.unwrap().webhooks.is_empty());
}
