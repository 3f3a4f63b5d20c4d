//! Start-up: data dir, lock, database, keys, bootstrap developers, bind, `server.json`, serve.

use crate::bootstrap::{Bootstrap, ServerInfo};
use crate::keys::KeyRing;
use crate::ratelimit::RateLimiter;
use crate::state::{AppState, Settings};
use crate::store::Db;
use crate::{fsutil, routes};
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Server configuration (the CLI flags of `grantex-server`).
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `--database-url`: PostgreSQL instead of the data dir's SQLite file.
    pub database_url: Option<String>,
    /// `--key-encryption-key-file`; without it env `GRANTEX_KEY_ENCRYPTION_KEY`. With a
    /// key-encryption key, signing keys live (wrapped) in the database: instances share them.
    pub key_encryption_key_file: Option<PathBuf>,
    /// `--redis-url`: rate-limit counters shared by every instance through this Redis.
    pub redis_url: Option<String>,
    pub issuer: Option<String>,
    pub public_url: Option<String>,
    pub max_delegation_depth: u32,
    pub rate_limit: u64,
    pub authorize_rate_limit: u64,
    /// Literal API key for the bootstrap live developer (env `GRANTEX_SEED_API_KEY`).
    pub seed_api_key: Option<String>,
    /// Literal API key for the bootstrap sandbox developer (env `GRANTEX_SEED_SANDBOX_KEY`).
    pub seed_sandbox_key: Option<String>,
    /// Lifetime of pending authorization requests and unexchanged codes (1 s ..= 10 min).
    pub code_ttl: std::time::Duration,
    /// Agents one developer may hold.
    pub max_agents_per_developer: u64,
    /// Active grants one developer may hold.
    pub max_active_grants_per_developer: u64,
    /// Connection caps and timeouts (slow or silent clients).
    pub limits: crate::serve::Limits,
    /// `--strict-consent`: `POST /v1/consent/:id/approve|deny` need a principal session token
    /// for the request's principal (default: the request id alone suffices, as in the reference).
    pub strict_consent: bool,
    /// `--require-registered-redirects`: a `redirectUri` is accepted only when the agent has
    /// registered redirect URIs (and then only one of them, exactly).
    pub require_registered_redirects: bool,
    /// `--metrics-token` (env `GRANTEX_METRICS_TOKEN`): bearer token for `GET /metrics`;
    /// without one `/metrics` is not exposed (404).
    pub metrics_token: Option<String>,
    /// `--grant-token-legacy-claims`: grant tokens carry the legacy aliases (`agt`, `dev`,
    /// `scp`, ...) next to the standard claims, for verifiers that read only those (default on).
    pub grant_token_legacy_claims: bool,
    /// Webhook delivery settings (`--allow-private-webhooks`, retry base, timeout).
    pub webhooks: crate::webhooks::Settings,
    /// How often the anomaly rules run for every developer (`None`: on demand only).
    pub anomaly_interval: Option<std::time::Duration>,
    /// `--allow-insecure-sso-urls`: SSO issuers and IdP endpoints may use `http` and
    /// loopback/private addresses (development and tests only).
    pub allow_insecure_sso_urls: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./.grantex"),
            database_url: None,
            key_encryption_key_file: None,
            redis_url: None,
            issuer: None,
            public_url: None,
            max_delegation_depth: 3,
            rate_limit: 600,
            authorize_rate_limit: 60,
            seed_api_key: None,
            seed_sandbox_key: None,
            code_ttl: std::time::Duration::from_secs(
                crate::store::auth_requests::MAX_CODE_TTL_SECS,
            ),
            max_agents_per_developer: crate::store::quota::DEFAULT_MAX_AGENTS,
            max_active_grants_per_developer: crate::store::quota::DEFAULT_MAX_ACTIVE_GRANTS,
            limits: crate::serve::Limits::default(),
            strict_consent: false,
            require_registered_redirects: false,
            metrics_token: None,
            grant_token_legacy_claims: true,
            webhooks: crate::webhooks::Settings::default(),
            anomaly_interval: None,
            allow_insecure_sso_urls: false,
        }
    }
}

