//! The event stream against the real server (issue 16 item 3): Server-Sent Events with `id:`
//! lines, type filters, per-developer isolation, resumption by `Last-Event-ID` after a cut
//! connection and after a server restart (kill -9) without losing or repeating an event, the
//! core consumer (`client.events().stream()`), the WebSocket twin.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use grantex::events::{StreamEvent, StreamOptions};
use grantex::types::*;
use serde_json::Value;
use std::time::Duration;

/// Reads frames from a raw SSE response until `n` events arrived: (id, event, data).
async fn read_events(resp: &mut reqwest::Response, n: usize) -> Vec<(u64, String, Value)> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("stream open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(at) = buf.find("\n\n") {
            let frame: String = buf.drain(..at + 2).collect();
            let (mut id, mut ev, mut data) = (None, String::new(), String::new());
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = Some(v.parse::<u64>().unwrap());
                } else if let Some(v) = line.strip_prefix("event: ") {
                    ev = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v.to_string();
                }
            }
            if let Some(id) = id {
                let data: Value = serde_json::from_str(&data).unwrap();
                if ev == "ready" {
                    // The starting position, before any event.
                    assert!(out.is_empty(), "ready comes first");
                    assert_eq!(data["cursor"].as_u64(), Some(id));
                    continue;
                }
                out.push((id, ev, data));
            }
        }
    }
    out
}

async fn open(base: &str, key: &str, query: &str, last: Option<u64>) -> reqwest::Response {
    let mut rb = http()
        .get(format!("{base}/v1/events/stream{query}"))
        .bearer_auth(key);
    if let Some(l) = last {
        rb = rb.header("Last-Event-ID", l.to_string());
    }
    let r = rb.send().await.unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r
}

