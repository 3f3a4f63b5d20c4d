//! `GET /v1/revocations/status` and the core's `Enforcer` against the real server: what an
//! SDK's `enforce` sees for a live, revoked, cascaded, suspended or foreign grant.

mod common;

use common::*;
use grantex::enforce::{denial, EnforceCall, EnforceConfig, Enforcer};
use grantex::types::*;
use serde_json::Value;

async fn status(
    c: &grantex::Client,
    grant_id: Option<&str>,
    jti: Option<&str>,
) -> RevocationStatus {
    c.revocations()
        .status(&RevocationStatusParams {
            grant_id: grant_id.map(str::to_string),
            jti: jti.map(str::to_string),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn revocation_status_follows_every_way_a_grant_stops() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let (other, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "parent", &["tool:crm:write"]).await;
    let sub = agent(&c, "child", &["tool:crm:write"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let gid = claims(&t.grant_token)["grnt"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            claims(&t.grant_token)["urn:grantex:grant"]["grant_id"]
                .as_str()
                .unwrap()
                .to_string()
        });
    let jti = jti(&t.grant_token);

    let live = status(&c, Some(&gid), None).await;
    assert_eq!((live.status.as_str(), live.revoked), ("active", false));
    assert_eq!(live.grant_id.as_deref(), Some(gid.as_str()));
    assert!(live.expires_at.is_some() && live.checked_at.is_some());
    let by_jti = status(&c, None, Some(&jti)).await;
    assert_eq!(
        (by_jti.status.as_str(), by_jti.grant_id.as_deref()),
        ("active", Some(gid.as_str()))
    );
    // A token of another grant, another developer's grant, an unknown id: unknown, revoked.
    assert_eq!(
        status(&c, Some("grnt_nope"), Some(&jti)).await.status,
        "unknown"
    );
    let foreign = status(&other, Some(&gid), None).await;
    assert_eq!(
        (foreign.status.as_str(), foreign.revoked),
        ("unknown", true)
    );
    assert_eq!(
        status(&c, Some("grnt_missing"), None).await.status,
        "unknown"
    );
    // Neither parameter, or an oversized one: 400.
    let e = c
        .revocations()
        .status(&RevocationStatusParams::default())
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 400);
    let e = c
        .revocations()
        .status(&RevocationStatusParams {
            grant_id: Some("g".repeat(300)),
            jti: None,
        })
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 400);

    // Suspending the agent suspends (reversibly); reactivating restores.
    set_status(&c, &a.agent_id, "suspended").await;
    assert_eq!(status(&c, Some(&gid), None).await.status, "suspended");
    set_status(&c, &a.agent_id, "active").await;
    assert_eq!(status(&c, Some(&gid), None).await.status, "active");

    // A delegated grant; revoking the parent cascades to it.
    let child = delegate(&c, &t.grant_token, &sub.agent_id, &["tool:crm:write"]).await;
    assert_eq!(
        status(&c, Some(&child.grant_id), None).await.status,
        "active"
    );
    c.grants().revoke(&gid).await.unwrap();
    let gone = status(&c, Some(&gid), Some(&jti)).await;
    assert_eq!((gone.status.as_str(), gone.revoked), ("revoked", true));
    assert_eq!(
        status(&c, Some(&child.grant_id), None).await.status,
        "revoked"
    );

    // Revoking one token revokes that token only.
    let t2 = grant(&c, &a.agent_id, "bob", &["tool:crm:write"]).await;
    c.tokens().revoke(&jti_of(&t2.grant_token)).await.unwrap();
    assert_eq!(
        status(&c, None, Some(&jti_of(&t2.grant_token)))
            .await
            .status,
        "revoked"
    );
}

fn jti_of(token: &str) -> String {
    jti(token)
}

fn call(token: &str, tool: &str) -> EnforceCall {
    EnforceCall {
        grant_token: token.into(),
        connector: "crm".into(),
        tool: tool.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn enforce_decides_against_the_live_server_and_sees_revocation_online() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "crm agent", &["tool:crm:write", "calendar:read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let online = Enforcer::new(
        c.clone(),
        EnforceConfig {
            revocation_check: "online".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let offline = Enforcer::new(c.clone(), EnforceConfig::default()).unwrap();
    for e in [&online, &offline] {
        e.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    }

    let ok = online
        .enforce(&call(&t.grant_token, "create_contact"))
        .await
        .unwrap();
    assert!(ok.allowed, "{ok:?}");
    assert_eq!(
        (ok.permission.as_str(), ok.reason_code.as_str()),
        ("write", "")
    );
    assert_eq!(ok.grant.as_ref().unwrap().principal_id, "alice");
    let low = online
        .enforce(&call(&t.grant_token, "delete_contact"))
        .await
        .unwrap();
    assert_eq!(
        (low.allowed, low.reason_code.as_str()),
        (false, denial::PERMISSION_INSUFFICIENT)
    );
    assert_eq!(
        low.reason,
        "write scope does not permit delete operations on crm."
    );
    let unknown = online
        .enforce(&call(&t.grant_token, "launch_rocket"))
        .await
        .unwrap();
    assert_eq!(
        (unknown.reason_code.as_str(), unknown.sub_reason.as_str()),
        (denial::MANIFEST_UNKNOWN_TOOL, denial::UNKNOWN_TOOL)
    );
    let mut mail = call(&t.grant_token, "send_message");
    mail.connector = "mail".into();
    let r = online.enforce(&mail).await.unwrap();
    assert_eq!(r.sub_reason, denial::UNKNOWN_CONNECTOR);
    let tampered = format!("{}x", t.grant_token);
    let r = online
        .enforce(&call(&tampered, "create_contact"))
        .await
        .unwrap();
    assert_eq!(r.reason_code, denial::TOKEN_INVALID);
    assert!(
        r.reason.starts_with("Token verification failed: "),
        "{}",
        r.reason
    );

    // A per-call mode may tighten, never loosen.
    let mut loose = call(&t.grant_token, "create_contact");
    loose.revocation_check = Some("offline".into());
    assert!(online
        .enforce(&loose)
        .await
        .unwrap_err()
        .to_string()
        .contains("cannot loosen"));

    // Revoked: online sees it at once; offline does not (by design) until expiry.
    let gid = ok.grant_id.clone();
    c.grants().revoke(&gid).await.unwrap();
    let r = online
        .enforce(&call(&t.grant_token, "create_contact"))
        .await
        .unwrap();
    assert_eq!(
        (r.allowed, r.reason_code.as_str(), r.sub_reason.as_str()),
        (false, denial::GRANT_REVOKED, denial::REVOKED)
    );
    assert_eq!(r.reason, "This grant is revoked.");
    let mut strict = call(&t.grant_token, "create_contact");
    strict.revocation_check = Some("online".into());
    let r = offline.enforce(&strict).await.unwrap();
    assert_eq!(r.reason_code, denial::GRANT_REVOKED);
    assert!(
        offline
            .enforce(&call(&t.grant_token, "create_contact"))
            .await
            .unwrap()
            .allowed
    );

    // The status endpoint unreachable: denied, not allowed.
    let dead = grantex::Client::new(grantex::ClientConfig {
        api_key: Some("gx_test_x".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap();
    let e = Enforcer::new(
        dead,
        EnforceConfig {
            revocation_check: "online".into(),
            jwks_uri: Some(s.jwks_uri.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    e.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    let t2 = grant(&c, &a.agent_id, "bob", &["tool:crm:write"]).await;
    let r = e
        .enforce(&call(&t2.grant_token, "create_contact"))
        .await
        .unwrap();
    assert_eq!(
        (r.reason_code.as_str(), r.sub_reason.as_str()),
        (denial::GRANT_REVOKED, denial::STATUS_UNAVAILABLE)
    );
}

async fn feed(c: &grantex::Client, since: Option<i64>, wait: Option<u32>) -> RevocationFeedPage {
    c.revocations()
        .feed(&RevocationFeedParams {
            since,
            wait,
            ..Default::default()
        })
        .await
        .unwrap()
}

fn grant_id_of(token: &str) -> String {
    claims(token)["grnt"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_revocation_feed_carries_every_revocation_suspension_and_resumption() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "parent", &["tool:crm:write"]).await;
    let sub = agent(&c, "child", &["tool:crm:write"]).await;
    let start = feed(&c, None, None).await;
    assert!(start.snapshot && start.entries.is_empty());
    let cursor = start.cursor;

    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let gid = grant_id_of(&t.grant_token);
    let child = delegate(&c, &t.grant_token, &sub.agent_id, &["tool:crm:write"]).await;

    // Suspension of the parent agent: its grant and the delegated one; then resumption.
    for status in ["suspended", "active"] {
        set_status(&c, &a.agent_id, status).await;
    }
    let page = feed(&c, Some(cursor), None).await;
    let seen: Vec<(String, String)> = page
        .entries
        .iter()
        .map(|e| (e.action.clone(), e.grant_id.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("suspended".into(), gid.clone()),
            ("suspended".into(), child.grant_id.clone()),
            ("resumed".into(), gid.clone()),
            ("resumed".into(), child.grant_id.clone()),
        ]
    );
    assert!(page
        .entries
        .iter()
        .all(|e| e.expires_at.is_some() && e.seq > cursor));
    let cursor = page.cursor;

    // A long-poll answers as soon as the revocation commits.
    let waiter = {
        let c = c.clone();
        tokio::spawn(async move {
            let t0 = std::time::Instant::now();
            (feed(&c, Some(cursor), Some(20)).await, t0.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    c.grants().revoke(&gid).await.unwrap();
    let (page, took) = waiter.await.unwrap();
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    let mut actions: Vec<(String, String)> = page
        .entries
        .iter()
        .map(|e| (e.action.clone(), e.grant_id.clone().unwrap_or_default()))
        .collect();
    if page.entries.len() < 2 {
        // The cascade committed in the same transaction: read the rest.
        let more = feed(&c, Some(page.cursor), None).await;
        actions.extend(
            more.entries
                .iter()
                .map(|e| (e.action.clone(), e.grant_id.clone().unwrap_or_default())),
        );
    }
    assert_eq!(
        actions,
        vec![
            ("revoked".into(), gid.clone()),
            ("revoked".into(), child.grant_id.clone())
        ]
    );

    // One token revoked; nothing new: an empty page keeps the cursor.
    let t2 = grant(&c, &a.agent_id, "bob", &["tool:crm:write"]).await;
    c.tokens().revoke(&jti(&t2.grant_token)).await.unwrap();
    let page = feed(&c, Some(cursor), None).await;
    let last = page.entries.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.jti.clone()),
        ("token_revoked", Some(jti(&t2.grant_token)))
    );
    let quiet = feed(&c, Some(page.cursor), Some(0)).await;
    assert!(quiet.entries.is_empty() && quiet.cursor == page.cursor);

    // The snapshot holds the revoked grants and the revoked token, paged.
    let mut snapshot = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let p = c
            .revocations()
            .feed(&RevocationFeedParams {
                limit: Some(1),
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(p.snapshot && p.entries.len() <= 1 && p.cursor >= page.cursor);
        snapshot.extend(p.entries.into_iter().map(|e| (e.action, e.grant_id, e.jti)));
        match p.next_page_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert!(snapshot.contains(&("revoked".into(), Some(gid.clone()), None)));
    assert!(snapshot.contains(&("revoked".into(), Some(child.grant_id.clone()), None)));
    assert!(snapshot
        .iter()
        .any(|(a, _, j)| a == "token_revoked" && *j == Some(jti(&t2.grant_token))));
    assert_eq!(snapshot.len(), 3, "{snapshot:?}");

    // Another developer sees none of it; bad parameters are 400.
    let (other, _) = developer(s, Mode::Live).await;
    assert!(feed(&other, None, None).await.entries.is_empty());
    for bad in [
        RevocationFeedParams {
            wait: Some(26),
            since: Some(0),
            ..Default::default()
        },
        RevocationFeedParams {
            limit: Some(5000),
            ..Default::default()
        },
        RevocationFeedParams {
            page_token: Some("!!".into()),
            ..Default::default()
        },
    ] {
        let e = c.revocations().feed(&bad).await.unwrap_err();
        assert_eq!(common::status(&e), 400, "{bad:?}");
    }
}

#[tokio::test]
async fn enforce_in_feed_mode_sees_revocations_and_suspensions_within_seconds_streamed() {
    feed_mode("stream").await;
}

#[tokio::test]
async fn enforce_in_feed_mode_sees_revocations_and_suspensions_within_seconds_polled() {
    feed_mode("poll").await;
}

async fn feed_mode(transport: &str) {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "fed", &["tool:crm:write"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let e = Enforcer::new(
        c.clone(),
        EnforceConfig {
            revocation_check: "feed".into(),
            revocation_feed_stale_after: 2.0,
            revocation_feed_transport: transport.into(),
            ..Default::default()
        },
    )
    .unwrap();
    e.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    let call = call(&t.grant_token, "create_contact");
    assert!(e.enforce(&call).await.unwrap().allowed);
    let state = e.revocation_feed_state().unwrap();
    assert!(
        state.synced && state.fresh && state.unavailable.is_none(),
        "{state:?}"
    );

    let until = |want: &'static str| {
        let e = &e;
        let call = call.clone();
        async move {
            for _ in 0..100 {
                let r = e.enforce(&call).await.unwrap();
                if r.sub_reason == want || (want.is_empty() && r.allowed) {
                    return r;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("enforce never reached {want:?}");
        }
    };
    set_status(&c, &a.agent_id, "suspended").await;
    let r = until(denial::SUSPENDED).await;
    assert_eq!(r.reason_code, denial::GRANT_REVOKED);
    set_status(&c, &a.agent_id, "active").await;
    until("").await;
    c.grants()
        .revoke(&grant_id_of(&t.grant_token))
        .await
        .unwrap();
    let r = until(denial::REVOKED).await;
    assert!(
        r.reason.starts_with("Grant grnt_") && r.reason.ends_with(" is revoked."),
        "{}",
        r.reason
    );

    // A server that does not answer: the feed is unusable and enforce fails closed.
    let dead = grantex::Client::new(grantex::ClientConfig {
        api_key: Some("gx_test_x".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap();
    let e2 = Enforcer::new(
        dead,
        EnforceConfig {
            revocation_check: "feed".into(),
            revocation_feed_stale_after: 1.0,
            revocation_feed_transport: transport.into(),
            jwks_uri: Some(s.jwks_uri.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    e2.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    let t3 = grant(&c, &a.agent_id, "carol", &["tool:crm:write"]).await;
    let r = e2.enforce(&call_for(&t3.grant_token)).await.unwrap();
    assert_eq!(
        (r.reason_code.as_str(), r.sub_reason.as_str()),
        (denial::GRANT_REVOKED, denial::FEED_UNAVAILABLE),
        "{r:?}"
    );
    e2.stop_revocation_feed();
}

fn call_for(token: &str) -> EnforceCall {
    call(token, "create_contact")
}

#[tokio::test]
async fn the_feed_keeps_deleted_agents_grants_and_chains_suspended_by_another_agent() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "a", &["tool:crm:write"]).await;
    let b = agent(&c, "b", &["tool:crm:write"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let g1 = grant_id_of(&t.grant_token);
    let g2 = delegate(&c, &t.grant_token, &b.agent_id, &["tool:crm:write"])
        .await
        .grant_id;
    let cursor = feed(&c, None, None).await.cursor;
    set_status(&c, &b.agent_id, "suspended").await;
    set_status(&c, &a.agent_id, "suspended").await;
    set_status(&c, &a.agent_id, "active").await;
    let events: Vec<(String, String)> = feed(&c, Some(cursor), None)
        .await
        .entries
        .into_iter()
        .map(|e| (e.action, e.grant_id.unwrap_or_default()))
        .collect();
    // G2 stays suspended while B is: resuming A resumes G1 only.
    assert_eq!(
        events,
        vec![
            ("suspended".into(), g2.clone()),
            ("suspended".into(), g1.clone()),
            ("suspended".into(), g2.clone()),
            ("resumed".into(), g1.clone()),
        ]
    );
    let snap = feed(&c, None, None).await;
    let suspended: Vec<&str> = snap
        .entries
        .iter()
        .filter(|e| e.action == "suspended")
        .filter_map(|e| e.grant_id.as_deref())
        .collect();
    assert_eq!(suspended, vec![g2.as_str()]);

    // Deleting agent A deletes G1's rows; the snapshot still names G1 (and G2, revoked).
    let token_a = t.grant_token.clone();
    c.agents().delete(&a.agent_id).await.unwrap();
    let snap = feed(&c, None, None).await;
    let revoked: Vec<&str> = snap
        .entries
        .iter()
        .filter(|e| e.action == "revoked")
        .filter_map(|e| e.grant_id.as_deref())
        .collect();
    assert!(
        revoked.contains(&g1.as_str()) && revoked.contains(&g2.as_str()),
        "{revoked:?}"
    );
    // A feed follower started after the deletion denies the deleted agent's token.
    let e = Enforcer::new(
        c.clone(),
        EnforceConfig {
            revocation_check: "feed".into(),
            ..Default::default()
        },
    )
    .unwrap();
    e.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    let r = e.enforce(&call(&token_a, "create_contact")).await.unwrap();
    assert_eq!(
        (r.reason_code.as_str(), r.sub_reason.as_str()),
        (denial::GRANT_REVOKED, denial::REVOKED),
        "{r:?}"
    );

    // A cursor ahead of the log is refused (410), not silently past every event.
    let e = c
        .revocations()
        .feed(&RevocationFeedParams {
            since: Some(snap.cursor + 1000),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 410);
}

/// Reads Server-Sent Events from `resp` until `want` arrives (or 10 s pass): every
/// `(event, data)` seen, in order.
async fn events_until(
    resp: &mut reqwest::Response,
    buf: &mut String,
    want: &str,
) -> Vec<(String, Value)> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            let done = event == want;
            seen.push((event, serde_json::from_str(&data).unwrap()));
            if done {
                return seen;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} event within 10 s; saw {seen:?}"))
            .unwrap()
            .expect("the stream ended");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn the_revocation_stream_replays_then_follows_with_heartbeats() {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    let a = agent(&c, "streamed", &["read"]).await;
    let t1 = grant(&c, &a.agent_id, "alice", &["read"]).await;
    let t2 = grant(&c, &a.agent_id, "bob", &["read"]).await;
    c.grants()
        .revoke(&grant_id_of(&t1.grant_token))
        .await
        .unwrap();
    let open = |since: &str| {
        http()
            .get(format!(
                "{}/v1/revocations/stream?since={since}",
                s.base_url
            ))
            .bearer_auth(&signup.api_key)
            .send()
    };
    let mut resp = open("0").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut buf = String::new();
    // The log so far, then ready with the cursor.
    let replay = events_until(&mut resp, &mut buf, "ready").await;
    let (revocations, ready): (Vec<_>, Vec<_>) =
        replay.iter().partition(|(e, _)| e == "revocation");
    assert_eq!(revocations.len(), 1, "{replay:?}");
    assert_eq!(
        revocations[0].1["grantId"],
        grant_id_of(&t1.grant_token).as_str()
    );
    assert_eq!(revocations[0].1["action"], "revoked");
    let cursor = ready[0].1["cursor"].as_i64().unwrap();
    assert_eq!(cursor, revocations[0].1["seq"].as_i64().unwrap());
    // A heartbeat within about a second, then a new revocation as it commits.
    let beat = events_until(&mut resp, &mut buf, "heartbeat").await;
    assert_eq!(beat.last().unwrap().1["cursor"], cursor);
    c.grants()
        .revoke(&grant_id_of(&t2.grant_token))
        .await
        .unwrap();
    let next = events_until(&mut resp, &mut buf, "revocation").await;
    let (_, e) = next.last().unwrap();
    assert_eq!(e["grantId"], grant_id_of(&t2.grant_token).as_str());
    assert!(e["seq"].as_i64().unwrap() > cursor);
    drop(resp);

    // From the cursor: only what came after it.
    let mut resp = open(&cursor.to_string()).await.unwrap();
    let mut buf = String::new();
    let replay = events_until(&mut resp, &mut buf, "ready").await;
    assert_eq!(replay.len(), 2, "{replay:?}");
    assert_eq!(
        replay[0].1["grantId"],
        grant_id_of(&t2.grant_token).as_str()
    );
    drop(resp);

    // A cursor ahead of the log, a bad one, and no API key.
    assert_eq!(open("999999999").await.unwrap().status(), 410);
    assert_eq!(open("-1").await.unwrap().status(), 400);
    let anon = http()
        .get(format!("{}/v1/revocations/stream", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
}

#[tokio::test]
async fn open_revocation_streams_are_capped_and_end_when_the_server_stops() {
    let dir = TempDir::new("revocation-stream");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url_for(dir.path()),
        ..Default::default()
    })
    .await
    .expect("server starts");
    let url = format!("{}/v1/revocations/stream", server.base_url());
    let key = server.info.api_key.clone();
    let mut open = Vec::new();
    for _ in 0..grantex_server::MAX_REVOCATION_STREAMS_PER_DEVELOPER {
        let r = http().get(&url).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.status(), 200);
        open.push(r);
    }
    let refused = http().get(&url).bearer_auth(&key).send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "TOO_MANY_CONNECTIONS"
    );
    // Closing one frees its slot.
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        let r = http().get(&url).bearer_auth(&key).send().await.unwrap();
        if r.status() == 200 {
            again = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    open.push(again.expect("a closed stream's slot is freed"));
    // A graceful stop does not wait for the open streams: they end.
    tokio::time::timeout(std::time::Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown completes with streams open")
        .unwrap();
    for mut r in open {
        let mut ended = false;
        for _ in 0..20 {
            match tokio::time::timeout(std::time::Duration::from_secs(5), r.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                _ => {
                    ended = true;
                    break;
                }
            }
        }
        assert!(ended, "a stream outlived the server");
    }
}
