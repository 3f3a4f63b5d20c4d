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
pub const VAULT_CREDENTIAL_STORED: &str = "vault.credential.stored";
pub const VAULT_CREDENTIAL_DELETED: &str = "vault.credential.deleted";
pub const VAULT_CREDENTIAL_EXCHANGED: &str = "vault.credential.exchanged";

/// Every event type an endpoint may subscribe to.
pub const TYPES: [&str; 11] = [
    GRANT_CREATED,
    GRANT_REVOKED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    AGENT_CREATED,
    AGENT_UPDATED,
    AGENT_DELETED,
    ANOMALY_DETECTED,
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
