//! The revocation feed: every revocation, suspension and resumption as an event with a
//! sequence number, written by the store functions that revoke (inside their transaction, so an
//! event exists exactly when its change committed), read by `GET /v1/revocations`. The store
//! has one writer at a time (SQLite's, or the PostgreSQL write lock), so sequence numbers
//! commit in order and a cursor never skips an event committed later with a lower number.

use super::sql::args;
use super::Conn;
use crate::error::ApiResult;

/// `revoked` (a grant), `token_revoked` (one token), `suspended` (a grant whose agent, or an
/// agent above it, is suspended: reversible) or `resumed` (its agent is active again).
pub const REVOKED: &str = "revoked";
pub const TOKEN_REVOKED: &str = "token_revoked";
pub const SUSPENDED: &str = "suspended";
pub const RESUMED: &str = "resumed";

/// Largest page of the feed or the snapshot.
pub const MAX_PAGE: u32 = 1000;

/// One event (`seq` 0 in a snapshot). Times in milliseconds.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub seq: i64,
    pub action: String,
    pub grant_id: Option<String>,
    pub jti: Option<String>,
    pub expires_at: Option<i64>,
    pub at: i64,
}

/// Records one event.
pub fn record(
    tx: &Conn,
    developer_id: &str,
    grant_id: Option<&str>,
    jti: Option<&str>,
    action: &str,
    expires_at: Option<i64>,
    now: i64,
) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO revocation_events (developer_id, grant_id, jti, action, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![developer_id, grant_id, jti, action, expires_at, now],
    )?;
    // The same revocations, pushed to webhooks (suspension and resumption are agent events).
    match action {
        REVOKED => super::events::emit(
            tx,
            developer_id,
            super::events::GRANT_REVOKED,
            serde_json::json!({ "grantId": grant_id, "revokedAt": crate::time::iso(now) }),
        ).map(drop),
        TOKEN_REVOKED => super::events::emit(
            tx,
            developer_id,
            super::events::TOKEN_REVOKED,
            serde_json::json!({ "jti": jti, "grantId": grant_id, "revokedAt": crate::time::iso(now) }),
        ).map(drop),
        _ => Ok(()),
    }
}

/// Records `action` for each grant of `ids` (with the grant's expiry).
pub fn record_grants(
    tx: &Conn,
    developer_id: &str,
    ids: &[String],
    action: &str,
    now: i64,
) -> ApiResult<()> {
    for id in ids {
        let expires = tx.query_opt(
            "SELECT expires_at FROM grants WHERE id = ?1 AND developer_id = ?2",
            args![id, developer_id],
            |r| r.i64(0),
        )?;
        record(tx, developer_id, Some(id), None, action, expires, now)?;
    }
    Ok(())
}

/// The still-active descendants of `grant_id` (any depth) expiring after `after` (ms).
pub fn active_descendants(
    c: &Conn,
    developer_id: &str,
    grant_id: &str,
    after: i64,
) -> ApiResult<Vec<String>> {
    c.query_all(
        "WITH RECURSIVE d(id) AS (
             SELECT id FROM grants WHERE parent_grant_id = ?1 AND developer_id = ?2
             UNION
             SELECT g.id FROM grants g JOIN d ON g.parent_grant_id = d.id WHERE g.developer_id = ?2
         )
         SELECT id FROM grants WHERE id IN (SELECT id FROM d) AND status = 'active' AND expires_at > ?3
         ORDER BY id",
        args![grant_id, developer_id, after],
        |r| r.str(0),
    )
}

/// An agent's status changed: its active grants and everything delegated from them are
/// `suspended` (any status but active) or `resumed` (active again).
pub fn agent_status_changed(
    tx: &Conn,
    developer_id: &str,
    agent_id: &str,
    active: bool,
    now: i64,
) -> ApiResult<()> {
    let own = tx.query_all(
        "SELECT id FROM grants WHERE agent_id = ?1 AND developer_id = ?2 AND status = 'active' AND expires_at > ?3
         ORDER BY id",
        args![agent_id, developer_id, now],
        |r| r.str(0),
    )?;
    let mut ids = Vec::new();
    for g in own {
        let below = active_descendants(tx, developer_id, &g, now)?;
        ids.push(g);
        ids.extend(below);
    }
    if active {
        // A grant stays suspended while any other agent in its chain is not active.
        let mut resumed = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(row) = super::grants::find(tx, developer_id, &id)? else {
                continue;
            };
            if super::grants::inactive_agent(tx, developer_id, &row)?.is_none() {
                resumed.push(id);
            }
        }
        return record_grants(tx, developer_id, &resumed, RESUMED, now);
    }
    record_grants(tx, developer_id, &ids, SUSPENDED, now)
}

fn entry(r: &super::sql::Row<'_>) -> ApiResult<FeedEntry> {
    Ok(FeedEntry {
        seq: r.i64(0)?,
        action: r.str(1)?,
        grant_id: r.opt_str(2)?,
        jti: r.opt_str(3)?,
        expires_at: r.opt_i64(4)?,
        at: r.i64(5)?,
    })
}

/// Events after `since`, oldest first, at most `limit`.
pub fn since(c: &Conn, developer_id: &str, since: i64, limit: u32) -> ApiResult<Vec<FeedEntry>> {
    c.query_all(
        "SELECT seq, action, grant_id, jti, expires_at, created_at FROM revocation_events
         WHERE developer_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        args![developer_id, since, i64::from(limit.min(MAX_PAGE))],
        entry,
    )
}

