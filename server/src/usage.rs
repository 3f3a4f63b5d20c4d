//! Usage metering: each successful authorization (`POST /v1/authorize`), token exchange
//! (`POST /v1/token`) and verification (`POST /v1/tokens/verify`) is counted per developer and
//! UTC day in memory, and the counts are added to `usage_daily` every [`FLUSH_EVERY`], when
//! `/v1/usage` is read, and at a graceful stop.
//!
//! Why in memory: verification is the hot read path and must not take the write lock per
//! request. The cost: a crash (kill -9) loses at most the last [`FLUSH_EVERY`] of counts; usage
//! is metering, not a ledger (budgets, grants and tokens are written synchronously).

use crate::error::ApiResult;
use crate::store::usage::Counts;
use crate::store::{self, Db};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How often an instance adds its counts to the database.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// A metered kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metered {
    Authorization,
    TokenExchange,
    Verification,
}

impl Metered {
    /// The metered kind of a matched route, if any.
    pub fn of(method: &axum::http::Method, route: &str) -> Option<Metered> {
        if method != axum::http::Method::POST {
            return None;
        }
        match route {
            "/v1/authorize" => Some(Metered::Authorization),
            "/v1/token" => Some(Metered::TokenExchange),
            "/v1/tokens/verify" => Some(Metered::Verification),
            _ => None,
        }
    }
}

/// Counts not yet in the database, by (developer, day).
#[derive(Debug, Default)]
pub struct Meter {
    pending: Mutex<HashMap<(String, String), Counts>>,
    /// One flush at a time: a reader's flush waits for one in progress, so `/v1/usage` never
    /// reads before counts taken by another flush are written.
    flushing: tokio::sync::Mutex<()>,
}

/// `YYYY-MM-DD` (UTC) of a Unix-millisecond instant.
pub fn day(ms: i64) -> String {
    crate::time::iso(ms)[..10].to_string()
}

impl Meter {
    pub fn count(&self, developer_id: &str, what: Metered, now_ms: i64) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let c = p
            .entry((developer_id.to_string(), day(now_ms)))
            .or_default();
        match what {
            Metered::Authorization => c.authorizations += 1,
            Metered::TokenExchange => c.token_exchanges += 1,
            Metered::Verification => c.verifications += 1,
        }
    }

    /// Adds the pending counts to the database; on failure they stay pending.
    pub async fn flush(&self, db: &Db) -> ApiResult<()> {
        let _one = self.flushing.lock().await;
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if taken.is_empty() {
            return Ok(());
        }
        let batch = taken.clone();
        let r = db
            .write(move |tx| {
                for ((dev, date), c) in &batch {
                    store::usage::add(tx, dev, date, *c)?;
                }
                Ok(())
            })
            .await;
        if r.is_err() {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (k, c) in taken {
                let e = p.entry(k).or_default();
                e.authorizations += c.authorizations;
                e.token_exchanges += c.token_exchanges;
                e.verifications += c.verifications;
            }
        }
        r
    }
}

/// Flushes `meter` every [`FLUSH_EVERY`] until the server stops.
pub fn spawn(meter: std::sync::Arc<Meter>, db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(FLUSH_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = meter.flush(&db).await {
                eprintln!(
                    "grantex-server: recording usage failed (kept for the next try): {}",
                    e.message
                );
            }
        }
    })
}
