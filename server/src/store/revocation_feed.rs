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
    Ok(())
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
    record_grants(
        tx,
        developer_id,
        &ids,
        if active { RESUMED } else { SUSPENDED },
        now,
    )
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

/// Where a snapshot page starts: grants after `id`, then tokens after `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotFrom {
    Grants(String),
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
        // A grant is suspended when its agent or an agent above it in its chain is not active.
        let rows = c.query_all(
            "WITH RECURSIVE chain(id, root, agent) AS (
                 SELECT id, id, agent_id FROM grants WHERE developer_id = ?1 AND expires_at > ?2
                 UNION
                 SELECT chain.id, g.parent_grant_id, p.agent_id
                   FROM chain JOIN grants g ON g.id = chain.root
                   JOIN grants p ON p.id = g.parent_grant_id
             )
             SELECT g.id, g.status, g.expires_at, COALESCE(g.revoked_at, g.issued_at),
                    EXISTS (SELECT 1 FROM chain JOIN agents a ON a.id = chain.agent
                            WHERE chain.id = g.id AND a.status <> 'active')
               FROM grants g
              WHERE g.developer_id = ?1 AND g.expires_at > ?2 AND g.id > ?3
              ORDER BY g.id",
            args![developer_id, now, after.as_str()],
            |r| Ok((r.str(0)?, r.str(1)?, r.i64(2)?, r.i64(3)?, r.bool(4)?)),
        )?;
        for (id, status, expires, at, suspended) in rows {
            let action = if status != "active" {
                REVOKED
            } else if suspended {
                SUSPENDED
            } else {
                continue;
            };
            out.push(FeedEntry {
                seq: 0,
                action: action.into(),
                grant_id: Some(id),
                jti: None,
                expires_at: Some(expires),
                at,
            });
            if out.len() == size {
                let last = out
                    .last()
                    .and_then(|e| e.grant_id.clone())
                    .unwrap_or_default();
                return Ok((out, Some(SnapshotFrom::Grants(last))));
            }
        }
    }
    let after = match from {
        SnapshotFrom::Tokens(t) => t.as_str(),
        SnapshotFrom::Grants(_) => "",
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