/// Valid range of `--max-delegation-depth`.
pub const DEPTH_RANGE: std::ops::RangeInclusive<u32> = 1..=10;

/// A server accepting connections; stop it with [`RunningServer::shutdown`].
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    pub info: ServerInfo,
    shutdown: Option<oneshot::Sender<()>>,
    /// Tells long-lived responses to end (see [`AppState::stopping`]).
    stopping: tokio::sync::watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    /// Re-reads the signing keys every `keys::RELOAD_EVERY`; stopped with the server.
    reloader: JoinHandle<()>,
    /// The webhook delivery worker (`crate::webhooks`); stopped with the server.
    deliveries: JoinHandle<()>,
    /// The periodic anomaly run, when configured; stopped with the server.
    anomalies: Option<JoinHandle<()>>,
    /// Adds the usage counts to the database every `usage::FLUSH_EVERY`; stopped with the
    /// server, after a last flush.
    usage_flusher: JoinHandle<()>,
    /// Follows the event log for the event streams; stopped with the server.
    event_follower: JoinHandle<()>,
    state: AppState,
    _lock: File,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.reloader.abort();
        self.deliveries.abort();
        self.usage_flusher.abort();
        self.event_follower.abort();
        if let Some(a) = &self.anomalies {
            a.abort();
        }
    }
}

impl RunningServer {
    pub fn base_url(&self) -> &str {
        &self.info.base_url
    }

    /// Graceful stop: no new connections, in-flight requests finish, `server.json` removed.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        let _ = self.stopping.send(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.reloader.abort();
        self.deliveries.abort();
        if let Some(a) = &self.anomalies {
            a.abort();
        }
        let r = (&mut self.task)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        // In-flight requests are done: their counts go to the database before the stop.
        self.usage_flusher.abort();
        self.event_follower.abort();
        if let Err(e) = self.state.usage.flush(&self.state.db).await {
            eprintln!(
                "grantex-server: recording usage at shutdown failed: {}",
                e.message
            );
        }
        self.state.settings.bootstrap.remove_server_json();
        r
    }
}

fn trim_url(u: &str) -> String {
    u.trim_end_matches('/').to_string()
}

fn check_url(flag: &str, u: &str) -> Result<(), String> {
    let url = url::Url::parse(u).map_err(|e| format!("{flag} {u:?} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{flag} {u:?} must be an absolute http(s) URL"));
    }
    Ok(())
}

