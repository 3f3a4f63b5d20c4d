//! `signing_keys` (which keys exist, their purpose and status, the last expiry each signed) and
//! `issuers` (every issuer a deployment has used). The private keys themselves are files.

use super::sql::args;
use super::Conn;
use crate::error::ApiResult;

/// One row of `signing_keys`.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub kid: String,
    pub retired: bool,
    pub max_exp: i64,
    /// `live` or `sandbox`.
    pub purpose: String,
    /// The private key wrapped with the operator's key-encryption key, when it lives in the
    /// database (else it is a file in the data dir).
    pub wrapped_key: Option<String>,
}

/// Every key, oldest first.
pub fn all(c: &Conn) -> ApiResult<Vec<KeyRow>> {
    c.query_all(
        "SELECT kid, retired_at IS NOT NULL, max_exp, purpose, wrapped_key FROM signing_keys ORDER BY created_at, kid",
        args![],
        |r| {
            Ok(KeyRow {
                kid: r.str(0)?,
                retired: r.bool(1)?,
                max_exp: r.i64(2)?,
                purpose: r.str(3)?,
                wrapped_key: r.opt_str(4)?,
            })
        },
    )
}

pub fn exists(c: &Conn, kid: &str) -> ApiResult<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM signing_keys WHERE kid = ?1",
        args![kid],
        |_| Ok(()),
    )?
    .is_some())
}

/// Adds `kid` as the active key of `purpose`, retiring the other active keys of that purpose.
pub fn insert_active(
    tx: &Conn,
    kid: &str,
    purpose: &str,
    wrapped_key: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    tx.exec(
        "UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL AND purpose = ?2",
        args![now, purpose],
    )?;
    tx.exec(
        "INSERT INTO signing_keys (kid, created_at, max_exp, purpose, wrapped_key) VALUES (?1, ?2, 0, ?3, ?4)",
        args![kid, now, purpose, wrapped_key],
    )?;
    Ok(())
}

/// Raises the kid's recorded last expiry to `exp` (never lowers it).
pub fn raise_max_exp(tx: &Conn, kid: &str, exp: i64) -> ApiResult<()> {
    tx.exec(
        "UPDATE signing_keys SET max_exp = CASE WHEN max_exp > ?1 THEN max_exp ELSE ?1 END WHERE kid = ?2",
        args![exp, kid],
    )?;
    Ok(())
}

/// Records `issuer` (if new) and returns the other issuers used before, newest first.
pub fn record_issuer(tx: &Conn, issuer: &str, now: i64) -> ApiResult<Vec<String>> {
    tx.exec(
        "INSERT INTO issuers (issuer, first_used) VALUES (?1, ?2) ON CONFLICT (issuer) DO NOTHING",
        args![issuer, now],
    )?;
    tx.query_all(
        "SELECT issuer FROM issuers WHERE issuer <> ?1 ORDER BY first_used DESC",
        args![issuer],
        |r| r.str(0),
    )
}

/// The wrapped secret `name`, if stored.
pub fn secret(c: &Conn, name: &str) -> ApiResult<Option<String>> {
    c.query_opt(
        "SELECT wrapped FROM server_secrets WHERE name = ?1",
        args![name],
        |r| r.str(0),
    )
}

/// Stores secret `name` unless one is stored already (the first instance wins).
pub fn insert_secret(tx: &Conn, name: &str, wrapped: &str) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO server_secrets (name, wrapped) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        args![name, wrapped],
    )?;
    Ok(())
}
