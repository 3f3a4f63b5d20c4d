//! `developers` rows. API keys are stored only as SHA-256 hex.

use super::sql::{args, Row};
use super::Conn;
use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use grantex::types::Mode;

const COLUMNS: &str = "id, name, email, mode, fido_rp_name, created_at, api_key_hash";

pub fn mode_from_str(s: &str) -> Mode {
    if s == "sandbox" {
        Mode::Sandbox
    } else {
        Mode::Live
    }
}

pub fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Live => "live",
        Mode::Sandbox => "sandbox",
    }
}

fn from_row(r: &Row<'_>) -> ApiResult<Developer> {
    Ok(Developer {
        id: r.str(0)?,
        name: r.str(1)?,
        email: r.opt_str(2)?,
        mode: mode_from_str(&r.str(3)?),
        fido_rp_name: r.opt_str(4)?,
        created_at: r.i64(5)?,
        api_key_hash: r.str(6)?,
    })
}

/// The developer owning `api_key` (lookup by SHA-256, then a constant-time compare).
pub fn by_api_key(c: &Conn, api_key: &str) -> ApiResult<Option<Developer>> {
    let hash = ids::sha256_hex(api_key.as_bytes());
    let found = c.query_opt(
        &format!("SELECT {COLUMNS} FROM developers WHERE api_key_hash = ?1"),
        args![&hash],
        from_row,
    )?;
    Ok(found.filter(|d| ids::ct_eq(d.api_key_hash.as_bytes(), hash.as_bytes())))
}

/// Whether developer `id` exists.
pub fn exists(c: &Conn, id: &str) -> ApiResult<bool> {
    Ok(
        c.query_opt("SELECT 1 FROM developers WHERE id = ?1", args![id], |_| {
            Ok(())
        })?
        .is_some(),
    )
}

/// The developer's display name (empty if unknown).
pub fn name(c: &Conn, id: &str) -> ApiResult<String> {
    Ok(c.query_opt(
        "SELECT name FROM developers WHERE id = ?1",
        args![id],
        |r| r.str(0),
    )?
    .unwrap_or_default())
}

/// Inserts a developer holding `api_key` (stored hashed). A taken email is 409.
pub fn insert(
    tx: &Conn,
    id: &str,
    name: &str,
    email: Option<&str>,
    mode: Mode,
    api_key: &str,
    now: i64,
) -> ApiResult<()> {
    if let Some(e) = email {
        // Checked first (inside the write transaction, so no race): one message on every backend.
        let taken = tx
            .query_opt(
                "SELECT 1 FROM developers WHERE lower(email) = lower(?1)",
                args![e],
                |_| Ok(()),
            )?
            .is_some();
        if taken {
            return Err(ApiError::conflict(
                "A developer with this email already exists",
            ));
        }
    }
    tx.exec(
        "INSERT INTO developers (id, name, email, mode, api_key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![id, name, email, mode_str(mode), ids::sha256_hex(api_key.as_bytes()), now],
    )?;
    Ok(())
}

pub fn set_name(tx: &Conn, id: &str, name: &str) -> ApiResult<()> {
    tx.exec(
        "UPDATE developers SET name = ?1 WHERE id = ?2",
        args![name, id],
    )?;
    Ok(())
}

pub fn set_fido_rp_name(tx: &Conn, id: &str, name: &str) -> ApiResult<()> {
    tx.exec(
        "UPDATE developers SET fido_rp_name = ?1 WHERE id = ?2",
        args![name, id],
    )?;
    Ok(())
}

/// Swaps the key hash if it is still `old_hash` (so of two concurrent rotations with one key
/// exactly one succeeds). `true` when it did.
pub fn replace_api_key(tx: &Conn, id: &str, old_hash: &str, new_hash: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE developers SET api_key_hash = ?1 WHERE id = ?2 AND api_key_hash = ?3",
        args![new_hash, id, old_hash],
    )? == 1)
}

/// Whether developer `id` is in sandbox mode (false if unknown).
pub fn is_sandbox(c: &Conn, id: &str) -> ApiResult<bool> {
    Ok(c.query_opt(
        "SELECT mode FROM developers WHERE id = ?1",
        args![id],
        |r| r.str(0),
    )?
    .is_some_and(|m| mode_from_str(&m) == Mode::Sandbox))
}
