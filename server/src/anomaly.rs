//! Anomaly detection: five deterministic rules over a developer's grants, tokens, revocations
//! and audit log, run on demand (`POST /v1/anomalies/detect`) and periodically
//! (`--anomaly-interval-secs`). Each finding is recorded once per window (a rerun does not
//! report what is already open) and sent as the webhook event `anomaly.detected`.
//!
//! | type                  | severity | fires when                                                        |
//! |-----------------------|----------|-------------------------------------------------------------------|
//! | `rate_spike`          | high     | an agent was issued more than 50 tokens in the last 5 minutes     |
//! | `off_hours_activity`  | low      | a principal granted access in the last 24 h at a UTC hour none of |
//! |                       |          | their grants of the 30 days before used (at least 5 of them)      |
//! | `new_high_risk_scope` | medium   | an agent got, in the last 24 h, a high-risk scope (below) it never |
//! |                       |          | held before                                                       |
//! | `high_failure_rate`   | medium   | at least 10 audit entries of an agent in the last hour, over 20%  |
//! |                       |          | of them `failure` or `blocked`                                    |
//! | `revocation_storm`    | high     | more than 5 grants revoked in the last 60 seconds                 |
//!
//! High-risk scope: `admin`, `write`, `delete`, or a `resource:action…` scope whose resource is
//! `payments` or `admin`, or whose action is `write`, `delete`, `send`, `initiate`, `transfer`,
//! `execute` or `pay`.

use crate::error::ApiResult;
use crate::store::{self, Conn};
use crate::{ids, time};
use grantex::types::Anomaly;
use serde_json::json;
use std::collections::HashMap;

pub const RATE_SPIKE_WINDOW_MS: i64 = 5 * 60_000;
pub const RATE_SPIKE_THRESHOLD: i64 = 50;
const DAY_MS: i64 = 86_400_000;
const HISTORY_MS: i64 = 30 * DAY_MS;
const OFF_HOURS_MIN_HISTORY: u32 = 5;
const FAILURE_WINDOW_MS: i64 = 3_600_000;
const FAILURE_MIN_ENTRIES: i64 = 10;
const FAILURE_RATIO: f64 = 0.2;
const STORM_WINDOW_MS: i64 = 60_000;
const STORM_THRESHOLD: i64 = 5;

/// Whether `scope` is high-risk (see the module documentation).
pub fn high_risk(scope: &str) -> bool {
    if matches!(scope, "admin" | "write" | "delete") {
        return true;
    }
    let mut parts = scope.split(':');
    let resource = parts.next().unwrap_or("");
    let action = parts.next().unwrap_or("");
    matches!(resource, "payments" | "admin")
        || matches!(
            action,
            "write" | "delete" | "send" | "initiate" | "transfer" | "execute" | "pay"
        )
}

struct Finding {
    kind: &'static str,
    severity: String,
    /// The rule that fired: `GX-00n` for the built-in rules, else the custom rule's `ruleId`.
    rule_id: String,
    rule_name: String,
    /// Channels the rule names (custom rules).
    rule_channels: Vec<String>,
    /// What makes two findings the same (the rule; for new scopes, the rule and the scope).
    fingerprint: String,
    agent_id: Option<String>,
    principal_id: Option<String>,
    description: String,
    metadata: serde_json::Value,
    /// A finding for the same subject recorded within this long is the same finding.
    window_ms: i64,
}

