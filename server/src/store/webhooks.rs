//! `webhooks` endpoints and the `webhook_deliveries` outbox the delivery worker drains
//! (`crate::webhooks`); alert channels (`store::alerts`) deliver through the same outbox.

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;
use grantex::types::{WebhookDelivery, WebhookEndpoint};

/// An endpoint with its signing secret (never leaves the server after creation).
#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub id: String,
    pub developer_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub created_at: i64,
}

impl WebhookRow {
    pub fn endpoint(&self) -> WebhookEndpoint {
        WebhookEndpoint {
            id: self.id.clone(),
            url: self.url.clone(),
            events: self.events.clone(),
            created_at: iso(self.created_at),
        }
    }
}

fn from_row(r: &Row<'_>) -> ApiResult<WebhookRow> {
    Ok(WebhookRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        url: r.str(2)?,
        events: r.json(3)?,
        secret: r.str(4)?,
        created_at: r.i64(5)?,
    })
}

const COLUMNS: &str = "id, developer_id, url, events, secret, created_at";

pub fn insert(tx: &Conn, w: &WebhookRow) -> ApiResult<()> {
    tx.exec(
        &format!("INSERT INTO webhooks ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        args![
            &w.id,
            &w.developer_id,
            &w.url,
            serde_json::to_string(&w.events)?,
            &w.secret,
            w.created_at
        ],
    )?;
    Ok(())
}

/// The developer's endpoints, newest first.
pub fn list(c: &Conn, developer_id: &str) -> ApiResult<Vec<WebhookRow>> {
    c.query_all(
        &format!(
            "SELECT {COLUMNS} FROM webhooks WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"
        ),
        args![developer_id],
        from_row,
    )
}

pub fn find(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<WebhookRow>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        from_row,
    )
}

pub fn count(c: &Conn, developer_id: &str) -> ApiResult<u64> {
    let n = c.query_one(
        "SELECT COUNT(*) FROM webhooks WHERE developer_id = ?1",
        args![developer_id],
        |r| r.i64(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Deletes the endpoint with its delivery log (pending deliveries are dropped); false when
/// there was none.
pub fn delete(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    tx.exec(
        "DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    Ok(tx.exec(
        "DELETE FROM webhooks WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

const DELIVERY_COLUMNS: &str =
    "id, webhook_id, event_id, event_type, status, attempts, max_attempts, url, \
     last_error, created_at, delivered_at, next_attempt_at";

fn delivery(r: &Row<'_>) -> ApiResult<WebhookDelivery> {
    let status = r.str(4)?;
    Ok(WebhookDelivery {
        id: r.str(0)?,
        webhook_id: r.str(1)?,
        event_id: r.str(2)?,
        event_type: r.str(3)?,
        attempts: r.u32(5)?,
        max_attempts: r.u32(6)?,
        url: r.str(7)?,
        last_error: r.opt_str(8)?,
        created_at: iso(r.i64(9)?),
        delivered_at: r.opt_i64(10)?.map(iso),
        next_attempt_at: (status == "pending")
            .then(|| r.i64(11))
            .transpose()?
            .map(iso),
        status,
    })
}

/// One page of an endpoint's deliveries (newest first) and the total matching `status`.
pub fn deliveries(
    c: &Conn,
    developer_id: &str,
    webhook_id: &str,
    status: Option<&str>,
    page: u32,
    page_size: u32,
) -> ApiResult<(Vec<WebhookDelivery>, u64)> {
    let total = c.query_one(
        "SELECT COUNT(*) FROM webhook_deliveries
         WHERE webhook_id = ?1 AND developer_id = ?2 AND (CAST(?3 AS TEXT) IS NULL OR status = ?3)",
        args![webhook_id, developer_id, status],
        |r| r.i64(0),
    )?;
    let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
    let rows = c.query_all(
        &format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
             WHERE webhook_id = ?1 AND developer_id = ?2 AND (CAST(?3 AS TEXT) IS NULL OR status = ?3)
             ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5"
        ),
        args![webhook_id, developer_id, status, page_size, offset],
        delivery,
    )?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// A claimed delivery: what the worker sends.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: u32,
}

/// Claims up to `limit` due deliveries until `lease_until` (ms): a claimed row is skipped by
/// every other worker (any instance) until the lease ends or the attempt is recorded.
pub fn claim_due(tx: &Conn, now: i64, lease_until: i64, limit: u32) -> ApiResult<Vec<Job>> {
    let due = tx.query_all(
        "SELECT d.id, d.url, COALESCE(w.secret, ch.secret), d.event_id, d.event_type, e.payload, d.attempts
         FROM webhook_deliveries d
         LEFT JOIN webhooks w ON w.id = d.webhook_id
         LEFT JOIN anomaly_channels ch ON ch.id = d.webhook_id
         JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1
           AND COALESCE(w.secret, ch.secret) IS NOT NULL
           AND (d.lease_until IS NULL OR d.lease_until <= ?1)
         ORDER BY d.next_attempt_at, d.id
         LIMIT ?2",
        args![now, limit],
        |r| {
            Ok(Job {
                id: r.str(0)?,
                url: r.str(1)?,
                secret: r.str(2)?,
                event_id: r.str(3)?,
                event_type: r.str(4)?,
                payload: r.str(5)?,
                attempts: r.u32(6)?,
            })
        },
    )?;
    let mut claimed = Vec::with_capacity(due.len());
    for job in due {
        let n = tx.exec(
            "UPDATE webhook_deliveries SET lease_until = ?1
             WHERE id = ?2 AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?3)",
            args![lease_until, &job.id, now],
        )?;
        if n == 1 {
            claimed.push(job);
        }
    }
    Ok(claimed)
}

/// Records an attempt made under the lease `lease_until`: delivered, or failed with `error` and
/// retried at `retry_at` (ms) while attempts remain, else marked `failed`. An attempt whose
/// lease was lost (another worker claimed the row since) changes nothing.
pub fn record_attempt(
    tx: &Conn,
    id: &str,
    lease_until: i64,
    now: i64,
    error: Option<&str>,
    retry_at: i64,
) -> ApiResult<()> {
    match error {
        None => tx.exec(
            "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,
                    delivered_at = ?1, lease_until = NULL, last_error = NULL
             WHERE id = ?2 AND status = 'pending' AND lease_until = ?3",
            args![now, id, lease_until],
        )?,
        Some(e) => tx.exec(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?1, lease_until = NULL,
                    next_attempt_at = ?2,
                    status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'pending' END
             WHERE id = ?3 AND status = 'pending' AND lease_until = ?4",
            args![e, retry_at, id, lease_until],
        )?,
    };
    Ok(())
}

/// Retention: drops finished deliveries (delivered or failed) and events older than `before`
/// (ms) that no pending delivery still needs. Returns how many rows went.
pub fn prune(tx: &Conn, before: i64) -> ApiResult<usize> {
    let d = tx.exec(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?1",
        args![before],
    )?;
    // Streams cannot resume from before the newest event removed here.
    let newest = tx.query_one(
        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE created_at < ?1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status = 'pending')",
        args![before],
        |r| r.i64(0),
    )?;
    tx.exec(
        "UPDATE event_retention SET pruned_through = ?1 WHERE id = 1 AND pruned_through < ?1",
        args![newest],
    )?;
    let e = tx.exec(
        "DELETE FROM events WHERE created_at < ?1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status = 'pending')",
        args![before],
    )?;
    Ok(d + e)
}
