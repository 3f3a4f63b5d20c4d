//! [`JwksCache`]: a key set parsed once into RS256 verification keys, either static
//! ([`JwksCache::from_json`]) or fetched from a URI ([`JwksCache::remote`]).
//!
//! Remote sets live for 10 minutes. A token naming an unknown kid, or failing its signature
//! check under a known kid (the issuer may have replaced the key behind a kid), triggers at most
//! one refetch per 30 s (a cooldown kept apart from the TTL and from the set's contents), a
//! failed fetch is not retried by verifications for 5 s, and concurrent callers share one
//! in-flight fetch. When the set has expired and every refetch fails, the old set keeps
//! verifying for a bounded grace period (stale-if-error, 1 h by default), then verification
//! fails closed. [`JwksCache::verify_cached`] never touches the network.

use crate::error::{Error, Result, TokenError, TokenErrorCode};
use crate::verify::keyset::KeySet;
use crate::verify::{self, fetch, VerifiedGrant, VerifyOptions};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long a fetched set is used before it is fetched again (the default;
/// [`JwksCache::set_max_age`] changes it per cache, from a second to a day).
pub const JWKS_TTL: Duration = Duration::from_secs(600);
/// Minimum spacing of unknown-kid refetches.
pub const KID_REFETCH_COOLDOWN: Duration = Duration::from_secs(30);
/// After a failed fetch, verifications that need the set get that failure back for this long
/// instead of fetching again, so traffic cannot turn into one request per token against a
/// failing issuer. [`JwksCache::refresh`] (host-driven) is not held back.
pub const FETCH_FAILURE_BACKOFF: Duration = Duration::from_secs(5);
/// How long past [`JWKS_TTL`] an expired set keeps verifying while the issuer's JWKS endpoint
/// fails ([`JwksCache::set_stale_if_error`] changes it per cache; zero disables it).
pub const DEFAULT_STALE_IF_ERROR: Duration = Duration::from_secs(3600);
/// Longest stale-if-error grace accepted: a day. Keys removed by the issuer must stop
/// verifying eventually even if the endpoint stays down.
pub const MAX_STALE_IF_ERROR: Duration = Duration::from_secs(86_400);
/// Largest JWKS document [`JwksCache::from_json`] accepts (a fetched one is capped at 64 KiB).
pub const MAX_JWKS_JSON_LEN: usize = 1024 * 1024;
/// Most caches kept by [`JwksCache::shared`]; the oldest is dropped beyond this.
pub const SHARED_CAPACITY: usize = 64;

/// A JWKS parsed once into verification keys. Cheap to clone (an `Arc` inside); `Send + Sync`.
#[derive(Clone)]
pub struct JwksCache {
    inner: Arc<Inner>,
}

struct Inner {
    uri: Option<String>,
    /// Issuer derived from the URI, used when the options name none.
    issuer: Option<String>,
    current: RwLock<Option<Arc<Loaded>>>,
    /// Serialises fetches: holders of this lock are the single flight.
    fetch_lock: tokio::sync::Mutex<()>,
    /// Fetch attempts started / completed (both only change under `fetch_lock`; an attempt
    /// whose caller was cancelled mid-fetch starts but never completes).
    started: AtomicU64,
    finished: AtomicU64,
    /// The last completed attempt: its start number, its error if it failed, and when it
    /// finished. Shared with callers that waited for it, and the failure back-off.
    last: Mutex<Option<(u64, Option<TokenError>, Instant)>>,
    /// When the last unknown-kid refetch was allowed.
    kid_refetch_at: Mutex<Option<Instant>>,
    /// Stale-if-error grace in seconds (see [`DEFAULT_STALE_IF_ERROR`]).
    stale_if_error: AtomicU64,
    /// How long a fetched set is used, in seconds (see [`JWKS_TTL`]).
    max_age: AtomicU64,
    /// Seconds added to the clock (tests move time forward instead of sleeping).
    clock_offset: AtomicU64,
}

struct Loaded {
    set: KeySet,
    fetched_at: Instant,
}

/// Which earlier fetch a waiting caller may reuse instead of fetching itself.
#[derive(Clone, Copy)]
enum Reuse {
    /// Any attempt that finished while we waited (cold or expired cache).
    FinishedSince(u64),
    /// Only an attempt that started after this point (unknown kid, explicit refresh).
    StartedSince(u64),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("jwks_uri", &self.inner.uri)
            .field("loaded", &self.current().is_some())
            .finish()
    }
}

/// The process-wide registry behind [`JwksCache::shared`].
struct Registry {
    map: HashMap<String, JwksCache>,
    order: VecDeque<String>,
}

