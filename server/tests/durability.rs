//! kill -9 durability: everything the server acknowledged (grants, revocations, audit entries)
//! survives a SIGKILL in the middle of a write stream, and the audit chain still verifies.

mod common;

use common::*;
use grantex::types::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ISSUER: &str = "http://grantex.durability.test";

#[derive(Default, Debug)]
struct Acked {
    /// grant id -> its first token
    grants: HashMap<String, String>,
    revoked_grants: Vec<String>,
    revoked_tokens: Vec<String>,
    /// entry id -> hash
    audit: HashMap<String, String>,
    /// Grants whose revocation (of the grant or of its token) was sent but never acknowledged:
    /// the kill may have landed before or after the commit, so either state is correct.
    in_flight_revocations: Vec<String>,
}

async fn writer(
    c: grantex::Client,
    agent_id: String,
    acked: Arc<Mutex<Acked>>,
    stop: Instant,
    n: usize,
) {
    let mut i = 0usize;
    let mut mine: Vec<(String, String)> = Vec::new();
    while Instant::now() < stop {
        i += 1;
        let r: grantex::Result<()> = async {
            match i % 4 {
                0 | 1 => {
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
                        .insert(t.grant_id.clone(), t.grant_token.clone());
                    mine.push((t.grant_id, t.grant_token));
                }
                2 => {
                    let e = c
                        .audit()
                        .log(&AuditLogParams {
                            agent_id: agent_id.clone(),
                            agent_did: format!("did:grantex:{agent_id}"),
                            grant_id: "grnt_x".into(),
                            principal_id: format!("user-{n}"),
                            action: format!("step.{i}"),
                            metadata: Some(serde_json::json!({"writer": n, "i": i})),
                            status: None,
                        })
                        .await?;
                    acked.lock().unwrap().audit.insert(e.entry_id, e.hash);
                }
                _ => {
                    if let Some((gid, tok)) = mine.pop() {
                        // Recorded before the request: if no acknowledgement follows, the
                        // outcome is unknown, not "not revoked".
                        acked
                            .lock()
                            .unwrap()
                            .in_flight_revocations
                            .push(gid.clone());
                        if i % 8 == 3 {
                            c.grants().revoke(&gid).await?;
                            let mut a = acked.lock().unwrap();
                            a.in_flight_revocations.retain(|g| g != &gid);
                            a.revoked_grants.push(gid);
                        } else {
                            c.tokens().revoke(&jti(&tok)).await?;
                            let mut a = acked.lock().unwrap();
                            a.in_flight_revocations.retain(|g| g != &gid);
                            a.revoked_tokens.push(tok);
                        }
                    }
                }
            }
            Ok(())
        }
        .await;
        if r.is_err() {
            return; // the server died mid-stream: unacknowledged work is allowed to be lost
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_stream_loses_nothing_acknowledged() {
    let dir = TempDir::new("durability");
    let data = dir.path().join("data");
    let flags = [
        "--issuer",
        ISSUER,
        "--rate-limit",
        "100000",
        "--authorize-rate-limit",
        "100000",
    ];
    let s1 = ChildServer::start(&data, &flags, &[]);
    let key = s1.info.sandbox_api_key.clone();
    let c = client(&s1.info.base_url, &key);
    let a = agent(&c, "durable", &["read"]).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Instant::now() + Duration::from_secs(30);
    let writers: Vec<_> = (0..4)
        .map(|n| {
            tokio::spawn(writer(
                c.clone(),
                a.agent_id.clone(),
                acked.clone(),
                stop,
                n,
            ))
        })
        .collect();
    // Let the stream run, then SIGKILL with requests in flight.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s1.kill9();
    for w in writers {
        w.await.unwrap();
    }
    let acked = Arc::try_unwrap(acked).unwrap().into_inner().unwrap();
    assert!(
        acked.grants.len() >= 10 && acked.audit.len() >= 5,
        "the stream made progress: {} grants, {} audit",
        acked.grants.len(),
        acked.audit.len()
    );
    assert!(
        !acked.revoked_grants.is_empty() || !acked.revoked_tokens.is_empty(),
        "some revocations happened"
    );

    eprintln!(
        "acknowledged before SIGKILL: {} grants, {} grant revocations, {} token revocations, {} audit entries; {} revocations in flight (outcome unknown)",
        acked.grants.len(),
        acked.revoked_grants.len(),
        acked.revoked_tokens.len(),
        acked.audit.len(),
        acked.in_flight_revocations.len()
    );
    let s2 = ChildServer::start(&data, &flags, &[]);
    let c2 = client(&s2.info.base_url, &key);
    let listed: HashMap<String, Grant> = c2
        .grants()
        .list(&ListGrantsParams {
            agent_id: Some(a.agent_id.clone()),
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
    for gid in &acked.revoked_grants {
        assert_eq!(
            listed[gid].status, "revoked",
            "acknowledged revocation of {gid} lost"
        );
        assert!(!c2.tokens().verify(&acked.grants[gid]).await.unwrap().valid);
    }
    for tok in &acked.revoked_tokens {
        assert!(
            !c2.tokens().verify(tok).await.unwrap().valid,
            "acknowledged token revocation lost"
        );
    }
    // Grants never revoked still verify after the crash. A revocation in flight at the kill may
    // or may not have committed; its grant must still be listed with a definite state.
    let mut checked = 0;
    for gid in &acked.in_flight_revocations {
        assert!(listed.contains_key(gid), "acknowledged grant {gid} lost");
        let valid = c2.tokens().verify(&acked.grants[gid]).await.unwrap().valid;
        eprintln!("in-flight revocation of {gid}: committed = {}", !valid);
    }
    for (gid, tok) in &acked.grants {
        if !acked.revoked_grants.contains(gid)
            && !acked.revoked_tokens.contains(tok)
            && !acked.in_flight_revocations.contains(gid)
        {
            assert!(
                c2.tokens().verify(tok).await.unwrap().valid,
                "grant {gid} should still be valid"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
    let entries = c2
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    let stored: HashMap<&str, &str> = entries
        .iter()
        .map(|e| (e.entry_id.as_str(), e.hash.as_str()))
        .collect();
    for (id, hash) in &acked.audit {
        assert_eq!(
            stored.get(id.as_str()),
            Some(&hash.as_str()),
            "acknowledged audit entry {id} lost or changed"
        );
    }
    let report = grantex::audit_chain::verify_chain(&entries);
    assert!(report.valid, "chain broken after crash: {report:?}");
    assert_eq!(report.checked_entries, entries.len());
    // And the restarted server keeps appending to the same chain.
    let next = c2
        .audit()
        .log(&AuditLogParams {
            agent_id: a.agent_id.clone(),
            agent_did: a.did.clone(),
            grant_id: "grnt_x".into(),
            principal_id: "u".into(),
            action: "after.restart".into(),
            metadata: None,
            status: None,
        })
        .await
        .unwrap();
    assert_eq!(
        next.prev_hash.as_deref(),
        entries.last().map(|e| e.hash.as_str())
    );
}