/// Takes the data dir's lock file so two servers never share one database.
fn lock_data_dir(dir: &Path) -> Result<File, String> {
    let path = dir.join("server.lock");
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another grantex-server is already using the data dir {}",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// Opens the data dir's database (creating the dir and schema as needed).
/// The data dir's SQLite database, or the PostgreSQL database `database_url` names.
fn open_db(data_dir: &Path, database_url: Option<&str>) -> Result<Db, String> {
    fsutil::create_private_dir(data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", data_dir.display()))?;
    match database_url {
        None => Db::open(&data_dir.join("grantex.db")),
        Some(url) if crate::store::is_postgres_url(url) => Db::open_postgres(url),
        Some(_) => Err("--database-url must be a postgres:// or postgresql:// URL".into()),
    }
}

/// Starts the server and returns once it accepts connections and `server.json` is written.
pub async fn start(cfg: Config) -> Result<RunningServer, String> {
    if !DEPTH_RANGE.contains(&cfg.max_delegation_depth) {
        return Err(format!(
            "--max-delegation-depth must be between 1 and 10 (got {})",
            cfg.max_delegation_depth
        ));
    }
    if cfg.rate_limit == 0 || cfg.authorize_rate_limit == 0 {
        return Err("rate limits must be at least 1 request per minute".into());
    }
    cfg.limits.check()?;
    if cfg.max_agents_per_developer == 0 || cfg.max_active_grants_per_developer == 0 {
        return Err("per-developer quotas must be at least 1".into());
    }
    let max_ttl = crate::store::auth_requests::MAX_CODE_TTL_SECS;
    if cfg.code_ttl < std::time::Duration::from_secs(1)
        || cfg.code_ttl > std::time::Duration::from_secs(max_ttl)
    {
        return Err(format!(
            "the code lifetime must be between 1 and {max_ttl} seconds (got {:?})",
            cfg.code_ttl
        ));
    }
    if let Some(u) = &cfg.issuer {
        check_url("--issuer", u)?;
    }
    if let Some(u) = &cfg.public_url {
        check_url("--public-url", u)?;
    }
    let data_dir = cfg.data_dir.clone();
    let (db, lock) = {
        let dir = data_dir.clone();
        let database_url = cfg.database_url.clone();
        tokio::task::spawn_blocking(move || -> Result<(Db, File), String> {
            let db = open_db(&dir, database_url.as_deref())?;
            Ok((db, lock_data_dir(&dir)?))
        })
        .await
        .map_err(|e| e.to_string())??
    };
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // URLs name a reachable address: an unspecified bind (0.0.0.0 / ::) is reached via loopback.
    let url_addr = if addr.ip().is_unspecified() {
        SocketAddr::new(
            if addr.is_ipv4() {
                [127, 0, 0, 1].into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            },
            addr.port(),
        )
    } else {
        addr
    };
    let base_url = format!("http://{url_addr}");
    let public_url = cfg
        .public_url
        .as_deref()
        .map(trim_url)
        .unwrap_or_else(|| base_url.clone());
    let issuer = cfg
        .issuer
        .as_deref()
        .map(trim_url)
        .unwrap_or_else(|| public_url.clone());

    // Before anything writes: every invalidating write of this instance (start-up included)
    // reaches the other instances' caches.
    let fresh = match &cfg.redis_url {
        Some(url) => {
            let fresh = Arc::new(crate::freshness::Freshness::connect(url).await?);
            let hook = fresh.clone();
            db.on_invalidate(move || hook.invalidate());
            Some(fresh)
        }
        None => None,
    };
    let (keys, bootstrap, info, csrf_key, vault) = {
        let (db, dir, issuer, base_url) = (
            db.clone(),
            data_dir.clone(),
            issuer.clone(),
            base_url.clone(),
        );
        let (seed_live, seed_sandbox) = (cfg.seed_api_key.clone(), cfg.seed_sandbox_key.clone());
        let kek_file = cfg.key_encryption_key_file.clone();
        let legacy_claims = cfg.grant_token_legacy_claims;
        tokio::task::spawn_blocking(move || -> Result<_, String> {
            let kek = crate::keys::Kek::configured(kek_file.as_deref())?;
            let vault = crate::vault::Masters::load(
                &dir.join("keys"),
                crate::keys::configured_hex(kek_file.as_deref())?.as_deref(),
            )?;
            crate::vault::check_keks(&db, &vault)?;
            // With a key-encryption key the deployment may have several instances: a consent
            // page served by one must be answerable through another, so they share the secret.
            let csrf_key = match &kek {
                Some(k) => crate::keys::shared_secret(&db, k, "consent-csrf")?,
                None => crate::csrf::load_or_create_key(&dir)?,
            };
            let keys = KeyRing::load(&db, &dir.join("keys"), kek, &issuer)?
                .with_legacy_claims(legacy_claims);
            let bootstrap =
                Bootstrap::init(&db, &dir, seed_live.as_deref(), seed_sandbox.as_deref())?;
            let info = bootstrap.write_server_json(&base_url, &issuer)?;
            Ok((keys, bootstrap, info, csrf_key, vault))
        })
        .await
        .map_err(|e| e.to_string())??
    };

    let consent_csrf = crate::csrf::ConsentCsrf::new(&csrf_key, &public_url);
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let state = AppState {
        db,
        keys: Arc::new(keys),
        limiter: Arc::new(match &cfg.redis_url {
            Some(url) => RateLimiter::with_redis(url).await?,
            None => RateLimiter::default(),
        }),
        settings: Arc::new(Settings {
            public_url,
            max_delegation_depth: cfg.max_delegation_depth,
            rate_limit: cfg.rate_limit,
            authorize_rate_limit: cfg.authorize_rate_limit,
            code_ttl_ms: cfg.code_ttl.as_millis() as i64,
            max_agents: cfg.max_agents_per_developer,
            max_active_grants: cfg.max_active_grants_per_developer,
            bootstrap,
            strict_consent: cfg.strict_consent,
            require_registered_redirects: cfg.require_registered_redirects,
            consent_csrf,
            metrics_token: cfg.metrics_token.clone(),
            webhooks: cfg.webhooks.clone(),
            sso: crate::sso::Outbound::new(cfg.allow_insecure_sso_urls)?,
        }),
        metrics: Arc::default(),
        fresh,
        stopping,
        usage: Arc::default(),
        events: Arc::default(),
        vault: Arc::new(vault),
    };
    let deliveries = crate::webhooks::spawn(
        state.db.clone(),
        cfg.webhooks.clone(),
        state.stopping.clone(),
    )?;
    let anomalies = cfg
        .anomaly_interval
        .map(|every| crate::anomaly::spawn(state.db.clone(), every, state.stopping.clone()));
    let usage_flusher = crate::usage::spawn(state.usage.clone(), state.db.clone());
    let event_follower = crate::event_bus::spawn(state.events.clone(), state.db.clone());
    let app = routes::router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(crate::serve::serve(listener, app, cfg.limits, rx));
    // Rotations by the CLI or another instance reach this one within RELOAD_EVERY.
    let reloader = {
        let keys = state.keys.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(crate::keys::RELOAD_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                let k = keys.clone();
                match tokio::task::spawn_blocking(move || k.reload()).await {
                    Ok(Err(e)) => {
                        eprintln!("grantex-server: reloading the signing keys failed: {e}")
                    }
                    Err(e) => eprintln!("grantex-server: reloading the signing keys failed: {e}"),
                    Ok(Ok(())) => {}
                }
            }
        })
    };
    Ok(RunningServer {
        addr,
        info,
        shutdown: Some(tx),
        stopping: stopping_tx,
        task,
        reloader,
        deliveries,
        anomalies,
        usage_flusher,
        event_follower,
        state,
        _lock: lock,
    })
}

