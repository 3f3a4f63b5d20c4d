//! The database handle, SQLite (embedded, the default) or PostgreSQL (`--database-url`).
//!
//! SQLite: one writer connection (every write is an IMMEDIATE transaction committed before the
//! handler answers) and a few reader connections (WAL lets them run beside the writer).
//! PostgreSQL: a small pool; every write transaction first takes one transaction-scoped advisory
//! lock, so writes are serialised exactly as SQLite's single writer serialises them (across
//! every instance on the database), and reads run in REPEATABLE READ read-only transactions
//! (one consistent snapshot each, like a SQLite read).
//! All calls run on tokio's blocking pool so the async threads never wait on the database.

use super::sql::{args, PgConn, Sql};
use super::Conn;
use crate::error::{ApiError, ApiResult};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

const READERS: usize = 4;
/// PostgreSQL connections per instance (requests beyond wait for one).
const PG_POOL: usize = 8;
/// Long reads (streamed responses) running at once, each on its own connection.
const STREAMS: usize = 16;
/// The advisory lock every PostgreSQL write transaction holds (any constant unique to this use).
const PG_WRITE_LOCK: i64 = 0x6772_616e_7465_7802;

/// Shared database handle; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    backend: BackendInner,
    streams: Arc<tokio::sync::Semaphore>,
    /// When (ms) a write last failed for want of disk (full, I/O error, read-only); 0 = never.
    io_failure_at: AtomicI64,
    /// The last write probe: (when, whether it committed).
    probe: Mutex<(i64, bool)>,
    next: AtomicUsize,
    /// Called after a write transaction that may have ended a token's or an API key's validity
    /// commits (see [`Db::on_invalidate`]).
    on_invalidate: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
    /// Called after a write transaction that queued webhook deliveries commits.
    on_queued: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

enum BackendInner {
    Sqlite {
        path: std::path::PathBuf,
        writer: Mutex<Connection>,
        readers: Vec<Mutex<Connection>>,
    },
    Postgres {
        url: String,
        /// `None` until connected, or after the connection broke (reconnected on next use).
        clients: Vec<Mutex<Option<PgConn>>>,
    },
}

impl Drop for Inner {
    /// A synchronous PostgreSQL client closes its connection on its own runtime, which must not
    /// happen on an async thread (the last `Db` clone may drop there at shutdown): close them on
    /// a plain thread.
    fn drop(&mut self) {
        if let BackendInner::Postgres { clients, .. } = &mut self.backend {
            let open: Vec<PgConn> = clients
                .iter_mut()
                .filter_map(|m| m.get_mut().ok().and_then(Option::take))
                .collect();
            if !open.is_empty() {
                let _ = std::thread::spawn(move || drop(open)).join();
            }
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn pg_connect(url: &str) -> Result<postgres::Client, String> {
    postgres::Client::connect(url, postgres::NoTls)
        .map_err(|e| format!("cannot connect to {}: {e}", redact(url)))
}

fn open_conn(path: &Path) -> Result<Connection, String> {
    let fail = |e: rusqlite::Error| format!("cannot open database {}: {e}", path.display());
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(fail)?;
    // WAL + FULL: a commit is on disk (WAL fsynced) before we answer; survives kill -9 and power loss.
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!(
            "could not enable WAL on {} (journal_mode={mode})",
            path.display()
        ));
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(fail)?;
    Ok(conn)
}

impl Db {
    /// Opens (creating if needed) the SQLite database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Db, String> {
        // Create the file owner-only; SQLite gives -wal/-shm the same permissions.
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("cannot create database {}: {e}", path.display()))?;
        }
        let mut writer = open_conn(path)?;
        super::schema::migrate(&mut writer)
            .map_err(|e| format!("database migration failed: {e}"))?;
        let readers = (0..READERS)
            .map(|_| open_conn(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Db::with(BackendInner::Sqlite {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
        }))
    }

    /// Connects to a PostgreSQL database (`postgres://user:password@host:port/db`) and applies
    /// pending migrations (safe when several instances start at once). Blocking: call from the
    /// blocking pool or a plain thread, never on an async task.
    pub fn open_postgres(url: &str) -> Result<Db, String> {
        let mut first = pg_connect(url)?;
        super::schema_pg::migrate(&mut first)?;
        let mut clients: Vec<Mutex<Option<PgConn>>> =
            (1..PG_POOL).map(|_| Mutex::new(None)).collect();
        clients.insert(0, Mutex::new(Some(PgConn::new(first))));
        Ok(Db::with(BackendInner::Postgres {
            url: url.to_string(),
            clients,
        }))
    }

