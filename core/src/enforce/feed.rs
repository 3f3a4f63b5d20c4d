//! The revocation feed client: takes a snapshot (`GET /v1/revocations`), then follows the
//! changes over the live stream (`GET /v1/revocations/stream`, Server-Sent Events with a
//! heartbeat a second; the reference SDKs' default `stream` transport) or by long-polling
//! (`poll`), in a background task on the core runtime, and keeps the set of revoked and
//! suspended grants and revoked tokens, so `enforce` in `feed` mode sees a revocation within
//! seconds without a request per call. It fails closed: a feed that has not heard from the
//! server within `stale_after`, or that the server does not serve, makes `enforce` deny.

use crate::types::{RevocationFeedEntry, RevocationFeedParams};
use crate::{Client, Error};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why the feed cannot be used (the reference SDKs' `FeedUnavailableReason`).
pub const DISABLED: &str = "disabled";
pub const NOT_READY: &str = "not_ready";
pub const UNAUTHORIZED: &str = "unauthorized";
pub const NETWORK: &str = "network";

/// Which credential of a call the feed knows to be dead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchKind {
    Grant,
    Token,
    ParentGrant,
}

/// A revoked or suspended credential the feed knows about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedMatch {
    pub kind: MatchKind,
    pub id: String,
    /// Suspended (reversible), not revoked.
    pub suspended: bool,
}

/// What the feed knows, and whether it can be trusted (the reference SDKs'
/// `RevocationFeedState`, plus `fresh` and `ageSecs`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, grantex_derive::Wire)]
#[serde(rename_all = "camelCase")]
#[wire(py = "RevocationFeedState")]
pub struct FeedState {
    /// Took a snapshot and is following the changes.
    pub synced: bool,
    /// Synced, usable and heard from the server within `stale_after`.
    pub fresh: bool,
    /// Seconds since the server last answered (`None`: never).
    pub age_secs: Option<f64>,
    pub cursor: i64,
    /// Revoked or suspended credentials known (grants and tokens).
    pub known: usize,
    /// `disabled`, `not_ready`, `unauthorized` or `network`.
    pub unavailable: Option<String>,
}

/// The server's page size: a page this long may have more behind it.
const FULL_PAGE: usize = 1000;

#[derive(Default, Debug)]
struct Known {
    synced: bool,
    cursor: i64,
    /// grant id → (suspended, expiry in Unix ms).
    grants: HashMap<String, (bool, Option<i64>)>,
    /// jti → expiry.
    tokens: HashMap<String, Option<i64>>,
    fresh_at: Option<Instant>,
    unavailable: Option<&'static str>,
}

impl Known {
    fn apply(&mut self, e: &RevocationFeedEntry) {
        let expiry = e.expires_at.as_deref().and_then(iso_millis);
        match (e.action.as_str(), &e.grant_id, &e.jti) {
            ("token_revoked", _, Some(jti)) => {
                self.tokens.insert(jti.clone(), expiry);
            }
            ("suspended", Some(g), _) => {
                // A revocation is final: a later suspension does not soften it.
                let entry = self.grants.entry(g.clone()).or_insert((true, expiry));
                entry.1 = expiry;
            }
            ("resumed", Some(g), _)
                if self.grants.get(g).is_some_and(|(suspended, _)| *suspended) =>
            {
                self.grants.remove(g);
            }
            ("resumed", _, _) | ("token_revoked", _, None) => {}
            // `revoked`, and any action this client does not know that names a grant: the grant
            // is dead (failing closed if the server grows a new kind of event).
            (_, Some(g), _) => {
                self.grants.insert(g.clone(), (false, expiry));
            }
            (_, None, _) => {}
        }
    }

    fn prune(&mut self, now_ms: i64) {
        self.grants
            .retain(|_, (_, exp)| exp.is_none_or(|e| e > now_ms));
        self.tokens.retain(|_, exp| exp.is_none_or(|e| e > now_ms));
    }
}

/// `2026-01-01T00:00:00.000Z` → Unix milliseconds; `None` for anything else (the entry then
/// never expires, which can only keep a credential denied longer).
fn iso_millis(t: &str) -> Option<i64> {
    fn num(s: &str, lo: i64, hi: i64) -> Option<i64> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<i64>().ok().filter(|v| (lo..=hi).contains(v))
    }
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day) = (
        num(d.next()?, 1970, 9999)?,
        num(d.next()?, 1, 12)?,
        num(d.next()?, 1, 31)?,
    );
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut h = hms.split(':');
    let (hh, mm, ss) = (
        num(h.next()?, 0, 23)?,
        num(h.next()?, 0, 59)?,
        num(h.next()?, 0, 60)?,
    );
    if d.next().is_some() || h.next().is_some() || frac.len() > 9 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.is_empty() {
        return None;
    }
    let ms: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm); every input is range-checked above.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3600 + mm * 60 + ss) * 1000) + ms)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// How the feed follows changes after its snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `GET /v1/revocations/stream` (Server-Sent Events).
    Stream,
    /// `GET /v1/revocations?since=..&wait=..` (long-polling).
    Poll,
}