/// The newest sequence number of the developer's events (0 when none).
pub fn head(c: &Conn, developer_id: &str) -> ApiResult<i64> {
    Ok(c.query_opt(
        "SELECT MAX(seq) FROM revocation_events WHERE developer_id = ?1",
        args![developer_id],
        |r| r.opt_i64(0),
    )?
    .flatten()
    .unwrap_or(0))
}

/// Where a snapshot page starts: grants after `id`, then grants deleted with their agent
/// after `id`, then tokens after `jti`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotFrom {
    Grants(String),
    Deleted(String),
    Tokens(String),
}

/// One page of everything currently revoked or suspended and not yet expired, from the
/// authoritative tables: revoked grants, grants under a suspended agent (with what was
/// delegated from them), then individually revoked tokens. The next page's start, if any.
pub fn snapshot_page(
    c: &Conn,
    developer_id: &str,
    from: &SnapshotFrom,
    limit: u32,
    now: i64,
) -> ApiResult<(Vec<FeedEntry>, Option<SnapshotFrom>)> {
    let size = limit.clamp(1, MAX_PAGE) as usize;
    let mut out = Vec::new();
    if let SnapshotFrom::Grants(after) = from {
        // Suspended: every grant whose own agent is not active, and everything delegated from
        // such a grant (so: any agent in the chain), computed once per page.
        let rows = c.query_all(
            "WITH RECURSIVE s(id) AS (
                 SELECT g.id FROM grants g JOIN agents a ON a.id = g.agent_id
                  WHERE g.developer_id = ?1 AND a.status <> 'active'
                 UNION
                 SELECT c.id FROM grants c JOIN s ON c.parent_grant_id = s.id WHERE c.developer_id = ?1
             )
             SELECT g.id, g.status, g.expires_at, COALESCE(g.revoked_at, g.issued_at),
                    g.id IN (SELECT id FROM s)
               FROM grants g
              WHERE g.developer_id = ?1 AND g.expires_at > ?2 AND g.id > ?3
                AND (g.status <> 'active' OR g.id IN (SELECT id FROM s))
              ORDER BY g.id
              LIMIT ?4",
            args![developer_id, now, after.as_str(), size as i64],
            |r| Ok((r.str(0)?, r.str(1)?, r.i64(2)?, r.i64(3)?, r.bool(4)?)),
        )?;
        let full = rows.len() == size;
        for (id, status, expires, at, suspended) in rows {
            let action = if status != "active" || !suspended {
                REVOKED
            } else {
                SUSPENDED
            };
            out.push(FeedEntry {
                seq: 0,
                action: action.into(),
                grant_id: Some(id),
                jti: None,
                expires_at: Some(expires),
                at,
            });
        }
        if full {
            let last = out
                .last()
                .and_then(|e| e.grant_id.clone())
                .unwrap_or_default();
            return Ok((out, Some(SnapshotFrom::Grants(last))));
        }
    }
    if matches!(from, SnapshotFrom::Grants(_) | SnapshotFrom::Deleted(_)) {
        // Grants deleted with their agent are gone from `grants`; their revocation events
        // remain, and they stay in the snapshot until they would have expired.
        let after = match from {
            SnapshotFrom::Deleted(id) => id.as_str(),
            _ => "",
        };
        let remaining = size - out.len();
        let rows = c.query_all(
            "SELECT e.grant_id, MAX(e.expires_at), MAX(e.created_at) FROM revocation_events e
              WHERE e.developer_id = ?1 AND e.action = 'revoked' AND e.grant_id IS NOT NULL
                AND e.grant_id > ?2 AND e.expires_at > ?3
                AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = e.grant_id)
              GROUP BY e.grant_id
              ORDER BY e.grant_id
              LIMIT ?4",
            args![developer_id, after, now, remaining as i64],
            |r| Ok((r.str(0)?, r.i64(1)?, r.i64(2)?)),
        )?;
        let full = rows.len() == remaining;
        for (id, expires, at) in rows {
            out.push(FeedEntry {
                seq: 0,
                action: REVOKED.into(),
                grant_id: Some(id),
                jti: None,
                expires_at: Some(expires),
                at,
            });
        }
        if full {
            let last = out
                .last()
                .and_then(|e| e.grant_id.clone())
                .unwrap_or_default();
            return Ok((out, Some(SnapshotFrom::Deleted(last))));
        }
    }
    let after = match from {
        SnapshotFrom::Tokens(t) => t.as_str(),
        SnapshotFrom::Grants(_) | SnapshotFrom::Deleted(_) => "",
    };
    let remaining = size - out.len();
    let tokens = c.query_all(
        "SELECT jti, grant_id, expires_at, COALESCE(revoked_at, 0) FROM grant_tokens
          WHERE developer_id = ?1 AND is_revoked = 1 AND expires_at > ?2 AND jti > ?3
          ORDER BY jti LIMIT ?4",
        args![developer_id, now / 1000, after, remaining as i64],
        |r| Ok((r.str(0)?, r.str(1)?, r.i64(2)?, r.i64(3)?)),
    )?;
    let full = tokens.len() == remaining;
    for (jti, grant, exp, at) in tokens {
        out.push(FeedEntry {
            seq: 0,
            action: TOKEN_REVOKED.into(),
            grant_id: Some(grant),
            jti: Some(jti),
            expires_at: Some(exp.saturating_mul(1000)),
            at,
        });
    }
    let next = if full {
        out.last()
            .and_then(|e| e.jti.clone())
            .map(SnapshotFrom::Tokens)
    } else {
        None
    };
    Ok((out, next))
}
