//! The alerting surface's rows: anomalies read as alerts (status, notes), custom detection
//! rules (`anomaly_rules`) and alert channels (`anomaly_channels`).

use super::sql::{args, Arg, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;
use grantex::types::{Alert, AlertChannel, AnomalyRule};
use serde_json::Value;
use std::collections::BTreeMap;

const ALERT_COLUMNS: &str =
    "id, rule_id, rule_name, type, severity, status, agent_id, detected_at, \
     description, metadata, acknowledged_at, resolved_at, resolution_note";

fn alert(r: &Row<'_>) -> ApiResult<Alert> {
    let kind = r.str(3)?;
    Ok(Alert {
        alert_id: r.str(0)?,
        rule_id: r.opt_str(1)?,
        rule_name: r.opt_str(2)?.unwrap_or(kind),
        severity: r.str(4)?,
        status: r.str(5)?,
        agent_id: r.opt_str(6)?,
        detected_at: iso(r.i64(7)?),
        description: r.str(8)?,
        context: r.json(9)?,
        acknowledged_at: r.opt_i64(10)?.map(iso),
        resolved_at: r.opt_i64(11)?.map(iso),
        resolution_note: r.opt_str(12)?,
    })
}

/// `GET /v1/anomaly/alerts` filters.
#[derive(Debug, Default)]
pub struct AlertFilter {
    pub status: Option<String>,
    pub severity: Option<String>,
    pub agent_id: Option<String>,
    pub limit: u32,
}

pub fn list(c: &Conn, developer_id: &str, f: &AlertFilter) -> ApiResult<Vec<Alert>> {
    let mut sql = format!("SELECT {ALERT_COLUMNS} FROM anomalies WHERE developer_id = ?1");
    let mut a: Vec<Arg<'_>> = vec![developer_id.into()];
    for (value, column) in [
        (&f.status, "status"),
        (&f.severity, "severity"),
        (&f.agent_id, "agent_id"),
    ] {
        if let Some(v) = value {
            a.push(v.as_str().into());
            sql.push_str(&format!(" AND {column} = ?{}", a.len()));
        }
    }
    a.push(f.limit.into());
    sql.push_str(&format!(
        " ORDER BY detected_at DESC, id DESC LIMIT ?{}",
        a.len()
    ));
    c.query_all(&sql, &a, alert)
}

pub fn find(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<Alert>> {
    c.query_opt(
        &format!("SELECT {ALERT_COLUMNS} FROM anomalies WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        alert,
    )
}

/// Moves an alert to `acknowledged` (from `open` only; it keeps its first acknowledgement) or
/// `resolved` (from any status), recording `note` when given; false when absent.
pub fn transition(
    tx: &Conn,
    developer_id: &str,
    id: &str,
    resolve: bool,
    note: Option<&str>,
    now: i64,
) -> ApiResult<bool> {
    let sql = if resolve {
        "UPDATE anomalies SET status = 'resolved', resolved_at = COALESCE(resolved_at, ?1),
                acknowledged_at = COALESCE(acknowledged_at, ?1),
                resolution_note = COALESCE(?2, resolution_note)
         WHERE id = ?3 AND developer_id = ?4"
    } else {
        "UPDATE anomalies SET status = CASE WHEN status = 'open' THEN 'acknowledged' ELSE status END,
                acknowledged_at = COALESCE(acknowledged_at, ?1),
                resolution_note = COALESCE(?2, resolution_note)
         WHERE id = ?3 AND developer_id = ?4"
    };
    Ok(tx.exec(sql, args![now, note, id, developer_id])? == 1)
}

/// Alert counts: in all, by status, by severity.
pub type Counts = (u64, BTreeMap<String, u64>, BTreeMap<String, u64>);

/// Counts by status and severity of the alerts detected since `since` (ms).
pub fn metrics(
    c: &Conn,
    developer_id: &str,
    since: i64,
    agent_id: Option<&str>,
) -> ApiResult<Counts> {
    let mut by_status: BTreeMap<String, u64> = ["open", "acknowledged", "resolved"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut by_severity: BTreeMap<String, u64> = ["critical", "high", "medium", "low"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    let mut total = 0u64;
    c.each(
        "SELECT status, severity FROM anomalies
         WHERE developer_id = ?1 AND detected_at >= ?2 AND (CAST(?3 AS TEXT) IS NULL OR agent_id = ?3)",
        args![developer_id, since, agent_id],
        &mut |r| {
            total += 1;
            *by_status.entry(r.str(0)?).or_insert(0) += 1;
            *by_severity.entry(r.str(1)?).or_insert(0) += 1;
            Ok(true)
        },
    )?;
    Ok((total, by_status, by_severity))
}

const RULE_COLUMNS: &str =
    "id, rule_id, name, description, condition, severity, alert_channels, enabled, created_at";

fn rule(r: &Row<'_>) -> ApiResult<AnomalyRule> {
    Ok(AnomalyRule {
        id: Some(r.str(0)?),
        rule_id: r.str(1)?,
        name: r.str(2)?,
        description: r.opt_str(3)?,
        condition: Some(r.json(4)?),
        severity: r.str(5)?,
        alert_channels: r.json(6)?,
        enabled: r.bool(7)?,
        built_in: false,
        created_at: Some(iso(r.i64(8)?)),
    })
}

pub fn insert_rule(tx: &Conn, developer_id: &str, ru: &AnomalyRule, now: i64) -> ApiResult<()> {
    tx.exec(
        &format!(
            "INSERT INTO anomaly_rules (developer_id, {RULE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)"
        ),
        args![
            developer_id,
            ru.id.as_deref().unwrap_or_default(),
            &ru.rule_id,
            &ru.name,
            &ru.description,
            ru.condition.as_ref().map(Value::to_string).unwrap_or_default(),
            &ru.severity,
            serde_json::to_string(&ru.alert_channels)?,
            now
        ],
    )?;
    Ok(())
}

/// The developer's custom rules, newest first (`enabled_only`: what detection runs).
pub fn rules(c: &Conn, developer_id: &str, enabled_only: bool) -> ApiResult<Vec<AnomalyRule>> {
    let filter = if enabled_only { " AND enabled = 1" } else { "" };
    c.query_all(
        &format!(
            "SELECT {RULE_COLUMNS} FROM anomaly_rules WHERE developer_id = ?1{filter} ORDER BY created_at DESC, id DESC"
        ),
        args![developer_id],
        rule,
    )
}

pub fn find_rule(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<AnomalyRule>> {
    c.query_opt(
        &format!("SELECT {RULE_COLUMNS} FROM anomaly_rules WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        rule,
    )
}

pub fn set_rule_enabled(tx: &Conn, developer_id: &str, id: &str, enabled: bool) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE anomaly_rules SET enabled = ?1 WHERE id = ?2 AND developer_id = ?3",
        args![enabled, id, developer_id],
    )? == 1)
}

pub fn delete_rule(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "DELETE FROM anomaly_rules WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

/// A metric's count since `since_ms`, per agent (`per_agent`) or for the developer (agent
/// `None`), for the custom rules. Unknown metrics are refused when the rule is created.
pub fn metric_counts(
    c: &Conn,
    developer_id: &str,
    metric: &str,
    since_ms: i64,
    per_agent: bool,
) -> ApiResult<Vec<(Option<String>, i64)>> {
    // Each source names the agent `agent` and takes the window start as ?2, in its own unit.
    let since_iso = iso(since_ms);
    let (inner, since): (&str, Arg<'_>) = match metric {
        "tokens_issued" => (
            "SELECT g.agent_id AS agent FROM grant_tokens t JOIN grants g ON g.id = t.grant_id
             WHERE t.developer_id = ?1 AND t.issued_at >= ?2",
            (since_ms / 1000).into(),
        ),
        "grants_issued" => (
            "SELECT agent_id AS agent FROM grants WHERE developer_id = ?1 AND issued_at >= ?2",
            since_ms.into(),
        ),
        "grants_revoked" => (
            "SELECT g.agent_id AS agent FROM revocation_events e JOIN grants g ON g.id = e.grant_id
             WHERE e.developer_id = ?1 AND e.action = 'revoked' AND e.created_at >= ?2",
            since_ms.into(),
        ),
        _ => (
            "SELECT agent_id AS agent FROM audit_entries
             WHERE developer_id = ?1 AND status IN ('failure', 'blocked') AND timestamp >= ?2",
            since_iso.as_str().into(),
        ),
    };
    let sql = if per_agent {
        format!("SELECT agent, COUNT(*) FROM ({inner}) m GROUP BY agent ORDER BY agent")
    } else {
        format!("SELECT CAST(NULL AS TEXT), COUNT(*) FROM ({inner}) m")
    };
    c.query_all(&sql, &[developer_id.into(), since], |r| {
        Ok((r.opt_str(0)?, r.i64(1)?))
    })
}

const CHANNEL_COLUMNS: &str = "id, type, name, config, severities, enabled, created_at";

fn channel(r: &Row<'_>) -> ApiResult<AlertChannel> {
    Ok(AlertChannel {
        id: r.str(0)?,
        kind: r.str(1)?,
        name: r.str(2)?,
        config: r.json(3)?,
        severities: r.json(4)?,
        enabled: r.bool(5)?,
        created_at: Some(iso(r.i64(6)?)),
        secret: None,
    })
}

pub fn insert_channel(
    tx: &Conn,
    developer_id: &str,
    ch: &AlertChannel,
    url: &str,
    secret: &str,
    now: i64,
) -> ApiResult<()> {
    tx.exec(
        &format!(
            "INSERT INTO anomaly_channels (developer_id, url, secret, {CHANNEL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)"
        ),
        args![
            developer_id,
            url,
            secret,
            &ch.id,
            &ch.kind,
            &ch.name,
            ch.config.to_string(),
            serde_json::to_string(&ch.severities)?,
            now
        ],
    )?;
    Ok(())
}

pub fn channels(c: &Conn, developer_id: &str) -> ApiResult<Vec<AlertChannel>> {
    c.query_all(
        &format!(
            "SELECT {CHANNEL_COLUMNS} FROM anomaly_channels WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"
        ),
        args![developer_id],
        channel,
    )
}

pub fn count_channels(c: &Conn, developer_id: &str) -> ApiResult<u64> {
    let n = c.query_one(
        "SELECT COUNT(*) FROM anomaly_channels WHERE developer_id = ?1",
        args![developer_id],
        |r| r.i64(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Deletes a channel with its pending deliveries; false when absent.
pub fn delete_channel(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    tx.exec(
        "DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND developer_id = ?2 AND status = 'pending'",
        args![id, developer_id],
    )?;
    Ok(tx.exec(
        "DELETE FROM anomaly_channels WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

/// Queues the event `event_id` to every enabled channel that takes `severity` or is named by
/// the rule (`rule_channels`).
pub fn queue_to_channels(
    tx: &Conn,
    developer_id: &str,
    event_id: &str,
    severity: &str,
    rule_channels: &[String],
    now: i64,
) -> ApiResult<()> {
    let targets = tx.query_all(
        "SELECT id, url, severities FROM anomaly_channels WHERE developer_id = ?1 AND enabled = 1",
        args![developer_id],
        |r| Ok((r.str(0)?, r.str(1)?, r.json::<Vec<String>>(2)?)),
    )?;
    for (id, url, severities) in targets {
        if !severities.iter().any(|s| s == severity) && !rule_channels.contains(&id) {
            continue;
        }
        super::events::queue_delivery(
            tx,
            developer_id,
            &id,
            &url,
            event_id,
            super::events::ANOMALY_DETECTED,
            now,
        )?;
    }
    Ok(())
}
