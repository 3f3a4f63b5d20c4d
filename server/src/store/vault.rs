//! `vault_credentials` (sealed upstream credentials) and `vault_keks` (the vault's wrapped
//! key-encryption keys). The crypto is `crate::vault`'s; this module only stores its output.

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;
use crate::vault::{Sealed, WrappedKek};
use serde_json::Value;

/// A credential as listed: everything but the secrets.
#[derive(Debug, Clone)]
pub struct CredentialInfo {
    pub id: String,
    pub principal_id: String,
    pub service: String,
    pub credential_type: String,
    pub token_expires_at: Option<i64>,
    pub metadata: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CredentialInfo {
    /// The wire shape of the list and get answers.
    pub fn to_wire(&self) -> grantex::types::VaultCredential {
        grantex::types::VaultCredential {
            id: self.id.clone(),
            principal_id: self.principal_id.clone(),
            service: self.service.clone(),
            credential_type: self.credential_type.clone(),
            token_expires_at: self.token_expires_at.map(iso),
            metadata: self.metadata.clone(),
            created_at: iso(self.created_at),
            updated_at: iso(self.updated_at),
        }
    }
}

const INFO: &str = "id, principal_id, service, credential_type, token_expires_at, metadata, created_at, updated_at";

fn info(r: &Row<'_>) -> ApiResult<CredentialInfo> {
    Ok(CredentialInfo {
        id: r.str(0)?,
        principal_id: r.str(1)?,
        service: r.str(2)?,
        credential_type: r.str(3)?,
        token_expires_at: r.opt_i64(4)?,
        metadata: r.json(5)?,
        created_at: r.i64(6)?,
        updated_at: r.i64(7)?,
    })
}

/// A credential with its sealed columns (for the exchange).
#[derive(Debug, Clone)]
pub struct SealedCredential {
    pub info: CredentialInfo,
    pub sealed: Sealed,
}

fn sealed_row(r: &Row<'_>) -> ApiResult<SealedCredential> {
    Ok(SealedCredential {
        info: info(r)?,
        sealed: Sealed {
            access: r.str(8)?,
            refresh: r.opt_str(9)?,
            wrapped_dek: r.str(10)?,
            kek_id: r.str(11)?,
        },
    })
}

/// What a stored credential is made of.
#[derive(Debug)]
pub struct NewCredential<'a> {
    pub id: &'a str,
    pub developer_id: &'a str,
    pub principal_id: &'a str,
    pub service: &'a str,
    pub credential_type: &'a str,
    pub sealed: &'a Sealed,
    pub token_expires_at: Option<i64>,
    pub metadata: &'a Value,
}

/// The id of the developer's credential for (principal, service), if any.
pub fn id_for(
    c: &Conn,
    developer_id: &str,
    principal_id: &str,
    service: &str,
) -> ApiResult<Option<String>> {
    c.query_opt(
        "SELECT id FROM vault_credentials WHERE developer_id = ?1 AND principal_id = ?2 AND service = ?3",
        args![developer_id, principal_id, service],
        |r| r.str(0),
    )
}

/// Inserts the credential, or replaces the secrets and attributes of the developer's existing
/// one for (principal, service) — whose id the caller sealed with. Returns its creation time.
pub fn upsert(tx: &Conn, n: &NewCredential<'_>, now: i64) -> ApiResult<i64> {
    tx.exec(
        "INSERT INTO vault_credentials (id, developer_id, principal_id, service, credential_type,
             access_sealed, refresh_sealed, wrapped_dek, kek_id, token_expires_at, metadata,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
         ON CONFLICT (developer_id, principal_id, service) DO UPDATE SET
             credential_type = excluded.credential_type,
             access_sealed = excluded.access_sealed,
             refresh_sealed = excluded.refresh_sealed,
             wrapped_dek = excluded.wrapped_dek,
             kek_id = excluded.kek_id,
             token_expires_at = excluded.token_expires_at,
             metadata = excluded.metadata,
             updated_at = excluded.updated_at",
        args![
            n.id,
            n.developer_id,
            n.principal_id,
            n.service,
            n.credential_type,
            &n.sealed.access,
            &n.sealed.refresh,
            &n.sealed.wrapped_dek,
            &n.sealed.kek_id,
            n.token_expires_at,
            serde_json::to_string(n.metadata)?,
            now
        ],
    )?;
    c_created(tx, n.developer_id, n.id)
}

fn c_created(c: &Conn, developer_id: &str, id: &str) -> ApiResult<i64> {
    c.query_one(
        "SELECT created_at FROM vault_credentials WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
        |r| r.i64(0),
    )
}

/// The developer's credentials, newest first, optionally for one principal and/or service.
pub fn list(
    c: &Conn,
    developer_id: &str,
    principal_id: Option<&str>,
    service: Option<&str>,
) -> ApiResult<Vec<CredentialInfo>> {
    c.query_all(
        &format!(
            "SELECT {INFO} FROM vault_credentials
             WHERE developer_id = ?1
               AND (CAST(?2 AS TEXT) IS NULL OR principal_id = ?2)
               AND (CAST(?3 AS TEXT) IS NULL OR service = ?3)
             ORDER BY created_at DESC, id DESC"
        ),
        args![developer_id, principal_id, service],
        info,
    )
}

