//! The store's one door to a database: [`Sql`] runs a statement on whichever backend holds the
//! connection, so every store function is written once.
//!
//! Statements are written in the SQL both backends understand, with SQLite's numbered
//! placeholders `?1`, `?2`, … (PostgreSQL gets them rewritten to `$1`, `$2`, …). Integers are
//! 64-bit everywhere and flags are stored as 0/1 integers; [`Row::bool`] also reads the real
//! booleans PostgreSQL returns for expressions such as `EXISTS(…)` or `x IS NOT NULL`.

use crate::error::{ApiError, ApiResult};
use std::cell::RefCell;
use std::collections::HashMap;

/// One statement argument.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Int(i64),
    Text(&'a str),
    Owned(String),
    /// NULL where a text value goes.
    NullText,
    /// NULL where an integer goes.
    NullInt,
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<u64> for Arg<'_> {
    fn from(v: u64) -> Self {
        Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<usize> for Arg<'_> {
    fn from(v: usize) -> Self {
        Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(v)
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Owned(v)
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Arg::NullText, Arg::Text)
    }
}
impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().map_or(Arg::NullText, Arg::Text)
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullText, Arg::Owned)
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}
impl From<&Option<i64>> for Arg<'_> {
    fn from(v: &Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}

/// Text may not carry NUL characters (PostgreSQL cannot store them): refused on every backend
/// alike, as bad input.
fn check_args(args: &[Arg<'_>]) -> ApiResult<()> {
    let has_nul = args.iter().any(|a| match a {
        Arg::Text(s) => s.contains('\0'),
        Arg::Owned(s) => s.contains('\0'),
        _ => false,
    });
    if has_nul {
        return Err(ApiError::bad_request(
            "Text values must not contain NUL characters",
        ));
    }
    Ok(())
}

/// Tables whose UPDATE or DELETE can end a token's or an API key's validity (revocations,
/// agent status changes and deletions, key rotation): a write transaction running one is
/// reported to [`super::Db::on_invalidate`] after it commits, so cached answers are dropped.
const INVALIDATING_TABLES: [&str; 4] = ["grants", "grant_tokens", "agents", "developers"];

thread_local! {
    /// Whether the current write transaction ran an invalidating statement (write transactions
    /// run synchronously on one thread, see `Db::write_sync`).
    static INVALIDATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether `sql` updates or deletes rows of an [`INVALIDATING_TABLES`] table.
pub(crate) fn invalidates(sql: &str) -> bool {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let table = |w: &str| {
        INVALIDATING_TABLES
            .iter()
            .any(|t| t.eq_ignore_ascii_case(w))
    };
    words
        .windows(2)
        .any(|w| w[0].eq_ignore_ascii_case("UPDATE") && table(w[1]))
        || words.windows(3).any(|w| {
            w[0].eq_ignore_ascii_case("DELETE") && w[1].eq_ignore_ascii_case("FROM") && table(w[2])
        })
}

fn note(sql: &str) {
    if invalidates(sql) {
        INVALIDATING.set(true);
    }
}

/// Clears and returns the flag: whether an invalidating statement ran since the last call.
pub(crate) fn take_invalidating() -> bool {
    INVALIDATING.replace(false)
}

thread_local! {
    /// Whether the current write transaction queued a webhook delivery (`events::emit`).
    static QUEUED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes that the current write transaction queued a webhook delivery.
pub(crate) fn note_queued() {
    QUEUED.set(true);
}

/// Clears and returns the flag: whether a delivery was queued since the last call.
pub(crate) fn take_queued() -> bool {
    QUEUED.replace(false)
}

/// `args![a, b, …]`: a slice of [`Arg`]s.
macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$($crate::store::sql::Arg::from($a)),*][..] };
}
pub(crate) use args;

/// A connection or transaction of either backend. Store functions take `&Conn`.
pub trait Sql {
    /// Runs a statement that returns no rows; the number of rows it changed.
    fn exec(&self, sql: &str, args: &[Arg<'_>]) -> ApiResult<usize>;
    /// Runs a query and hands each row to `f` until it returns `false` or an error; rows are
    /// read one at a time (streamed), never collected.
    fn each(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: &mut dyn FnMut(&Row<'_>) -> ApiResult<bool>,
    ) -> ApiResult<()>;
}

/// What store functions read and write through.
pub type Conn<'a> = dyn Sql + 'a;

impl dyn Sql + '_ {
    /// The first row mapped by `f`, if any.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl Fn(&Row<'_>) -> ApiResult<T>,
    ) -> ApiResult<Option<T>> {
        let mut out = None;
        self.each(sql, args, &mut |r| {
            out = Some(f(r)?);
            Ok(false)
        })?;
        Ok(out)
    }

    /// Exactly the first row mapped by `f`; an internal error when there is none.
    pub fn query_one<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl Fn(&Row<'_>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.query_opt(sql, args, f)?
            .ok_or_else(|| ApiError::internal("query returned no row"))
    }

    /// Every row mapped by `f`.
    pub fn query_all<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: impl Fn(&Row<'_>) -> ApiResult<T>,
    ) -> ApiResult<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, args, &mut |r| {
            out.push(f(r)?);
            Ok(true)
        })?;
        Ok(out)
    }
}

