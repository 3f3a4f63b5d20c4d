//! SCIM 2.0 provisioning records: `scim_tokens` (the developer's bearer tokens, SHA-256 of the
//! secret only), `scim_users` and `scim_groups` (a JSON document of attributes each, plus the
//! columns lookups use), `scim_user_emails` (login by e-mail) and `scim_group_members`.
//! Deprovisioning a user revokes that principal's grants here, through the revocation store.

use super::revocation::{revoke_grant, Cause};
use super::sql::{args, Arg, Row};
use super::Conn;
use crate::error::{ApiError, ApiResult};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A SCIM bearer token (never its secret).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    pub developer_id: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn token(r: &Row<'_>) -> ApiResult<TokenRow> {
    Ok(TokenRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        label: r.str(2)?,
        created_at: r.i64(3)?,
        last_used_at: r.opt_i64(4)?,
    })
}

const TOKEN: &str = "id, developer_id, label, created_at, last_used_at";

pub fn insert_token(tx: &Conn, t: &TokenRow, token_hash: &str) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO scim_tokens (id, developer_id, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&t.id, &t.developer_id, &t.label, token_hash, t.created_at],
    )?;
    Ok(())
}

/// The developer's tokens, newest first.
pub fn list_tokens(c: &Conn, developer_id: &str) -> ApiResult<Vec<TokenRow>> {
    c.query_all(
        &format!("SELECT {TOKEN} FROM scim_tokens WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"),
        args![developer_id],
        token,
    )
}

/// Deletes one of the developer's tokens; `false` if it has none by that id.
pub fn delete_token(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "DELETE FROM scim_tokens WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

/// The token whose secret hashes to `hash`, if its developer still exists.
pub fn token_by_hash(c: &Conn, hash: &str) -> ApiResult<Option<TokenRow>> {
    c.query_opt(
        "SELECT t.id, t.developer_id, t.label, t.created_at, t.last_used_at
         FROM scim_tokens t JOIN developers d ON d.id = t.developer_id WHERE t.token_hash = ?1",
        args![hash],
        token,
    )
}

/// Records a use of the token, at most once per `every_ms` (so using a token is not a write
/// per request).
pub fn touch_token(tx: &Conn, id: &str, now: i64, every_ms: i64) -> ApiResult<()> {
    tx.exec(
        "UPDATE scim_tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
        args![id, now, now - every_ms],
    )?;
    Ok(())
}

/// A stored SCIM resource (user or group).
#[derive(Debug, Clone)]
pub struct ResourceRow {
    pub id: String,
    pub developer_id: String,
    /// The attributes (canonical names; no `id`, `meta`, `schemas`, `password`).
    pub doc: Map<String, Value>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn resource(r: &Row<'_>) -> ApiResult<ResourceRow> {
    Ok(ResourceRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        doc: r.json(2)?,
        version: r.i64(3)?,
        created_at: r.i64(4)?,
        updated_at: r.i64(5)?,
    })
}

const RESOURCE: &str = "id, developer_id, doc, version, created_at, updated_at";

/// Case-insensitive key of `userName` / `displayName` / e-mail lookups.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn doc_str<'a>(doc: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    doc.get(name).and_then(Value::as_str)
}

/// A user document's e-mail keys, without repeats.
fn email_keys(doc: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = doc
        .get("emails")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("value").and_then(Value::as_str))
                .map(fold)
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether a user document is active (`active` absent counts as active).
pub fn is_active(doc: &Map<String, Value>) -> bool {
    doc.get("active").and_then(Value::as_bool) != Some(false)
}

/// Whether another user of the developer (not `except_id`) has this `userName`, in any case.
pub fn user_name_taken(
    c: &Conn,
    developer_id: &str,
    user_name: &str,
    except_id: Option<&str>,
) -> ApiResult<bool> {
    c.query_one(
        "SELECT EXISTS(SELECT 1 FROM scim_users WHERE developer_id = ?1 AND user_name_key = ?2 AND id <> ?3)",
        args![developer_id, fold(user_name), except_id.unwrap_or("")],
        |r| r.bool(0),
    )
}