static SHARED: Mutex<Option<Registry>> = Mutex::new(None);

/// Drops every shared cache (used by [`crate::blocking::shutdown`] so a host that tears the SDK
/// down, e.g. a C program under valgrind, leaves nothing allocated).
pub(crate) fn clear_shared() {
    lock(&SHARED).take();
}

impl JwksCache {
    fn new(uri: Option<String>, issuer: Option<String>, loaded: Option<Loaded>) -> JwksCache {
        JwksCache {
            inner: Arc::new(Inner {
                uri,
                issuer,
                current: RwLock::new(loaded.map(Arc::new)),
                fetch_lock: tokio::sync::Mutex::new(()),
                started: AtomicU64::new(0),
                finished: AtomicU64::new(0),
                last: Mutex::new(None),
                kid_refetch_at: Mutex::new(None),
                stale_if_error: AtomicU64::new(DEFAULT_STALE_IF_ERROR.as_secs()),
                max_age: AtomicU64::new(JWKS_TTL.as_secs()),
                clock_offset: AtomicU64::new(0),
            }),
        }
    }

    /// A cache for the JWKS at `jwks_uri` (http or https). Nothing is fetched until the first
    /// [`verify`](Self::verify) or [`refresh`](Self::refresh).
    pub fn remote(jwks_uri: &str) -> Result<JwksCache> {
        let url = url::Url::parse(jwks_uri)
            .map_err(|e| Error::config(format!("invalid JWKS URI `{jwks_uri}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(Error::config(format!(
                "JWKS URI `{jwks_uri}` must be an http(s) URL"
            )));
        }
        Ok(Self::new(
            Some(jwks_uri.to_owned()),
            Some(verify::derive_issuer(jwks_uri)),
            None,
        ))
    }

    /// A fully offline cache over a JWKS document; an unusable set is `Token{InvalidJwks}`.
    pub fn from_json(jwks_json: &str) -> Result<JwksCache> {
        if jwks_json.len() > MAX_JWKS_JSON_LEN {
            return Err(TokenError::new(
                TokenErrorCode::InvalidJwks,
                "the JWKS document is larger than 1 MiB",
            )
            .into());
        }
        let set = KeySet::parse(jwks_json)?;
        Ok(Self::new(
            None,
            None,
            Some(Loaded {
                set,
                fetched_at: Instant::now(),
            }),
        ))
    }

    /// The process-wide cache for `jwks_uri` (created on first use; at most
    /// [`SHARED_CAPACITY`] URIs are kept, the oldest dropped first).
    pub fn shared(jwks_uri: &str) -> Result<JwksCache> {
        let mut reg = lock(&SHARED);
        let reg = reg.get_or_insert_with(|| Registry {
            map: HashMap::new(),
            order: VecDeque::new(),
        });
        if let Some(cache) = reg.map.get(jwks_uri) {
            return Ok(cache.clone());
        }
        let cache = Self::remote(jwks_uri)?;
        while reg.map.len() >= SHARED_CAPACITY {
            match reg.order.pop_front() {
                Some(oldest) => {
                    reg.map.remove(&oldest);
                }
                None => break,
            }
        }
        reg.map.insert(jwks_uri.to_owned(), cache.clone());
        reg.order.push_back(jwks_uri.to_owned());
        Ok(cache)
    }

    /// The URI this cache fetches from (`None` for a static set).
    pub fn jwks_uri(&self) -> Option<&str> {
        self.inner.uri.as_deref()
    }

    /// Verifies against the keys already loaded; never touches the network. A cache that was
    /// never loaded gives `Token{JwksFetch}`, an unknown kid `Token{UnknownKid}`.
    pub fn verify_cached(&self, token: &str, opts: &VerifyOptions) -> Result<VerifiedGrant> {
        if let Some(did) = self.did_cache(opts)? {
            return did.verify_cached(token, opts);
        }
        let issuer = self.issuer(opts)?;
        let issuer = &*issuer;
        let loaded = self.current().ok_or_else(|| {
            TokenError::new(
                TokenErrorCode::JwksFetch,
                "the JWKS has not been fetched yet",
            )
        })?;
        Ok(verify::verify_with(&loaded.set, token, issuer, opts)?)
    }

    /// Whether [`Self::verify`] would use the loaded keys as they are, with no fetch due: a
    /// static set, or a remote one loaded within its max age (for callers with a faster path
    /// to [`Self::verify_cached`] that must not skip a due refresh).
    pub fn fresh(&self, opts: &VerifyOptions) -> bool {
        match self.did_cache(opts) {
            Ok(Some(did)) => return did.fresh(opts),
            Ok(None) => {}
            Err(_) => return false,
        }
        if self.inner.uri.is_none() {
            return true;
        }
        self.current()
            .is_some_and(|l| self.now().saturating_duration_since(l.fetched_at) < self.max_age())
    }

    /// Verifies, fetching the set first when it is cold or older than the TTL (an expired set
    /// keeps verifying within the stale-if-error grace while the fetch fails), and refetching
    /// once (at most every 30 s) when the token names an unknown kid or fails its signature
    /// check under a known one.
    pub async fn verify(&self, token: &str, opts: &VerifyOptions) -> Result<VerifiedGrant> {
        if let Some(did) = self.did_cache(opts)? {
            return Box::pin(did.verify(token, opts)).await;
        }
        let issuer = self.issuer(opts)?;
        let issuer = &*issuer;
        if self.inner.uri.is_none() {
            return self.verify_cached(token, opts);
        }
        self.with_keys(token, |set| verify::verify_with(set, token, issuer, opts))
            .await
    }

    /// The fetch policy of [`Self::verify`] around any check `f` of a token against a key
    /// set: the set fetched when cold or expired (stale-if-error grace), one refetch (under the
    /// cooldown) on an unknown kid or a bad signature under a known one. Used by the grant
    /// verifier and by [`crate::oidc`].
    pub(crate) async fn with_keys<T>(
        &self,
        token: &str,
        f: impl Fn(&KeySet) -> std::result::Result<T, TokenError>,
    ) -> Result<T> {
        if self.inner.uri.is_none() {
            let loaded = self.current().ok_or_else(|| {
                TokenError::new(
                    TokenErrorCode::JwksFetch,
                    "the JWKS has not been fetched yet",
                )
            })?;
            return Ok(f(&loaded.set)?);
        }
        let loaded = match self.current() {
            Some(l) if self.now().saturating_duration_since(l.fetched_at) < self.max_age() => l,
            expired => {
                // Refuse what needs no key before going to the network.
                verify::precheck(token)?;
                let seen = self.inner.finished.load(Ordering::SeqCst);
                match self.fetch_shared(Reuse::FinishedSince(seen)).await {
                    Ok(fresh) => fresh,
                    Err(e) => match expired.filter(|l| self.within_grace(l)) {
                        Some(stale) => stale,
                        None => return Err(e),
                    },
                }
            }
        };
        match f(&loaded.set) {
            Err(e) if e.code == TokenErrorCode::UnknownKid => {
                match self.refetch_for_kid(&loaded).await? {
                    Some(fresh) => Ok(f(&fresh.set)?),
                    None => Err(e.into()),
                }
            }
            // The issuer may have put a new key behind a kid we know (a rebuilt server reusing a
            // kid): one refetch under the same cooldown; a failed fetch keeps this answer.
            Err(e) if e.code == TokenErrorCode::BadSignature => {
                match self.refetch_for_kid(&loaded).await {
                    Ok(Some(fresh)) => Ok(f(&fresh.set)?),
                    _ => Err(e.into()),
                }
            }
            r => Ok(r?),
        }
    }

    /// Sets how long past the max age an expired set keeps verifying while every refetch fails
    /// (default [`DEFAULT_STALE_IF_ERROR`]; zero disables it; at most
    /// [`MAX_STALE_IF_ERROR`], else `Config`). Applies to every user of this cache, including
    /// a [`shared`](Self::shared) one.
    pub fn set_stale_if_error(&self, grace: Duration) -> Result<()> {
        if grace > MAX_STALE_IF_ERROR {
            return Err(Error::config(format!(
                "the stale-if-error grace is at most {} seconds, got {}",
                MAX_STALE_IF_ERROR.as_secs(),
                grace.as_secs()
            )));
        }
        self.inner
            .stale_if_error
            .store(grace.as_secs(), Ordering::Relaxed);
        Ok(())
    }

    /// Sets how long a fetched set is used before it is fetched again (default [`JWKS_TTL`]):
    /// whole seconds from 1 to 86 400, else `Config`. Applies to every user of this cache.
    pub fn set_max_age(&self, max_age: Duration) -> Result<()> {
        if !(Duration::from_secs(1)..=Duration::from_secs(86_400)).contains(&max_age) {
            return Err(Error::config(format!(
                "the key-set max age must be from 1 to 86400 seconds, got {}",
                max_age.as_secs_f64()
            )));
        }
        self.inner
            .max_age
            .store(max_age.as_secs(), Ordering::Relaxed);
        Ok(())
    }

    /// [`Self::set_max_age`] from a number of seconds as the bindings receive it (whole or
    /// not; NaN, infinite or negative is `Config`).
    pub fn set_max_age_secs(&self, seconds: f64) -> Result<()> {
        self.set_max_age(seconds_arg(seconds, "the key-set max age")?)
    }

    /// [`Self::set_stale_if_error`] from a number of seconds as the bindings receive it.
    pub fn set_stale_if_error_secs(&self, seconds: f64) -> Result<()> {
        self.set_stale_if_error(seconds_arg(seconds, "the stale-if-error grace")?)
    }

    /// How long a fetched set is used before it is fetched again.
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.inner.max_age.load(Ordering::Relaxed))
    }

    /// The stale-if-error grace in force.
    pub fn stale_if_error(&self) -> Duration {
        Duration::from_secs(self.inner.stale_if_error.load(Ordering::Relaxed))
    }

    /// Whether an expired set may still verify: younger than the TTL plus the grace.
    fn within_grace(&self, loaded: &Loaded) -> bool {
        self.now().saturating_duration_since(loaded.fetched_at)
            < self.max_age() + self.stale_if_error()
    }

    /// Fetches the set now (a static set has nothing to fetch and returns `Ok`).
    pub async fn refresh(&self) -> Result<()> {
        if self.inner.uri.is_none() {
            return Ok(());
        }
        let seen = self.inner.started.load(Ordering::SeqCst);
        self.fetch_shared(Reuse::StartedSince(seen)).await.map(drop)
    }

    /// The cache for the key set that verifies with `opts`: the caller's (any cache) unless
    /// `opts.issuer_did` names another location, then the process-wide cache of the DID's key
    /// set ([`crate::verify::did_web`]); `Config` when no key set is named.
    pub fn for_options(jwks_uri: Option<&str>, opts: &VerifyOptions) -> Result<JwksCache> {
        match (opts.issuer_did.as_deref(), jwks_uri) {
            (Some(did), _) => Self::shared(&did_location(did)?.0),
            (None, Some(uri)) => Self::shared(uri),
            (None, None) => Err(Error::config(
                "verification needs a JWKS URI, a key set (jwks) or issuer_did",
            )),
        }
    }

    /// With `issuer_did` naming another location than this cache's, the DID's process-wide
    /// cache (the DID is the trust anchor: the caller's key set is not used, as in the reference
    /// SDKs). `None` when this cache serves.
    fn did_cache(&self, opts: &VerifyOptions) -> Result<Option<JwksCache>> {
        let Some(did) = opts.issuer_did.as_deref() else {
            return Ok(None);
        };
        let (uri, _) = did_location(did)?;
        match self.inner.uri.as_deref() {
            Some(mine) if mine == uri => Ok(None),
            Some(_) => Ok(Some(Self::shared(&uri)?)),
            None => Err(Error::config(
                "issuer_did names where the keys are read; it cannot be combined with a static key set (jwks)",
            )),
        }
    }

    /// The expected issuer (explicit, else the DID's location, else derived from the URI), once
    /// the options passed [`check_options`].
    fn issuer<'a>(&'a self, opts: &'a VerifyOptions) -> Result<std::borrow::Cow<'a, str>> {
        check_options(opts)?;
        if let Some(issuer) = &opts.issuer {
            return Ok(issuer.into());
        }
        if let Some(did) = opts.issuer_did.as_deref() {
            return Ok(did_location(did)?.1.into());
        }
        self.inner.issuer.as_deref().map(Into::into).ok_or_else(|| {
            Error::config("VerifyOptions.issuer is required with a static key set (no JWKS URI to derive it from)")
        })
    }

    fn current(&self) -> Option<Arc<Loaded>> {
        self.inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn now(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.inner.clock_offset.load(Ordering::Relaxed))
    }

    /// Moves this cache's clock forward (tests of TTL and cooldown).
    #[cfg(test)]
    pub(crate) fn advance_clock(&self, by: Duration) {
        self.inner
            .clock_offset
            .fetch_add(by.as_secs(), Ordering::Relaxed);
    }

    /// The unknown-kid path: one refetch per cooldown; callers inside the cooldown wait for an
    /// in-flight fetch and use its result. `None` when no newer set is available.
    async fn refetch_for_kid(&self, seen_set: &Arc<Loaded>) -> Result<Option<Arc<Loaded>>> {
        let started = self.inner.started.load(Ordering::SeqCst);
        let allowed = {
            let mut at = lock(&self.inner.kid_refetch_at);
            let now = self.now();
            let ok = at.is_none_or(|t| now.saturating_duration_since(t) >= KID_REFETCH_COOLDOWN);
            if ok {
                *at = Some(now);
            }
            ok
        };
        let fresh = if allowed {
            self.fetch_shared(Reuse::StartedSince(started)).await?
        } else {
            drop(self.inner.fetch_lock.lock().await);
            match self.current() {
                Some(l) => l,
                None => return Ok(None),
            }
        };
        Ok((!Arc::ptr_eq(&fresh, seen_set)).then_some(fresh))
    }

    /// Single-flight fetch: waits for any fetch in progress, reuses its outcome when `reuse`
    /// allows, else fetches itself.
    async fn fetch_shared(&self, reuse: Reuse) -> Result<Arc<Loaded>> {
        let _flight = self.inner.fetch_lock.lock().await;
        let last = lock(&self.inner.last).clone();
        let shareable = match (reuse, &last) {
            (_, None) => false,
            // A cold or expired set: an attempt that finished while we waited, or a failure
            // inside the back-off.
            (Reuse::FinishedSince(n), Some((_, err, at))) => {
                self.inner.finished.load(Ordering::SeqCst) != n
                    || (err.is_some()
                        && self.now().saturating_duration_since(*at) < FETCH_FAILURE_BACKOFF)
            }
            (Reuse::StartedSince(n), Some((start, _, _))) => *start > n,
        };
        if shareable {
            if let Some((_, Some(err), _)) = last {
                return Err(err.into());
            }
            if let Some(l) = self.current() {
                return Ok(l);
            }
        }
        let start = self.inner.started.fetch_add(1, Ordering::SeqCst) + 1;
        let outcome = self.fetch_now().await;
        *lock(&self.inner.last) = Some((start, outcome.as_ref().err().cloned(), self.now()));
        self.inner.finished.fetch_add(1, Ordering::SeqCst);
        Ok(outcome?)
    }

    async fn fetch_now(&self) -> Result<Arc<Loaded>, TokenError> {
        let uri = self.inner.uri.as_deref().unwrap_or_default();
        let body = fetch::fetch(uri).await?;
        let set = KeySet::parse(&body)?;
        let loaded = Arc::new(Loaded {
            set,
            fetched_at: self.now(),
        });
        *self
            .inner
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(loaded.clone());
        Ok(loaded)
    }
}

