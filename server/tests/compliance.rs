//! Compliance and anomalies against the real server (issue 15 items 3 and 4): exports whose
//! row counts match the data (JSON through the SDK, CSV parsed here), filters, the evidence
//! pack whose chain result flips when an audit row is tampered with in the database file, and
//! each anomaly rule triggered by a scripted scenario and silent for normal traffic.

mod common;

use common::*;
use grantex::types::*;
use serde_json::Value;
use std::time::Duration;

/// Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        !quoted && cell.is_empty() && row.is_empty(),
        "CSV ends with a full record"
    );
    rows
}

async fn log(c: &grantex::Client, agent: &Agent, action: &str, status: AuditStatus) {
    c.audit()
        .log(&AuditLogParams {
            agent_id: agent.agent_id.clone(),
            agent_did: agent.did.clone(),
            grant_id: "grnt_x".into(),
            principal_id: "alice".into(),
            action: action.into(),
            metadata: Some(serde_json::json!({ "note": "=cmd|' /C calc'!A0, \"quoted\"" })),
            status: Some(status),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn exports_summary_and_evidence_pack_with_a_tampered_chain() {
    let dir = TempDir::new("compliance");
    let s = ChildServer::start(dir.path(), &[], &[]);
    let c = client(&s.info.base_url, &s.info.sandbox_api_key);
    let api = Api::new(&s.info.base_url, Some(&s.info.sandbox_api_key));
    let a = agent(&c, "reporter", &["read", "write"]).await;
    let b = agent(&c, "other", &["read"]).await;
    let mut grants = Vec::new();
    for i in 0..5 {
        grants.push(grant(&c, &a.agent_id, &format!("user-{i}"), &["read"]).await);
    }
    grants.push(grant(&c, &b.agent_id, "bob", &["read"]).await);
    c.grants().revoke(&grants[0].grant_id).await.unwrap();
    c.grants().revoke(&grants[1].grant_id).await.unwrap();
    log(&c, &a, "doc.read", AuditStatus::Success).await;
    log(&c, &a, "doc.write", AuditStatus::Failure).await;
    log(&c, &b, "doc.read", AuditStatus::Blocked).await;
    c.policies()
        .create(&CreatePolicyParams {
            name: "no admin".into(),
            effect: "deny".into(),
            scopes: Some(strings(&["admin"])),
            ..Default::default()
        })
        .await
        .unwrap();

    let sum = c
        .compliance()
        .get_summary(&ComplianceSummaryParams::default())
        .await
        .unwrap();
    assert_eq!(sum.grants["total"], 6);
    assert_eq!(
        (
            sum.grants["active"],
            sum.grants["revoked"],
            sum.grants["expired"]
        ),
        (4, 2, 0)
    );
    assert_eq!((sum.agents["total"], sum.agents["active"]), (2, 2));
    assert_eq!(sum.policies["deny"], 1);
    let audit_total = sum.audit_entries["total"];
    assert_eq!(
        (sum.audit_entries["failure"], sum.audit_entries["blocked"]),
        (1, 1)
    );
    assert!(
        audit_total >= 3 + 2 + 6,
        "3 logged + 2 revocations + 6 token issues: {audit_total}"
    );

    // Grants: JSON through the SDK, filters, CSV parsed.
    let all = c
        .compliance()
        .export_grants(&ComplianceExportGrantsParams::default())
        .await
        .unwrap();
    assert_eq!((all.total, all.grants.len()), (6, 6));
    let revoked = c
        .compliance()
        .export_grants(&ComplianceExportGrantsParams {
            status: Some("revoked".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(revoked.total, 2);
    assert!(revoked.grants.iter().all(|g| g.status == "revoked"));
    let of_b = c
        .compliance()
        .export_grants(&ComplianceExportGrantsParams {
            agent_id: Some(b.agent_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(of_b.total, 1);
    let future = c
        .compliance()
        .export_grants(&ComplianceExportGrantsParams {
            since: Some("2999-01-01".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(future.total, 0);
    let r = api.get("/v1/compliance/export/grants?format=csv").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let rows = parse_csv(&r.text);
    assert_eq!(rows[0][0], "grantId");
    assert_eq!(rows.len(), 1 + 6);
    assert!(rows.iter().all(|row| row.len() == rows[0].len()));

    // Audit: JSON and CSV agree with the summary; a formula-looking cell is neutralised.
    let audit = c
        .compliance()
        .export_audit(&ComplianceExportAuditParams::default())
        .await
        .unwrap();
    assert_eq!(audit.total, audit_total);
    let failures = c
        .compliance()
        .export_audit(&ComplianceExportAuditParams {
            status: Some("failure".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(failures.total, 1);
    let r = api
        .get(&format!(
            "/v1/compliance/export/audit?format=csv&agentId={}",
            b.agent_id
        ))
        .await;
    let rows = parse_csv(&r.text);
    let header = &rows[0];
    let meta = header.iter().position(|h| h == "metadata").unwrap();
    let of_b: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|row| row[header.iter().position(|h| h == "agentId").unwrap()] == b.agent_id)
        .collect();
    assert!(!of_b.is_empty());
    let logged = of_b
        .iter()
        .find(|row| row[meta].contains("quoted"))
        .expect("the logged entry");
    let parsed: Value = serde_json::from_str(&logged[meta]).unwrap();
    assert_eq!(
        parsed["note"], "=cmd|' /C calc'!A0, \"quoted\"",
        "the JSON cell round-trips"
    );
    for bad in ["format=xml", "status=lost", "since=yesterday"] {
        let r = api.get(&format!("/v1/compliance/export/audit?{bad}")).await;
        assert_envelope(&r, 400, "BAD_REQUEST");
    }

    // The evidence pack: the chain verifies, then a row altered in the database file breaks it.
    let pack = c
        .compliance()
        .evidence_pack(&EvidencePackParams {
            framework: Some("soc2".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pack.meta.framework, "soc2");
    assert!(pack.chain_integrity.valid, "{:?}", pack.chain_integrity);
    assert_eq!(pack.chain_integrity.checked_entries, audit_total);
    assert_eq!(
        (
            pack.grants.len(),
            pack.audit_entries.len(),
            pack.policies.len()
        ),
        (6, audit_total as usize, 1)
    );
    let controls = pack.summary["controls"].as_array().unwrap();
    assert!(controls.iter().all(|c| c["framework"] == "soc2") && !controls.is_empty());

    if database_url_for(dir.path()).is_none() {
        let victim = audit.entries[2].entry_id.clone();
        let key = s.info.sandbox_api_key.clone();
        s.terminate();
        let db = rusqlite::Connection::open(dir.path().join("grantex.db")).unwrap();
        let triggers: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for t in triggers {
            db.execute(&format!("DROP TRIGGER {t}"), []).unwrap();
        }
        let n = db
            .execute(
                "UPDATE audit_entries SET action = 'doc.nothing-to-see' WHERE id = ?1",
                [&victim],
            )
            .unwrap();
        assert_eq!(n, 1);
        drop(db);
        let s2 = ChildServer::start(dir.path(), &[], &[]);
        let c2 = client(&s2.info.base_url, &key);
        let pack = c2
            .compliance()
            .evidence_pack(&EvidencePackParams::default())
            .await
            .unwrap();
        assert!(!pack.chain_integrity.valid);
        assert_eq!(
            pack.chain_integrity.first_broken_at.as_deref(),
            Some(victim.as_str())
        );
        assert_eq!(pack.chain_integrity.reason.as_deref(), Some("content"));
        assert_eq!(pack.meta.framework, "all");
    }
}

#[tokio::test]
async fn each_anomaly_rule_fires_on_its_scenario_and_not_on_normal_traffic() {
    let dir = TempDir::new("anomalies");
    let s = ChildServer::start(
        dir.path(),
        &["--allow-private-webhooks", "--anomaly-interval-secs", "0"],
        &[],
    );
    let c = client(&s.info.base_url, &s.info.sandbox_api_key);
    // Normal traffic: a few grants, a successful audit trail, one revocation.
    let a = agent(&c, "steady", &["calendar:read", "payments:initiate"]).await;
    for i in 0..3 {
        grant(&c, &a.agent_id, &format!("p{i}"), &["calendar:read"]).await;
    }
    let quiet = c.anomalies().detect().await.unwrap();
    assert_eq!(
        (quiet.total, quiet.response_mode.as_str()),
        (0, "alert_only"),
        "{quiet:?}"
    );

    // new_high_risk_scope: the first payments grant for this agent.
    grant(&c, &a.agent_id, "p0", &["payments:initiate"]).await;
    // rate_spike: 51 tokens for one agent within five minutes.
    let burst = agent(&c, "burst", &["read"]).await;
    let t = grant(&c, &burst.agent_id, "q", &["read"]).await;
    let mut refresh = t.refresh_token.clone();
    for _ in 0..50 {
        refresh = c
            .tokens()
            .refresh(&RefreshTokenParams {
                refresh_token: refresh,
                agent_id: burst.agent_id.clone(),
                idempotency_key: None,
            })
            .await
            .unwrap()
            .refresh_token;
    }
    // high_failure_rate: 10 entries, 3 failed.
    let flaky = agent(&c, "flaky", &["read"]).await;
    for i in 0..10 {
        log(
            &c,
            &flaky,
            "call",
            if i < 3 {
                AuditStatus::Failure
            } else {
                AuditStatus::Success
            },
        )
        .await;
    }
    // revocation_storm: six grants revoked at once.
    let storm = agent(&c, "storm", &["read"]).await;
    for i in 0..6 {
        let g = grant(&c, &storm.agent_id, &format!("s{i}"), &["read"]).await;
        c.grants().revoke(&g.grant_id).await.unwrap();
    }

    let found = c.anomalies().detect().await.unwrap();
    let kinds: Vec<(&str, Option<&str>)> = found
        .anomalies
        .iter()
        .map(|x| (x.kind.as_str(), x.agent_id.as_deref()))
        .collect();
    assert!(
        kinds.contains(&("new_high_risk_scope", Some(a.agent_id.as_str()))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("rate_spike", Some(burst.agent_id.as_str()))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("high_failure_rate", Some(flaky.agent_id.as_str()))),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("revocation_storm", None)), "{kinds:?}");
    assert_eq!(found.total, 4, "nothing else fired: {kinds:?}");
    let spike = found
        .anomalies
        .iter()
        .find(|x| x.kind == "rate_spike")
        .unwrap();
    assert_eq!(
        (spike.severity.as_str(), spike.metadata["count"].as_i64()),
        ("high", Some(51))
    );

    // A rerun does not report what is already open.
    assert_eq!(c.anomalies().detect().await.unwrap().total, 0);
    let open = c
        .anomalies()
        .list(&ListAnomaliesParams {
            unacknowledged: true,
        })
        .await
        .unwrap();
    assert_eq!(open.total, 4);
    let first = &open.anomalies[0];
    let got = c.anomalies().get(&first.id).await.unwrap();
    assert_eq!(&got, first);
    let acked = c.anomalies().acknowledge(&first.id).await.unwrap();
    assert!(acked.acknowledged_at.is_some());
    let again = c.anomalies().acknowledge(&first.id).await.unwrap();
    assert_eq!(
        again.acknowledged_at, acked.acknowledged_at,
        "the first acknowledgement stays"
    );
    assert_eq!(
        c.anomalies()
            .list(&ListAnomaliesParams {
                unacknowledged: true
            })
            .await
            .unwrap()
            .total,
        3
    );
    assert_eq!(
        c.anomalies()
            .list(&ListAnomaliesParams::default())
            .await
            .unwrap()
            .total,
        4
    );
    let (other, _) = developer(shared(), Mode::Live).await;
    assert_eq!(
        status(&other.anomalies().get(&first.id).await.unwrap_err()),
        404
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn off_hours_needs_a_history_of_usual_hours() {
    // Grants back-dated through the database: 30 days of 09:00-10:00 UTC, then one at 03:00.
    let dir = TempDir::new("anomalies-hours");
    if database_url_for(dir.path()).is_some() {
        return; // the scenario edits the SQLite file; the rule's SQL is shared and covered above
    }
    let s = ChildServer::start(dir.path(), &["--anomaly-interval-secs", "0"], &[]);
    let c = client(&s.info.base_url, &s.info.sandbox_api_key);
    let key = s.info.sandbox_api_key.clone();
    let a = agent(&c, "diurnal", &["read"]).await;
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(grant(&c, &a.agent_id, "carol", &["read"]).await.grant_id);
    }
    s.terminate();
    let db = rusqlite::Connection::open(dir.path().join("grantex.db")).unwrap();
    let day = 86_400_000i64;
    let now = grantex_server::time::now_ms();
    let midnight = now - now.rem_euclid(day);
    for (i, id) in ids.iter().take(6).enumerate() {
        let at = midnight - (i as i64 + 2) * day + 9 * 3_600_000;
        db.execute(
            "UPDATE grants SET issued_at = ?1 WHERE id = ?2",
            rusqlite::params![at, id],
        )
        .unwrap();
    }
    // The seventh: within the last 24 hours, at an hour carol never used.
    let recent_hour = if (now - midnight) / 3_600_000 == 9 {
        10
    } else {
        9
    };
    let odd = (recent_hour + 12) % 24;
    let mut at = midnight + odd * 3_600_000;
    if at > now {
        at -= day;
    }
    db.execute(
        "UPDATE grants SET issued_at = ?1 WHERE id = ?2",
        rusqlite::params![at, &ids[6]],
    )
    .unwrap();
    drop(db);
    let s2 = ChildServer::start(dir.path(), &["--anomaly-interval-secs", "0"], &[]);
    let c2 = client(&s2.info.base_url, &key);
    let found = c2.anomalies().detect().await.unwrap();
    let off: Vec<&Anomaly> = found
        .anomalies
        .iter()
        .filter(|x| x.kind == "off_hours_activity")
        .collect();
    assert_eq!(off.len(), 1, "{found:?}");
    assert_eq!(off[0].principal_id.as_deref(), Some("carol"));
    assert_eq!(off[0].metadata["usualHours"], serde_json::json!([9]));
    assert_eq!(off[0].metadata["hours"], serde_json::json!([odd]));
}

#[tokio::test]
async fn alerting_rules_channels_alert_lifecycle_and_metrics() {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    use std::sync::{Arc, Mutex};
    let dir = TempDir::new("alerting");
    let s = ChildServer::start(
        dir.path(),
        &[
            "--allow-private-webhooks",
            "--webhook-retry-base-ms",
            "100",
            "--anomaly-interval-secs",
            "0",
        ],
        &[],
    );
    let c = client(&s.info.base_url, &s.info.sandbox_api_key);
    let api = Api::new(&s.info.base_url, Some(&s.info.sandbox_api_key));

    // A real receiver for the channel, checking each delivery's signature.
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let secret: Arc<Mutex<String>> = Arc::default();
    let (g, sec) = (got.clone(), secret.clone());
    let app = axum::Router::new().route(
        "/alerts",
        axum::routing::post(move |h: HeaderMap, body: Bytes| {
            let (g, sec) = (g.clone(), sec.clone());
            async move {
                let hv = |n: &str| {
                    h.get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                let ok = grantex::webhook::verify_webhook(
                    &body,
                    &hv("x-grantex-signature-v2"),
                    &hv("x-grantex-timestamp"),
                    &sec.lock().unwrap(),
                    300,
                );
                if ok {
                    g.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap());
                    axum::http::StatusCode::NO_CONTENT
                } else {
                    axum::http::StatusCode::UNAUTHORIZED
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/alerts", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let ch = c
        .anomalies()
        .create_channel(&CreateAlertChannelParams {
            kind: "webhook".into(),
            name: "ops".into(),
            config: serde_json::json!({ "url": url }),
            severities: Some(strings(&["high"])),
        })
        .await
        .unwrap();
    *secret.lock().unwrap() = ch.secret.clone().unwrap();
    assert!(
        c.anomalies().list_channels().await.unwrap().channels[0]
            .secret
            .is_none(),
        "the secret is shown once"
    );
    for (body, needle) in [
        (
            serde_json::json!({ "type": "email", "name": "x", "config": { "url": url } }),
            "webhook",
        ),
        (
            serde_json::json!({ "type": "webhook", "name": "x", "config": {} }),
            "config.url",
        ),
        (
            serde_json::json!({ "type": "webhook", "name": "x", "config": { "url": url }, "severities": ["urgent"] }),
            "severities",
        ),
    ] {
        let r = api.post("/v1/anomaly/channels", body).await;
        assert_envelope(&r, 422, "VALIDATION_ERROR");
        assert!(
            r.body["message"].as_str().unwrap().contains(needle),
            "{}",
            r.text
        );
    }

    let rule = c
        .anomalies()
        .create_rule(&CreateAnomalyRuleParams {
            rule_id: "ops-grants".into(),
            name: "More than two grants an hour".into(),
            condition: serde_json::json!({ "metric": "grants_issued", "threshold": 2, "windowMinutes": 60, "per": "agent" }),
            severity: Some("high".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let rule_db_id = rule.id.clone().unwrap();
    let rules = c.anomalies().list_rules().await.unwrap().rules;
    assert_eq!(rules.iter().filter(|r| r.built_in).count(), 5);
    assert!(rules
        .iter()
        .any(|r| r.rule_id == "ops-grants" && !r.built_in && r.enabled));
    for cond in [
        serde_json::json!({ "metric": "vibes", "threshold": 1, "windowMinutes": 5 }),
        serde_json::json!({ "metric": "grants_issued", "threshold": 0, "windowMinutes": 5 }),
        serde_json::json!({ "metric": "grants_issued", "threshold": 1, "windowMinutes": 5000 }),
        serde_json::json!({ "metric": "grants_issued", "threshold": 1, "windowMinutes": 5, "extra": 1 }),
    ] {
        let r = api
            .post(
                "/v1/anomaly/rules",
                serde_json::json!({ "ruleId": "x", "name": "x", "condition": cond }),
            )
            .await;
        assert_envelope(&r, 422, "VALIDATION_ERROR");
    }

    let a = agent(&c, "busy", &["read"]).await;
    for i in 0..3 {
        grant(&c, &a.agent_id, &format!("u{i}"), &["read"]).await;
    }
    let found = c.anomalies().detect().await.unwrap();
    assert_eq!(found.total, 1, "{found:?}");
    assert_eq!(
        (
            found.anomalies[0].kind.as_str(),
            found.anomalies[0].agent_id.as_deref()
        ),
        ("custom_rule", Some(a.agent_id.as_str()))
    );
    // The channel takes high alerts: the alert arrives, signed.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while got.lock().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no alert delivered to the channel"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivered = got.lock().unwrap()[0].clone();
    assert_eq!(delivered["type"], "anomaly.detected");
    assert_eq!(delivered["data"]["id"], found.anomalies[0].id.as_str());

    // The alert's lifecycle.
    let alerts = c
        .anomalies()
        .list_alerts(&ListAlertsParams {
            status: Some("open".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(alerts.data.len(), 1);
    let al = &alerts.data[0];
    assert_eq!(
        (
            al.rule_id.as_deref(),
            al.rule_name.as_str(),
            al.severity.as_str()
        ),
        (Some("ops-grants"), "More than two grants an hour", "high")
    );
    let acked = c
        .anomalies()
        .acknowledge_alert(
            &al.alert_id,
            &AlertNoteParams {
                note: Some("looking".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (acked.status.as_str(), acked.resolution_note.as_deref()),
        ("acknowledged", Some("looking"))
    );
    let r = api
        .post(
            &format!("/v1/anomaly/alerts/{}/resolve", al.alert_id),
            serde_json::json!({ "note": "expected load" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["status"].as_str(), r.body["resolutionNote"].as_str()),
        (Some("resolved"), Some("expected load"))
    );
    let empty = api
        .call(
            "POST",
            &format!("/v1/anomaly/alerts/{}/acknowledge", al.alert_id),
            None,
        )
        .await;
    assert_eq!(empty.status, 200, "a note is optional: {}", empty.text);
    assert_eq!(
        empty.body["status"], "resolved",
        "acknowledging a resolved alert keeps it resolved"
    );
    let m = c
        .anomalies()
        .metrics(&AnomalyMetricsParams {
            window: Some("1h".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (
            m.window.as_str(),
            m.total,
            m.by_status["resolved"],
            m.by_severity["high"]
        ),
        ("1h", 1, 1, 1)
    );
    assert_envelope(
        &api.get("/v1/anomaly/metrics?window=7d").await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.get("/v1/anomaly/alerts?severity=urgent").await,
        400,
        "BAD_REQUEST",
    );

    // A disabled rule stays silent; deletion; 404s.
    let off = c
        .anomalies()
        .update_rule(&rule_db_id, &UpdateAnomalyRuleParams { enabled: false })
        .await
        .unwrap();
    assert!(!off.enabled);
    grant(
        &c,
        &agent(&c, "busy-2", &["read"]).await.agent_id,
        "v",
        &["read"],
    )
    .await;
    assert_eq!(c.anomalies().detect().await.unwrap().total, 0);
    c.anomalies().delete_rule(&rule_db_id).await.unwrap();
    assert_eq!(
        status(&c.anomalies().delete_rule(&rule_db_id).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(
            &c.anomalies()
                .update_rule("GX-001", &UpdateAnomalyRuleParams { enabled: false })
                .await
                .unwrap_err()
        ),
        404,
        "built-ins are fixed"
    );
    c.anomalies().delete_channel(&ch.id).await.unwrap();
    assert_eq!(
        status(&c.anomalies().delete_channel(&ch.id).await.unwrap_err()),
        404
    );
    let (other, _) = developer(shared(), Mode::Live).await;
    assert_eq!(
        status(&other.anomalies().get_alert(&al.alert_id).await.unwrap_err()),
        404
    );
}
