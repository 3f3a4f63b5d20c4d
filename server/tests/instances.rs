//! Several server instances on one PostgreSQL database (issue 18): one key ring (stored wrapped in
//! the database under the operator's key-encryption key), one state. These need PostgreSQL, so
//! they are ignored in the SQLite run and run by `scripts/lib/server-pg-tests.sh`
//! (`--include-ignored`, with `GRANTEX_TEST_DATABASE_URL`).

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};

const KEK: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";

fn pg_url(dir: &std::path::Path) -> String {
    database_url_for(dir).expect(
        "GRANTEX_TEST_DATABASE_URL must name a PostgreSQL database (scripts/lib/server-pg-tests.sh sets it)",
    )
}

/// Instances of one deployment share the issuer (the URL in front of them).
const ISSUER: &str = "http://grantex.instances.test";

fn instance(data: &std::path::Path, url: &str, kek: &str) -> ChildServer {
    instance_with(data, url, kek, &[])
}

/// An instance with more command-line arguments (`--redis-url`, limits).
fn instance_with(data: &std::path::Path, url: &str, kek: &str, extra: &[&str]) -> ChildServer {
    let mut args = vec!["--database-url", url, "--issuer", ISSUER];
    args.extend_from_slice(extra);
    ChildServer::start(data, &args, &[("GRANTEX_KEY_ENCRYPTION_KEY", kek)])
}