fn findings(c: &Conn, dev: &str, now: i64) -> ApiResult<Vec<Finding>> {
    let mut out = Vec::new();

    for (agent, count) in store::anomalies::token_bursts(
        c,
        dev,
        (now - RATE_SPIKE_WINDOW_MS) / 1000,
        RATE_SPIKE_THRESHOLD,
    )? {
        out.push(Finding {
            kind: "rate_spike",
            severity: "high".into(),
            rule_id: "GX-001".into(),
            rule_name: "Token issuance burst".into(),
            rule_channels: Vec::new(),
            fingerprint: String::new(),
            description: format!(
                "Agent {agent} was issued {count} tokens in the last 5 minutes (threshold {RATE_SPIKE_THRESHOLD})."
            ),
            metadata: json!({ "count": count, "threshold": RATE_SPIKE_THRESHOLD, "windowMinutes": 5 }),
            agent_id: Some(agent),
            principal_id: None,
            window_ms: RATE_SPIKE_WINDOW_MS,
        });
    }

    // One pass over 30 days of grants: usual hours per principal, new high-risk scopes.
    struct Hours {
        usual: u32,
        history: u32,
        recent_odd: Vec<u32>,
    }
    let mut hours: HashMap<String, Hours> = HashMap::new();
    let mut risky: Vec<(String, String, String, i64)> = Vec::new(); // (agent, principal, scope, at)
    let recent_from = now - DAY_MS;
    store::anomalies::grants_since(c, dev, now - HISTORY_MS, |principal, agent, at, scopes| {
        let h = hours.entry(principal.clone()).or_insert(Hours {
            usual: 0,
            history: 0,
            recent_odd: Vec::new(),
        });
        let (hour, _) = crate::time::utc_hour_minute(at);
        if at < recent_from {
            h.usual |= 1 << hour;
            h.history += 1;
        } else {
            if h.usual & (1 << hour) == 0 && !h.recent_odd.contains(&hour) {
                h.recent_odd.push(hour);
            }
            for s in scopes.into_iter().filter(|s| high_risk(s)) {
                if !risky.iter().any(|(a, _, rs, _)| a == &agent && rs == &s) {
                    risky.push((agent.clone(), principal.clone(), s, at));
                }
            }
        }
        Ok(())
    })?;
    let mut principals: Vec<_> = hours.into_iter().collect();
    principals.sort_by(|a, b| a.0.cmp(&b.0));
    for (principal, h) in principals {
        if h.history < OFF_HOURS_MIN_HISTORY || h.recent_odd.is_empty() {
            continue;
        }
        let usual: Vec<u32> = (0..24).filter(|i| h.usual & (1 << i) != 0).collect();
        out.push(Finding {
            kind: "off_hours_activity",
            severity: "low".into(),
            rule_id: "GX-002".into(),
            rule_name: "Activity outside usual hours".into(),
            rule_channels: Vec::new(),
            fingerprint: String::new(),
            description: format!(
                "Principal {principal} granted access at {} UTC, outside the hours of their previous {} grants.",
                h.recent_odd.iter().map(|x| format!("{x:02}:00")).collect::<Vec<_>>().join(", "),
                h.history
            ),
            metadata: json!({ "hours": h.recent_odd, "usualHours": usual, "history": h.history, "windowHours": 24 }),
            agent_id: None,
            principal_id: Some(principal),
            window_ms: DAY_MS,
        });
    }
    for (agent, principal, scope, at) in risky {
        if store::anomalies::agent_had_scope(c, dev, &agent, &scope, at)? {
            continue;
        }
        out.push(Finding {
            kind: "new_high_risk_scope",
            severity: "medium".into(),
            rule_id: "GX-003".into(),
            rule_name: "New high-risk scope".into(),
            rule_channels: Vec::new(),
            fingerprint: format!("GX-003:{scope}"),
            description: format!(
                "Agent {agent} was granted the high-risk scope {scope} for the first time (by {principal})."
            ),
            metadata: json!({ "scope": scope, "grantedAt": time::iso(at) }),
            agent_id: Some(agent),
            principal_id: Some(principal),
            window_ms: HISTORY_MS,
        });
    }

    for (agent, total, bad) in
        store::anomalies::audit_outcomes(c, dev, &time::iso(now - FAILURE_WINDOW_MS))?
    {
        if total < FAILURE_MIN_ENTRIES || (bad as f64) <= FAILURE_RATIO * total as f64 {
            continue;
        }
        let pct = (bad * 100) / total;
        out.push(Finding {
            kind: "high_failure_rate",
            severity: "medium".into(),
            rule_id: "GX-004".into(),
            rule_name: "Failure spike".into(),
            rule_channels: Vec::new(),
            fingerprint: String::new(),
            description: format!(
                "Agent {agent}: {bad} of its {total} audit entries in the last hour failed or were blocked ({pct}%)."
            ),
            metadata: json!({ "badCount": bad, "totalCount": total, "percentFailure": pct, "threshold": FAILURE_RATIO, "windowHours": 1 }),
            agent_id: Some(agent),
            principal_id: None,
            window_ms: FAILURE_WINDOW_MS,
        });
    }

    let revoked = store::anomalies::revocations_since(c, dev, now - STORM_WINDOW_MS)?;
    if revoked > STORM_THRESHOLD {
        out.push(Finding {
            kind: "revocation_storm",
            severity: "high".into(),
            rule_id: "GX-005".into(),
            rule_name: "Revocation storm".into(),
            rule_channels: Vec::new(),
            fingerprint: String::new(),
            description: format!(
                "{revoked} grants were revoked in the last 60 seconds (threshold {STORM_THRESHOLD})."
            ),
            metadata: json!({ "count": revoked, "threshold": STORM_THRESHOLD, "windowSeconds": 60 }),
            agent_id: None,
            principal_id: None,
            window_ms: 5 * 60_000,
        });
    }
    Ok(out)
}