/// A number of seconds from a binding: finite and not negative, else `Config`; the bounds are
/// the setter's.
fn seconds_arg(seconds: f64, what: &str) -> Result<Duration> {
    if seconds.is_finite() && (0.0..=1e9).contains(&seconds) {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(Error::config(format!(
            "{what} must be a number of seconds, got {seconds}"
        )))
    }
}

/// The JWKS URI and issuer of a `did:web` issuer; `Config` naming `issuer_did` when it may not
/// be used.
fn did_location(did: &str) -> Result<(String, String)> {
    verify::did_web::resolve(did).map_err(|why| Error::config(format!("issuer_did: {why}")))
}

/// Refuses options that would quietly weaken a check: an empty issuer, developer or audience
/// (each would match an empty claim), an empty required scope, a clock tolerance over an hour.
fn check_options(opts: &VerifyOptions) -> Result<()> {
    if opts.issuer.as_deref() == Some("") {
        return Err(Error::config("VerifyOptions.issuer must not be empty"));
    }
    if opts.expected_developer_id.as_deref() == Some("") {
        return Err(Error::config(
            "VerifyOptions.expected_developer_id must not be empty",
        ));
    }
    if opts.proof_jkt.as_deref() == Some("") {
        return Err(Error::config("VerifyOptions.proof_jkt must not be empty"));
    }
    if opts.audience.as_deref() == Some("") {
        return Err(Error::config("VerifyOptions.audience must not be empty"));
    }
    if opts.current_authority && opts.audience.is_none() {
        // A token error, as in the reference SDKs (their integrations turn it into a 401).
        return Err(Error::Token(crate::error::TokenError::new(
            crate::error::TokenErrorCode::AuthorityMismatch,
            "current authority verification requires a callback and a non-empty audience",
        )));
    }
    if opts.clock_tolerance > verify::MAX_CLOCK_TOLERANCE {
        return Err(Error::config(
            "VerifyOptions.clock_tolerance is over an hour (is it in milliseconds?)",
        ));
    }
    if opts.required_scopes.iter().any(String::is_empty) {
        return Err(Error::config(
            "VerifyOptions.required_scopes must not contain an empty scope",
        ));
    }
    Ok(())
}