    fn with(backend: BackendInner) -> Db {
        Db {
            inner: Arc::new(Inner {
                backend,
                streams: Arc::new(tokio::sync::Semaphore::new(STREAMS)),
                io_failure_at: AtomicI64::new(0),
                probe: Mutex::new((i64::MIN, false)),
                next: AtomicUsize::new(0),
                on_invalidate: std::sync::OnceLock::new(),
                on_queued: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Runs `f` on the blocking pool with synchronous access to the database.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> ApiResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
    }

    /// Read-only work in one consistent snapshot (async wrapper).
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> ApiResult<T> + Send + 'static,
    {
        self.run(move |db| db.read_sync(f)).await
    }

    /// One serialised write transaction (async wrapper); committed iff `f` returns Ok.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> ApiResult<T> + Send + 'static,
    {
        self.run(move |db| db.write_sync(f)).await
    }

    /// Long read-only work (a streamed response) on a connection of its own, so a slow client
    /// never holds one of the shared connections. At most `STREAMS` run at once; more wait.
    /// `f` runs on the blocking pool; the returned handle resolves when it finishes.
    pub async fn stream<F>(&self, f: F) -> ApiResult<tokio::task::JoinHandle<()>>
    where
        F: FnOnce(ApiResult<&Conn>) + Send + 'static,
    {
        let permit = self
            .inner
            .streams
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(format!("stream semaphore closed: {e}")))?;
        let db = self.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match &db.inner.backend {
                // One read transaction, so every statement of the stream sees one snapshot
                // (as PostgreSQL's REPEATABLE READ transaction below does).
                BackendInner::Sqlite { path, .. } => match open_conn(path) {
                    Ok(c) => match c.execute_batch("BEGIN") {
                        Ok(()) => {
                            f(Ok(&c));
                            let _ = c.execute_batch("COMMIT");
                        }
                        Err(e) => f(Err(ApiError::from(e))),
                    },
                    Err(e) => f(Err(ApiError::internal(e))),
                },
                BackendInner::Postgres { url, .. } => {
                    let mut conn = match pg_connect(url) {
                        Ok(c) => PgConn::new(c),
                        Err(e) => return f(Err(ApiError::internal(e))),
                    };
                    match conn.transaction(read_tx) {
                        Ok(tx) => f(Ok(&tx)),
                        Err(e) => f(Err(e)),
                    };
                }
            }
        }))
    }

    /// Synchronous read; call only from the blocking pool (inside [`Db::run`]) or at start-up.
    pub fn read_sync<T>(&self, f: impl FnOnce(&Conn) -> ApiResult<T>) -> ApiResult<T> {
        match &self.inner.backend {
            BackendInner::Sqlite { readers, .. } => {
                let conn = self.pick(readers)?;
                f(&*conn)
            }
            BackendInner::Postgres { url, clients } => {
                let mut slot = self.pick(clients)?;
                let tx = pg_conn(&mut slot, url)?.transaction(read_tx)?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            }
        }
    }

    /// Registers `hook`, run (synchronously, on the writing thread) after every committed write
    /// transaction that updated or deleted rows of grants, tokens, agents or developers —
    /// revocations, suspensions, deletions, key rotation — before the write's caller sees it
    /// committed. Set once; later calls are ignored.
    pub fn on_invalidate(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.inner.on_invalidate.set(Box::new(hook));
    }

    /// Wakes the webhook delivery worker after a write that queued deliveries commits. Set
    /// once; later calls are ignored.
    pub fn on_queued(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.inner.on_queued.set(Box::new(hook));
    }

    /// Synchronous write transaction; call only from the blocking pool or at start-up.
    pub fn write_sync<T>(&self, f: impl FnOnce(&Conn) -> ApiResult<T>) -> ApiResult<T> {
        super::sql::take_invalidating();
        super::sql::take_queued();
        let out = self.write_tx(f);
        if super::sql::take_invalidating() && out.is_ok() {
            if let Some(hook) = self.inner.on_invalidate.get() {
                hook();
            }
        }
        if super::sql::take_queued() && out.is_ok() {
            if let Some(hook) = self.inner.on_queued.get() {
                hook();
            }
        }
        out
    }

    fn write_tx<T>(&self, f: impl FnOnce(&Conn) -> ApiResult<T>) -> ApiResult<T> {
        match &self.inner.backend {
            BackendInner::Sqlite { writer, .. } => {
                let mut conn = writer
                    .lock()
                    .map_err(|_| ApiError::internal("writer lock poisoned"))?;
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(|e| self.note_failure(e))?;
                let out = f(&*tx)?;
                tx.commit().map_err(|e| self.note_failure(e))?;
                Ok(out)
            }
            BackendInner::Postgres { url, clients } => {
                let mut slot = self.pick(clients)?;
                let tx = pg_conn(&mut slot, url)?.transaction(|c| c.transaction())?;
                tx.exec("SELECT pg_advisory_xact_lock(?1)", args![PG_WRITE_LOCK])?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            }
        }
    }

    /// (connections busy, pool size), for `/metrics`. Never waits: a connection whose lock is
    /// taken is busy (a `try_lock` probe, released at once).
    pub fn connections_in_use(&self) -> Option<(usize, usize)> {
        fn busy<C>(pool: &[Mutex<C>]) -> usize {
            pool.iter().filter(|c| c.try_lock().is_err()).count()
        }
        Some(match &self.inner.backend {
            BackendInner::Sqlite {
                writer, readers, ..
            } => (
                busy(std::slice::from_ref(writer)) + busy(readers),
                readers.len() + 1,
            ),
            BackendInner::Postgres { clients, .. } => (busy(clients), clients.len()),
        })
    }

    /// A free member of `pool` (round robin, then waiting on one).
    fn pick<'a, C>(&self, pool: &'a [Mutex<C>]) -> ApiResult<MutexGuard<'a, C>> {
        let n = pool.len();
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(c) = pool[(start + i) % n].try_lock() {
                return Ok(c);
            }
        }
        pool[start % n]
            .lock()
            .map_err(|_| ApiError::internal("database connection lock poisoned"))
    }

    /// Remembers a failure that means the database cannot be written (disk full, I/O error,
    /// read-only file), for `/health`.
    fn note_failure(&self, e: rusqlite::Error) -> ApiError {
        use rusqlite::ErrorCode::*;
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(
                f.code,
                DiskFull | SystemIoFailure | ReadOnly | CannotOpen | DatabaseCorrupt | NotADatabase
            ) {
                self.inner
                    .io_failure_at
                    .store(crate::time::now_ms().max(1), Ordering::Relaxed);
            }
        }
        e.into()
    }
    /// Whether the database can be read and written now: a read, a committed write of the
    /// probe row (at most one every 2 s; in between the last result stands), and no write
    /// failing for want of disk in the last 30 s (a small probe can fit where a real write
    /// does not). Blocking: call from the blocking pool.
    pub fn healthy_sync(&self) -> bool {
        let now = crate::time::now_ms();
        let read_ok = self
            .read_sync(|c| Ok(c.query_one("SELECT 1", &[], |r| r.i64(0))? == 1))
            .unwrap_or(false);
        let probe_ok = {
            let mut last = self.inner.probe.lock().unwrap_or_else(|p| p.into_inner());
            if now.saturating_sub(last.0) >= 2_000 {
                let ok = self
                    .write_sync(|tx| {
                        tx.exec(
                            "INSERT INTO health_probe (id, at) VALUES (1, ?1)
                             ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                            super::sql::args![now],
                        )?;
                        Ok(())
                    })
                    .is_ok();
                *last = (now, ok);
            }
            last.1
        };
        let failed_at = self.inner.io_failure_at.load(Ordering::Relaxed);
        let recent_failure = failed_at > 0 && now.saturating_sub(failed_at) < 30_000;
        read_ok && probe_ok && !recent_failure
    }
}

/// The pooled client, (re)connected if it is missing or its connection broke.
fn pg_conn<'a>(slot: &'a mut Option<PgConn>, url: &str) -> ApiResult<&'a mut PgConn> {
    if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
        *slot = Some(PgConn::new(pg_connect(url).map_err(ApiError::unavailable)?));
    }
    slot.as_mut()
        .ok_or_else(|| ApiError::internal("no database connection"))
}

/// A read-only transaction on one snapshot.
fn read_tx(client: &mut postgres::Client) -> Result<postgres::Transaction<'_>, postgres::Error> {
    client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
}