/// One result row of either backend, read by column index with typed getters. A value of the
/// wrong type (corrupt or foreign data) is an error, never a default.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

fn bad_column(i: usize, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("stored data: column {i}: {e}"))
}

impl Row<'_> {
    pub fn str(&self, i: usize) -> ApiResult<String> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| bad_column(i, e)),
            Row::Postgres(r) => r.try_get(i).map_err(|e| bad_column(i, e)),
        }
    }

    pub fn opt_str(&self, i: usize) -> ApiResult<Option<String>> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| bad_column(i, e)),
            Row::Postgres(r) => r.try_get(i).map_err(|e| bad_column(i, e)),
        }
    }

    pub fn i64(&self, i: usize) -> ApiResult<i64> {
        self.opt_i64(i)?
            .ok_or_else(|| bad_column(i, "NULL where a number is required"))
    }

    pub fn opt_i64(&self, i: usize) -> ApiResult<Option<i64>> {
        use postgres::types::Type;
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| bad_column(i, e)),
            // Columns are BIGINT; literals and some expressions are narrower.
            Row::Postgres(r) => match *r.columns()[i].type_() {
                Type::INT4 => r
                    .try_get::<_, Option<i32>>(i)
                    .map(|v| v.map(i64::from))
                    .map_err(|e| bad_column(i, e)),
                Type::INT2 => r
                    .try_get::<_, Option<i16>>(i)
                    .map(|v| v.map(i64::from))
                    .map_err(|e| bad_column(i, e)),
                _ => r.try_get(i).map_err(|e| bad_column(i, e)),
            },
        }
    }

    pub fn u32(&self, i: usize) -> ApiResult<u32> {
        u32::try_from(self.i64(i)?).map_err(|e| bad_column(i, e))
    }

    /// A 0/1 flag column, or a boolean expression.
    pub fn bool(&self, i: usize) -> ApiResult<bool> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(|e| bad_column(i, e)),
            Row::Postgres(r) => {
                if *r.columns()[i].type_() == postgres::types::Type::BOOL {
                    r.try_get(i).map_err(|e| bad_column(i, e))
                } else {
                    Ok(self.i64(i)? != 0)
                }
            }
        }
    }

    /// A JSON text column, decoded.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> ApiResult<T> {
        serde_json::from_str(&self.str(i)?).map_err(|e| bad_column(i, e))
    }

    /// A nullable JSON text column, decoded.
    pub fn opt_json<T: serde::de::DeserializeOwned>(&self, i: usize) -> ApiResult<Option<T>> {
        self.opt_str(i)?
            .map(|s| serde_json::from_str(&s).map_err(|e| bad_column(i, e)))
            .transpose()
    }
}

// ---------------------------------------------------------------- SQLite

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Arg::Int(v) => ToSqlOutput::Owned(Value::Integer(*v)),
            Arg::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Owned(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::NullText | Arg::NullInt => ToSqlOutput::Owned(Value::Null),
        })
    }
}

