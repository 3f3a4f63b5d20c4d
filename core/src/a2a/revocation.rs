//! Online revocation check for the guard: `POST /v1/tokens/verify`, behind a small cache.
//!
//! Cache rules: every answer is reused for at most the configured TTL (≤ 5 minutes, 0 turns it
//! off) and never past the token's expiry. A "not valid" answer is not necessarily permanent —
//! the server also says so while the token's agent is suspended, and reactivation makes it
//! valid again — so it is kept no longer than an "active" one. Failures to ask are never cached.

use crate::client::Client;
use crate::error::Error;
use crate::verify::VerifiedGrant;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Longest time an "active" answer may be reused.
pub const MAX_REVOCATION_CACHE_TTL: Duration = Duration::from_secs(300);
/// Most token ids remembered; beyond it expired, then active, then any entries are dropped.
pub const REVOCATION_CACHE_CAPACITY: usize = 10_000;

/// What the server said about a token id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Active,
    /// Revoked, expired, or its agent (or an ancestor's) suspended.
    Inactive,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    answer: Answer,
    until: Instant,
}

/// Answers per token id (`jti`), each with its own deadline.
#[derive(Debug)]
pub(crate) struct RevocationCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

impl RevocationCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> RevocationCache {
        RevocationCache {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The remembered answer, if still valid at `now`.
    pub(crate) fn get(&self, jti: &str, now: Instant) -> Option<Answer> {
        let mut map = self.entries();
        match map.get(jti) {
            Some(e) if e.until > now => Some(e.answer),
            Some(_) => {
                map.remove(jti);
                None
            }
            None => None,
        }
    }

    /// Remembers `answer` for a token that stays valid for `token_left` more.
    pub(crate) fn record(&self, jti: &str, answer: Answer, token_left: Duration, now: Instant) {
        let keep = self.ttl.min(token_left);
        if keep.is_zero() {
            return;
        }
        let mut map = self.entries();
        if map.len() >= self.capacity && !map.contains_key(jti) {
            map.retain(|_, e| e.until > now);
            if map.len() >= self.capacity {
                map.retain(|_, e| e.answer == Answer::Inactive);
            }
            while map.len() >= self.capacity {
                let Some(k) = map.keys().next().cloned() else {
                    break;
                };
                map.remove(&k);
            }
        }
        map.insert(
            jti.to_owned(),
            Entry {
                answer,
                until: now + keep,
            },
        );
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }
}

/// Why the online check did not pass.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The server says the token is not valid (revoked, its grant or an ancestor revoked, or
    /// its agent suspended).
    Revoked,
    /// The server could not be asked; fail closed.
    Unavailable(Error),
}

/// The online check: a Grantex client plus the cache.
#[derive(Debug)]
pub(crate) struct OnlineRevocation {
    client: Client,
    cache: RevocationCache,
    clock_tolerance: u64,
}

impl OnlineRevocation {
    pub(crate) fn new(client: Client, ttl: Duration, clock_tolerance: u64) -> Self {
        OnlineRevocation {
            client,
            cache: RevocationCache::new(ttl, REVOCATION_CACHE_CAPACITY),
            clock_tolerance,
        }
    }

    /// Passes when the server (or a fresh cached answer) says the already verified token is
    /// still active.
    pub(crate) async fn check(&self, token: &str, grant: &VerifiedGrant) -> Result<(), Refusal> {
        if let Some(answer) = self.cache.get(&grant.token_id, Instant::now()) {
            return match answer {
                Answer::Active => Ok(()),
                Answer::Inactive => Err(Refusal::Revoked),
            };
        }
        let reply = self
            .client
            .tokens()
            .verify(token)
            .await
            .map_err(Refusal::Unavailable)?;
        let answer = if reply.valid {
            Answer::Active
        } else {
            Answer::Inactive
        };
        let left = token_left(grant.expires_at, self.clock_tolerance);
        self.cache
            .record(&grant.token_id, answer, left, Instant::now());
        match answer {
            Answer::Active => Ok(()),
            Answer::Inactive => Err(Refusal::Revoked),
        }
    }
}

/// Time until `exp` (plus the tolerance) by the wall clock; zero once passed.
fn token_left(exp: i64, tolerance: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let end = u64::try_from(exp)
        .unwrap_or(0)
        .saturating_add(tolerance)
        .saturating_add(1);
    Duration::from_secs(end.saturating_sub(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn active_answers_live_for_the_ttl_only() {
        let c = RevocationCache::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        c.record("a", Answer::Active, HOUR, t0);
        assert_eq!(
            c.get("a", t0 + Duration::from_secs(59)),
            Some(Answer::Active)
        );
        assert_eq!(c.get("a", t0 + Duration::from_secs(60)), None);
        assert_eq!(c.len(), 0, "expired entries are dropped on read");
    }

    #[test]
    fn active_answers_never_outlive_the_token() {
        let c = RevocationCache::new(Duration::from_secs(300), 10);
        let t0 = Instant::now();
        c.record("a", Answer::Active, Duration::from_secs(5), t0);
        assert_eq!(
            c.get("a", t0 + Duration::from_secs(4)),
            Some(Answer::Active)
        );
        assert_eq!(c.get("a", t0 + Duration::from_secs(5)), None);
    }

    #[test]
    fn zero_ttl_caches_nothing() {
        let c = RevocationCache::new(Duration::ZERO, 10);
        let t0 = Instant::now();
        c.record("a", Answer::Active, HOUR, t0);
        assert_eq!(c.get("a", t0), None);
        c.record("r", Answer::Inactive, HOUR, t0);
        assert_eq!(c.get("r", t0), None);
    }

    #[test]
    fn inactive_answers_live_for_the_ttl_only() {
        // Not valid may mean "agent suspended", which reactivation undoes: ask again after the TTL.
        let c = RevocationCache::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        c.record("r", Answer::Inactive, HOUR, t0);
        assert_eq!(
            c.get("r", t0 + Duration::from_secs(59)),
            Some(Answer::Inactive)
        );
        assert_eq!(c.get("r", t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn revoked_overrides_a_cached_active_answer() {
        let c = RevocationCache::new(Duration::from_secs(300), 10);
        let t0 = Instant::now();
        c.record("a", Answer::Active, HOUR, t0);
        c.record("a", Answer::Inactive, HOUR, t0);
        assert_eq!(c.get("a", t0), Some(Answer::Inactive));
    }

    #[test]
    fn capacity_is_bounded_and_prefers_to_keep_revocations() {
        let c = RevocationCache::new(Duration::from_secs(300), 3);
        let t0 = Instant::now();
        c.record("r1", Answer::Inactive, HOUR, t0);
        c.record("a1", Answer::Active, HOUR, t0);
        c.record("a2", Answer::Active, HOUR, t0);
        c.record("a3", Answer::Active, HOUR, t0);
        assert!(c.len() <= 3);
        assert_eq!(c.get("r1", t0), Some(Answer::Inactive));
        assert_eq!(c.get("a3", t0), Some(Answer::Active));
        for i in 0..100 {
            c.record(&format!("r{i}x"), Answer::Inactive, HOUR, t0);
            assert!(c.len() <= 3);
        }
    }

    #[test]
    fn token_left_is_zero_for_past_expiry() {
        assert_eq!(token_left(0, 0), Duration::ZERO);
        assert_eq!(token_left(-5, 0), Duration::ZERO);
        assert!(token_left(i64::MAX, 0) > HOUR);
    }
}
