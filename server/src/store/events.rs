//! The events the server emits (`grant.created`, `token.revoked`, ...), recorded in the same
//! transaction as the change they report, with one outbox row per subscribed webhook
//! endpoint. An event is therefore never lost: if the change commits, so does its delivery.
//!
//! Emitted by the store functions that make the change (grants, tokens, the revocation feed),
//! so no route can forget one; agent events by the agent routes, vault events by the vault
//! routes (in the transaction of the change, or of the exchange's audit entry).

use super::sql::args;
use super::Conn;
use crate::error::ApiResult;
use crate::{ids, time};
use serde_json::{json, Value};

pub const GRANT_CREATED: &str = "grant.created";
pub const GRANT_REVOKED: &str = "grant.revoked";
pub const TOKEN_ISSUED: &str = "token.issued";
pub const TOKEN_REVOKED: &str = "token.revoked";
pub const AGENT_CREATED: &str = "agent.created";
pub const AGENT_UPDATED: &str = "agent.updated";
pub const AGENT_DELETED: &str = "agent.deleted";
pub const ANOMALY_DETECTED: &str = "anomaly.detected";
pub const BUDGET_THRESHOLD: &str = "budget.threshold";
pub const BUDGET_EXHAUSTED: &str = "budget.exhausted";
pub const VAULT_CREDENTIAL_STORED: &str = "vault.credential.stored";
pub const VAULT_CREDENTIAL_DELETED: &str = "vault.credential.deleted";
pub const VAULT_CREDENTIAL_EXCHANGED: &str = "vault.credential.exchanged";

/// Every event type an endpoint may subscribe to.
pub const TYPES: [&str; 13] = [
    GRANT_CREATED,
    GRANT_REVOKED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    AGENT_CREATED,
    AGENT_UPDATED,
    AGENT_DELETED,
    ANOMALY_DETECTED,
    BUDGET_THRESHOLD,
    BUDGET_EXHAUSTED,
    VAULT_CREDENTIAL_STORED,
    VAULT_CREDENTIAL_DELETED,
    VAULT_CREDENTIAL_EXCHANGED,
];

/// Attempts per delivery before it is marked `failed`.
pub const MAX_ATTEMPTS: u32 = 6;

/// Records event `event_type` with `data` for the developer and queues a delivery to each of
/// their endpoints subscribed to it. Returns the event's id.
pub fn emit(tx: &Conn, developer_id: &str, event_type: &str, data: Value) -> ApiResult<String> {
    let now = time::now_ms();
    let id = ids::new_id("evt");
    let payload = json!({
        "id": id,
        "type": event_type,
        "createdAt": time::iso(now),
        "data": data,
    })
    .to_string();
    tx.exec(
        "INSERT INTO events (id, developer_id, type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&id, developer_id, event_type, &payload, now],
    )?;
    let hooks = tx.query_all(
        "SELECT id, url, events FROM webhooks WHERE developer_id = ?1",
        args![developer_id],
        |r| Ok((r.str(0)?, r.str(1)?, r.json::<Vec<String>>(2)?)),
    )?;
    for (hook, url, types) in hooks {
        if types.iter().any(|t| t == event_type) {
            queue_delivery(tx, developer_id, &hook, &url, &id, event_type, now)?;
        }
    }
    Ok(id)
}

/// Queues one delivery of event `event_id` to `target` (a webhook endpoint or an alert channel)
/// at `url`, due now; the worker is woken after the transaction commits.
pub fn queue_delivery(
    tx: &Conn,
    developer_id: &str,
    target: &str,
    url: &str,
    event_id: &str,
    event_type: &str,
    now: i64,
) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO webhook_deliveries (id, webhook_id, developer_id, event_id, event_type, url, status,
             attempts, max_attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?8)",
        args![
            ids::new_id("whd"),
            target,
            developer_id,
            event_id,
            event_type,
            url,
            MAX_ATTEMPTS,
            now
        ],
    )?;
    super::sql::note_queued();
    Ok(())
}

/// One recorded event as the event stream sends it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Position in the server's event log (ascending in commit order: writes are serialized).
    pub seq: i64,
    pub developer_id: String,
    pub event_type: String,
    /// `{id, type, createdAt, data}`, the webhook body.
    pub payload: String,
}

/// Events after `seq` (any developer), oldest first, at most `limit`.
pub fn after(c: &Conn, seq: i64, limit: u32) -> ApiResult<Vec<Recorded>> {
    c.query_all(
        "SELECT seq, developer_id, type, payload FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        args![seq, i64::from(limit)],
        recorded,
    )
}

/// The developer's events after `seq`, oldest first, at most `limit`.
pub fn developer_after(
    c: &Conn,
    developer_id: &str,
    seq: i64,
    limit: u32,
) -> ApiResult<Vec<Recorded>> {
    c.query_all(
        "SELECT seq, developer_id, type, payload FROM events
         WHERE developer_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        args![developer_id, seq, i64::from(limit)],
        recorded,
    )
}

fn recorded(r: &super::sql::Row<'_>) -> ApiResult<Recorded> {
    Ok(Recorded {
        seq: r.i64(0)?,
        developer_id: r.str(1)?,
        event_type: r.str(2)?,
        payload: r.str(3)?,
    })
}

/// The last event's position (0 before the first), and the position up to which retention may
/// have removed events (a stream cannot resume from before it).
pub fn bounds(c: &Conn) -> ApiResult<(i64, i64)> {
    let last = c.query_one("SELECT COALESCE(MAX(seq), 0) FROM events", args![], |r| {
        r.i64(0)
    })?;
    let pruned = c.query_one(
        "SELECT pruned_through FROM event_retention WHERE id = 1",
        args![],
        |r| r.i64(0),
    )?;
    Ok((last.max(pruned), pruned))
}