impl Sql for rusqlite::Connection {
    fn exec(&self, sql: &str, args: &[Arg<'_>]) -> ApiResult<usize> {
        check_args(args)?;
        note(sql);
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(args.iter()))?)
    }

    fn each(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: &mut dyn FnMut(&Row<'_>) -> ApiResult<bool>,
    ) -> ApiResult<()> {
        check_args(args)?;
        note(sql);
        let mut st = self.prepare_cached(sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
        while let Some(r) = rows.next()? {
            if !f(&Row::Sqlite(r))? {
                break;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- PostgreSQL

/// `?N` placeholders rewritten to `$N` (our statements hold no `?` inside string literals).
pub fn pg_text(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// Argument values in the form the PostgreSQL client binds.
fn pg_values<'a>(args: &'a [Arg<'a>]) -> Vec<Box<dyn postgres::types::ToSql + Sync + 'a>> {
    args.iter()
        .map(|a| -> Box<dyn postgres::types::ToSql + Sync> {
            match a {
                Arg::Int(v) => Box::new(*v),
                Arg::Text(s) => Box::new(*s),
                Arg::Owned(s) => Box::new(s.as_str()),
                Arg::NullText => Box::new(None::<&str>),
                Arg::NullInt => Box::new(None::<i64>),
            }
        })
        .collect()
}

impl From<postgres::Error> for ApiError {
    fn from(e: postgres::Error) -> Self {
        ApiError::internal(format!("postgres: {e}"))
    }
}

/// Most statements a connection keeps prepared; past it the cache starts over (our statement
/// texts are a fixed set, so this only bounds a bug's damage).
const PG_STATEMENT_CACHE: usize = 512;

/// A pooled PostgreSQL connection with its prepared statements, keyed by our `?N` text: each
/// statement is parsed once per connection, so a query is one round trip instead of two.
pub struct PgConn {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    pub fn new(client: postgres::Client) -> Self {
        PgConn {
            client,
            statements: HashMap::new(),
        }
    }

    /// A transaction on this connection, with its statement cache.
    pub fn transaction(
        &mut self,
        build: impl FnOnce(&mut postgres::Client) -> Result<postgres::Transaction<'_>, postgres::Error>,
    ) -> ApiResult<PgTx<'_>> {
        let tx = build(&mut self.client)?;
        Ok(PgTx {
            tx: RefCell::new(tx),
            statements: RefCell::new(&mut self.statements),
        })
    }
}

/// A PostgreSQL transaction seen as a store connection.
pub struct PgTx<'a> {
    tx: RefCell<postgres::Transaction<'a>>,
    statements: RefCell<&'a mut HashMap<String, postgres::Statement>>,
}

impl<'a> PgTx<'a> {
    pub fn commit(self) -> ApiResult<()> {
        Ok(self.tx.into_inner().commit()?)
    }

    /// `sql` prepared on this connection (once; then from the cache).
    fn statement(&self, sql: &str) -> ApiResult<postgres::Statement> {
        let mut cache = self.statements.borrow_mut();
        if let Some(st) = cache.get(sql) {
            return Ok(st.clone());
        }
        let st = self.tx.borrow_mut().prepare(&pg_text(sql))?;
        if cache.len() >= PG_STATEMENT_CACHE {
            cache.clear();
        }
        cache.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

impl Sql for PgTx<'_> {
    fn exec(&self, sql: &str, args: &[Arg<'_>]) -> ApiResult<usize> {
        check_args(args)?;
        note(sql);
        let values = pg_values(args);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|b| b.as_ref()).collect();
        let st = self.statement(sql)?;
        let n = self.tx.borrow_mut().execute(&st, &refs)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn each(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        f: &mut dyn FnMut(&Row<'_>) -> ApiResult<bool>,
    ) -> ApiResult<()> {
        use postgres::fallible_iterator::FallibleIterator;
        check_args(args)?;
        note(sql);
        let values = pg_values(args);
        let params = values
            .iter()
            .map(|b| b.as_ref() as &(dyn postgres::types::ToSql + Sync));
        let st = self.statement(sql)?;
        let mut tx = self.tx.borrow_mut();
        let mut rows = tx.query_raw(&st, params)?;
        while let Some(r) = rows.next()? {
            if !f(&Row::Postgres(&r))? {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidating_statements_are_recognised() {
        for sql in [
            "UPDATE grants SET status = 'revoked' WHERE id = ?1",
            "WITH RECURSIVE d(id) AS (SELECT 1) UPDATE grants SET status = 'revoked'",
            "update grant_tokens set is_revoked = 1",
            "UPDATE agents SET status = ?1",
            "DELETE FROM agents WHERE id = ?1",
            "DELETE FROM grant_tokens WHERE grant_id IN (SELECT id FROM grants)",
            "UPDATE developers SET api_key_hash = ?1",
        ] {
            assert!(invalidates(sql), "{sql}");
        }
        for sql in [
            "SELECT status FROM grants WHERE id = ?1",
            "INSERT INTO grants (id) VALUES (?1)",
            "UPDATE auth_requests SET status = 'approved'",
            "DELETE FROM refresh_idempotency WHERE created_at < ?1",
            "INSERT INTO audit_entries (id) SELECT id FROM agents",
        ] {
            assert!(!invalidates(sql), "{sql}");
        }
    }

    #[test]
    fn placeholders_are_rewritten_for_postgres() {
        assert_eq!(
            pg_text("SELECT a FROM t WHERE x = ?1 AND y = ?12 OR z = '?'"),
            "SELECT a FROM t WHERE x = $1 AND y = $12 OR z = '?'"
        );
    }
}