/// The built-in rules as `GET /v1/anomaly/rules` lists them.
pub fn builtin_rules() -> Vec<grantex::types::AnomalyRule> {
    [
        ("GX-001", "Token issuance burst", "high", "More than 50 tokens issued to one agent within 5 minutes"),
        ("GX-002", "Activity outside usual hours", "low", "A principal grants access at a UTC hour none of their grants of the previous 30 days used (at least 5)"),
        ("GX-003", "New high-risk scope", "medium", "An agent is granted a high-risk scope for the first time"),
        ("GX-004", "Failure spike", "medium", "At least 10 audit entries of an agent in an hour, over 20% failed or blocked"),
        ("GX-005", "Revocation storm", "high", "More than 5 grants revoked within 60 seconds"),
    ]
    .into_iter()
    .map(|(id, name, severity, description)| grantex::types::AnomalyRule {
        id: None,
        rule_id: id.into(),
        name: name.into(),
        description: Some(description.into()),
        condition: None,
        severity: severity.into(),
        alert_channels: Vec::new(),
        enabled: true,
        built_in: true,
        created_at: None,
    })
    .collect()
}

/// The metrics a custom rule may count.
pub const METRICS: [&str; 4] = [
    "tokens_issued",
    "grants_issued",
    "grants_revoked",
    "audit_failures",
];

/// A custom rule's condition: `{metric, threshold ≥ 1, windowMinutes 1..=1440, per}`.
pub fn check_condition(c: &serde_json::Value) -> Result<(), String> {
    let Some(o) = c.as_object() else {
        return Err("condition must be an object {metric, threshold, windowMinutes, per}".into());
    };
    if let Some(k) = o
        .keys()
        .find(|k| !["metric", "threshold", "windowMinutes", "per"].contains(&k.as_str()))
    {
        return Err(format!("condition has an unknown member {k:?}"));
    }
    match o.get("metric").and_then(|m| m.as_str()) {
        Some(m) if METRICS.contains(&m) => {}
        _ => {
            return Err(format!(
                "condition.metric must be one of {}",
                METRICS.join(", ")
            ))
        }
    }
    if !o
        .get("threshold")
        .and_then(|t| t.as_u64())
        .is_some_and(|t| (1..=1_000_000).contains(&t))
    {
        return Err("condition.threshold must be an integer from 1 to 1000000".into());
    }
    if !o
        .get("windowMinutes")
        .and_then(|t| t.as_u64())
        .is_some_and(|t| (1..=1440).contains(&t))
    {
        return Err("condition.windowMinutes must be an integer from 1 to 1440".into());
    }
    match o.get("per").map(|p| p.as_str()) {
        None | Some(Some("agent" | "developer")) => Ok(()),
        _ => Err("condition.per must be \"agent\" or \"developer\"".into()),
    }
}