fn user_columns(doc: &Map<String, Value>) -> ApiResult<(String, Option<String>, bool)> {
    let name = doc_str(doc, "userName")
        .ok_or_else(|| ApiError::internal("SCIM user document without userName"))?;
    Ok((
        name.to_string(),
        doc_str(doc, "externalId").map(str::to_string),
        is_active(doc),
    ))
}

fn write_emails(tx: &Conn, u: &ResourceRow) -> ApiResult<()> {
    tx.exec(
        "DELETE FROM scim_user_emails WHERE user_id = ?1 AND developer_id = ?2",
        args![&u.id, &u.developer_id],
    )?;
    for key in email_keys(&u.doc) {
        tx.exec(
            "INSERT INTO scim_user_emails (developer_id, user_id, email_key) VALUES (?1, ?2, ?3)",
            args![&u.developer_id, &u.id, key],
        )?;
    }
    Ok(())
}

/// Inserts a user (the caller checked [`user_name_taken`] in the same transaction).
pub fn insert_user(tx: &Conn, u: &ResourceRow) -> ApiResult<()> {
    let (name, external, active) = user_columns(&u.doc)?;
    tx.exec(
        "INSERT INTO scim_users (id, developer_id, user_name, user_name_key, external_id, active, doc, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        args![
            &u.id,
            &u.developer_id,
            &name,
            fold(&name),
            external,
            active,
            serde_json::to_string(&u.doc)?,
            u.version,
            u.created_at,
            u.updated_at
        ],
    )?;
    write_emails(tx, u)
}

/// Stores a user's new document, version and time.
pub fn update_user(tx: &Conn, u: &ResourceRow) -> ApiResult<()> {
    let (name, external, active) = user_columns(&u.doc)?;
    tx.exec(
        "UPDATE scim_users SET user_name = ?3, user_name_key = ?4, external_id = ?5, active = ?6, doc = ?7,
                version = ?8, updated_at = ?9
         WHERE id = ?1 AND developer_id = ?2",
        args![
            &u.id,
            &u.developer_id,
            &name,
            fold(&name),
            external,
            active,
            serde_json::to_string(&u.doc)?,
            u.version,
            u.updated_at
        ],
    )?;
    write_emails(tx, u)
}

