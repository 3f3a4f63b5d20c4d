//! Cached "is this token active" and "whose API key is this" answers, shared safely by several
//! instances through one Redis counter (`--redis-url`).
//!
//! Online verification is the hot path of a deployment, and on PostgreSQL each answer costs a
//! transaction of several queries. The answers change only when a write revokes, suspends,
//! deletes or re-keys something, and every such write bumps a generation counter in Redis right
//! after it commits (the store flags those writes itself: [`crate::store::Db::on_invalidate`]).
//! A cached answer is used only while the counter still has the value it had *before* the
//! answer was read from the database, so once a revocation has been answered by any instance,
//! no instance serves an older "active": the next request sees a new generation and asks the
//! database. Only positive answers are cached (a refusal is never turned into an acceptance by
//! a cache), each no longer than the token's or grant's expiry and [`MAX_AGE_MS`].
//!
//! Without Redis there is no cache: instances agree through the database alone.

use crate::auth::Developer;
use crate::store::grants::GrantRow;
use crate::time::{now_ms, now_secs};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The Redis key of the generation counter.
const KEY: &str = "grantex:invalidation-generation";
/// Longest any answer is reused, even with an unchanged generation: bounds the damage of a bump
/// that could not reach Redis (logged) while reads still could.
pub const MAX_AGE_MS: i64 = 10_000;
/// Entries per map; a full map starts over.
const CAPACITY: usize = 65_536;
/// How long a request waits for Redis before answering from the database instead.
const READ_TIMEOUT: Duration = Duration::from_millis(250);

/// The generation observed before a database read (the Redis counter and this process's own
/// invalidation count, which covers a bump that did not reach Redis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    shared: u64,
    local: u64,
}

struct Entry<T> {
    stamp: Stamp,
    stored_ms: i64,
    /// Unix ms after which the answer no longer holds (expiry).
    until_ms: i64,
    value: T,
}

/// The cache and its Redis connections.
pub struct Freshness {
    client: redis::Client,
    reads: redis::aio::MultiplexedConnection,
    /// Bumps are synchronous (they run where the write committed, on the blocking pool or at
    /// start-up) over a connection of their own.
    bumps: Mutex<Option<redis::Connection>>,
    local: AtomicU64,
    /// When a read / a bump of the counter last failed (Unix seconds; logs at most once a
    /// minute each).
    read_failed_at: AtomicU64,
    bump_failed_at: AtomicU64,
    /// (developer id, jti) → the active grant.
    tokens: Mutex<HashMap<(String, String), Entry<GrantRow>>>,
    /// SHA-256 hex of an API key → its developer.
    developers: Mutex<HashMap<String, Entry<Developer>>>,
}

impl std::fmt::Debug for Freshness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Freshness").finish_non_exhaustive()
    }
}

impl Freshness {
    /// Connects to Redis at `url` (5 s at most).
    pub async fn connect(url: &str) -> Result<Freshness, String> {
        let client = redis::Client::open(url).map_err(|e| format!("--redis-url: {e}"))?;
        let reads = tokio::time::timeout(
            Duration::from_secs(5),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| "cannot connect to Redis within 5 s".to_string())?
        .map_err(|e| format!("cannot connect to Redis: {e}"))?;
        Ok(Freshness {
            client,
            reads,
            bumps: Mutex::new(None),
            local: AtomicU64::new(0),
            read_failed_at: AtomicU64::new(0),
            bump_failed_at: AtomicU64::new(0),
            tokens: Mutex::default(),
            developers: Mutex::default(),
        })
    }

    /// The current generation, read before the database is; `None` when Redis cannot say (no
    /// cached answer is used or stored then).
    ///
    /// A missing counter (a fresh Redis, or one restarted without persistence) is first set to
    /// a random value, never read as 0: a counter that starts again from a value it had before
    /// would make old answers look current.
    pub async fn stamp(&self) -> Option<Stamp> {
        let local = self.local.load(Ordering::SeqCst);
        let read = async {
            let mut conn = self.reads.clone();
            let mut get = redis::cmd("GET");
            get.arg(KEY);
            if let Some(v) = get.query_async::<Option<u64>>(&mut conn).await? {
                return Ok(v);
            }
            let start = u64::from_le_bytes(crate::ids::random_bytes::<8>()) >> 2;
            let mut set = redis::cmd("SET");
            set.arg(KEY).arg(start).arg("NX");
            let _: Option<String> = set.query_async(&mut conn).await?;
            get.query_async::<Option<u64>>(&mut conn)
                .await
                .map(|v| v.unwrap_or(start))
        };
        match tokio::time::timeout(READ_TIMEOUT, read).await {
            Ok(Ok(shared)) => Some(Stamp { shared, local }),
            Ok(Err(e)) => {
                self.complain(
                    &self.read_failed_at,
                    &format!("cannot read the invalidation generation: {e}"),
                );
                None
            }
            Err(_) => {
                self.complain(
                    &self.read_failed_at,
                    "reading the invalidation generation timed out",
                );
                None
            }
        }
    }

