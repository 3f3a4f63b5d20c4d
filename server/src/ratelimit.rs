//! Fixed one-minute windows, one counter per (caller, route): in memory, or — with
//! `--redis-url` — in Redis, so every instance of a deployment counts against the same limit.
//! If Redis does not answer (within 250 ms) the instance counts locally and says so on stderr
//! (at most once a minute), so an outage of Redis never takes the API down.
//!
//! The counters are split over [`SHARDS`] independently locked shards (by key hash), so callers
//! rarely wait on each other. Every counter of a shard belongs to the shard's current window:
//! the first hit of a new window swaps the whole map out and frees it after unlocking, so
//! expiry costs O(1) amortised per counter and no hit ever scans the map.

use crate::time;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

/// What one request consumed and what is left; rendered as `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window ends (1..=60).
    pub reset: u64,
    pub allowed: bool,
}

/// Number of independently locked shards.
pub const SHARDS: usize = 64;

#[derive(Debug, Default)]
struct Shard {
    window: i64,
    counts: HashMap<String, u64>,
}

pub struct RateLimiter {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    redis: Option<redis::aio::MultiplexedConnection>,
    /// When Redis last failed (unix seconds), to report it at most once a minute.
    redis_failed_at: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            redis: None,
            redis_failed_at: std::sync::atomic::AtomicI64::new(0),
        }
    }
}

/// INCR the window's counter (expiring with the window); returns the count after this hit.
const REDIS_HIT: &str = "local c = redis.call('INCR', KEYS[1]) \
                         if c == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end \
                         return c";

impl RateLimiter {
    /// Counters shared through the Redis at `url` (`redis://host:port/db`). Connects now, so a
    /// wrong URL stops the start-up with a clear message.
    pub async fn with_redis(url: &str) -> Result<RateLimiter, String> {
        let client = redis::Client::open(url).map_err(|e| format!("--redis-url: {e}"))?;
        let conn = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| "cannot connect to Redis within 5 s".to_string())?
        .map_err(|e| format!("cannot connect to Redis: {e}"))?;
        Ok(RateLimiter {
            redis: Some(conn),
            ..RateLimiter::default()
        })
    }

    /// Counts one request for `key` against `limit` per minute.
    pub async fn hit(&self, key: &str, limit: u64) -> Decision {
        let now = time::now_secs();
        if let Some(conn) = &self.redis {
            match self.hit_redis(conn.clone(), key, limit, now).await {
                Ok(d) => return d,
                Err(e) => {
                    let last = self
                        .redis_failed_at
                        .swap(now, std::sync::atomic::Ordering::Relaxed);
                    if now - last >= 60 {
                        eprintln!(
                            "grantex-server: Redis rate limiting failed ({e}); counting locally"
                        );
                    }
                }
            }
        }
        self.hit_at(key, limit, now)
    }

    async fn hit_redis(
        &self,
        mut conn: redis::aio::MultiplexedConnection,
        key: &str,
        limit: u64,
        now: i64,
    ) -> Result<Decision, String> {
        let window = now.div_euclid(60);
        let reset = ((window + 1) * 60 - now) as u64;
        let script = redis::Script::new(REDIS_HIT);
        let mut call = script.key(format!("grantex:rl:{window}:{key}"));
        call.arg(120);
        let count: u64 = tokio::time::timeout(
            std::time::Duration::from_millis(250),
            call.invoke_async(&mut conn),
        )
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())?;
        Ok(Decision {
            limit,
            remaining: limit.saturating_sub(count),
            reset,
            allowed: count <= limit,
        })
    }

    fn hit_at(&self, key: &str, limit: u64, now: i64) -> Decision {
        let window = now.div_euclid(60);
        let reset = ((window + 1) * 60 - now) as u64;
        let shard = &self.shards[(self.hasher.hash_one(key) % SHARDS as u64) as usize];
        let mut s = shard.lock().unwrap_or_else(|p| p.into_inner());
        // A new window: every counter of the old one is void. (A clock stepping back counts
        // in the newer window.)
        let expired = if window > s.window {
            s.window = window;
            std::mem::take(&mut s.counts)
        } else {
            HashMap::new()
        };
        let count = s.counts.entry(key.to_string()).or_insert(0);
        let allowed = *count < limit;
        if allowed {
            *count += 1;
        }
        let remaining = limit.saturating_sub(*count);
        drop(s);
        drop(expired); // freed outside the lock
        Decision {
            limit,
            remaining,
            reset,
            allowed,
        }
    }

    /// Counters currently held (all shards).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).counts.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window_counts_and_resets() {
        let rl = RateLimiter::default();
        let t = 6_000_000; // a window start
        assert_eq!(
            rl.hit_at("a", 2, t),
            Decision {
                limit: 2,
                remaining: 1,
                reset: 60,
                allowed: true
            }
        );
        assert_eq!(
            rl.hit_at("a", 2, t + 10),
            Decision {
                limit: 2,
                remaining: 0,
                reset: 50,
                allowed: true
            }
        );
        assert!(!rl.hit_at("a", 2, t + 59).allowed);
        assert!(rl.hit_at("b", 2, t + 59).allowed, "keys are independent");
        assert_eq!(rl.hit_at("a", 2, t + 60).remaining, 1, "new window");
    }

    #[test]
    fn old_windows_are_dropped_without_a_scan_and_keys_spread_over_shards() {
        let rl = RateLimiter::default();
        let t = 6_000_000;
        for i in 0..50_000 {
            assert!(rl.hit_at(&format!("ip:{i}"), 1, t).allowed);
        }
        assert_eq!(rl.len(), 50_000);
        let busy = rl
            .shards
            .iter()
            .filter(|s| !s.lock().unwrap().counts.is_empty())
            .count();
        assert_eq!(busy, SHARDS, "every shard holds some keys");
        // The next window: touching each shard once releases the old window's counters.
        for i in 0..5_000 {
            rl.hit_at(&format!("next:{i}"), 1, t + 60);
        }
        assert_eq!(rl.len(), 5_000, "only the current window's counters remain");
        assert!(
            rl.hit_at("ip:7", 1, t + 61).allowed,
            "its old count is gone"
        );
        // A clock stepping back counts in the newer window, it does not reset it.
        assert!(!rl.hit_at("ip:7", 1, t + 1).allowed);
    }
}
