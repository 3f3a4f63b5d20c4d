//! Storage of the hash-chained audit log and of its signed checkpoints: every SQL statement on
//! `audit_entries` and `audit_checkpoints` made by the audit routes lives here.
//!
//! A developer's chain is their entries in `seq` order (append order); the head is the entry
//! with the highest `seq`. Both tables are append-only, enforced by triggers (see `db/schema.rs`).

use super::sql::{args, Arg, Row};
use super::Conn;
use crate::error::ApiResult;
use grantex::types::AuditEntry;
use serde_json::Value;

pub const COLUMNS: &str =
    "id, agent_id, agent_did, grant_id, principal_id, developer_id, action, metadata, hash, prev_hash, timestamp, status, purpose";

pub fn from_row(r: &Row<'_>) -> ApiResult<AuditEntry> {
    entry_at(r, 0, false)
}

/// The entry in columns `o..o + 13` (laid out as [`COLUMNS`]). Unparseable stored metadata reads
/// as `{}`, or, when `exact`, as the raw text in a JSON string, so that its hash cannot verify
/// (no entry's hash was computed over a string).
fn entry_at(r: &Row<'_>, o: usize, exact: bool) -> ApiResult<AuditEntry> {
    let metadata = r.str(o + 7)?;
    let metadata = match serde_json::from_str(&metadata) {
        Ok(v) => v,
        Err(_) if exact => Value::String(metadata),
        Err(_) => Value::Object(Default::default()),
    };
    Ok(AuditEntry {
        entry_id: r.str(o)?,
        agent_id: r.str(o + 1)?,
        agent_did: r.str(o + 2)?,
        grant_id: r.str(o + 3)?,
        principal_id: r.str(o + 4)?,
        developer_id: r.str(o + 5)?,
        action: r.str(o + 6)?,
        metadata,
        hash: r.str(o + 8)?,
        prev_hash: r.opt_str(o + 9)?,
        timestamp: r.str(o + 10)?,
        status: r.str(o + 11)?,
        purpose: r.opt_str(o + 12)?,
    })
}

/// The hash of the developer's chain head (`None` for an empty chain). Call inside the write
/// transaction that appends, so concurrent appends cannot fork the chain.
pub fn head_hash(conn: &Conn, developer_id: &str) -> ApiResult<Option<String>> {
    conn.query_opt(
        "SELECT hash FROM audit_entries WHERE developer_id = ?1 ORDER BY seq DESC LIMIT 1",
        args![developer_id],
        |r| r.str(0),
    )
}

/// Appends `e` (its hash already computed) to its developer's chain.
pub fn insert_entry(tx: &Conn, e: &AuditEntry) -> ApiResult<()> {
    tx.exec(
        &format!("INSERT INTO audit_entries ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        args![
            &e.entry_id, &e.agent_id, &e.agent_did, &e.grant_id, &e.principal_id, &e.developer_id, &e.action,
            serde_json::to_string(&e.metadata)?, &e.hash, &e.prev_hash, &e.timestamp, &e.status, &e.purpose
        ],
    )?;
    Ok(())
}

/// Appends `e` at the head of its developer's chain: sets `prevHash` to the current head and
/// computes `hash`. Call inside the write transaction that does the audited work, so the entry
/// commits (or rolls back) with it and concurrent appends cannot fork the chain.
pub fn append(tx: &Conn, mut e: AuditEntry) -> ApiResult<AuditEntry> {
    if e.purpose.is_none() && !e.grant_id.is_empty() {
        // The purpose of the grant the entry is recorded under (outside the hashed content).
        e.purpose = tx
            .query_opt(
                "SELECT purpose FROM grants WHERE id = ?1 AND developer_id = ?2",
                args![&e.grant_id, &e.developer_id],
                |r| r.opt_str(0),
            )?
            .flatten();
    }
    e.prev_hash = head_hash(tx, &e.developer_id)?;
    e.hash = grantex::audit_chain::compute_hash(&e);
    insert_entry(tx, &e)?;
    Ok(e)
}

/// Who a server-written entry is about; empty strings where a field does not apply (an API key
/// rotation has no agent).
#[derive(Debug, Default, Clone, Copy)]
pub struct Subject<'a> {
    pub agent_id: &'a str,
    pub agent_did: &'a str,
    pub grant_id: &'a str,
    pub principal_id: &'a str,
}