#[tokio::test]
async fn sse_in_order_with_ids_filters_isolation_and_resume() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let (other, other_dev) = developer(s, Mode::Live).await;
    let mut mine = open(&s.base_url, &dev.api_key, "", None).await;
    let mut filtered = open(&s.base_url, &dev.api_key, "?types=grant.created", None).await;
    let mut theirs = open(&s.base_url, &other_dev.api_key, "", None).await;

    let a = agent(&c, "streamed", &["read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read"]).await;
    let got = read_events(&mut mine, 3).await;
    let types: Vec<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(types, ["agent.created", "grant.created", "token.issued"]);
    assert!(
        got.windows(2).all(|w| w[0].0 < w[1].0),
        "ids ascend: {got:?}"
    );
    assert_eq!(got[1].2["data"]["grantId"], t.grant_id.as_str());
    assert_eq!(got[1].2["type"], "grant.created");
    assert!(got[1].2["id"].as_str().unwrap().starts_with("evt_"));
    let only = read_events(&mut filtered, 1).await;
    assert_eq!((only[0].0, only[0].1.as_str()), (got[1].0, "grant.created"));

    // Cut the connection after the first event; what happens meanwhile arrives on resume,
    // after exactly the last id seen.
    let last_seen = got[0].0;
    drop(mine);
    c.grants().revoke(&t.grant_id).await.unwrap();
    let mut resumed = open(&s.base_url, &dev.api_key, "", Some(last_seen)).await;
    let again = read_events(&mut resumed, 3).await;
    let ids: Vec<u64> = again.iter().map(|(i, _, _)| *i).collect();
    assert_eq!(
        &ids[..2],
        &[got[1].0, got[2].0],
        "nothing lost, nothing repeated"
    );
    assert_eq!(again[2].1, "grant.revoked");

    // The other developer saw none of it: their own agent's event is the first they get.
    agent(&other, "theirs", &["read"]).await;
    let theirs_got = read_events(&mut theirs, 1).await;
    assert_eq!(theirs_got[0].1, "agent.created");
    assert_eq!(theirs_got[0].2["data"]["name"], "theirs");

    // Refusals: unknown type 400, a cursor ahead of the log 410, no key 401.
    let r = http()
        .get(format!(
            "{}/v1/events/stream?types=grant.exploded",
            s.base_url
        ))
        .bearer_auth(&dev.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http()
        .get(format!("{}/v1/events/stream", s.base_url))
        .bearer_auth(&dev.api_key)
        .header("Last-Event-ID", "999999999")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let r = http()
        .get(format!("{}/v1/events/stream", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn next(stream: &grantex::events::EventStream) -> StreamEvent {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("an event within 20 s")
        .unwrap()
        .expect("open")
}

#[tokio::test]
async fn the_core_consumer_survives_a_kill_9_restart_without_loss_or_repeat() {
    let dir = TempDir::new("events-restart");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let srv = ChildServer::start(dir.path(), &["--listen", &listen], &[]);
    let c = client(&srv.info.base_url, &srv.info.api_key);
    let stream = c
        .events()
        .stream(&StreamOptions {
            types: Some(strings(&["agent.created", "agent.deleted"])),
            last_event_id: None,
        })
        .unwrap();
    // The stream connects on the first next(): start it, then make events.
    let reader = {
        let stream = stream.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while seen.len() < 6 {
                seen.push(next(&stream).await);
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let a1 = agent(&c, "before-1", &["read"]).await;
    let _a2 = agent(&c, "before-2", &["read"]).await;
    // Wait until both were read, then kill the server mid-stream.
    for _ in 0..100 {
        if stream.last_event_id().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    srv.kill9();
    let srv = ChildServer::start(dir.path(), &["--listen", &listen], &[]);
    let c = client(&srv.info.base_url, &srv.info.api_key);
    c.agents().delete(&a1.agent_id).await.unwrap();
    for n in 0..3 {
        agent(&c, &format!("after-{n}"), &["read"]).await;
    }
    let seen = tokio::time::timeout(Duration::from_secs(40), reader)
        .await
        .expect("six events across the restart")
        .unwrap();
    let names: Vec<String> = seen
        .iter()
        .map(|e| format!("{} {}", e.event_type, e.data["name"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        names,
        [
            "agent.created before-1",
            "agent.created before-2",
            "agent.deleted ",
            "agent.created after-0",
            "agent.created after-1",
            "agent.created after-2",
        ],
        "{seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0].seq < w[1].seq));
    stream.close();
    assert!(stream.next().await.unwrap().is_none(), "closed");
    drop(srv);
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, as JSON.
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            return serde_json::from_str::<Value>(t.as_str()).unwrap();
        }
    }
}

#[tokio::test]
async fn websocket_twin_carries_the_same_events_and_resumes() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let ws_url = format!("{}/v1/events/ws", s.base_url.replace("http://", "ws://"));
    let connect = |query: String| {
        let mut req = format!("{ws_url}{query}").into_client_request().unwrap();
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", dev.api_key).parse().unwrap(),
        );
        tokio_tungstenite::connect_async(req)
    };
    let (mut ws, _) = connect(String::new()).await.unwrap();
    let a = agent(&c, "ws-1", &["read"]).await;
    let first = recv(&mut ws).await;
    assert_eq!(first["type"], "agent.created");
    assert_eq!(first["data"]["agentId"], a.agent_id.as_str());
    let seq = first["seq"].as_u64().unwrap();
    // Change the filter from the client side: only deletions now.
    ws.send(Message::Text(r#"{"types":["agent.deleted"]}"#.into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    agent(&c, "ws-2", &["read"]).await;
    c.agents().delete(&a.agent_id).await.unwrap();
    let second = recv(&mut ws).await;
    assert_eq!(second["type"], "agent.deleted");
    ws.close(None).await.unwrap();
    // Resume after the first event: the creation of ws-2 and the deletion, nothing before.
    let (mut ws, _) = connect(format!("?lastEventId={seq}")).await.unwrap();
    let r1 = recv(&mut ws).await;
    let r2 = recv(&mut ws).await;
    assert_eq!(
        (
            r1["type"].as_str(),
            r1["data"]["name"].as_str(),
            r2["type"].as_str()
        ),
        (Some("agent.created"), Some("ws-2"), Some("agent.deleted"))
    );
}

#[tokio::test]
async fn websockets_keep_counting_against_the_connection_limits() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = TempDir::new("events-ws-limits");
    let srv = ChildServer::start(dir.path(), &["--max-connections-per-ip", "2"], &[]);
    let url = format!(
        "{}/v1/events/ws",
        srv.info.base_url.replace("http://", "ws://")
    );
    let connect = || {
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", srv.info.api_key).parse().unwrap(),
        );
        tokio_tungstenite::connect_async(req)
    };
    let (ws1, _) = connect().await.unwrap();
    let (ws2, _) = connect().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Both upgraded connections still hold their slots: a third connection is turned away.
    let health = format!("{}/health", srv.info.base_url);
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    assert!(fresh().get(&health).send().await.is_err(), "over the limit");
    drop(ws1);
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if fresh().get(&health).send().await.is_ok() {
            ok = true;
            break;
        }
    }
    assert!(ok, "a closed socket gives its slot back");
    drop(ws2);
}