/// The developer's credential `id`.
pub fn find(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<CredentialInfo>> {
    c.query_opt(
        &format!("SELECT {INFO} FROM vault_credentials WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        info,
    )
}

/// The developer's credential for (principal, service), with its sealed columns.
pub fn find_sealed(
    c: &Conn,
    developer_id: &str,
    principal_id: &str,
    service: &str,
) -> ApiResult<Option<SealedCredential>> {
    c.query_opt(
        &format!(
            "SELECT {INFO}, access_sealed, refresh_sealed, wrapped_dek, kek_id
             FROM vault_credentials WHERE developer_id = ?1 AND principal_id = ?2 AND service = ?3"
        ),
        args![developer_id, principal_id, service],
        sealed_row,
    )
}

/// Deletes the developer's credential `id`; false when there was none.
pub fn delete(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "DELETE FROM vault_credentials WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

fn kek_row(r: &Row<'_>) -> ApiResult<WrappedKek> {
    Ok(WrappedKek {
        id: r.str(0)?,
        master_id: r.str(1)?,
        wrapped: r.str(2)?,
    })
}

/// The current vault KEK, if one was created.
pub fn current_kek(c: &Conn) -> ApiResult<Option<WrappedKek>> {
    c.query_opt(
        "SELECT id, master_id, wrapped FROM vault_keks WHERE status = 'current'",
        args![],
        kek_row,
    )
}

/// Every vault KEK (current and retired).
pub fn keks(c: &Conn) -> ApiResult<Vec<WrappedKek>> {
    c.query_all(
        "SELECT id, master_id, wrapped FROM vault_keks ORDER BY created_at, id",
        args![],
        kek_row,
    )
}

/// The vault KEK `id` (current or retired).
pub fn kek(c: &Conn, id: &str) -> ApiResult<Option<WrappedKek>> {
    c.query_opt(
        "SELECT id, master_id, wrapped FROM vault_keks WHERE id = ?1",
        args![id],
        kek_row,
    )
}

/// Makes `k` the current KEK, retiring the previous one.
pub fn insert_current_kek(tx: &Conn, k: &WrappedKek, now: i64) -> ApiResult<()> {
    tx.exec(
        "UPDATE vault_keks SET status = 'retired' WHERE status = 'current'",
        args![],
    )?;
    tx.exec(
        "INSERT INTO vault_keks (id, master_id, wrapped, status, created_at)
         VALUES (?1, ?2, ?3, 'current', ?4)",
        args![&k.id, &k.master_id, &k.wrapped, now],
    )?;
    Ok(())
}

/// A row whose data key a rotation re-wraps.
#[derive(Debug, Clone)]
pub struct WrappedRow {
    pub id: String,
    pub developer_id: String,
    pub principal_id: String,
    pub service: String,
    pub wrapped_dek: String,
    pub kek_id: String,
}

/// Up to `limit` rows (by id, after `after`) whose data key is not wrapped by `kek_id`.
pub fn rows_not_under(
    c: &Conn,
    kek_id: &str,
    after: &str,
    limit: u32,
) -> ApiResult<Vec<WrappedRow>> {
    c.query_all(
        "SELECT id, developer_id, principal_id, service, wrapped_dek, kek_id FROM vault_credentials
         WHERE kek_id <> ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        args![kek_id, after, limit],
        |r| {
            Ok(WrappedRow {
                id: r.str(0)?,
                developer_id: r.str(1)?,
                principal_id: r.str(2)?,
                service: r.str(3)?,
                wrapped_dek: r.str(4)?,
                kek_id: r.str(5)?,
            })
        },
    )
}

/// Replaces a row's wrapped data key if it is still the one read (`old`); false otherwise (the
/// credential was replaced or deleted meanwhile, under the current KEK).
pub fn rewrap(
    tx: &Conn,
    old: &WrappedRow,
    new_wrapped_dek: &str,
    new_kek_id: &str,
) -> ApiResult<bool> {
    Ok(tx.exec(
        "UPDATE vault_credentials SET wrapped_dek = ?1, kek_id = ?2
         WHERE id = ?3 AND kek_id = ?4 AND wrapped_dek = ?5",
        args![
            new_wrapped_dek,
            new_kek_id,
            &old.id,
            &old.kek_id,
            &old.wrapped_dek
        ],
    )? == 1)
}

/// Deletes the retired KEKs no credential uses any more; their ids.
pub fn delete_unused_keks(tx: &Conn) -> ApiResult<Vec<String>> {
    let unused = tx.query_all(
        "SELECT id FROM vault_keks WHERE status = 'retired'
           AND NOT EXISTS (SELECT 1 FROM vault_credentials WHERE kek_id = vault_keks.id)
           AND NOT EXISTS (SELECT 1 FROM sso_connections WHERE kek_id = vault_keks.id)
           AND NOT EXISTS (SELECT 1 FROM sso_configs WHERE kek_id = vault_keks.id)",
        args![],
        |r| r.str(0),
    )?;
    for id in &unused {
        tx.exec("DELETE FROM vault_keks WHERE id = ?1", args![id])?;
    }
    Ok(unused)
}