/// Actions the server records in its own name; all start with `grantex.` so they never clash
/// with an application's own actions and can be filtered with `action`.
pub mod actions {
    pub const TOKEN_ISSUED: &str = "grantex.token.issued";
    pub const TOKEN_REFRESHED: &str = "grantex.token.refreshed";
    pub const TOKEN_REVOKED: &str = "grantex.token.revoked";
    pub const GRANT_DELEGATED: &str = "grantex.grant.delegated";
    pub const GRANT_REVOKED: &str = "grantex.grant.revoked";
    pub const CODE_REPLAYED: &str = "grantex.code.replayed";
    pub const REFRESH_TOKEN_REUSED: &str = "grantex.refresh_token.reused";
    pub const AGENT_SUSPENDED: &str = "grantex.agent.suspended";
    pub const AGENT_REACTIVATED: &str = "grantex.agent.reactivated";
    pub const AGENT_DELETED: &str = "grantex.agent.deleted";
    pub const API_KEY_ROTATED: &str = "grantex.api_key.rotated";
    pub const PRINCIPAL_SESSION_REVOKED: &str = "grantex.principal_session.revoked";
    pub const POLICY_CREATED: &str = "grantex.policy.created";
    pub const POLICY_UPDATED: &str = "grantex.policy.updated";
    pub const POLICY_DELETED: &str = "grantex.policy.deleted";
    /// A policy refused an authorization or a delegation.
    pub const POLICY_DENIED: &str = "grantex.policy.denied";
    /// A policy approved an authorization without asking the principal.
    pub const POLICY_APPROVED: &str = "grantex.policy.approved";
    pub const BUDGET_ALLOCATED: &str = "grantex.budget.allocated";
    pub const BUDGET_DEBITED: &str = "grantex.budget.debited";
    /// A debit refused for want of budget (the grant's or a parent's).
    pub const BUDGET_DEBIT_REFUSED: &str = "grantex.budget.debit_refused";
    /// A credential was stored in (or replaced in) the vault.
    pub const VAULT_CREDENTIAL_STORED: &str = "grantex.vault.credential_stored";
    pub const VAULT_CREDENTIAL_DELETED: &str = "grantex.vault.credential_deleted";
    /// A grant token was exchanged for a vault credential.
    pub const VAULT_CREDENTIAL_EXCHANGED: &str = "grantex.vault.credential_exchanged";
    /// An exchange was refused (revoked or expired token, missing scope, no credential, DPoP).
    pub const VAULT_EXCHANGE_DENIED: &str = "grantex.vault.exchange_denied";
    /// A stored credential did not decrypt at exchange (altered, or its key is unavailable).
    pub const VAULT_DECRYPT_FAILED: &str = "grantex.vault.decrypt_failed";
}

/// Appends a security event the server itself observed (status `success`, or `failure` for
/// detected attacks such as a replayed code) to `developer_id`'s chain.
pub fn record_event(
    tx: &Conn,
    developer_id: &str,
    action: &str,
    who: Subject<'_>,
    failure: bool,
    metadata: Value,
) -> ApiResult<AuditEntry> {
    append(
        tx,
        AuditEntry {
            entry_id: crate::ids::new_id("alog"),
            agent_id: who.agent_id.to_string(),
            agent_did: who.agent_did.to_string(),
            grant_id: who.grant_id.to_string(),
            principal_id: who.principal_id.to_string(),
            developer_id: developer_id.to_string(),
            action: action.to_string(),
            metadata,
            hash: String::new(),
            prev_hash: None,
            timestamp: crate::time::iso(crate::time::now_ms()),
            status: if failure { "failure" } else { "success" }.to_string(),
            purpose: None,
        },
    )
}

/// Filters of `GET /v1/audit/entries`; `None` means "any". `since`/`until` are timestamps in the
/// stored format (fixed width, so text comparison is time order).
#[derive(Debug, Default)]
pub struct EntryFilter {
    pub agent_id: Option<String>,
    pub grant_id: Option<String>,
    pub principal_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// `(page, page_size)`, both ≥ 1; `None` returns every match.
    pub page: Option<(u32, u32)>,
}