impl Transport {
    /// `stream` or `poll` (the reference SDKs' `transport` / `revocation_feed_transport`).
    pub fn parse(name: &str) -> Option<Transport> {
        match name {
            "stream" => Some(Transport::Stream),
            "poll" => Some(Transport::Poll),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Inner {
    client: Client,
    stale_after: Duration,
    transport: Transport,
    known: Mutex<Known>,
    /// Odd while running; each start and stop bumps it, so an old loop sees it is stale.
    generation: AtomicU64,
    changed: tokio::sync::Notify,
}

/// Follows one server's revocation feed. Cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct RevocationFeed {
    inner: Arc<Inner>,
}

impl RevocationFeed {
    /// A feed for `client`'s server following the live stream, trusted while it heard from
    /// the server within `stale_after`. Not started.
    pub fn new(client: Client, stale_after: Duration) -> RevocationFeed {
        Self::with_transport(client, stale_after, Transport::Stream)
    }

    /// [`RevocationFeed::new`] with the given transport.
    pub fn with_transport(
        client: Client,
        stale_after: Duration,
        transport: Transport,
    ) -> RevocationFeed {
        RevocationFeed {
            inner: Arc::new(Inner {
                client,
                stale_after,
                transport,
                known: Mutex::new(Known::default()),
                generation: AtomicU64::new(0),
                changed: tokio::sync::Notify::new(),
            }),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.inner.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts following the feed on the core runtime (idempotent).
    pub fn start(&self) {
        let g = &self.inner.generation;
        let mut current = g.load(Ordering::SeqCst);
        loop {
            if current % 2 == 1 {
                return;
            }
            match g.compare_exchange(current, current + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => break,
                Err(now) => current = now,
            }
        }
        let feed = self.clone();
        let generation = current + 1;
        crate::blocking::runtime().spawn(async move { feed.run(generation).await });
    }

    /// Stops following and forgets what was known.
    pub fn stop(&self) {
        {
            // Under the lock a running step checks the generation with, so it cannot write
            // back what it read after this.
            let mut k = self.known();
            let g = &self.inner.generation;
            let current = g.load(Ordering::SeqCst);
            if current % 2 == 1 {
                let _ =
                    g.compare_exchange(current, current + 1, Ordering::SeqCst, Ordering::SeqCst);
            }
            *k = Known::default();
        }
        self.inner.changed.notify_waiters();
    }

    fn current(&self, generation: u64) -> bool {
        self.inner.generation.load(Ordering::SeqCst) == generation
    }

    /// How long a long-poll waits: half the staleness bound, so a quiet feed still answers
    /// (and so stays fresh) in time.
    /// Never longer than the client's request timeout allows.
    fn wait_secs(&self) -> u32 {
        let timeout = self.inner.client.timeout().as_secs_f64();
        let half = (self.inner.stale_after.as_secs_f64() / 2.0).floor();
        half.min(timeout - 2.0).clamp(0.0, 25.0) as u32
    }

    async fn run(self, generation: u64) {
        let mut delay = Duration::from_millis(500);
        while self.current(generation) {
            match self.step(generation).await {
                Ok(()) => delay = Duration::from_millis(500),
                Err(_) if !self.current(generation) => return,
                Err(reason) => {
                    {
                        // After any failure, start again from a snapshot: the server's log may
                        // have been restored behind our cursor.
                        let mut k = self.known();
                        k.unavailable = Some(reason);
                        k.synced = false;
                    }
                    self.inner.changed.notify_waiters();
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    fn reason(e: &Error) -> &'static str {
        match e.as_api().map(|a| a.status) {
            Some(404) => DISABLED,
            Some(503) => NOT_READY,
            Some(401 | 403) => UNAUTHORIZED,
            _ => NETWORK,
        }
    }

    /// One exchange with the server: the whole snapshot when not synced, else one long-poll.
    async fn step(&self, generation: u64) -> Result<(), &'static str> {
        let synced = self.known().synced;
        let revocations = self.inner.client.revocations();
        if !synced {
            let mut page_token: Option<String> = None;
            let mut fresh = Known::default();
            let mut cursor: Option<i64> = None;
            loop {
                let page = revocations
                    .feed(&RevocationFeedParams {
                        page_token: page_token.clone(),
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| Self::reason(&e))?;
                cursor.get_or_insert(page.cursor);
                for e in &page.entries {
                    fresh.apply(e);
                }
                match page.next_page_token {
                    Some(t) => page_token = Some(t),
                    None => break,
                }
            }
            fresh.cursor = cursor.unwrap_or(0);
            // Events committed while the pages were read: one catch-up read, after which what
            // is known is as fresh as that read's start.
            let caught_up = Instant::now();
            let page = revocations
                .feed(&RevocationFeedParams {
                    since: Some(fresh.cursor),
                    wait: Some(0),
                    ..Default::default()
                })
                .await
                .map_err(|e| Self::reason(&e))?;
            for e in &page.entries {
                fresh.apply(e);
            }
            fresh.cursor = page.cursor.max(fresh.cursor);
            fresh.fresh_at = (page.entries.len() < FULL_PAGE).then_some(caught_up);
            fresh.synced = true;
            fresh.unavailable = None;
            let mut k = self.known();
            if !self.current(generation) {
                return Ok(());
            }
            *k = fresh;
        } else if self.inner.transport == Transport::Stream {
            return self.follow_stream(generation).await;
        } else {
            // Fresh as of when the request was sent, not when its answer arrived.
            let sent = Instant::now();
            let since = self.known().cursor;
            let wait = self.wait_secs();
            let page = revocations
                .feed(&RevocationFeedParams {
                    since: Some(since),
                    wait: Some(wait),
                    ..Default::default()
                })
                .await
                .map_err(|e| Self::reason(&e))?;
            {
                let mut k = self.known();
                if !self.current(generation) {
                    return Ok(());
                }
                for e in &page.entries {
                    k.apply(e);
                }
                k.cursor = page.cursor.max(since);
                // A full page means more is waiting: not caught up, so not fresher.
                if page.entries.len() < FULL_PAGE {
                    k.fresh_at = Some(sent);
                }
                k.unavailable = None;
                k.prune(now_ms());
            }
            if wait == 0 {
                self.inner.changed.notify_waiters();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        self.inner.changed.notify_waiters();
        Ok(())
    }

    /// Follows `GET /v1/revocations/stream` from the cursor until it ends, fails or the feed
    /// is stopped. Each event and heartbeat proves the server was reading its log just then.
    /// Silence longer than twice the staleness bound (at least a second) is a dead connection.
    /// A stream that ends cleanly (a restart, a proxy's limit) is opened again from the cursor
    /// after a short pause, without a new snapshot: `since` continues where it stopped.
    async fn follow_stream(&self, generation: u64) -> Result<(), &'static str> {
        let since = self.known().cursor;
        let request = crate::http::Request::new(reqwest::Method::GET, "/v1/revocations/stream")
            .query(&serde_json::json!({ "since": since }))
            .map_err(|_| NETWORK)?;
        let mut response = self
            .inner
            .client
            .http()
            .open_stream(&request)
            .await
            .map_err(|e| Self::reason(&e))?;
        let idle = (self.inner.stale_after * 2).max(Duration::from_secs(1));
        let mut parser = crate::sse::SseParser::default();
        loop {
            if !self.current(generation) {
                return Ok(());
            }
            // Woken by `stop()` too (and by this feed's own events), so a stopped feed lets its
            // connection go at once instead of at the next chunk.
            let stopped = self.inner.changed.notified();
            let chunk = tokio::select! {
                c = tokio::time::timeout(idle, response.chunk()) => c,
                _ = stopped => continue,
            };
            let chunk = match chunk {
                Err(_) | Ok(Err(_)) => return Err(NETWORK),
                Ok(Ok(None)) => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    return Ok(());
                }
                Ok(Ok(Some(c))) => c,
            };
            for f in parser.push(&chunk).map_err(|_| NETWORK)? {
                self.on_event(generation, &f.event, &f.data)?;
            }
        }
    }

    /// One event. Fails (and so takes a new snapshot) on a revocation it cannot read, and on a
    /// heartbeat whose cursor is past what it received: either way it may have missed a
    /// revocation, and carrying on would fail open.
    fn on_event(&self, generation: u64, event: &str, data: &str) -> Result<(), &'static str> {
        let (entry, cursor) = match event {
            "ready" | "heartbeat" => {
                let v: serde_json::Value = serde_json::from_str(data).map_err(|_| NETWORK)?;
                (None, v.get("cursor").and_then(serde_json::Value::as_i64))
            }
            "revocation" => (
                Some(serde_json::from_str::<RevocationFeedEntry>(data).map_err(|_| NETWORK)?),
                None,
            ),
            _ => return Ok(()),
        };
        {
            let mut k = self.known();
            if !self.current(generation) {
                return Ok(());
            }
            if cursor.is_some_and(|c| c > k.cursor) {
                return Err(NETWORK);
            }
            if let Some(e) = &entry {
                k.apply(e);
                k.cursor = k.cursor.max(e.seq);
            }
            k.fresh_at = Some(Instant::now());
            k.unavailable = None;
            if entry.is_none() {
                k.prune(now_ms());
            }
        }
        self.inner.changed.notify_waiters();
        Ok(())
    }

    /// What the feed knows now.
    pub fn state(&self) -> FeedState {
        let k = self.known();
        let age = k.fresh_at.map(|t| t.elapsed());
        FeedState {
            synced: k.synced,
            fresh: k.synced
                && k.unavailable.is_none()
                && age.is_some_and(|a| a <= self.inner.stale_after),
            age_secs: age.map(|a| a.as_secs_f64()),
            cursor: k.cursor,
            known: k.grants.len() + k.tokens.len(),
            unavailable: k.unavailable.map(String::from),
        }
    }

    /// Starts the feed and waits up to `timeout` for it to be fresh; whether it is.
    pub async fn ready(&self, timeout: Duration) -> bool {
        self.start();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.changed.notified();
            let state = self.state();
            if state.fresh {
                return true;
            }
            if state.unavailable.is_some() {
                return false;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.state().fresh;
            }
        }
    }

    /// The credential of a call the feed knows to be revoked or suspended.
    pub fn matches(
        &self,
        grant_id: Option<&str>,
        token_id: Option<&str>,
        parent_grant_id: Option<&str>,
    ) -> Option<FeedMatch> {
        let k = self.known();
        let now = now_ms();
        let live = |exp: &Option<i64>| exp.is_none_or(|e| e > now);
        let grant = |kind: MatchKind, id: Option<&str>| {
            let id = id?;
            let (suspended, exp) = k.grants.get(id)?;
            live(exp).then(|| FeedMatch {
                kind,
                id: id.into(),
                suspended: *suspended,
            })
        };
        // The reference's order: the grant, then the token, then the parent grant.
        grant(MatchKind::Grant, grant_id)
            .or_else(|| {
                let t = token_id?;
                k.tokens.get(t).filter(|e| live(e)).map(|_| FeedMatch {
                    kind: MatchKind::Token,
                    id: t.into(),
                    suspended: false,
                })
            })
            .or_else(|| grant(MatchKind::ParentGrant, parent_grant_id))
    }

    /// The staleness bound.
    pub fn stale_after(&self) -> Duration {
        self.inner.stale_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_that_may_have_lost_a_revocation_fails_closed() {
        let client = Client::new(crate::ClientConfig {
            api_key: Some("gx_test_x".into()),
            base_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        })
        .unwrap();
        let feed = RevocationFeed::new(client, Duration::from_secs(5));
        feed.known().cursor = 5;
        assert!(feed.on_event(0, "heartbeat", r#"{"cursor":5}"#).is_ok());
        assert!(feed.known().fresh_at.is_some());
        // A heartbeat past what was received: events were missed.
        assert_eq!(
            feed.on_event(0, "heartbeat", r#"{"cursor":7}"#),
            Err(NETWORK)
        );
        // A revocation this client cannot read is not "nothing revoked".
        assert_eq!(feed.on_event(0, "revocation", "{not json"), Err(NETWORK));
        let e = r#"{"seq":6,"action":"revoked","grantId":"g1","at":"2026-01-01T00:00:00.000Z"}"#;
        assert!(feed.on_event(0, "revocation", e).is_ok());
        assert_eq!(feed.known().cursor, 6);
        assert!(feed.matches(Some("g1"), None, None).is_some());
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            iso_millis("2026-01-01T00:00:00.250Z"),
            Some(1_767_225_600_250)
        );
        assert_eq!(iso_millis("2026-01-01T00:00:00Z"), Some(1_767_225_600_000));
        for bad in [
            "nope",
            "2026-01-01T00:00:00.a\u{20ac}Z",
            "99999999-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.000",
            "-1-01-01T00:00:00Z",
        ] {
            assert_eq!(iso_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn applying_events() {
        let e = |action: &str, g: Option<&str>, j: Option<&str>| RevocationFeedEntry {
            seq: 1,
            action: action.into(),
            grant_id: g.map(String::from),
            jti: j.map(String::from),
            expires_at: None,
            at: "2026-01-01T00:00:00.000Z".into(),
        };
        let mut k = Known::default();
        k.apply(&e("suspended", Some("g1"), None));
        k.apply(&e("revoked", Some("g2"), None));
        k.apply(&e("token_revoked", Some("g3"), Some("t3")));
        k.apply(&e("resumed", Some("g1"), None));
        k.apply(&e("suspended", Some("g2"), None));
        k.apply(&e("resumed", Some("g2"), None));
        k.apply(&e("quarantined", Some("g9"), None));
        assert_eq!(
            k.grants.get("g9"),
            Some(&(false, None)),
            "an unknown action fails closed"
        );
        assert!(!k.grants.contains_key("g1"));
        assert_eq!(
            k.grants.get("g2"),
            Some(&(false, None)),
            "a revocation is final"
        );
        assert!(k.tokens.contains_key("t3"));
    }
}
