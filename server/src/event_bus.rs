//! The event stream's fan-out: one task per instance follows the event log (`events`, the
//! same rows the webhook outbox delivers) and broadcasts each new event to this instance's
//! subscribers (`GET /v1/events/stream`, `GET /v1/events/ws`). Idle subscribers cost a channel
//! slot, never a database query; events committed by any instance arrive within
//! [`POLL_EVERY`].
//!
//! A subscriber joins the broadcast *before* replaying the log from its cursor, then skips
//! what it already sent (positions only grow, in commit order: writes are serialized), so
//! nothing falls between the replay and the live events; a subscriber that falls behind the
//! broadcast replays from the log again.

use crate::store::events::Recorded;
use crate::store::{self, Db};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the log is read for new events.
pub const POLL_EVERY: Duration = Duration::from_millis(200);
/// Events read per query.
pub const PAGE: u32 = 500;
/// Open streams per developer on one instance.
pub const MAX_STREAMS_PER_DEVELOPER: usize = 256;

/// This instance's broadcast of new events.
#[derive(Debug)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Recorded>>,
    streams: Mutex<HashMap<String, usize>>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus {
            tx: broadcast::channel(4096).0,
            streams: Mutex::default(),
        }
    }
}

/// An open stream of a developer, counted until dropped.
pub struct Slot {
    bus: Arc<Bus>,
    developer_id: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut g = self.bus.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = g.get_mut(&self.developer_id) {
            *n -= 1;
            if *n == 0 {
                g.remove(&self.developer_id);
            }
        }
    }
}

impl Bus {
    /// New events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Recorded>> {
        self.tx.subscribe()
    }

    /// A stream slot for the developer, `None` beyond [`MAX_STREAMS_PER_DEVELOPER`].
    pub fn slot(self: &Arc<Self>, developer_id: &str) -> Option<Slot> {
        let mut g = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let n = g.entry(developer_id.to_string()).or_insert(0);
        if *n >= MAX_STREAMS_PER_DEVELOPER {
            return None;
        }
        *n += 1;
        Some(Slot {
            bus: self.clone(),
            developer_id: developer_id.to_string(),
        })
    }
}

/// Follows the log from its current end and broadcasts what comes after.
pub fn spawn(bus: Arc<Bus>, db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut cursor = loop {
            match db.read(|c| store::events::bounds(c)).await {
                Ok((last, _)) => break last,
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        };
        loop {
            let from = cursor;
            let page = match db.read(move |c| store::events::after(c, from, PAGE)).await {
                Ok(p) => p,
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let full = page.len() >= PAGE as usize;
            for e in page {
                cursor = cursor.max(e.seq);
                // No subscriber: nothing to do (the send fails harmlessly).
                let _ = bus.tx.send(Arc::new(e));
            }
            if !full {
                tokio::time::sleep(POLL_EVERY).await;
            }
        }
    })
}