/// Calls `each` for every one of the developer's entries matching `f`, in chain order,
/// streaming from one statement (one row in memory at a time, one consistent snapshot).
/// Stops at the first error `each` returns.
pub fn for_each_entry(
    conn: &Conn,
    developer_id: &str,
    f: &EntryFilter,
    mut each: impl FnMut(AuditEntry) -> ApiResult<()>,
) -> ApiResult<()> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_entries WHERE developer_id = ?1");
    let mut a: Vec<Arg<'_>> = vec![developer_id.into()];
    for (value, condition) in [
        (&f.agent_id, " AND agent_id = "),
        (&f.grant_id, " AND grant_id = "),
        (&f.principal_id, " AND principal_id = "),
        (&f.action, " AND action = "),
        (&f.since, " AND timestamp >= "),
        (&f.until, " AND timestamp <= "),
    ] {
        if let Some(v) = value {
            a.push(v.into());
            sql.push_str(&format!("{condition}?{}", a.len()));
        }
    }
    sql.push_str(" ORDER BY seq ASC");
    if let Some((page, size)) = f.page {
        sql.push_str(&format!(" LIMIT ?{} OFFSET ?{}", a.len() + 1, a.len() + 2));
        a.push(i64::from(size).into());
        a.push(((i64::from(page) - 1) * i64::from(size)).into());
    }
    conn.each(&sql, &a, &mut |r| {
        each(from_row(r)?)?;
        Ok(true)
    })
}

pub fn find_entry(conn: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<AuditEntry>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM audit_entries WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        from_row,
    )
}

/// Calls `f(seq, entry)` for each of the developer's entries with `seq >= from_seq`, in chain
/// order, streaming (one row in memory at a time) from one statement, hence one consistent
/// snapshot of the chain. Stops at the first error `f` returns.
pub fn walk_chain(
    conn: &Conn,
    developer_id: &str,
    from_seq: i64,
    mut f: impl FnMut(i64, AuditEntry) -> ApiResult<()>,
) -> ApiResult<()> {
    conn.each(
        &format!(
            "SELECT seq, {COLUMNS} FROM audit_entries WHERE developer_id = ?1 AND seq >= ?2 ORDER BY seq ASC"
        ),
        args![developer_id, from_seq],
        &mut |r| {
            f(r.i64(0)?, entry_at(r, 1, true)?)?;
            Ok(true)
        },
    )
}

/// One row of `audit_checkpoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub id: String,
    pub developer_id: String,
    /// `seq` of the head entry (internal: where the next checkpoint's verification resumes).
    pub head_seq: i64,
    pub head_entry_id: String,
    pub head_hash: String,
    pub head_timestamp: String,
    pub entry_count: i64,
    /// The key that signed `signed` (also in the JWS header).
    pub kid: String,
    /// The compact JWS.
    pub signed: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

const CHECKPOINT_COLUMNS: &str = "id, developer_id, head_seq, head_entry_id, head_hash, head_timestamp, entry_count, kid, signed, created_at";

fn checkpoint_from_row(r: &Row<'_>) -> ApiResult<CheckpointRow> {
    Ok(CheckpointRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        head_seq: r.i64(2)?,
        head_entry_id: r.str(3)?,
        head_hash: r.str(4)?,
        head_timestamp: r.str(5)?,
        entry_count: r.i64(6)?,
        kid: r.str(7)?,
        signed: r.str(8)?,
        created_at: r.i64(9)?,
    })
}

pub fn insert_checkpoint(tx: &Conn, c: &CheckpointRow) -> ApiResult<()> {
    tx.exec(
        &format!("INSERT INTO audit_checkpoints ({CHECKPOINT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        args![
            &c.id, &c.developer_id, c.head_seq, &c.head_entry_id, &c.head_hash, &c.head_timestamp,
            c.entry_count, &c.kid, &c.signed, c.created_at
        ],
    )?;
    Ok(())
}

pub fn find_checkpoint(
    conn: &Conn,
    developer_id: &str,
    id: &str,
) -> ApiResult<Option<CheckpointRow>> {
    conn.query_opt(
        &format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        checkpoint_from_row,
    )
}

/// The developer's checkpoint reaching furthest into the chain (highest head `seq`; among equal
/// heads the newest), or `None` before their first checkpoint.
pub fn furthest_checkpoint(conn: &Conn, developer_id: &str) -> ApiResult<Option<CheckpointRow>> {
    conn.query_opt(
        &format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE developer_id = ?1
             ORDER BY head_seq DESC, created_at DESC, id DESC LIMIT 1"
        ),
        args![developer_id],
        checkpoint_from_row,
    )
}

/// The principal's newest `limit` entries of the developer's chain, newest first.
pub fn principal_entries(
    c: &Conn,
    developer_id: &str,
    principal_id: &str,
    limit: u32,
) -> ApiResult<Vec<AuditEntry>> {
    c.query_all(
        &format!(
            "SELECT {COLUMNS} FROM audit_entries WHERE developer_id = ?1 AND principal_id = ?2 ORDER BY seq DESC LIMIT ?3"
        ),
        args![developer_id, principal_id, limit],
        from_row,
    )
}
