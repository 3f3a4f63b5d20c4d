//! SQLite access. One writer connection (every write is an IMMEDIATE transaction committed before
//! the handler answers) and a few reader connections (WAL lets them run beside the writer).
//! All calls run on tokio's blocking pool so the async threads never wait on disk.

use super::Conn;
use crate::error::{ApiError, ApiResult};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const READERS: usize = 4;
/// Long reads (streamed responses) running at once, each on its own connection.
const STREAMS: usize = 16;

/// Shared database handle; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: std::path::PathBuf,
    streams: Arc<tokio::sync::Semaphore>,
    writer: Mutex<Connection>,
    /// When (ms) a write last failed for want of disk (full, I/O error, read-only); 0 = never.
    io_failure_at: AtomicI64,
    /// The last write probe: (when, whether it committed).
    probe: Mutex<(i64, bool)>,
    readers: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
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
    /// Opens (creating if needed) the database file and applies pending migrations.
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
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                streams: Arc::new(tokio::sync::Semaphore::new(STREAMS)),
                writer: Mutex::new(writer),
                io_failure_at: AtomicI64::new(0),
                probe: Mutex::new((i64::MIN, false)),
                readers,
                next: AtomicUsize::new(0),
            }),
        })
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

    /// Read-only work on a reader connection (async wrapper).
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> ApiResult<T> + Send + 'static,
    {
        self.run(move |db| db.read_sync(f)).await
    }

    /// One IMMEDIATE transaction on the writer (async wrapper); committed iff `f` returns Ok.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> ApiResult<T> + Send + 'static,
    {
        self.run(move |db| db.write_sync(f)).await
    }

    /// Long read-only work (a streamed response) on a connection of its own, so a slow client
    /// never holds one of the shared readers. At most `STREAMS` run at once; more wait.
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
        let path = self.inner.path.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match open_conn(&path) {
                Ok(c) => f(Ok(&c)),
                Err(e) => f(Err(ApiError::internal(e))),
            }
        }))
    }

    /// Synchronous read; call only from the blocking pool (inside [`Db::run`]) or at start-up.
    pub fn read_sync<T>(&self, f: impl FnOnce(&Conn) -> ApiResult<T>) -> ApiResult<T> {
        let n = self.inner.readers.len();
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(conn) = self.inner.readers[(start + i) % n].try_lock() {
                return f(&*conn);
            }
        }
        let conn = self.inner.readers[start % n]
            .lock()
            .map_err(|_| ApiError::internal("reader lock poisoned"))?;
        f(&*conn)
    }

    /// Synchronous write transaction; call only from the blocking pool or at start-up.
    pub fn write_sync<T>(&self, f: impl FnOnce(&Conn) -> ApiResult<T>) -> ApiResult<T> {
        let mut conn = self
            .inner
            .writer
            .lock()
            .map_err(|_| ApiError::internal("writer lock poisoned"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.note_failure(e))?;
        let out = f(&*tx)?;
        tx.commit().map_err(|e| self.note_failure(e))?;
        Ok(out)
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