/// The developer's enabled custom rules, evaluated.
fn custom_findings(c: &Conn, dev: &str, now: i64) -> ApiResult<Vec<Finding>> {
    let mut out = Vec::new();
    for rule in store::alerts::rules(c, dev, true)? {
        let Some(cond) = rule
            .condition
            .as_ref()
            .filter(|c| check_condition(c).is_ok())
        else {
            continue;
        };
        let metric = cond["metric"].as_str().unwrap_or_default().to_string();
        let threshold = cond["threshold"].as_i64().unwrap_or(i64::MAX);
        let minutes = cond["windowMinutes"].as_i64().unwrap_or(60);
        let per_agent = cond["per"].as_str() != Some("developer");
        for (agent, count) in
            store::alerts::metric_counts(c, dev, &metric, now - minutes * 60_000, per_agent)?
        {
            if count <= threshold {
                continue;
            }
            out.push(Finding {
                kind: "custom_rule",
                severity: rule.severity.clone(),
                rule_id: rule.rule_id.clone(),
                rule_name: rule.name.clone(),
                rule_channels: rule.alert_channels.clone(),
                fingerprint: format!("custom:{}", rule.rule_id),
                description: match &agent {
                    Some(a) => format!("{}: {metric} for agent {a} reached {count} in {minutes} min (threshold {threshold}).", rule.name),
                    None => format!("{}: {metric} reached {count} in {minutes} min (threshold {threshold}).", rule.name),
                },
                metadata: json!({ "metric": metric, "count": count, "threshold": threshold, "windowMinutes": minutes }),
                agent_id: agent,
                principal_id: None,
                window_ms: minutes * 60_000,
            });
        }
    }
    Ok(out)
}

/// Every rule's findings for `dev`, read from one snapshot (no write lock held).
fn evaluate(c: &Conn, dev: &str, now: i64) -> ApiResult<Vec<Finding>> {
    let mut all = findings(c, dev, now)?;
    all.extend(custom_findings(c, dev, now)?);
    for f in &mut all {
        if f.fingerprint.is_empty() {
            f.fingerprint = f.rule_id.clone();
        }
    }
    Ok(all)
}

/// Records the findings not already recorded within their window (each also queued as an
/// `anomaly.detected` webhook event and to the alert channels) and returns them.
fn record(tx: &Conn, dev: &str, found: Vec<Finding>, now: i64) -> ApiResult<Vec<Anomaly>> {
    let mut recorded = Vec::new();
    for f in found {
        if store::anomalies::recent(
            tx,
            dev,
            &f.fingerprint,
            f.agent_id.as_deref(),
            f.principal_id.as_deref(),
            now - f.window_ms,
        )? {
            continue;
        }
        let a = Anomaly {
            id: ids::new_id("anom"),
            kind: f.kind.into(),
            severity: f.severity,
            agent_id: f.agent_id,
            principal_id: f.principal_id,
            description: f.description,
            metadata: f.metadata,
            detected_at: time::iso(now),
            acknowledged_at: None,
        };
        let by = store::anomalies::Fired {
            rule_id: &f.rule_id,
            rule_name: &f.rule_name,
            fingerprint: &f.fingerprint,
            channels: &f.rule_channels,
        };
        store::anomalies::insert(tx, dev, &a, &by, now)?;
        recorded.push(a);
    }
    Ok(recorded)
}

/// Runs every rule for `dev`: the scans on a read connection, then one short write transaction
/// that records the new findings.
pub async fn detect(db: &store::Db, dev: &str, now: i64) -> ApiResult<Vec<Anomaly>> {
    let d = dev.to_string();
    let found = db.read(move |c| evaluate(c, &d, now)).await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let d = dev.to_string();
    db.write(move |tx| record(tx, &d, found, now)).await
}

/// The periodic run: every developer, one transaction each, every `every`; stops with the
/// server.
pub fn spawn(
    db: store::Db,
    every: std::time::Duration,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stopping.changed() => return,
            }
            let devs = match db.read(store::anomalies::developers).await {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("grantex-server: anomaly detection: {}", e.message);
                    continue;
                }
            };
            for dev in devs {
                if *stopping.borrow() {
                    return;
                }
                let r = detect(&db, &dev, time::now_ms()).await;
                if let Err(e) = r {
                    eprintln!("grantex-server: anomaly detection: {}", e.message);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn high_risk_scopes() {
        for s in [
            "admin",
            "payments:read",
            "email:send",
            "files:write",
            "payments:initiate:max_500",
            "admin:users",
        ] {
            assert!(super::high_risk(s), "{s}");
        }
        for s in ["read", "calendar:read", "profile:read", "files:list"] {
            assert!(!super::high_risk(s), "{s}");
        }
    }
}