pub fn find_user(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<ResourceRow>> {
    c.query_opt(
        &format!("SELECT {RESOURCE} FROM scim_users WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        resource,
    )
}

/// Deletes a user, its e-mail keys and its group memberships rows (the groups' documents are
/// the caller's to update first) and leaves a tombstone, so the principal stays deprovisioned
/// ([`principal_deactivated`]); `false` if the developer has no such user.
pub fn delete_user(tx: &Conn, developer_id: &str, id: &str, now: i64) -> ApiResult<bool> {
    let n = tx.exec(
        "DELETE FROM scim_users WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    if n == 0 {
        return Ok(false);
    }
    tx.exec(
        "DELETE FROM scim_user_emails WHERE user_id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    tx.exec(
        "DELETE FROM scim_group_members WHERE developer_id = ?1 AND member_id = ?2",
        args![developer_id, id],
    )?;
    tx.exec(
        "INSERT INTO scim_user_tombstones (developer_id, user_id, deleted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (developer_id, user_id) DO NOTHING",
        args![developer_id, id, now],
    )?;
    Ok(true)
}

/// An equality every listed resource must satisfy, which an index answers.
#[derive(Debug, Clone)]
pub enum Lookup {
    Id(String),
    /// `userName` (users) or `displayName` (groups), case-insensitively.
    Name(String),
    ExternalId(String),
}

/// Which table of resources a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Users,
    Groups,
}

impl Table {
    fn parts(self) -> (&'static str, &'static str) {
        match self {
            Table::Users => ("scim_users", "user_name_key"),
            Table::Groups => ("scim_groups", "display_name_key"),
        }
    }
}

fn lookup_clause(l: Option<&Lookup>, name_column: &str) -> (String, Option<String>) {
    match l {
        None => (String::new(), None),
        Some(Lookup::Id(v)) => (" AND id = ?2".into(), Some(v.clone())),
        Some(Lookup::Name(v)) => (format!(" AND {name_column} = ?2"), Some(fold(v))),
        Some(Lookup::ExternalId(v)) => (" AND external_id = ?2".into(), Some(v.clone())),
    }
}

/// The stored version of one of the developer's resources, if it exists.
pub fn version(c: &Conn, table: Table, developer_id: &str, id: &str) -> ApiResult<Option<i64>> {
    let (t, _) = table.parts();
    c.query_opt(
        &format!("SELECT version FROM {t} WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        |r| r.i64(0),
    )
}

/// How many of the developer's resources satisfy `lookup` (an index answers; no document read).
pub fn count(
    c: &Conn,
    table: Table,
    developer_id: &str,
    lookup: Option<&Lookup>,
) -> ApiResult<u64> {
    let (t, name_column) = table.parts();
    let (clause, value) = lookup_clause(lookup, name_column);
    let sql = format!("SELECT COUNT(*) FROM {t} WHERE developer_id = ?1{clause}");
    let n = match value {
        None => c.query_one(&sql, args![developer_id], |r| r.i64(0))?,
        Some(v) => c.query_one(&sql, args![developer_id, v], |r| r.i64(0))?,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One page of the developer's resources satisfying `lookup`, oldest first: `limit` rows after
/// skipping `offset`.
pub fn page(
    c: &Conn,
    table: Table,
    developer_id: &str,
    lookup: Option<&Lookup>,
    offset: u64,
    limit: u64,
) -> ApiResult<Vec<ResourceRow>> {
    let (t, name_column) = table.parts();
    let (clause, value) = lookup_clause(lookup, name_column);
    let (lim, off) = match value {
        None => ("?2", "?3"),
        Some(_) => ("?3", "?4"),
    };
    let sql = format!(
        "SELECT {RESOURCE} FROM {t} WHERE developer_id = ?1{clause} ORDER BY created_at, id LIMIT {lim} OFFSET {off}"
    );
    match value {
        None => c.query_all(&sql, args![developer_id, limit, offset], resource),
        Some(v) => c.query_all(&sql, args![developer_id, v, limit, offset], resource),
    }
}

/// At most `limit` of the developer's resources satisfying `lookup`, oldest first, that come
/// after `after` (`(created_at, id)` of the last row of the previous batch): a listing read in
/// batches, so the memory it holds stays bounded.
pub fn batch(
    c: &Conn,
    table: Table,
    developer_id: &str,
    lookup: Option<&Lookup>,
    after: Option<&(i64, String)>,
    limit: u64,
) -> ApiResult<Vec<ResourceRow>> {
    let (t, name_column) = table.parts();
    let (clause, value) = lookup_clause(lookup, name_column);
    let n = if value.is_some() { 3 } else { 2 };
    let keyset = match after {
        None => String::new(),
        Some(_) => format!(
            " AND (created_at > ?{a} OR (created_at = ?{a} AND id > ?{b}))",
            a = n + 1,
            b = n + 2
        ),
    };
    let sql = format!(
        "SELECT {RESOURCE} FROM {t} WHERE developer_id = ?1{clause}{keyset} ORDER BY created_at, id LIMIT ?{n}"
    );
    match (value, after) {
        (None, None) => c.query_all(&sql, args![developer_id, limit], resource),
        (None, Some((at, id))) => c.query_all(&sql, args![developer_id, limit, *at, id], resource),
        (Some(v), None) => c.query_all(&sql, args![developer_id, v, limit], resource),
        (Some(v), Some((at, id))) => {
            c.query_all(&sql, args![developer_id, v, limit, *at, id], resource)
        }
    }
}

/// The user a login names: `email_or_username` matched case-insensitively against `userName`
/// and every `emails.value` of the developer's provisioned users. `(user id, active)`; the
/// user id is the principal id of that user's grants. When several users match, a `userName`
/// match wins, then the oldest user. For the SSO login (`store::sso::principal_for_login`).
pub fn find_login_user(
    c: &Conn,
    developer_id: &str,
    email_or_username: &str,
) -> ApiResult<Option<(String, bool)>> {
    let key = fold(email_or_username);
    let by_name = c.query_opt(
        "SELECT id, active FROM scim_users WHERE developer_id = ?1 AND user_name_key = ?2",
        args![developer_id, &key],
        |r| Ok((r.str(0)?, r.bool(1)?)),
    )?;
    if by_name.is_some() {
        return Ok(by_name);
    }
    c.query_opt(
        "SELECT u.id, u.active FROM scim_user_emails e JOIN scim_users u ON u.id = e.user_id
         WHERE e.developer_id = ?1 AND e.email_key = ?2 ORDER BY u.created_at, u.id",
        args![developer_id, &key],
        |r| Ok((r.str(0)?, r.bool(1)?)),
    )
}

/// Whether `principal_id` is one of the developer's provisioned users and deactivated, or a
/// user the developer's identity provider deleted (a tombstone): such a principal gets no new
/// grant (its grants were revoked when it was deprovisioned), whoever asks.
pub fn principal_deactivated(c: &Conn, developer_id: &str, principal_id: &str) -> ApiResult<bool> {
    let active = c.query_opt(
        "SELECT active FROM scim_users WHERE developer_id = ?1 AND id = ?2",
        args![developer_id, principal_id],
        |r| r.bool(0),
    )?;
    match active {
        Some(active) => Ok(!active),
        None => c.query_one(
            "SELECT EXISTS(SELECT 1 FROM scim_user_tombstones WHERE developer_id = ?1 AND user_id = ?2)",
            args![developer_id, principal_id],
            |r| r.bool(0),
        ),
    }
}

/// A group document's member ids.
pub fn member_ids(doc: &Map<String, Value>) -> Vec<String> {
    let mut ids: Vec<String> = doc
        .get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids.dedup();
    ids
}

fn group_columns(doc: &Map<String, Value>) -> ApiResult<(String, Option<String>)> {
    let name = doc_str(doc, "displayName")
        .ok_or_else(|| ApiError::internal("SCIM group document without displayName"))?;
    Ok((
        name.to_string(),
        doc_str(doc, "externalId").map(str::to_string),
    ))
}

/// Brings the membership rows of group `g` to its document's members (added and removed only).
fn write_members(tx: &Conn, g: &ResourceRow) -> ApiResult<()> {
    let want = member_ids(&g.doc);
    let have: Vec<String> = tx.query_all(
        "SELECT member_id FROM scim_group_members WHERE group_id = ?1 AND developer_id = ?2",
        args![&g.id, &g.developer_id],
        |r| r.str(0),
    )?;
    for gone in have.iter().filter(|m| want.binary_search(m).is_err()) {
        tx.exec(
            "DELETE FROM scim_group_members WHERE group_id = ?1 AND member_id = ?2 AND developer_id = ?3",
            args![&g.id, gone, &g.developer_id],
        )?;
    }
    let have: std::collections::HashSet<&String> = have.iter().collect();
    for new in want.iter().filter(|m| !have.contains(m)) {
        tx.exec(
            "INSERT INTO scim_group_members (group_id, developer_id, member_id) VALUES (?1, ?2, ?3)",
            args![&g.id, &g.developer_id, new],
        )?;
    }
    Ok(())
}

pub fn insert_group(tx: &Conn, g: &ResourceRow) -> ApiResult<()> {
    let (name, external) = group_columns(&g.doc)?;
    tx.exec(
        "INSERT INTO scim_groups (id, developer_id, display_name, display_name_key, external_id, doc, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        args![
            &g.id,
            &g.developer_id,
            &name,
            fold(&name),
            external,
            serde_json::to_string(&g.doc)?,
            g.version,
            g.created_at,
            g.updated_at
        ],
    )?;
    write_members(tx, g)
}

pub fn update_group(tx: &Conn, g: &ResourceRow) -> ApiResult<()> {
    let (name, external) = group_columns(&g.doc)?;
    tx.exec(
        "UPDATE scim_groups SET display_name = ?3, display_name_key = ?4, external_id = ?5, doc = ?6,
                version = ?7, updated_at = ?8
         WHERE id = ?1 AND developer_id = ?2",
        args![
            &g.id,
            &g.developer_id,
            &name,
            fold(&name),
            external,
            serde_json::to_string(&g.doc)?,
            g.version,
            g.updated_at
        ],
    )?;
    write_members(tx, g)
}

pub fn find_group(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<ResourceRow>> {
    c.query_opt(
        &format!("SELECT {RESOURCE} FROM scim_groups WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        resource,
    )
}

/// Deletes a group and its membership rows (also where it is a member); `false` if the
/// developer has no such group.
pub fn delete_group(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    let n = tx.exec(
        "DELETE FROM scim_groups WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    tx.exec(
        "DELETE FROM scim_group_members WHERE group_id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    tx.exec(
        "DELETE FROM scim_group_members WHERE developer_id = ?1 AND member_id = ?2",
        args![developer_id, id],
    )?;
    Ok(n == 1)
}

/// The developer's groups that list `member_id` as a member.
pub fn groups_with_member(
    c: &Conn,
    developer_id: &str,
    member_id: &str,
) -> ApiResult<Vec<ResourceRow>> {
    c.query_all(
        &format!(
            "SELECT {RESOURCE} FROM scim_groups WHERE developer_id = ?1 AND id IN
               (SELECT group_id FROM scim_group_members WHERE developer_id = ?1 AND member_id = ?2)
             ORDER BY created_at, id"
        ),
        args![developer_id, member_id],
        resource,
    )
}

/// `(group id, displayName)` of every group of the developer that lists `member_id`.
pub fn memberships(
    c: &Conn,
    developer_id: &str,
    member_id: &str,
) -> ApiResult<Vec<(String, String)>> {
    c.query_all(
        "SELECT g.id, g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
         WHERE m.developer_id = ?1 AND m.member_id = ?2 ORDER BY g.created_at, g.id",
        args![developer_id, member_id],
        |r| Ok((r.str(0)?, r.str(1)?)),
    )
}

/// Most ids in one `IN (…)` list.
const IN_CHUNK: usize = 500;

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(group id, displayName)` of the groups of the developer that list each of `member_ids`
/// (the users of one page or batch of a listing), in one query per 500 ids.
pub fn memberships_of(
    c: &Conn,
    developer_id: &str,
    member_ids: &[&str],
) -> ApiResult<HashMap<String, Vec<(String, String)>>> {
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for chunk in member_ids.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT m.member_id, g.id, g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
             WHERE m.developer_id = ?1 AND m.member_id IN ({}) ORDER BY g.created_at, g.id",
            placeholders(2, chunk.len())
        );
        let mut a: Vec<Arg<'_>> = vec![Arg::from(developer_id)];
        a.extend(chunk.iter().map(|id| Arg::from(*id)));
        c.each(&sql, &a, &mut |r| {
            out.entry(r.str(0)?)
                .or_default()
                .push((r.str(1)?, r.str(2)?));
            Ok(true)
        })?;
    }
    Ok(out)
}

/// `User` or `Group` for each of `ids` that is one of the developer's users or groups (ids of
/// neither are absent), in a few queries per 500 ids.
pub fn member_types(
    c: &Conn,
    developer_id: &str,
    ids: &[&str],
) -> ApiResult<HashMap<String, &'static str>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        for (table, kind) in [("scim_users", "User"), ("scim_groups", "Group")] {
            let sql = format!(
                "SELECT id FROM {table} WHERE developer_id = ?1 AND id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut a: Vec<Arg<'_>> = vec![Arg::from(developer_id)];
            a.extend(chunk.iter().map(|id| Arg::from(*id)));
            c.each(&sql, &a, &mut |r| {
                out.insert(r.str(0)?, kind);
                Ok(true)
            })?;
        }
    }
    Ok(out)
}

/// Deprovisioning: revokes every active grant whose principal is `principal_id` (with the
/// usual cascade to delegated grants, each audited as `grantex.grant.revoked` with cause
/// `deprovisioned`) and ends the principal's sessions. Returns the number of grants revoked
/// directly (their descendants not counted).
pub fn deprovision(
    tx: &Conn,
    developer_id: &str,
    principal_id: &str,
    now: i64,
) -> ApiResult<usize> {
    let ids = tx.query_all(
        "SELECT id FROM grants WHERE developer_id = ?1 AND principal_id = ?2 AND status = 'active'
         ORDER BY issued_at, id",
        args![developer_id, principal_id],
        |r| r.str(0),
    )?;
    let mut revoked = 0;
    for id in &ids {
        // A grant delegated from an earlier one may already be revoked by its cascade.
        if revoke_grant(tx, developer_id, id, now, Cause::Deprovisioned)?.is_some() {
            revoked += 1;
        }
    }
    super::sessions::revoke_all(tx, developer_id, principal_id, now)?;
    super::sso::end_principal_sessions(tx, developer_id, principal_id)?;
    Ok(revoked)
}
