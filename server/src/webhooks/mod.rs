//! The webhook delivery worker: drains the `webhook_deliveries` outbox the store fills in the
//! same transactions as the changes it reports (`store::events`).
//!
//! - Woken at once when a write queues a delivery (`Db::on_queued`), else every second.
//! - Claims due rows with a lease (`store::webhooks::claim_due`), so with several instances on
//!   one database each delivery is sent by one of them at a time; a worker killed mid-send
//!   leaves a lease that simply expires, and the delivery is sent again (at least once).
//! - Sends at most `CONCURRENCY` at once, each with `timeout`, never following redirects; a 2xx
//!   answer is delivered, anything else is retried after `retry_base × 2^(attempt-1)` (capped
//!   at an hour) until `max_attempts`, then `failed`.
//! - Signs each attempt when it is sent (`X-Grantex-Timestamp` is the send time, so a retry
//!   hours later still verifies within the receiver's tolerance).
//!
//! - Keeps delivered and failed deliveries, and events no pending delivery needs, for
//!   [`RETENTION`] (30 days), pruning hourly.
//!
//! Nothing here runs inside a request: a slow receiver never slows the API.

pub mod target;

use crate::store::{self, Db};
use crate::time::now_ms;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify, Semaphore};

/// Deliveries in flight at once, per instance.
const CONCURRENCY: usize = 8;
/// How long a claim keeps other workers off a delivery: longer than any attempt (twice the
/// timeout, plus slack for recording it), and no longer, since a worker killed mid-send leaves
/// its lease to expire before the delivery is retried.
fn lease(settings: &Settings) -> Duration {
    settings.timeout.saturating_mul(2) + Duration::from_secs(5)
}
/// Longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long delivered and failed deliveries, and events no delivery still needs, are kept.
pub const RETENTION: Duration = Duration::from_secs(30 * 86_400);
/// How often the worker prunes what is past [`RETENTION`].
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Delivery settings (`--webhook-retry-base-ms`, `--webhook-timeout-ms`,
/// `--allow-private-webhooks`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub retry_base: Duration,
    pub timeout: Duration,
    pub allow_private: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry_base: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            allow_private: false,
        }
    }
}

/// Wait before attempt `attempt + 1` after `attempt` failures.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Starts the worker; it stops when `stopping` turns true.
pub fn spawn(
    db: Db,
    settings: Settings,
    mut stopping: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the host itself, past the public-address resolver below.
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .user_agent(concat!("Grantex-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(target::PublicOnly {
            allow_private: settings.allow_private,
        }))
        .build()
        .map_err(|e| format!("webhook client: {e}"))?;
    let wake = Arc::new(Notify::new());
    {
        let wake = wake.clone();
        db.on_queued(move || wake.notify_one());
    }
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    Ok(tokio::spawn(async move {
        let mut pruned_at: Option<std::time::Instant> = None;
        loop {
            if *stopping.borrow() {
                return;
            }
            if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(std::time::Instant::now());
                let before = now_ms() - RETENTION.as_millis() as i64;
                if let Err(e) = db.write(move |tx| store::webhooks::prune(tx, before)).await {
                    eprintln!("grantex-server: pruning webhook deliveries: {}", e.message);
                }
            }
            // Claim only as many deliveries as can be sent now, so no lease runs out while
            // its delivery waits for a slot.
            let Ok(first) = permits.clone().acquire_owned().await else {
                return;
            };
            let mut slots = vec![first];
            while let Ok(p) = permits.clone().try_acquire_owned() {
                slots.push(p);
            }
            let now = now_ms();
            let lease_until = now + lease(&settings).as_millis() as i64;
            let want = slots.len() as u32;
            let claimed = db
                .write(move |tx| store::webhooks::claim_due(tx, now, lease_until, want))
                .await;
            let jobs = match claimed {
                Ok(jobs) => jobs,
                Err(e) => {
                    eprintln!("grantex-server: webhook deliveries: {}", e.message);
                    Vec::new()
                }
            };
            let busy = !jobs.is_empty();
            for job in jobs {
                let Some(permit) = slots.pop() else { break };
                let (client, db, settings) = (client.clone(), db.clone(), settings.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    let outcome = send(&client, &job, settings.allow_private).await;
                    let now = now_ms();
                    let retry_at =
                        now + backoff(settings.retry_base, job.attempts + 1).as_millis() as i64;
                    let id = job.id.clone();
                    if let Err(e) = db
                        .write(move |tx| {
                            store::webhooks::record_attempt(
                                tx,
                                &id,
                                lease_until,
                                now,
                                outcome.err().as_deref(),
                                retry_at,
                            )
                        })
                        .await
                    {
                        eprintln!("grantex-server: recording a webhook attempt: {}", e.message);
                    }
                });
            }
            drop(slots);
            if busy {
                continue; // more may be due; claim again before sleeping
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stopping.changed() => {}
            }
        }
    }))
}

/// One attempt: `Ok` on a 2xx answer, else why not.
async fn send(
    client: &reqwest::Client,
    job: &store::webhooks::Job,
    allow_private: bool,
) -> Result<(), String> {
    // IP-literal hosts bypass the resolver: judge them here, at every attempt.
    target::check_url(&job.url, allow_private)?;
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let body = job.payload.as_bytes();
    let resp = client
        .post(&job.url)
        .header("content-type", "application/json")
        .header("x-grantex-event", &job.event_type)
        .header("x-grantex-event-id", &job.event_id)
        .header("x-grantex-delivery-id", &job.id)
        .header("x-grantex-timestamp", ts.to_string())
        .header(
            "x-grantex-signature-v2",
            grantex::webhook::sign_webhook(body, &job.secret, ts),
        )
        .header(
            "x-grantex-signature",
            grantex::webhook::sign_webhook_legacy(body, &job.secret),
        )
        .body(job.payload.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timed out".to_string()
            } else {
                format!("could not deliver: {e}")
            }
        })?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