fn kids(j: &Value) -> Vec<String> {
    let mut k: Vec<String> = j["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

fn header_kid(token: &str) -> String {
    use base64::Engine as _;
    let h = token.split('.').next().unwrap();
    let v: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap();
    v["kid"].as_str().unwrap().to_string()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn two_instances_share_state_keys_and_single_use_codes() {
    let tmp = TempDir::new("instances");
    let url = pg_url(&tmp.path().join("db"));
    let a = instance(&tmp.path().join("a"), &url, KEK);
    let b = instance(&tmp.path().join("b"), &url, KEK);
    // One key ring: both publish the same keys, and no key file was written.
    let ja = http()
        .get(format!("{}/.well-known/jwks.json", a.info.base_url))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let jb = http()
        .get(format!("{}/.well-known/jwks.json", b.info.base_url))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(kids(&ja), kids(&jb));
    assert_eq!(kids(&ja).len(), 2, "one live and one sandbox key");
    for d in ["a", "b"] {
        let files = std::fs::read_dir(tmp.path().join(d).join("keys"))
            .map(|r| r.count())
            .unwrap_or(0);
        assert_eq!(
            files, 0,
            "keys live wrapped in the database, not in {d}/keys"
        );
    }

    // A developer signed up on A is known to B.
    let (ca, dev) = developer(&a.info, Mode::Live).await;
    let cb = client(&b.info.base_url, &dev.api_key);
    let (api_a, api_b) = (
        Api::new(&a.info.base_url, Some(&dev.api_key)),
        Api::new(&b.info.base_url, Some(&dev.api_key)),
    );
    let agent_a = agent(&ca, "multi", &["read", "write"]).await;
    let sub = agent(&cb, "multi-sub", &["read"]).await;

    // authorize on A, approve on B, exchange on A.
    let auth = ca
        .authorize(&AuthorizeParams {
            agent_id: agent_a.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["read", "write"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = cb
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let t = ca
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: agent_a.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(cb.tokens().verify(&t.grant_token).await.unwrap().valid);
    // Delegation on B from A's token; refresh of the delegated grant on A.
    let d = cb
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    let r = ca
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: d.refresh_token.clone().unwrap(),
            agent_id: sub.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert!(ca.tokens().verify(&r.grant_token).await.unwrap().valid);
    // Revoke on B: A says invalid at once (no polling interval), for the grant and its child.
    cb.grants().revoke(&t.grant_id).await.unwrap();
    assert!(!ca.tokens().verify(&t.grant_token).await.unwrap().valid);
    assert!(!ca.tokens().verify(&r.grant_token).await.unwrap().valid);

    // One code exchanged concurrently on both instances: exactly one exchange wins.
    let auth = ca
        .authorize(&AuthorizeParams {
            agent_id: agent_a.agent_id.clone(),
            user_id: "bob".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = ca
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let body = json!({ "code": code, "agentId": agent_a.agent_id });
    let mut tasks = Vec::new();
    for i in 0..24 {
        let api = if i % 2 == 0 {
            api_a.clone()
        } else {
            api_b.clone()
        };
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            api.post("/v1/token", body).await.status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "{statuses:?}"
    );

    // The audit chain written through both instances is one unbroken chain.
    let entries = ca
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    let mut prev: Option<String> = None;
    for e in &entries {
        assert_eq!(e.prev_hash, prev);
        assert_eq!(grantex::audit_chain::compute_hash(e), e.hash);
        prev = Some(e.hash.clone());
    }
    assert!(entries.len() >= 6, "{}", entries.len());
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn a_rotation_on_one_instance_is_verified_by_the_others() {
    let tmp = TempDir::new("instances-rotate");
    let url = pg_url(&tmp.path().join("db"));
    let a = instance(&tmp.path().join("a"), &url, KEK);
    let b = instance(&tmp.path().join("b"), &url, KEK);
    let (ca, dev) = developer(&a.info, Mode::Live).await;
    let ag = agent(&ca, "rot", &["read"]).await;
    let before = grant(&ca, &ag.agent_id, "u", &["read"]).await.grant_token;
    // Rotate (the CLI, with the key-encryption key) and restart B only: B signs with the new key
    // at once; A, still holding the old ring, meets the new kid and reloads.
    let out = std::process::Command::new(server_bin())
        .args(["keys", "rotate", "--data-dir"])
        .arg(tmp.path().join("b"))
        .args(["--database-url", &url])
        .env("GRANTEX_KEY_ENCRYPTION_KEY", KEK)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(b);
    let b = instance(&tmp.path().join("b"), &url, KEK);
    let cb = client(&b.info.base_url, &dev.api_key);
    let after = grant(&cb, &ag.agent_id, "u", &["read"]).await.grant_token;
    assert_ne!(header_kid(&after), header_kid(&before));
    assert!(
        ca.tokens().verify(&after).await.unwrap().valid,
        "A verifies B's new key: {}",
        a.output()
    );
    assert!(
        cb.tokens().verify(&before).await.unwrap().valid,
        "B verifies the retired key"
    );
    let ja = http()
        .get(format!("{}/.well-known/jwks.json", a.info.base_url))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        kids(&ja).contains(&header_kid(&after)),
        "A now publishes the new key"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn a_second_instance_without_the_right_key_encryption_key_refuses_to_start() {
    let tmp = TempDir::new("instances-kek");
    let url = pg_url(&tmp.path().join("db"));
    let _a = instance(&tmp.path().join("a"), &url, KEK);
    let start = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(server_bin());
        cmd.args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(tmp.path().join("b"))
            .args(["--database-url", &url])
            .env_remove("GRANTEX_KEY_ENCRYPTION_KEY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let none = start(&[]);
    assert!(none.contains("key-encryption key"), "{none}");
    let wrong = start(&[(
        "GRANTEX_KEY_ENCRYPTION_KEY",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    )]);
    assert!(wrong.contains("does not decrypt"), "{wrong}");
    let malformed = start(&[("GRANTEX_KEY_ENCRYPTION_KEY", "abc")]);
    assert!(malformed.contains("64 hexadecimal"), "{malformed}");
    assert!(
        !none.contains(KEK) && !wrong.contains("ffffffff"),
        "keys are never echoed"
    );
}

/// A private `redis-server` on a free loopback port, stopped when dropped.
struct Redis {
    child: std::process::Child,
    url: String,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (apt install redis-server; scripts/lib/deps.sh installs it)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Redis {
            child,
            url: format!("redis://127.0.0.1:{port}/"),
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn rate_limits_are_shared_through_redis_and_survive_its_outage() {
    let tmp = TempDir::new("instances-redis");
    let url = pg_url(&tmp.path().join("db"));
    let mut redis = Redis::start();
    let start = |name: &str| {
        instance_with(
            &tmp.path().join(name),
            &url,
            KEK,
            &["--rate-limit", "3", "--redis-url", &redis.url],
        )
    };
    let (a, b) = (start("a"), start("b"));
    let (_, dev) = developer(&a.info, Mode::Live).await;
    let (api_a, api_b) = (
        Api::new(&a.info.base_url, Some(&dev.api_key)),
        Api::new(&b.info.base_url, Some(&dev.api_key)),
    );
    // One budget of 3 per minute for the developer on this route, whichever instance answers.
    // (A window boundary in the middle would reset the count: retry once in the next window.)
    let mut seen = Vec::new();
    for attempt in 0..2 {
        seen.clear();
        for api in [&api_a, &api_b, &api_a, &api_b] {
            let r = api.get("/v1/me").await;
            seen.push((
                r.status,
                r.header("x-ratelimit-remaining").map(str::to_string),
            ));
        }
        if seen[0].1.as_deref() == Some("2") || attempt == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(61)).await;
    }
    let statuses: Vec<u16> = seen.iter().map(|s| s.0).collect();
    assert_eq!(statuses, [200, 200, 200, 429], "{seen:?}");
    let remaining: Vec<_> = seen[..3].iter().map(|s| s.1.clone().unwrap()).collect();
    assert_eq!(remaining, ["2", "1", "0"], "{seen:?}");

    // Redis goes away: the instances keep answering, counting locally, and say why.
    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    let api_c = {
        let (_, other) = developer(&a.info, Mode::Live).await;
        Api::new(&a.info.base_url, Some(&other.api_key))
    };
    let r = api_c.get("/v1/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("x-ratelimit-limit").is_some());
    assert!(
        a.output().contains("Redis rate limiting failed"),
        "{}",
        a.output()
    );
    drop(b);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn cached_answers_end_on_every_instance_the_instant_anything_is_revoked() {
    let tmp = TempDir::new("instances-fresh");
    let url = pg_url(&tmp.path().join("db"));
    let mut redis = Redis::start();
    let start = |name: &str| {
        instance_with(
            &tmp.path().join(name),
            &url,
            KEK,
            &["--redis-url", &redis.url],
        )
    };
    let (a, b) = (start("a"), start("b"));
    let (ca, dev) = developer(&a.info, Mode::Live).await;
    let cb = client(&b.info.base_url, &dev.api_key);
    let api_a = Api::new(&a.info.base_url, Some(&dev.api_key));
    let online = |c: &grantex::Client, t: &str| {
        let (c, t) = (c.clone(), t.to_string());
        async move { c.tokens().verify(&t).await.unwrap().valid }
    };
    // Asked several times on both instances, so each holds a cached "active".
    let warm = |t: String| {
        let (ca, cb) = (ca.clone(), cb.clone());
        async move {
            for _ in 0..3 {
                assert!(ca.tokens().verify(&t).await.unwrap().valid);
                assert!(cb.tokens().verify(&t).await.unwrap().valid);
            }
        }
    };
    let main = agent(&ca, "fresh", &["read"]).await;
    let sub = agent(&ca, "fresh-sub", &["read"]).await;

    // 1. A token revoked on B is refused by A on the very next request, on both verify routes.
    let t1 = grant(&ca, &main.agent_id, "alice", &["read"]).await;
    warm(t1.grant_token.clone()).await;
    cb.tokens().revoke(&jti(&t1.grant_token)).await.unwrap();
    assert!(!online(&ca, &t1.grant_token).await);
    let r = api_a
        .post("/v1/grants/verify", json!({ "token": t1.grant_token }))
        .await;
    assert_eq!(r.body["active"], false, "{}", r.text);

    // 2. A grant revoked on B: its delegated child, cached on A, is refused by A at once.
    let t2 = grant(&ca, &main.agent_id, "bob", &["read"]).await;
    let child = ca
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t2.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    warm(child.grant_token.clone()).await;
    cb.grants().revoke(&t2.grant_id).await.unwrap();
    assert!(!online(&ca, &child.grant_token).await);

    // 3. The agent suspended on B: A refuses its cached token at once; reactivated, accepted.
    let t3 = grant(&ca, &main.agent_id, "carol", &["read"]).await;
    warm(t3.grant_token.clone()).await;
    let set_status = |status: &str| UpdateAgentParams {
        status: Some(status.into()),
        ..Default::default()
    };
    cb.agents()
        .update(&main.agent_id, &set_status("suspended"))
        .await
        .unwrap();
    assert!(!online(&ca, &t3.grant_token).await);
    cb.agents()
        .update(&main.agent_id, &set_status("active"))
        .await
        .unwrap();
    assert!(online(&ca, &t3.grant_token).await);

    // 4. The API key rotated on B: A refuses the old key (cached) on the next request.
    assert_eq!(api_a.get("/v1/me").await.status, 200);
    assert_eq!(api_a.get("/v1/me").await.status, 200);
    let rotated = Api::new(&b.info.base_url, Some(&dev.api_key))
        .post("/v1/keys/rotate", json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let r = api_a.get("/v1/me").await;
    assert_eq!(r.status, 401, "{}", r.text);
    let new_key = rotated.body["apiKey"].as_str().unwrap().to_string();
    let (ca, cb) = (
        client(&a.info.base_url, &new_key),
        client(&b.info.base_url, &new_key),
    );
    assert!(online(&ca, &t3.grant_token).await);

    // 5. Redis gone: answers come from the database alone, and stay right.
    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    assert!(online(&ca, &t3.grant_token).await);
    cb.tokens().revoke(&jti(&t3.grant_token)).await.unwrap();
    assert!(!online(&ca, &t3.grant_token).await);
    assert!(!online(&cb, &t3.grant_token).await);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn a_consent_page_served_by_one_instance_is_answered_through_another() {
    let tmp = TempDir::new("instances-consent");
    let url = pg_url(&tmp.path().join("db"));
    let a = instance(&tmp.path().join("a"), &url, KEK);
    let b = instance(&tmp.path().join("b"), &url, KEK);
    let (ca, _) = developer(&a.info, Mode::Live).await;
    let ag = agent(&ca, "consent", &["read"]).await;
    let id = ca
        .authorize(&AuthorizeParams {
            agent_id: ag.agent_id.clone(),
            user_id: "carol".into(),
            scopes: strings(&["read"]),
            redirect_uri: Some("https://app.example.com/cb".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .auth_request_id;
    // The page (cookie + form token) comes from A ...
    let page = Api::new(&a.info.base_url, None)
        .get(&format!("/consent?req={id}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // ... and the form is posted to B, which accepts it (the CSRF key is shared).
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", &token);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/consent/{id}/approve", b.info.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .body(body.finish())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("https://app.example.com/cb?code="),
        "{location}"
    );
    // No CSRF key file was written: the secret lives (wrapped) in the database.
    assert!(!tmp.path().join("a").join("consent-csrf.key").exists());
}

/// What the load below had acknowledged: grant id -> token, and revoked grant ids.
#[derive(Default)]
struct Acked {
    grants: std::collections::HashMap<String, String>,
    revoked: Vec<String>,
    /// Revocations sent but not acknowledged (either outcome is correct).
    unknown: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn sigkill_of_one_instance_under_load_loses_nothing_and_clients_finish_on_the_other() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let tmp = TempDir::new("instances-kill");
    let url = pg_url(&tmp.path().join("db"));
    let flags = [
        "--database-url",
        &url,
        "--issuer",
        ISSUER,
        "--rate-limit",
        "100000",
        "--authorize-rate-limit",
        "100000",
    ];
    let env = [("GRANTEX_KEY_ENCRYPTION_KEY", KEK)];
    let a = ChildServer::start(&tmp.path().join("a"), &flags, &env);
    let b = ChildServer::start(&tmp.path().join("b"), &flags, &env);
    let (_, dev) = developer(&a.info, Mode::Sandbox).await;
    let clients = [
        client(&a.info.base_url, &dev.api_key),
        client(&b.info.base_url, &dev.api_key),
    ];
    let ag = agent(&clients[0], "load", &["read"]).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let a_dead = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = Instant::now() + Duration::from_secs(4);
    let mut writers = Vec::new();
    for n in 0..16usize {
        let (clients, acked, a_dead, agent_id) = (
            clients.clone(),
            acked.clone(),
            a_dead.clone(),
            ag.agent_id.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut i = 0usize;
            let mut finished_on_b = 0usize;
            while Instant::now() < stop {
                i += 1;
                // Alternate instances; once A is gone, only B.
                let on_a =
                    (n + i).is_multiple_of(2) && !a_dead.load(std::sync::atomic::Ordering::Relaxed);
                let c = &clients[usize::from(!on_a)];
                let step: grantex::Result<()> = async {
                    let auth = c
                        .authorize(&AuthorizeParams {
                            agent_id: agent_id.clone(),
                            user_id: format!("user-{n}"),
                            scopes: strings(&["read"]),
                            ..Default::default()
                        })
                        .await?;
                    let t = c
                        .tokens()
                        .exchange(&ExchangeTokenParams {
                            code: auth.code.unwrap(),
                            agent_id: agent_id.clone(),
                            ..Default::default()
                        })
                        .await?;
                    acked
                        .lock()
                        .unwrap()
                        .grants
                        .insert(t.grant_id.clone(), t.grant_token);
                    if i.is_multiple_of(3) {
                        acked.lock().unwrap().unknown.push(t.grant_id.clone());
                        c.grants().revoke(&t.grant_id).await?;
                        let mut ack = acked.lock().unwrap();
                        ack.unknown.retain(|g| g != &t.grant_id);
                        ack.revoked.push(t.grant_id);
                    }
                    Ok(())
                }
                .await;
                match step {
                    Ok(()) if !on_a => finished_on_b += 1,
                    Ok(()) => {}
                    // A was killed under this request (no answer at all): go on with B.
                    Err(e) if on_a && e.as_api().is_none() => {
                        a_dead.store(true, std::sync::atomic::Ordering::Relaxed)
                    }
                    Err(e) => panic!("an instance answered with an error: {e}"),
                }
            }
            finished_on_b
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.kill9();
    a_dead.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut on_b = 0;
    for w in writers {
        on_b += w.await.unwrap();
    }
    let acked = Arc::try_unwrap(acked).ok().unwrap().into_inner().unwrap();
    assert!(acked.grants.len() >= 20, "progress: {}", acked.grants.len());
    assert!(on_b >= 16, "the clients carried on through B: {on_b}");
    // Everything acknowledged by either instance is there, as acknowledged.
    let cb = &clients[1];
    let listed: std::collections::HashMap<String, Grant> = cb
        .grants()
        .list(&ListGrantsParams {
            agent_id: Some(ag.agent_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .grants
        .into_iter()
        .map(|g| (g.grant_id.clone(), g))
        .collect();
    for gid in acked.grants.keys() {
        assert!(listed.contains_key(gid), "acknowledged grant {gid} lost");
    }
    for gid in &acked.revoked {
        assert_eq!(
            listed[gid].status, "revoked",
            "acknowledged revocation of {gid} lost"
        );
        assert!(!cb.tokens().verify(&acked.grants[gid]).await.unwrap().valid);
    }
    for (gid, token) in &acked.grants {
        if !acked.revoked.contains(gid) && !acked.unknown.contains(gid) {
            assert!(
                cb.tokens().verify(token).await.unwrap().valid,
                "{gid} must still be valid"
            );
        }
    }
    // One unbroken audit chain across both instances and the kill.
    let entries = cb
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    let mut prev: Option<String> = None;
    for e in &entries {
        assert_eq!(e.prev_hash, prev);
        assert_eq!(grantex::audit_chain::compute_hash(e), e.hash);
        prev = Some(e.hash.clone());
    }
    eprintln!(
        "two instances, 16 clients, A killed at 1.5 s: {} grants and {} revocations acknowledged, {} steps finished on B, {} audit entries",
        acked.grants.len(),
        acked.revoked.len(),
        on_b,
        entries.len()
    );
    drop(b);
}