    /// After a committed write that may end a token's or a key's validity: forget every cached
    /// answer here and bump the shared generation so every other instance does too.
    pub fn invalidate(&self) {
        self.local.fetch_add(1, Ordering::SeqCst);
        lock(&self.tokens).clear();
        lock(&self.developers).clear();
        let mut slot = lock(&self.bumps);
        for _ in 0..2 {
            if slot.is_none() {
                match self
                    .client
                    .get_connection_with_timeout(Duration::from_secs(1))
                {
                    Ok(c) => {
                        let _ = c.set_read_timeout(Some(Duration::from_secs(1)));
                        let _ = c.set_write_timeout(Some(Duration::from_secs(1)));
                        *slot = Some(c);
                    }
                    Err(e) => {
                        self.bump_failed(&e);
                        return;
                    }
                }
            }
            if let Some(c) = slot.as_mut() {
                match redis::cmd("INCR").arg(KEY).query::<u64>(c) {
                    Ok(_) => return,
                    Err(e) => {
                        *slot = None; // reconnect once
                        self.bump_failed(&e);
                    }
                }
            }
        }
    }

    /// The cached active grant of token `jti`, if still current at `stamp`.
    pub fn token(&self, stamp: Stamp, developer_id: &str, jti: &str) -> Option<GrantRow> {
        let map = lock(&self.tokens);
        let e = map.get(&(developer_id.to_owned(), jti.to_owned()))?;
        fresh(e, stamp).then(|| e.value.clone())
    }

    /// Remembers that token `jti` (expiring at `token_exp_s`) was active for `grant` at `stamp`.
    pub fn remember_token(
        &self,
        stamp: Stamp,
        developer_id: &str,
        jti: &str,
        token_exp_s: i64,
        grant: &GrantRow,
    ) {
        let until_ms = grant.expires_at.min(token_exp_s.saturating_mul(1000));
        insert(
            &self.tokens,
            (developer_id.to_owned(), jti.to_owned()),
            stamp,
            until_ms,
            grant.clone(),
        );
    }

    /// The cached developer of the API key whose SHA-256 hex is `key_hash`.
    pub fn developer(&self, stamp: Stamp, key_hash: &str) -> Option<Developer> {
        let map = lock(&self.developers);
        let e = map.get(key_hash)?;
        fresh(e, stamp).then(|| e.value.clone())
    }

    /// Remembers the developer an API key authenticated as.
    pub fn remember_developer(&self, stamp: Stamp, key_hash: &str, developer: &Developer) {
        insert(
            &self.developers,
            key_hash.to_owned(),
            stamp,
            i64::MAX,
            developer.clone(),
        );
    }

    /// Logs a failed read at most once a minute.
    fn complain(&self, at: &AtomicU64, msg: &str) {
        let now = now_secs().max(0) as u64;
        let last = at.swap(now, Ordering::Relaxed);
        if now.saturating_sub(last) >= 60 {
            tracing::warn!("{msg}; answering from the database");
        }
    }

    /// A bump that did not reach Redis: other instances may keep a cached "active" for up to
    /// [`MAX_AGE_MS`]. Logged as an error (at most once a minute).
    fn bump_failed(&self, e: &redis::RedisError) {
        let now = now_secs().max(0) as u64;
        let last = self.bump_failed_at.swap(now, Ordering::Relaxed);
        if now.saturating_sub(last) >= 60 {
            tracing::error!(
                "cannot bump the invalidation generation in Redis ({e}): other instances may \
                 answer from their caches for up to {} s after this revocation",
                MAX_AGE_MS / 1000
            );
        }
    }
}

fn fresh<T>(e: &Entry<T>, stamp: Stamp) -> bool {
    let now = now_ms();
    e.stamp == stamp && now < e.until_ms && now - e.stored_ms < MAX_AGE_MS
}

fn insert<K: std::hash::Hash + Eq, T>(
    map: &Mutex<HashMap<K, Entry<T>>>,
    key: K,
    stamp: Stamp,
    until_ms: i64,
    value: T,
) {
    let mut map = lock(map);
    if map.len() >= CAPACITY {
        map.clear();
    }
    map.insert(
        key,
        Entry {
            stamp,
            stored_ms: now_ms(),
            until_ms,
            value,
        },
    );
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