/// `grantex-server keys rotate [--sandbox]`: adds a new active signing key (live, or the sandbox
/// developers' key) and retires the others of that purpose (they stay published while tokens
/// they signed are unexpired). Running servers sign with it within `keys::RELOAD_EVERY`.
pub fn rotate_signing_key(
    data_dir: &Path,
    database_url: Option<&str>,
    sandbox: bool,
) -> Result<String, String> {
    let db = open_db(data_dir, database_url)?;
    let purpose = if sandbox {
        crate::keys::KeyPurpose::Sandbox
    } else {
        crate::keys::KeyPurpose::Live
    };
    let kek = crate::keys::Kek::configured(None)?;
    crate::keys::add_key(&db, &data_dir.join("keys"), kek.as_ref(), purpose)
}

/// `grantex-server vault rotate-kek`: a new vault KEK becomes current and every stored data key
/// is re-wrapped under it (see `vault::rotate_kek`); may run while servers run on the database.
pub fn rotate_vault_kek(
    data_dir: &Path,
    database_url: Option<&str>,
    key_encryption_key_file: Option<&Path>,
) -> Result<crate::vault::Rotation, String> {
    let db = open_db(data_dir, database_url)?;
    let masters = crate::vault::Masters::load_existing(
        &data_dir.join("keys"),
        crate::keys::configured_hex(key_encryption_key_file)?.as_deref(),
    )?;
    crate::vault::rotate_kek(&db, &masters)
}

/// `grantex-server keys list`: every key with status, purpose and the last expiry it signed.
pub fn list_signing_keys(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Vec<crate::keys::KeyInfo>, String> {
    let db = open_db(data_dir, database_url)?;
    crate::keys::list(&db).map_err(|e| e.message)
}
