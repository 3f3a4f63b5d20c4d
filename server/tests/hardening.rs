//! Regression tests for the security-hardening findings: each test drives a real server on
//! 127.0.0.1 the way the adversarial run did and asserts the typed refusal (never a panic, a
//! dropped connection or a silent success).

mod common;

use common::*;
use grantex::types::*;
use serde_json::json;

/// A live developer with one agent holding one grant; returns (api, agent id, grant token).
async fn granted(s: &ServerRef, scopes: &[&str]) -> (Api, String, ExchangeTokenResponse) {
    let (c, signup) = developer(s, Mode::Live).await;
    let a = agent(&c, "Hardening", scopes).await;
    let t = grant(&c, &a.agent_id, "alice", scopes).await;
    (Api::new(&s.base_url, Some(&signup.api_key)), a.agent_id, t)
}

#[tokio::test]
async fn non_ascii_expires_in_is_a_400_on_every_route_that_parses_durations() {
    let s = shared();
    let (api, agent_id, t) = granted(s, &["read"]).await;
    for bad in ["1é", "é", "30€", "1\u{1F600}", "\u{e9}h", "1\u{301}h"] {
        let r = api
            .post(
                "/v1/authorize",
                json!({"agentId": agent_id, "principalId": "alice", "scopes": ["read"], "expiresIn": bad}),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
        assert!(r.text.contains("expiresIn"), "{}", r.text);
        let r = api
            .post(
                "/v1/grants/delegate",
                json!({"parentGrantToken": t.grant_token, "subAgentId": agent_id, "scopes": ["read"], "expiresIn": bad}),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
        assert!(r.text.contains("expiresIn"), "{}", r.text);
        let r = api
            .post(
                "/v1/principal-sessions",
                json!({"principalId": "alice", "expiresIn": bad}),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
        assert!(r.text.contains("expiresIn"), "{}", r.text);
    }
    // The connection pool survived: a good request on the same client still works.
    let r = api
        .post(
            "/v1/principal-sessions",
            json!({"principalId": "alice", "expiresIn": "5m"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// An in-process server with its own data dir and `limits`.
async fn server_with(limits: grantex_server::Limits) -> (grantex_server::RunningServer, TempDir) {
    let dir = TempDir::new("hardening");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url_for(dir.path()),
        limits,
        ..Default::default()
    })
    .await
    .expect("server starts");
    (server, dir)
}

/// A TCP connection to `addr` from the loopback address `from` (127.0.0.0/8 is all local).
async fn connect_from(from: [u8; 4], addr: std::net::SocketAddr) -> TcpStream {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind((std::net::Ipv4Addr::from(from), 0).into())
        .unwrap();
    sock.connect(addr).await.unwrap()
}

/// Reads until the peer closes (or `within` passes: `None`). Returns what arrived.
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let r = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    r.ok().map(|_| String::from_utf8_lossy(&out).into_owned())
}

/// One `GET /health` on a fresh connection from `from`; the raw response, or `None` if the
/// server closed the connection without answering.
async fn health_from(from: [u8; 4], addr: std::net::SocketAddr) -> Option<String> {
    let mut s = connect_from(from, addr).await;
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .is_err()
    {
        return None;
    }
    let text = read_until_closed(&mut s, Duration::from_secs(10))
        .await
        .expect("answered or closed");
    (!text.is_empty()).then_some(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sockets_are_capped_per_ip_and_cannot_starve_health() {
    let (server, _dir) = server_with(grantex_server::Limits {
        header_read_timeout: Duration::from_secs(3),
        max_connections_per_ip: 4,
        ..Default::default()
    })
    .await;
    let addr = server.addr;
    // Twelve silent sockets from one address: four are admitted, the rest closed at once.
    let mut silent = Vec::new();
    for _ in 0..12 {
        silent.push(connect_from([127, 0, 0, 1], addr).await);
    }
    let started = Instant::now();
    let mut closed_at_once = 0;
    let mut held = Vec::new();
    let tasks: Vec<_> = silent
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let r = read_until_closed(&mut s, Duration::from_millis(1500)).await;
                (s, r)
            })
        })
        .collect();
    for t in tasks {
        let (s, r) = t.await.unwrap();
        match r {
            Some(text) => {
                assert!(text.is_empty(), "no answer to a silent socket: {text}");
                closed_at_once += 1;
            }
            None => held.push(s),
        }
    }
    assert_eq!(closed_at_once, 8, "the per-IP cap admits 4 connections");
    assert_eq!(held.len(), 4);
    assert!(started.elapsed() < Duration::from_secs(3));
    // Another client is not starved, while this address is at its cap.
    let other = health_from([127, 0, 0, 2], addr).await.expect("answered");
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");
    assert!(other.contains("\"healthy\""), "{other}");
    assert_eq!(health_from([127, 0, 0, 1], addr).await, None, "at the cap");
    // The silent sockets are closed by the header-read timeout, which frees the address.
    for mut s in held {
        let text = read_until_closed(&mut s, Duration::from_secs(10))
            .await
            .expect("closed by the header-read timeout");
        assert!(!text.contains("200 OK"), "{text}");
    }
    let again = health_from([127, 0, 0, 1], addr).await.expect("answered");
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_headers_stalled_and_dripped_bodies_are_timed_out() {
    let (server, _dir) = server_with(grantex_server::Limits {
        header_read_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .await;
    let (addr, key) = (server.addr, server.info.api_key.clone());
    // A request head that never ends.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let t = Instant::now();
    let text = read_until_closed(&mut s, Duration::from_secs(8))
        .await
        .expect("closed by the header-read timeout");
    assert!(!text.contains("200 OK"), "{text}");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );

    let head = format!(
        "POST /v1/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    );
    // A body that stalls after a few bytes, and one that drips a byte at a time (bytes keep
    // moving, so only the body timeout can end it): both get 408 in the envelope, and close.
    for drip in [false, true] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(b"{\"name\":").await.unwrap();
        let writer = tokio::spawn(async move {
            if drip {
                for _ in 0..100 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if s.write_all(b" ").await.is_err() {
                        break;
                    }
                }
            }
            s
        });
        let mut s = writer.await.unwrap();
        let text = read_until_closed(&mut s, Duration::from_secs(8))
            .await
            .expect("answered and closed");
        assert!(text.starts_with("HTTP/1.1 408"), "drip={drip}: {text}");
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "{text}"
        );
        assert!(text.contains("\"code\":\"REQUEST_TIMEOUT\""), "{text}");
        assert!(text.contains("\"requestId\""), "{text}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_on_which_nothing_moves_is_closed_after_the_idle_timeout() {
    let (server, _dir) = server_with(grantex_server::Limits {
        body_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let key = server.info.api_key.clone();
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        format!(
            "POST /v1/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let t = Instant::now();
    read_until_closed(&mut s, Duration::from_secs(10))
        .await
        .expect("closed by the idle timeout, long before the body timeout");
    assert!(t.elapsed() < Duration::from_secs(10));
    server.shutdown().await.unwrap();
}

/// Appends `n` audit entries with `pad` bytes of metadata each; returns their ids in order.
async fn log_entries(api: &Api, n: usize, pad: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = api
            .post(
                "/v1/audit/log",
                json!({
                    "agentId": "ag_x", "agentDid": "did:grantex:ag_x", "grantId": "grnt_x",
                    "principalId": "alice", "action": format!("act.{}", i % 3),
                    "metadata": {"i": i, "pad": "x".repeat(pad)}
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["entryId"].as_str().unwrap().to_string());
    }
    ids
}

fn entry_ids(r: &Resp) -> Vec<String> {
    r.body["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("entries: {}", &r.text[..r.text.len().min(300)]))
        .iter()
        .map(|e| e["entryId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn audit_listing_streams_everything_without_a_page_and_honours_pages() {
    let s = shared();
    let (_, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let ids = log_entries(&api, 250, 2000).await;

    // No page asked for: every entry, in chain order, sent in chunks (no Content-Length).
    let all = api.get("/v1/audit/entries").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("content-type"), Some("application/json"));
    assert!(
        all.header("content-length").is_none(),
        "streamed, not buffered"
    );
    assert_eq!(entry_ids(&all), ids);
    assert!(all.header("x-ratelimit-limit").is_some());
    // Filters still apply to the streamed listing.
    let act1 = api.get("/v1/audit/entries?action=act.1").await;
    let want: Vec<_> = ids.iter().skip(1).step_by(3).cloned().collect();
    assert_eq!(entry_ids(&act1), want);

    let page = api.get("/v1/audit/entries?page=2&pageSize=100").await;
    assert_eq!(entry_ids(&page), ids[100..200].to_vec());
    let last = api.get("/v1/audit/entries?page=3&pageSize=100").await;
    assert_eq!(entry_ids(&last), ids[200..].to_vec());
    let default_size = api.get("/v1/audit/entries?page=2").await;
    assert_eq!(
        entry_ids(&default_size),
        ids[100..200].to_vec(),
        "pageSize defaults to 100"
    );
    let past = api.get("/v1/audit/entries?page=9&pageSize=100").await;
    assert_eq!(past.text, r#"{"entries":[]}"#);
    for bad in ["pageSize=1001", "pageSize=0", "page=0", "pageSize=x"] {
        let r = api.get(&format!("/v1/audit/entries?{bad}")).await;
        assert_envelope(&r, 400, "BAD_REQUEST");
    }
    let r = api.get("/v1/audit/entries?pageSize=1001").await;
    assert!(r.text.contains("1000"), "{}", r.text);

    // A fresh developer's empty log.
    let (_, other) = developer(s, Mode::Live).await;
    let r = Api::new(&s.base_url, Some(&other.api_key))
        .get("/v1/audit/entries")
        .await;
    assert_eq!(r.text, r#"{"entries":[]}"#);
}

/// The process's peak resident set (VmHWM) in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_a_large_audit_log_does_not_grow_the_server_by_its_size() {
    let dir = TempDir::new("audit-stream");
    let server = ChildServer::start(dir.path(), &[], &[]);
    let api = Api::new(&server.info.base_url, Some(&server.info.api_key));
    let n = 300;
    let ids = log_entries(&api, n, 48 * 1024).await;
    let pid = server.child.id();
    let before = peak_rss_kib(pid);
    // Two listings at once, read as streams: about 15 MB each.
    let fetch = || {
        let http = api.http.clone();
        let (base, key) = (server.info.base_url.clone(), server.info.api_key.clone());
        async move {
            let mut r = http
                .get(format!("{base}/v1/audit/entries"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            let mut total = 0usize;
            let mut tail = Vec::new();
            while let Some(chunk) = r.chunk().await.unwrap() {
                total += chunk.len();
                tail = chunk.to_vec();
            }
            (total, tail)
        }
    };
    let ((a, tail_a), (b, _)) = tokio::join!(fetch(), fetch());
    let after = peak_rss_kib(pid);
    assert!(a > n * 48 * 1024 && a == b, "{a} {b}");
    assert!(tail_a.ends_with(b"]}"), "complete JSON");
    let growth_kib = after.saturating_sub(before);
    eprintln!("peak RSS {before} KiB -> {after} KiB");
    assert!(
        growth_kib < 8 * 1024,
        "peak RSS grew by {growth_kib} KiB for two {} KiB listings",
        a / 1024
    );
    assert_eq!(ids.len(), n);
}

#[tokio::test]
async fn requested_scopes_must_be_registered_for_the_agent() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "Reader", &["read", "calendar:read"]).await;
    let none = agent(&c, "Nothing", &[]).await;
    let ask = |agent_id: &str, scopes: &[&str]| {
        api.post(
            "/v1/authorize",
            json!({"agentId": agent_id, "principalId": "alice", "scopes": scopes}),
        )
    };
    let r = ask(&a.agent_id, &["read", "admin:all"]).await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    let m = r.body["message"].as_str().unwrap();
    assert!(
        m.starts_with("Requested scopes are not registered for this agent: admin:all ("),
        "names only the unregistered scopes: {m}"
    );
    assert_envelope(&ask(&none.agent_id, &["read"]).await, 400, "BAD_REQUEST");
    // A prefix or a case variant of a registered scope is another scope.
    assert_envelope(&ask(&a.agent_id, &["calendar"]).await, 400, "BAD_REQUEST");
    assert_envelope(&ask(&a.agent_id, &["READ"]).await, 400, "BAD_REQUEST");
    // Sandbox developers (auto-approved) are held to the same rule.
    let (sc, ssignup) = developer(s, Mode::Sandbox).await;
    let sa = agent(&sc, "Sandboxed", &["read"]).await;
    let r = Api::new(&s.base_url, Some(&ssignup.api_key))
        .post(
            "/v1/authorize",
            json!({"agentId": sa.agent_id, "principalId": "bob", "scopes": ["read", "write"]}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    // A subset is fine, and so is the whole registered set.
    assert_eq!(ask(&a.agent_id, &["read"]).await.status, 201);
    assert_eq!(
        ask(&a.agent_id, &["calendar:read", "read"]).await.status,
        201
    );
    // Narrowing the agent's scopes narrows what it can ask for from then on.
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                scopes: Some(strings(&["read"])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_envelope(
        &ask(&a.agent_id, &["calendar:read"]).await,
        400,
        "BAD_REQUEST",
    );
}

/// RFC 7638 thumbprint of an RSA JWK, computed here independently of the server.
fn thumbprint(jwk: &Jwk) -> String {
    use base64::Engine as _;
    let canonical = serde_json::to_string(&json!({
        "e": jwk.e.as_deref().unwrap(),
        "kty": "RSA",
        "n": jwk.n.as_deref().unwrap(),
    }))
    .unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref(),
    )
}

async fn jwks_of(base: &str) -> JwkSet {
    reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kids_are_rfc7638_thumbprints_so_a_new_data_dir_never_reuses_one() {
    let (a, _da) = server_with(Default::default()).await;
    let (b, _db) = server_with(Default::default()).await;
    let (ja, jb) = (jwks_of(a.base_url()).await, jwks_of(b.base_url()).await);
    // One live and one sandbox key each.
    assert_eq!((ja.keys.len(), jb.keys.len()), (2, 2));
    for k in ja.keys.iter().chain(&jb.keys) {
        assert_eq!(k.kid.as_deref(), Some(thumbprint(k).as_str()));
    }
    let kids = |j: &JwkSet| {
        j.keys
            .iter()
            .map(|k| k.kid.clone().unwrap())
            .collect::<Vec<_>>()
    };
    let (kids_a, kids_b) = (kids(&ja), kids(&jb));
    assert!(
        kids_a.iter().all(|k| !kids_b.contains(k)),
        "two data dirs, other keys, other kids"
    );
    // Tokens carry their key's kid: live and sandbox tokens different ones, both published.
    use base64::Engine as _;
    let header_kid = |t: &str| -> String {
        let h: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        h["kid"].as_str().unwrap().to_string()
    };
    let mut token_kids = Vec::new();
    for key in [&a.info.api_key, &a.info.sandbox_api_key] {
        let c = client(a.base_url(), key);
        let ag = agent(&c, "kid", &["read"]).await;
        token_kids.push(header_kid(
            &grant(&c, &ag.agent_id, "u", &["read"]).await.grant_token,
        ));
    }
    assert_ne!(token_kids[0], token_kids[1]);
    assert!(
        token_kids.iter().all(|k| kids_a.contains(k)),
        "{token_kids:?} in {kids_a:?}"
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

fn server_json(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("server.json")).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotations_of_a_bootstrap_key_leave_one_live_key_in_server_json() {
    let (server, dir) = server_with(Default::default()).await;
    let base = server.base_url().to_string();
    let mut key = server.info.api_key.clone();
    let me = |k: String| {
        let base = base.clone();
        async move { Api::new(&base, Some(&k)).get("/v1/me").await }
    };
    let dev_id = me(key.clone()).await.body["developerId"].clone();
    for _round in 0..4 {
        let calls: Vec<_> = (0..6)
            .map(|_| {
                let api = Api::new(&base, Some(&key));
                tokio::spawn(async move { api.post("/v1/keys/rotate", json!({})).await })
            })
            .collect();
        let mut winners = Vec::new();
        for c in calls {
            let r = c.await.unwrap();
            match r.status {
                200 => winners.push(r.body["apiKey"].as_str().unwrap().to_string()),
                401 => assert_envelope(&r, 401, "UNAUTHORIZED"),
                other => panic!("rotation answered {other}: {}", r.text),
            }
        }
        assert_eq!(winners.len(), 1, "one rotation per key wins");
        key = winners.pop().unwrap();
        let info = server_json(dir.path());
        assert_eq!(
            info["apiKey"],
            key.as_str(),
            "server.json names the live key"
        );
        let r = me(key.clone()).await;
        assert_eq!((r.status, &r.body["developerId"]), (200, &dev_id));
    }
    // No temp files left next to server.json.
    let stray: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_is_idempotent_per_developer_across_rotation_and_restart() {
    let dir = TempDir::new("seed");
    let data = dir.path().join("data");
    let seed = "gx_live_seeded-key-for-hardening-test";
    let env = [("GRANTEX_SEED_API_KEY", seed)];
    let s1 = ChildServer::start(&data, &[], &env);
    assert_eq!(s1.info.api_key, seed);
    let api = Api::new(&s1.info.base_url, Some(seed));
    let dev_id = api.get("/v1/me").await.body["developerId"].clone();
    assert!(dev_id.is_string());
    let rotated = api.post("/v1/keys/rotate", json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new_key = rotated.body["apiKey"].as_str().unwrap().to_string();
    s1.terminate();

    // The same seed at the next start: the same developer, still on its rotated key.
    let s2 = ChildServer::start(&data, &[], &env);
    assert_eq!(s2.info.api_key, new_key, "the rotation is not undone");
    let r = Api::new(&s2.info.base_url, Some(&new_key))
        .get("/v1/me")
        .await;
    assert_eq!((r.status, &r.body["developerId"]), (200, &dev_id));
    let old = Api::new(&s2.info.base_url, Some(seed)).get("/v1/me").await;
    assert_envelope(&old, 401, "UNAUTHORIZED");
    s2.terminate();

    // A different seed value is a new decision: that key, for a developer owning it.
    let other = "gx_live_another-seed-for-hardening";
    let s3 = ChildServer::start(&data, &[], &[("GRANTEX_SEED_API_KEY", other)]);
    assert_eq!(s3.info.api_key, other);
    let r = Api::new(&s3.info.base_url, Some(other)).get("/v1/me").await;
    assert_eq!(r.status, 200);
    assert_ne!(r.body["developerId"], dev_id);
}

/// Writes `bytes` on a fresh connection and returns everything read until the server closes.
async fn exchange_raw(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(closed.is_ok(), "the server did not close; got: {text}");
    text
}

fn post_with_body(path: &str, key: &str, body_len: usize, send_body: bool) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {body_len}\r\n\r\n"
    )
    .into_bytes();
    if send_body {
        let mut body = br#"{"name":"x","description":"","scopes":[],"pad":""#.to_vec();
        body.resize(body_len - 2, b'p');
        body.extend_from_slice(b"\"}");
        req.extend_from_slice(&body);
    }
    req
}

const HEALTH_CLOSE: &[u8] = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_401_and_429_drain_small_bodies_and_close_on_large_ones() {
    let dir = TempDir::new("early");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url_for(dir.path()),
        rate_limit: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let addr = server.addr;
    let bad = "gx_live_not-a-key-of-this-server-at-all";
    // A small body after a 401: drained, the connection stays usable for the next request.
    let mut req = post_with_body("/v1/agents", bad, 2000, true);
    req.extend_from_slice(HEALTH_CLOSE);
    let text = exchange_raw(addr, &req).await;
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert_eq!(text.matches("HTTP/1.1 ").count(), 2, "{text}");
    assert!(
        text.contains("HTTP/1.1 200"),
        "the next request was answered: {text}"
    );
    // A large body that was never sent: 401 with Connection: close, no wait for the body.
    let text = exchange_raw(addr, &post_with_body("/v1/agents", bad, 2 << 20, false)).await;
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );

    // The same for 429 (rate limit 2 per minute on this server).
    // Four pipelined creates: two fit the limit, two get 429 with their bodies drained, and
    // the request after them is still answered on the same connection.
    let key = server.info.api_key.clone();
    let mut req = Vec::new();
    for _ in 0..4 {
        req.extend_from_slice(&post_with_body("/v1/agents", &key, 2000, true));
    }
    req.extend_from_slice(HEALTH_CLOSE);
    let text = exchange_raw(addr, &req).await;
    assert_eq!(text.matches("HTTP/1.1 201").count(), 2, "{text}");
    assert_eq!(text.matches("HTTP/1.1 429").count(), 2, "{text}");
    assert!(text.contains("HTTP/1.1 200"), "{text}");
    let text = exchange_raw(addr, &post_with_body("/v1/agents", &key, 2 << 20, false)).await;
    assert!(text.starts_with("HTTP/1.1 429"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    server.shutdown().await.unwrap();
}

async fn online_valid(api: &Api, token: &str) -> bool {
    let r = api.post("/v1/tokens/verify", json!({"token": token})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["valid"] == true
}

#[tokio::test]
async fn a_replayed_code_revokes_the_grant_issued_from_it() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "Replay", &["read"]).await;
    let sub = agent(&c, "Sub", &["read"]).await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = c
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let body = json!({"code": code, "agentId": a.agent_id});
    let first = api.post("/v1/token", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let token = first.body["grantToken"].as_str().unwrap().to_string();
    let grant_id = first.body["grantId"].as_str().unwrap().to_string();
    let child = api
        .post(
            "/v1/grants/delegate",
            json!({"parentGrantToken": token, "subAgentId": sub.agent_id, "scopes": ["read"]}),
        )
        .await;
    assert_eq!(child.status, 201, "{}", child.text);
    assert!(online_valid(&api, &token).await);

    let again = api.post("/v1/token", body).await;
    assert_envelope(&again, 400, "BAD_REQUEST");
    assert!(
        !online_valid(&api, &token).await,
        "the first exchange's token"
    );
    let g = api.get(&format!("/v1/grants/{grant_id}")).await;
    assert_eq!(g.body["status"], "revoked", "{}", g.text);
    let child_token = child.body["grantToken"].as_str().unwrap();
    assert!(!online_valid(&api, child_token).await, "delegated from it");
    let r = api
        .post(
            "/v1/token/refresh",
            json!({"refreshToken": first.body["refreshToken"], "agentId": a.agent_id}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    // Another developer's grant for the same agent name and principal is untouched.
    let (c2, s2) = developer(s, Mode::Live).await;
    let a2 = agent(&c2, "Replay", &["read"]).await;
    let t2 = grant(&c2, &a2.agent_id, "alice", &["read"]).await;
    assert!(online_valid(&Api::new(&s.base_url, Some(&s2.api_key)), &t2.grant_token).await);
}

#[tokio::test]
async fn a_replayed_refresh_token_revokes_its_whole_family_but_an_idempotent_retry_does_not() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "Family", &["read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read"]).await;
    let refresh = |rt: &str, key: Option<&str>| {
        let mut rb = api
            .http
            .post(format!("{}/v1/token/refresh", s.base_url))
            .bearer_auth(&signup.api_key)
            .json(&json!({"refreshToken": rt, "agentId": a.agent_id}));
        if let Some(k) = key {
            rb = rb.header("idempotency-key", k);
        }
        Api::finish(rb)
    };
    // A retry under the same Idempotency-Key is not a reuse.
    let r1 = refresh(&t.refresh_token, Some("k1")).await;
    assert_eq!(r1.status, 201, "{}", r1.text);
    let r1b = refresh(&t.refresh_token, Some("k1")).await;
    assert_eq!((r1b.status, &r1b.body), (201, &r1.body));
    let t1 = r1.body["grantToken"].as_str().unwrap().to_string();
    assert!(online_valid(&api, &t1).await);
    // Next generation.
    let r2 = refresh(r1.body["refreshToken"].as_str().unwrap(), None).await;
    assert_eq!(r2.status, 201, "{}", r2.text);
    let t2 = r2.body["grantToken"].as_str().unwrap().to_string();
    let rt2 = r2.body["refreshToken"].as_str().unwrap().to_string();
    // The spent first refresh token comes back without the key: the family is revoked.
    let reuse = refresh(&t.refresh_token, None).await;
    assert_envelope(&reuse, 400, "BAD_REQUEST");
    assert_eq!(reuse.body["message"], "Refresh token already used");
    for tok in [&t.grant_token, &t1, &t2] {
        assert!(!online_valid(&api, tok).await);
    }
    let r = refresh(&rt2, None).await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_eq!(r.body["message"], "Grant has been revoked");
    let g = api.get(&format!("/v1/grants/{}", t.grant_id)).await;
    assert_eq!(g.body["status"], "revoked");
}

#[tokio::test]
async fn display_names_and_principal_ids_with_bidi_or_zero_width_characters_are_refused() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let a = agent(&c, "Plain", &["read"]).await;
    let _ = grant(&c, &a.agent_id, "alice", &["read"]).await;
    for bad in [
        "Pay\u{202E}lapyap",
        "ali\u{200B}ce",
        "\u{2066}admin\u{2069}",
        "x\u{FEFF}",
    ] {
        let expect_400 = |r: Resp| {
            assert_envelope(&r, 400, "BAD_REQUEST");
            assert!(r.text.contains("invisible or bidirectional"), "{}", r.text);
        };
        expect_400(
            api.post(
                "/v1/agents",
                json!({"name": bad, "description": "", "scopes": ["read"]}),
            )
            .await,
        );
        expect_400(
            api.post(
                "/v1/agents",
                json!({"name": "ok", "description": bad, "scopes": ["read"]}),
            )
            .await,
        );
        expect_400(
            api.call(
                "PATCH",
                &format!("/v1/agents/{}", a.agent_id),
                Some(json!({"name": bad})),
            )
            .await,
        );
        expect_400(
            api.call("PATCH", "/v1/me", Some(json!({"name": bad})))
                .await,
        );
        expect_400(
            Api::new(&s.base_url, None)
                .post("/v1/signup", json!({"name": bad}))
                .await,
        );
        expect_400(
            api.post(
                "/v1/authorize",
                json!({"agentId": a.agent_id, "principalId": bad, "scopes": ["read"]}),
            )
            .await,
        );
        expect_400(
            api.post("/v1/principal-sessions", json!({"principalId": bad}))
                .await,
        );
    }
    // Ordinary non-ASCII names are fine.
    let r = api
        .post(
            "/v1/agents",
            json!({"name": "Zoë's 日程 🚀", "description": "Ça marche", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_degraded_when_the_database_cannot_be_written() {
    let dir = TempDir::new("diskfull");
    let data = dir.path().join("data");
    // Files may not grow past 3 MiB: the write-ahead log fills up like a full disk.
    let server = ChildServer::start_limited(&data, &[], &[], Some(3 * 1024));
    let api = Api::new(&server.info.base_url, Some(&server.info.api_key));
    let health = Api::new(&server.info.base_url, None);
    let h = health.get("/health").await;
    assert_eq!(
        (h.status, &h.body["status"]),
        (200, &json!("healthy")),
        "{}",
        h.text
    );
    let mut failed = None;
    for i in 0..400 {
        let r = api
            .post(
                "/v1/audit/log",
                json!({
                    "agentId": "ag", "agentDid": "did:grantex:ag", "grantId": "g",
                    "principalId": "p", "action": "fill", "metadata": {"i": i, "pad": "x".repeat(60_000)}
                }),
            )
            .await;
        if r.status != 201 {
            failed = Some(r);
            break;
        }
    }
    let r = failed.expect("a write failed once the file size limit was reached");
    assert_envelope(&r, 500, "INTERNAL_ERROR");
    let h = health.get("/health").await;
    assert_eq!(h.status, 503, "{}", h.text);
    assert_eq!(h.body["status"], "degraded");
    assert_eq!(h.body["database"], "error");
    // Reads keep working meanwhile.
    assert_eq!(api.get("/v1/me").await.status, 200);
}

/// One raw request (with `Connection: close`) on a fresh connection; the whole response.
async fn raw_request(addr: std::net::SocketAddr, request_line_target: &[u8], key: &str) -> String {
    let mut req = b"GET ".to_vec();
    req.extend_from_slice(request_line_target);
    req.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    exchange_raw(addr, &req).await
}

fn body_of(raw: &str) -> serde_json::Value {
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|_| panic!("a JSON body: {raw}"))
}

#[tokio::test]
async fn long_and_malformed_request_targets_get_the_json_envelope() {
    let s = shared();
    let (_, signup) = developer(s, Mode::Live).await;
    let addr: std::net::SocketAddr = s.base_url.trim_start_matches("http://").parse().unwrap();
    let key = signup.api_key.as_str();
    let long = format!("/v1/agents?x={}", "a".repeat(20_000));
    let raw = raw_request(addr, long.as_bytes(), key).await;
    assert!(
        raw.starts_with("HTTP/1.1 414"),
        "{}",
        &raw[..raw.len().min(200)]
    );
    let b = body_of(&raw);
    assert_eq!(b["code"], "URI_TOO_LONG");
    assert!(b["requestId"].as_str().is_some_and(uuid_v4), "{b}");
    // Targets hyper itself would refuse with an empty body: far too long, or bytes the
    // request-line grammar does not allow.
    let huge = format!("/v1/agents?x={}", "a".repeat(70_000));
    let raw = raw_request(addr, huge.as_bytes(), key).await;
    assert!(
        raw.starts_with("HTTP/1.1 414"),
        "{}",
        &raw[..raw.len().min(200)]
    );
    assert_eq!(body_of(&raw)["code"], "URI_TOO_LONG");
    assert!(raw.contains("x-request-id: "), "{raw}");
    for target in [&b"/v1/\x01agents"[..], b"/v1/ag ents", b"/v1/\xe9t\xe9"] {
        let raw = raw_request(addr, target, key).await;
        assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
        let b = body_of(&raw);
        assert_eq!(b["code"], "BAD_REQUEST", "{raw}");
        assert!(b["requestId"].as_str().is_some_and(uuid_v4), "{raw}");
    }
    for target in [
        &b"/v1/agents/%FF%FE"[..],
        b"/v1/agents/%zz",
        b"/v1/agents/a%00b",
        b"/v1/grants?status=%FF",
        b"/v1/audit/entries?since=%E9",
        b"/%",
    ] {
        let raw = raw_request(addr, target, key).await;
        let status: u16 = raw[9..12].parse().unwrap();
        assert!((400..500).contains(&status), "{raw}");
        let b = body_of(&raw);
        assert!(b["code"].is_string() && b["message"].is_string(), "{raw}");
        assert!(b["requestId"].as_str().is_some_and(uuid_v4), "{raw}");
    }
}

/// Polls `f` (every 100 ms, up to 10 s) until it returns true.
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_codes_expire_after_the_code_ttl_whatever_expires_in() {
    for bad in [Duration::ZERO, Duration::from_secs(601)] {
        let dir = TempDir::new("ttl-bad");
        let e = grantex_server::start(grantex_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            database_url: database_url_for(dir.path()),
            code_ttl: bad,
            ..Default::default()
        })
        .await
        .unwrap_err();
        assert!(e.contains("code lifetime"), "{e}");
    }
    let dir = TempDir::new("ttl");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url_for(dir.path()),
        code_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let base = server.base_url().to_string();
    let live = client(&base, &server.info.api_key);
    let sandbox = client(&base, &server.info.sandbox_api_key);
    let public = Api::new(&base, None);
    let la = agent(&live, "ttl", &["read"]).await;
    let sa = agent(&sandbox, "ttl", &["read"]).await;
    let params = |agent_id: &str| AuthorizeParams {
        agent_id: agent_id.into(),
        user_id: "alice".into(),
        scopes: strings(&["read"]),
        expires_in: Some("7d".into()),
        ..Default::default()
    };
    let t0 = grantex_server::time::now_ms();
    let pending = live.authorize(&params(&la.agent_id)).await.unwrap();
    let exp = grantex_server::time::parse_iso(&pending.expires_at).unwrap();
    assert!(
        exp <= t0 + 3_000,
        "the request expires with the code TTL, not in 7 days"
    );
    let auto = sandbox.authorize(&params(&sa.agent_id)).await.unwrap();
    let code = auto.code.clone().unwrap();
    // Approved in time: a fresh code, whose grant still lives the requested 7 days.
    let quick = live.authorize(&params(&la.agent_id)).await.unwrap();
    let approved = live
        .consent()
        .approve(&quick.auth_request_id)
        .await
        .unwrap();
    let t = live
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: approved.code,
            agent_id: la.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let exp = grantex_server::time::parse_iso(&t.expires_at).unwrap();
    assert!(exp > t0 + 6 * 86_400_000, "{}", t.expires_at);

    // Once the TTL has passed: the pending request cannot be approved, the code not exchanged.
    let consent_path = format!("/v1/consent/{}", pending.auth_request_id);
    eventually("the pending request expires", || async {
        public.get(&consent_path).await.status == 410
    })
    .await;
    let r = public
        .post(&format!("{consent_path}/approve"), json!({}))
        .await;
    assert_envelope(&r, 410, "GONE");
    let e = sandbox
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: code.clone(),
            agent_id: sa.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    assert_eq!(
        e.as_api().unwrap().message,
        "Authorization code has expired"
    );
    // ... and purged: the expired code is now unknown, and so is the live developer's
    // expired request once that developer authorizes again.
    let e = sandbox
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: sa.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().message, "Invalid code");
    live.authorize(&params(&la.agent_id)).await.unwrap();
    assert_envelope(&public.get(&consent_path).await, 404, "NOT_FOUND");
    // The exchanged request is kept (it names the grant a replay would revoke).
    assert_eq!(
        public
            .get(&format!("/v1/consent/{}", quick.auth_request_id))
            .await
            .status,
        410
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_idempotent_refresh_replay_rechecks_the_agent_and_the_grant() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let a = agent(&c, "Idem", &["read"]).await;
    let other = agent(&c, "Other", &["read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read"]).await;
    let call = |agent_id: &str| {
        Api::finish(
            http()
                .post(format!("{}/v1/token/refresh", s.base_url))
                .bearer_auth(&signup.api_key)
                .header("idempotency-key", "idem-23")
                .json(&json!({"refreshToken": t.refresh_token, "agentId": agent_id})),
        )
    };
    let first = call(&a.agent_id).await;
    assert_eq!(first.status, 201, "{}", first.text);
    // Another agent replaying the key gets what a fresh call gets, not the stored tokens.
    let r = call(&other.agent_id).await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_eq!(r.body["message"], "Agent mismatch");
    assert!(!r.text.contains("grantToken"));
    // A suspended agent: refused; reactivated: the stored answer again.
    let set_status = |st: &'static str| {
        let (c, id) = (c.clone(), a.agent_id.clone());
        async move {
            c.agents()
                .update(
                    &id,
                    &UpdateAgentParams {
                        status: Some(st.into()),
                        ..Default::default()
                    },
                )
                .await
        }
    };
    set_status("suspended").await.unwrap();
    let r = call(&a.agent_id).await;
    assert_envelope(&r, 403, "AGENT_SUSPENDED");
    set_status("active").await.unwrap();
    let again = call(&a.agent_id).await;
    assert_eq!((again.status, &again.body), (201, &first.body));
    // A revoked grant: refused.
    c.grants().revoke(&t.grant_id).await.unwrap();
    let r = call(&a.agent_id).await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_eq!(r.body["message"], "Grant has been revoked");
}

#[tokio::test]
async fn limits_metadata_size_duplicate_delegation_scopes_and_pkce_without_challenge() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&signup.api_key));
    let entry = |pad: usize| {
        json!({
            "agentId": "ag", "agentDid": "did:grantex:ag", "grantId": "g", "principalId": "p",
            "action": "a", "metadata": {"pad": "x".repeat(pad)}
        })
    };
    // {"pad":"…"} is 10 bytes around the padding.
    assert_eq!(
        api.post("/v1/audit/log", entry(65_536 - 10)).await.status,
        201
    );
    let r = api.post("/v1/audit/log", entry(65_536 - 9)).await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert!(r.text.contains("65536"), "{}", r.text);

    let a = agent(&c, "Lim", &["read", "write"]).await;
    let sub = agent(&c, "Sub", &["read", "write"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read", "write"]).await;
    let r = api
        .post(
            "/v1/grants/delegate",
            json!({"parentGrantToken": t.grant_token, "subAgentId": sub.agent_id, "scopes": ["read", "read"]}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert!(r.text.contains("repeat"), "{}", r.text);

    // A verifier for a request that registered no challenge is refused; the code survives.
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = c
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let verifier = grantex::pkce::generate_pkce().code_verifier;
    let r = api
        .post(
            "/v1/token",
            json!({"code": code, "agentId": a.agent_id, "codeVerifier": verifier}),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert!(r.text.contains("no codeChallenge"), "{}", r.text);
    let ok = api
        .post("/v1/token", json!({"code": code, "agentId": a.agent_id}))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_developer_quotas_on_agents_and_active_grants() {
    let dir = TempDir::new("quota");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url_for(dir.path()),
        max_agents_per_developer: 2,
        max_active_grants_per_developer: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let base = server.base_url().to_string();
    let c = client(&base, &server.info.sandbox_api_key);
    let api = Api::new(&base, Some(&server.info.sandbox_api_key));
    let a = agent(&c, "q1", &["read"]).await;
    let b = agent(&c, "q2", &["read"]).await;
    let r = api
        .post(
            "/v1/agents",
            json!({"name": "q3", "description": "", "scopes": ["read"]}),
        )
        .await;
    assert_envelope(&r, 403, "QUOTA_EXCEEDED");
    assert!(r.text.contains("at most 2 agents"), "{}", r.text);
    // Another developer has its own quota.
    let (other, _) = developer(
        &ServerRef {
            base_url: base.clone(),
            api_key: String::new(),
            sandbox_api_key: String::new(),
            jwks_uri: String::new(),
            issuer: String::new(),
        },
        Mode::Sandbox,
    )
    .await;
    agent(&other, "theirs", &["read"]).await;

    let g1 = grant(&c, &a.agent_id, "u1", &["read"]).await;
    let _g2 = grant(&c, &b.agent_id, "u2", &["read"]).await;
    let exchange = |agent_id: String| {
        let api = api.clone();
        async move {
            let auth = api
                .post(
                    "/v1/authorize",
                    json!({"agentId": agent_id, "principalId": "u3", "scopes": ["read"]}),
                )
                .await;
            api.post(
                "/v1/token",
                json!({"code": auth.body["code"], "agentId": agent_id}),
            )
            .await
        }
    };
    let r = exchange(a.agent_id.clone()).await;
    assert_envelope(&r, 403, "QUOTA_EXCEEDED");
    assert!(r.text.contains("at most 2 active grants"), "{}", r.text);
    let r = api
        .post(
            "/v1/grants/delegate",
            json!({"parentGrantToken": g1.grant_token, "subAgentId": b.agent_id, "scopes": ["read"]}),
        )
        .await;
    assert_envelope(&r, 403, "QUOTA_EXCEEDED");
    // Revoking one frees a slot.
    c.grants().revoke(&g1.grant_id).await.unwrap();
    assert_eq!(exchange(a.agent_id.clone()).await.status, 201);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn api_keys_are_not_printed_in_full_at_start() {
    let dir = TempDir::new("mask");
    let data = dir.path().join("data");
    let server = ChildServer::start(&data, &[], &[]);
    let api = Api::new(&server.info.base_url, None);
    // The banner is printed just after server.json is written (which start() waited for).
    eventually("the start banner", || {
        let out = server.output();
        async move { out.contains("sandbox API key:") }
    })
    .await;
    assert_eq!(api.get("/health").await.status, 200);
    let out = server.output();
    for key in [&server.info.api_key, &server.info.sandbox_api_key] {
        assert!(
            !out.contains(key.as_str()),
            "a full key in the output:\n{out}"
        );
        let tail = &key[key.len() - 4..];
        assert!(out.contains(&format!("{}…{tail}", &key[..8])), "{out}");
    }
    assert!(out.contains("server.json"), "{out}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("server.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_silent_connections() {
    let (server, _dir) = server_with(grantex_server::Limits {
        header_read_timeout: Duration::from_secs(60),
        ..Default::default()
    })
    .await;
    let _silent = TcpStream::connect(server.addr).await.unwrap();
    // Let the accept loop take the connection (a request on another one proves it runs).
    assert!(health_from([127, 0, 0, 1], server.addr).await.is_some());
    let t = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), server.shutdown())
        .await
        .expect("shutdown finished")
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}
