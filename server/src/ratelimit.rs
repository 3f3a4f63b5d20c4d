//! In-memory fixed one-minute windows, one counter per (caller, route).

use crate::time;
use std::collections::HashMap;
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

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (i64, u64)>>,
}

const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    /// Counts one request for `key` against `limit` per minute.
    pub fn hit(&self, key: &str, limit: u64) -> Decision {
        self.hit_at(key, limit, time::now_secs())
    }

    fn hit_at(&self, key: &str, limit: u64, now: i64) -> Decision {
        let window = now.div_euclid(60);
        let reset = ((window + 1) * 60 - now) as u64;
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, (w, _)| *w == window);
        }
        let entry = map.entry(key.to_string()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        let allowed = entry.1 < limit;
        if allowed {
            entry.1 += 1;
        }
        Decision {
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset,
            allowed,
        }
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
}
