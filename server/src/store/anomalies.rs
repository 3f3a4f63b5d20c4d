//! `anomalies` rows and the reads the detection rules (`crate::anomaly`) run on.

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;
use grantex::types::Anomaly;

const COLUMNS: &str =
    "id, type, severity, agent_id, principal_id, description, metadata, detected_at, acknowledged_at";

fn from_row(r: &Row<'_>) -> ApiResult<Anomaly> {
    Ok(Anomaly {
        id: r.str(0)?,
        kind: r.str(1)?,
        severity: r.str(2)?,
        agent_id: r.opt_str(3)?,
        principal_id: r.opt_str(4)?,
        description: r.str(5)?,
        metadata: r.json(6)?,
        detected_at: iso(r.i64(7)?),
        acknowledged_at: r.opt_i64(8)?.map(iso),
    })
}

/// Whether the finding `fingerprint` was recorded for this subject at or after `since` (ms):
/// the same finding is not reported twice within its window.
pub fn recent(
    c: &Conn,
    developer_id: &str,
    fingerprint: &str,
    agent_id: Option<&str>,
    principal_id: Option<&str>,
    since: i64,
) -> ApiResult<bool> {
    Ok(c
        .query_opt(
            "SELECT 1 FROM anomalies WHERE developer_id = ?1 AND fingerprint = ?2
               AND COALESCE(agent_id, '') = ?3 AND COALESCE(principal_id, '') = ?4 AND detected_at >= ?5",
            args![
                developer_id,
                fingerprint,
                agent_id.unwrap_or(""),
                principal_id.unwrap_or(""),
                since
            ],
            |_| Ok(()),
        )?
        .is_some())
}

/// The rule behind a finding.
pub struct Fired<'a> {
    pub rule_id: &'a str,
    pub rule_name: &'a str,
    /// What makes two findings the same one.
    pub fingerprint: &'a str,
    /// Channels the rule names.
    pub channels: &'a [String],
}

/// Records `a` (an open alert of the rule `by`, detected at `at`, ms), emits its
/// `anomaly.detected` event to webhooks, and queues it to the alert channels that take it.
pub fn insert(
    tx: &Conn,
    developer_id: &str,
    a: &Anomaly,
    by: &Fired<'_>,
    at: i64,
) -> ApiResult<()> {
    let Fired {
        rule_id,
        rule_name,
        fingerprint,
        channels: rule_channels,
    } = *by;
    tx.exec(
        &format!(
            "INSERT INTO anomalies (developer_id, rule_id, rule_name, fingerprint, status, {COLUMNS})
             VALUES (?1, ?10, ?11, ?12, 'open', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)"
        ),
        args![
            developer_id,
            &a.id,
            &a.kind,
            &a.severity,
            &a.agent_id,
            &a.principal_id,
            &a.description,
            a.metadata.to_string(),
            at,
            rule_id,
            rule_name,
            fingerprint
        ],
    )?;
    let event = super::events::emit(
        tx,
        developer_id,
        super::events::ANOMALY_DETECTED,
        serde_json::to_value(a)?,
    )?;
    super::alerts::queue_to_channels(tx, developer_id, &event, &a.severity, rule_channels, at)
}

/// The developer's anomalies, newest first.
pub fn list(c: &Conn, developer_id: &str, unacknowledged: bool) -> ApiResult<Vec<Anomaly>> {
    let filter = if unacknowledged {
        " AND acknowledged_at IS NULL"
    } else {
        ""
    };
    c.query_all(
        &format!(
            "SELECT {COLUMNS} FROM anomalies WHERE developer_id = ?1{filter} ORDER BY detected_at DESC, id DESC"
        ),
        args![developer_id],
        from_row,
    )
}

pub fn find(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<Anomaly>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM anomalies WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        from_row,
    )
}

/// Acknowledges (once: a second acknowledgement keeps the first time); false when absent.
pub fn acknowledge(tx: &Conn, developer_id: &str, id: &str, now: i64) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE anomalies SET acknowledged_at = COALESCE(acknowledged_at, ?1),
                status = CASE WHEN status = 'open' THEN 'acknowledged' ELSE status END
         WHERE id = ?2 AND developer_id = ?3",
        args![now, id, developer_id],
    )? == 1)
}

/// Tokens issued per agent since `since_secs` (Unix seconds), for agents above `threshold`.
pub fn token_bursts(
    c: &Conn,
    developer_id: &str,
    since_secs: i64,
    threshold: i64,
) -> ApiResult<Vec<(String, i64)>> {
    c.query_all(
        "SELECT g.agent_id, COUNT(*) FROM grant_tokens t JOIN grants g ON g.id = t.grant_id
         WHERE t.developer_id = ?1 AND t.issued_at >= ?2
         GROUP BY g.agent_id HAVING COUNT(*) > ?3 ORDER BY g.agent_id",
        args![developer_id, since_secs, threshold],
        |r| Ok((r.str(0)?, r.i64(1)?)),
    )
}

/// `(principal, agent, issued_at ms, scopes)` of the developer's grants issued since `since`
/// (ms), oldest first.
pub fn grants_since(
    c: &Conn,
    developer_id: &str,
    since: i64,
    mut each: impl FnMut(String, String, i64, Vec<String>) -> ApiResult<()>,
) -> ApiResult<()> {
    c.each(
        "SELECT principal_id, agent_id, issued_at, scopes FROM grants
         WHERE developer_id = ?1 AND issued_at >= ?2 ORDER BY issued_at ASC, id ASC",
        args![developer_id, since],
        &mut |r| {
            each(r.str(0)?, r.str(1)?, r.i64(2)?, r.json(3)?)?;
            Ok(true)
        },
    )
}

/// Whether the agent held a grant with `scope` issued before `before` (ms).
pub fn agent_had_scope(
    c: &Conn,
    developer_id: &str,
    agent_id: &str,
    scope: &str,
    before: i64,
) -> ApiResult<bool> {
    let mut found = false;
    c.each(
        "SELECT scopes FROM grants WHERE developer_id = ?1 AND agent_id = ?2 AND issued_at < ?3",
        args![developer_id, agent_id, before],
        &mut |r| {
            let scopes: Vec<String> = r.json(0)?;
            found = scopes.iter().any(|s| s == scope);
            Ok(!found)
        },
    )?;
    Ok(found)
}

/// Per agent since `since_iso`: `(agent, entries, failure or blocked entries)`.
pub fn audit_outcomes(
    c: &Conn,
    developer_id: &str,
    since_iso: &str,
) -> ApiResult<Vec<(String, i64, i64)>> {
    c.query_all(
        "SELECT agent_id, COUNT(*), COALESCE(SUM(CASE WHEN status IN ('failure', 'blocked') THEN 1 ELSE 0 END), 0)
         FROM audit_entries WHERE developer_id = ?1 AND timestamp >= ?2
         GROUP BY agent_id ORDER BY agent_id",
        args![developer_id, since_iso],
        |r| Ok((r.str(0)?, r.i64(1)?, r.i64(2)?)),
    )
}

/// Grant revocations recorded since `since` (ms).
pub fn revocations_since(c: &Conn, developer_id: &str, since: i64) -> ApiResult<i64> {
    c.query_one(
        "SELECT COUNT(*) FROM revocation_events WHERE developer_id = ?1 AND action = 'revoked' AND created_at >= ?2",
        args![developer_id, since],
        |r| r.i64(0),
    )
}

/// Every developer id (the periodic run's list).
pub fn developers(c: &Conn) -> ApiResult<Vec<String>> {
    c.query_all("SELECT id FROM developers ORDER BY id", args![], |r| {
        r.str(0)
    })
}
