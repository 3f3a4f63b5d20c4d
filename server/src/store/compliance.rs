//! The reads behind `/v1/compliance/*`: counts by status, and grants streamed one row at a time
//! for exports (audit entries stream through `audit::for_each_entry` / `audit::walk_chain`).

use super::grants::{from_row, GrantRow, COLUMNS};
use super::sql::{args, Arg};
use super::Conn;
use crate::error::ApiResult;
use std::collections::BTreeMap;

/// Counts for the summary and the evidence pack. Time bounds are Unix ms for grants (issued
/// within `[since, until]`) and stored ISO text for audit entries.
#[derive(Debug, Default)]
pub struct Counts {
    pub agents: BTreeMap<String, u64>,
    pub grants: BTreeMap<String, u64>,
    pub audit_entries: BTreeMap<String, u64>,
    pub policies: BTreeMap<String, u64>,
}

/// A time range: grants by issue time (ms), audit entries by their ISO timestamp.
#[derive(Debug, Default, Clone)]
pub struct Range {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub since_iso: Option<String>,
    pub until_iso: Option<String>,
}

fn n(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub fn counts(c: &Conn, developer_id: &str, r: &Range, now_ms: i64) -> ApiResult<Counts> {
    let mut out = Counts::default();
    out.agents.insert("active".into(), 0);
    out.agents.insert("suspended".into(), 0);
    for (status, count) in c.query_all(
        "SELECT status, COUNT(*) FROM agents WHERE developer_id = ?1 GROUP BY status",
        args![developer_id],
        |row| Ok((row.str(0)?, row.i64(1)?)),
    )? {
        out.agents.insert(status, n(count));
    }
    let total: u64 = out.agents.values().sum();
    out.agents.insert("total".into(), total);

    let (total, active, revoked, expired) = c.query_one(
        "SELECT COUNT(*),
                COALESCE(SUM(CASE WHEN status = 'active' AND expires_at > ?2 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'revoked' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'active' AND expires_at <= ?2 THEN 1 ELSE 0 END), 0)
         FROM grants WHERE developer_id = ?1 AND issued_at >= ?3 AND issued_at <= ?4",
        args![
            developer_id,
            now_ms,
            r.since_ms.unwrap_or(i64::MIN),
            r.until_ms.unwrap_or(i64::MAX)
        ],
        |row| Ok((row.i64(0)?, row.i64(1)?, row.i64(2)?, row.i64(3)?)),
    )?;
    for (k, v) in [
        ("total", total),
        ("active", active),
        ("revoked", revoked),
        ("expired", expired),
    ] {
        out.grants.insert(k.into(), n(v));
    }

    for k in ["success", "failure", "blocked"] {
        out.audit_entries.insert(k.into(), 0);
    }
    let mut sql = "SELECT status, COUNT(*) FROM audit_entries WHERE developer_id = ?1".to_string();
    let mut a: Vec<Arg<'_>> = vec![developer_id.into()];
    if let Some(s) = &r.since_iso {
        a.push(s.as_str().into());
        sql.push_str(&format!(" AND timestamp >= ?{}", a.len()));
    }
    if let Some(u) = &r.until_iso {
        a.push(u.as_str().into());
        sql.push_str(&format!(" AND timestamp <= ?{}", a.len()));
    }
    sql.push_str(" GROUP BY status");
    for (status, count) in c.query_all(&sql, &a, |row| Ok((row.str(0)?, row.i64(1)?)))? {
        out.audit_entries.insert(status, n(count));
    }
    let total: u64 = out.audit_entries.values().sum();
    out.audit_entries.insert("total".into(), total);

    let (total, allow, deny, cedar) = c.query_one(
        "SELECT COUNT(*),
                COALESCE(SUM(CASE WHEN effect = 'allow' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN effect = 'deny' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN cedar IS NOT NULL THEN 1 ELSE 0 END), 0)
         FROM policies WHERE developer_id = ?1",
        args![developer_id],
        |row| Ok((row.i64(0)?, row.i64(1)?, row.i64(2)?, row.i64(3)?)),
    )?;
    for (k, v) in [
        ("total", total),
        ("allow", allow),
        ("deny", deny),
        ("cedar", cedar),
    ] {
        out.policies.insert(k.into(), n(v));
    }
    Ok(out)
}

/// Which grants an export holds.
#[derive(Debug, Default, Clone)]
pub struct GrantFilter {
    pub range: Range,
    /// `active`, `revoked` or `expired`.
    pub status: Option<String>,
    pub agent_id: Option<String>,
}

/// Calls `each` for every matching grant, oldest first, one row in memory at a time.
pub fn for_each_grant(
    c: &Conn,
    developer_id: &str,
    f: &GrantFilter,
    now_ms: i64,
    mut each: impl FnMut(GrantRow) -> ApiResult<()>,
) -> ApiResult<()> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM grants WHERE developer_id = ?1 AND issued_at >= ?2 AND issued_at <= ?3"
    );
    let mut a: Vec<Arg<'_>> = vec![
        developer_id.into(),
        f.range.since_ms.unwrap_or(i64::MIN).into(),
        f.range.until_ms.unwrap_or(i64::MAX).into(),
    ];
    if let Some(agent) = &f.agent_id {
        a.push(agent.as_str().into());
        sql.push_str(&format!(" AND agent_id = ?{}", a.len()));
    }
    match f.status.as_deref() {
        Some("active") => {
            a.push(now_ms.into());
            sql.push_str(&format!(
                " AND status = 'active' AND expires_at > ?{}",
                a.len()
            ));
        }
        Some("expired") => {
            a.push(now_ms.into());
            sql.push_str(&format!(
                " AND status = 'active' AND expires_at <= ?{}",
                a.len()
            ));
        }
        Some("revoked") => sql.push_str(" AND status = 'revoked'"),
        _ => {}
    }
    sql.push_str(" ORDER BY issued_at ASC, id ASC");
    c.each(&sql, &a, &mut |r| {
        each(from_row(r)?)?;
        Ok(true)
    })
}
