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
    severity: &'static str,
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
            severity: "high",
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
            severity: "low",
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
            severity: "medium",
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
            severity: "medium",
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
            severity: "high",
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

/// Runs every rule for `dev` inside the caller's write transaction; records and returns the new
/// findings (each also queued as an `anomaly.detected` webhook event).
pub fn detect(tx: &Conn, dev: &str, now: i64) -> ApiResult<Vec<Anomaly>> {
    let mut recorded = Vec::new();
    for f in findings(tx, dev, now)? {
        if store::anomalies::recent(
            tx,
            dev,
            f.kind,
            f.agent_id.as_deref(),
            f.principal_id.as_deref(),
            now - f.window_ms,
        )? {
            continue;
        }
        let a = Anomaly {
            id: ids::new_id("anom"),
            kind: f.kind.into(),
            severity: f.severity.into(),
            agent_id: f.agent_id,
            principal_id: f.principal_id,
            description: f.description,
            metadata: f.metadata,
            detected_at: time::iso(now),
            acknowledged_at: None,
        };
        store::anomalies::insert(tx, dev, &a, now)?;
        recorded.push(a);
    }
    Ok(recorded)
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
                let r = db
                    .write(move |tx| detect(tx, &dev, time::now_ms()).map(|_| ()))
                    .await;
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
