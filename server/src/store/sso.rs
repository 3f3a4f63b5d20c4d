//! Single sign-on records: `sso_connections` (a developer's identity providers), `sso_configs`
//! (the legacy single OIDC configuration), `sso_logins` (logins in flight, single use),
//! `sso_sessions` (what a login opened) and `sso_assertions` (SAML assertion ids already
//! accepted). Secrets are stored sealed (see `crate::vault`), never in plaintext.

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use std::collections::BTreeMap;

/// A sealed secret: the ciphertext, its data key wrapped by vault KEK `kek_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret {
    pub sealed: String,
    pub wrapped_dek: String,
    pub kek_id: String,
}

/// One SSO connection.
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub id: String,
    pub developer_id: String,
    pub name: String,
    pub protocol: String,
    pub status: String,
    pub issuer_url: Option<String>,
    pub client_id: Option<String>,
    pub secret: Option<SealedSecret>,
    pub idp_entity_id: Option<String>,
    pub idp_sso_url: Option<String>,
    pub idp_certificate: Option<String>,
    pub sp_entity_id: Option<String>,
    pub sp_acs_url: Option<String>,
    pub domains: Vec<String>,
    pub jit_provisioning: bool,
    pub enforce: bool,
    pub group_attribute: Option<String>,
    pub group_mappings: BTreeMap<String, Vec<String>>,
    pub default_scopes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const CONNECTION: &str = "id, developer_id, name, protocol, status, issuer_url, client_id, \
     secret_sealed, wrapped_dek, kek_id, idp_entity_id, idp_sso_url, idp_certificate, \
     sp_entity_id, sp_acs_url, domains, jit_provisioning, enforce, group_attribute, \
     group_mappings, default_scopes, created_at, updated_at";

fn connection(r: &Row<'_>) -> ApiResult<ConnectionRow> {
    let secret = match (r.opt_str(7)?, r.opt_str(8)?, r.opt_str(9)?) {
        (Some(sealed), Some(wrapped_dek), Some(kek_id)) => Some(SealedSecret {
            sealed,
            wrapped_dek,
            kek_id,
        }),
        _ => None,
    };
    Ok(ConnectionRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        name: r.str(2)?,
        protocol: r.str(3)?,
        status: r.str(4)?,
        issuer_url: r.opt_str(5)?,
        client_id: r.opt_str(6)?,
        secret,
        idp_entity_id: r.opt_str(10)?,
        idp_sso_url: r.opt_str(11)?,
        idp_certificate: r.opt_str(12)?,
        sp_entity_id: r.opt_str(13)?,
        sp_acs_url: r.opt_str(14)?,
        domains: r.json(15)?,
        jit_provisioning: r.bool(16)?,
        enforce: r.bool(17)?,
        group_attribute: r.opt_str(18)?,
        group_mappings: r.json(19)?,
        default_scopes: r.json(20)?,
        created_at: r.i64(21)?,
        updated_at: r.i64(22)?,
    })
}

/// Inserts `c`, or replaces the row with its id (an update writes the whole merged row).
pub fn put_connection(tx: &Conn, c: &ConnectionRow, insert: bool) -> ApiResult<()> {
    let s = c.secret.as_ref();
    let values = args![
        &c.id,
        &c.developer_id,
        &c.name,
        &c.protocol,
        &c.status,
        &c.issuer_url,
        &c.client_id,
        s.map(|s| s.sealed.as_str()),
        s.map(|s| s.wrapped_dek.as_str()),
        s.map(|s| s.kek_id.as_str()),
        &c.idp_entity_id,
        &c.idp_sso_url,
        &c.idp_certificate,
        &c.sp_entity_id,
        &c.sp_acs_url,
        serde_json::to_string(&c.domains)?,
        c.jit_provisioning,
        c.enforce,
        &c.group_attribute,
        serde_json::to_string(&c.group_mappings)?,
        serde_json::to_string(&c.default_scopes)?,
        c.created_at,
        c.updated_at
    ];
    if insert {
        tx.exec(
            &format!(
                "INSERT INTO sso_connections ({CONNECTION}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                 ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
            ),
            values,
        )?;
    } else {
        tx.exec(
            "UPDATE sso_connections SET name = ?3, protocol = ?4, status = ?5, issuer_url = ?6,
                 client_id = ?7, secret_sealed = ?8, wrapped_dek = ?9, kek_id = ?10,
                 idp_entity_id = ?11, idp_sso_url = ?12, idp_certificate = ?13, sp_entity_id = ?14,
                 sp_acs_url = ?15, domains = ?16, jit_provisioning = ?17, enforce = ?18,
                 group_attribute = ?19, group_mappings = ?20, default_scopes = ?21,
                 created_at = ?22, updated_at = ?23
             WHERE id = ?1 AND developer_id = ?2",
            values,
        )?;
    }
    Ok(())
}

pub fn find_connection(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<ConnectionRow>> {
    c.query_opt(
        &format!("SELECT {CONNECTION} FROM sso_connections WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        connection,
    )
}

/// The developer's connections, oldest first (as the reference lists them).
pub fn list_connections(c: &Conn, developer_id: &str) -> ApiResult<Vec<ConnectionRow>> {
    c.query_all(
        &format!(
            "SELECT {CONNECTION} FROM sso_connections WHERE developer_id = ?1
             ORDER BY created_at, id"
        ),
        args![developer_id],
        connection,
    )
}

/// The active connection a login for `domain` uses: the oldest active one listing the domain
/// (case-insensitive), else the oldest active one.
pub fn resolve_connection(
    c: &Conn,
    developer_id: &str,
    domain: Option<&str>,
) -> ApiResult<Option<ConnectionRow>> {
    let active: Vec<ConnectionRow> = list_connections(c, developer_id)?
        .into_iter()
        .filter(|r| r.status == "active")
        .collect();
    if let Some(d) = domain {
        if let Some(r) = active
            .iter()
            .find(|r| r.domains.iter().any(|x| x.eq_ignore_ascii_case(d)))
        {
            return Ok(Some(r.clone()));
        }
    }
    Ok(active.into_iter().next())
}

/// Ends a connection's sessions (revoking the principal sessions they issued) and its logins
/// in flight: the connection was deleted, deactivated, or now trusts another provider.
pub fn end_connection_sessions(tx: &Conn, developer_id: &str, id: &str, now: i64) -> ApiResult<()> {
    let jtis = tx.query_all(
        "SELECT principal_jti FROM sso_sessions WHERE connection_id = ?1 AND developer_id = ?2",
        args![id, developer_id],
        |r| r.str(0),
    )?;
    for jti in &jtis {
        super::sessions::revoke_one(tx, jti, developer_id, now)?;
    }
    tx.exec(
        "DELETE FROM sso_sessions WHERE connection_id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    tx.exec(
        "DELETE FROM sso_logins WHERE connection_id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    Ok(())
}

/// Deletes a connection, its sessions and its logins in flight; `false` if there was no such
/// connection.
pub fn delete_connection(tx: &Conn, developer_id: &str, id: &str, now: i64) -> ApiResult<bool> {
    end_connection_sessions(tx, developer_id, id, now)?;
    Ok(tx.exec(
        "DELETE FROM sso_connections WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

/// Org-wide enforcement: sets `enforce` on every active connection (as the reference does).
pub fn set_enforce(tx: &Conn, developer_id: &str, enforce: bool, now: i64) -> ApiResult<usize> {
    tx.exec(
        "UPDATE sso_connections SET enforce = ?2, updated_at = ?3
         WHERE developer_id = ?1 AND status = 'active'",
        args![developer_id, enforce, now],
    )
}

/// The developer's active OIDC/SAML connections other than `except`.
pub fn other_active(c: &Conn, developer_id: &str, except: &str) -> ApiResult<i64> {
    c.query_one(
        "SELECT COUNT(*) FROM sso_connections
         WHERE developer_id = ?1 AND status = 'active' AND protocol IN ('oidc', 'saml') AND id <> ?2",
        args![developer_id, except],
        |r| r.i64(0),
    )
}

/// Whether the developer has an active connection, and whether one of them enforces SSO.
pub fn sso_state(c: &Conn, developer_id: &str) -> ApiResult<(bool, bool)> {
    c.query_one(
        "SELECT COUNT(*), COALESCE(MAX(enforce), 0) FROM sso_connections
         WHERE developer_id = ?1 AND status = 'active' AND protocol IN ('oidc', 'saml')",
        args![developer_id],
        |r| Ok((r.i64(0)? > 0, r.i64(1)? > 0)),
    )
}

/// The legacy single OIDC configuration.
#[derive(Debug, Clone)]
pub struct ConfigRow {
    pub developer_id: String,
    pub issuer_url: String,
    pub client_id: String,
    pub secret: SealedSecret,
    pub redirect_uri: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const CONFIG: &str = "developer_id, issuer_url, client_id, secret_sealed, wrapped_dek, kek_id, \
     redirect_uri, created_at, updated_at";

fn config(r: &Row<'_>) -> ApiResult<ConfigRow> {
    Ok(ConfigRow {
        developer_id: r.str(0)?,
        issuer_url: r.str(1)?,
        client_id: r.str(2)?,
        secret: SealedSecret {
            sealed: r.str(3)?,
            wrapped_dek: r.str(4)?,
            kek_id: r.str(5)?,
        },
        redirect_uri: r.str(6)?,
        created_at: r.i64(7)?,
        updated_at: r.i64(8)?,
    })
}

pub fn find_config(c: &Conn, developer_id: &str) -> ApiResult<Option<ConfigRow>> {
    c.query_opt(
        &format!("SELECT {CONFIG} FROM sso_configs WHERE developer_id = ?1"),
        args![developer_id],
        config,
    )
}

/// Creates or replaces the legacy configuration (keeping its creation time).
pub fn upsert_config(tx: &Conn, cfg: &ConfigRow) -> ApiResult<ConfigRow> {
    let created_at = find_config(tx, &cfg.developer_id)?.map_or(cfg.created_at, |c| c.created_at);
    tx.exec(
        "DELETE FROM sso_configs WHERE developer_id = ?1",
        args![&cfg.developer_id],
    )?;
    tx.exec(
        &format!("INSERT INTO sso_configs ({CONFIG}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        args![
            &cfg.developer_id,
            &cfg.issuer_url,
            &cfg.client_id,
            &cfg.secret.sealed,
            &cfg.secret.wrapped_dek,
            &cfg.secret.kek_id,
            &cfg.redirect_uri,
            created_at,
            cfg.updated_at
        ],
    )?;
    Ok(ConfigRow {
        created_at,
        ..cfg.clone()
    })
}

pub fn delete_config(tx: &Conn, developer_id: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "DELETE FROM sso_configs WHERE developer_id = ?1",
        args![developer_id],
    )? == 1)
}

/// The connection id logins of the legacy configuration carry.
pub const LEGACY_CONNECTION: &str = "legacy";

/// A login in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRow {
    pub state_hash: String,
    pub developer_id: String,
    /// A connection id, or [`LEGACY_CONNECTION`].
    pub connection_id: String,
    pub protocol: String,
    pub nonce: Option<String>,
    pub code_verifier: Option<String>,
    pub redirect_uri: Option<String>,
    pub return_to: Option<String>,
    pub saml_request_id: Option<String>,
    pub expires_at: i64,
}

const LOGIN: &str = "state_hash, developer_id, connection_id, protocol, nonce, code_verifier, \
     redirect_uri, return_to, saml_request_id, expires_at";

/// Records a login (and purges expired ones).
pub fn insert_login(tx: &Conn, l: &LoginRow, now: i64) -> ApiResult<()> {
    tx.exec("DELETE FROM sso_logins WHERE expires_at <= ?1", args![now])?;
    tx.exec(
        &format!(
            "INSERT INTO sso_logins ({LOGIN}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
        args![
            &l.state_hash,
            &l.developer_id,
            &l.connection_id,
            &l.protocol,
            &l.nonce,
            &l.code_verifier,
            &l.redirect_uri,
            &l.return_to,
            &l.saml_request_id,
            l.expires_at
        ],
    )?;
    Ok(())
}

/// Takes (deletes and returns) the unexpired login with this state hash: single use.
pub fn take_login(tx: &Conn, state_hash: &str, now: i64) -> ApiResult<Option<LoginRow>> {
    let row = tx.query_opt(
        &format!("SELECT {LOGIN} FROM sso_logins WHERE state_hash = ?1"),
        args![state_hash],
        |r| {
            Ok(LoginRow {
                state_hash: r.str(0)?,
                developer_id: r.str(1)?,
                connection_id: r.str(2)?,
                protocol: r.str(3)?,
                nonce: r.opt_str(4)?,
                code_verifier: r.opt_str(5)?,
                redirect_uri: r.opt_str(6)?,
                return_to: r.opt_str(7)?,
                saml_request_id: r.opt_str(8)?,
                expires_at: r.i64(9)?,
            })
        },
    )?;
    let Some(row) = row else { return Ok(None) };
    if tx.exec(
        "DELETE FROM sso_logins WHERE state_hash = ?1",
        args![state_hash],
    )? != 1
    {
        return Ok(None);
    }
    Ok((row.expires_at > now).then_some(row))
}

/// An SSO session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub developer_id: String,
    pub connection_id: String,
    pub principal_id: String,
    pub idp_subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub mapped_scopes: Vec<String>,
    /// The principal session token issued with this session.
    pub principal_jti: String,
    pub expires_at: i64,
    pub created_at: i64,
}

impl SessionRow {
    pub fn to_wire(&self) -> grantex::types::SsoSession {
        grantex::types::SsoSession {
            id: self.id.clone(),
            connection_id: self.connection_id.clone(),
            idp_subject: self.idp_subject.clone(),
            groups: self.groups.clone(),
            mapped_scopes: self.mapped_scopes.clone(),
            expires_at: crate::time::iso(self.expires_at),
            created_at: crate::time::iso(self.created_at),
            principal_id: Some(self.principal_id.clone()),
            email: self.email.clone(),
            name: self.name.clone(),
        }
    }
}

const SESSION: &str = "id, developer_id, connection_id, principal_id, idp_subject, email, name, \
     groups_json, mapped_scopes, principal_jti, expires_at, created_at";

fn session(r: &Row<'_>) -> ApiResult<SessionRow> {
    Ok(SessionRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        connection_id: r.str(2)?,
        principal_id: r.str(3)?,
        idp_subject: r.str(4)?,
        email: r.opt_str(5)?,
        name: r.opt_str(6)?,
        groups: r.json(7)?,
        mapped_scopes: r.json(8)?,
        principal_jti: r.str(9)?,
        expires_at: r.i64(10)?,
        created_at: r.i64(11)?,
    })
}

/// Records a session (and purges those expired a day ago).
pub fn insert_session(tx: &Conn, s: &SessionRow, now: i64) -> ApiResult<()> {
    tx.exec(
        "DELETE FROM sso_sessions WHERE expires_at < ?1",
        args![now - 86_400_000],
    )?;
    tx.exec(
        &format!(
            "INSERT INTO sso_sessions ({SESSION}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        args![
            &s.id,
            &s.developer_id,
            &s.connection_id,
            &s.principal_id,
            &s.idp_subject,
            &s.email,
            &s.name,
            serde_json::to_string(&s.groups)?,
            serde_json::to_string(&s.mapped_scopes)?,
            &s.principal_jti,
            s.expires_at,
            s.created_at
        ],
    )?;
    Ok(())
}

/// The developer's unexpired sessions, newest first.
pub fn live_sessions(c: &Conn, developer_id: &str, now: i64) -> ApiResult<Vec<SessionRow>> {
    c.query_all(
        &format!(
            "SELECT {SESSION} FROM sso_sessions WHERE developer_id = ?1 AND expires_at > ?2
             ORDER BY created_at DESC, id DESC LIMIT 1000"
        ),
        args![developer_id, now],
        session,
    )
}

/// The unexpired session `id` of (`developer_id`, `principal_id`), if any.
pub fn live_session(
    c: &Conn,
    id: &str,
    developer_id: &str,
    principal_id: &str,
    now: i64,
) -> ApiResult<Option<SessionRow>> {
    c.query_opt(
        &format!(
            "SELECT {SESSION} FROM sso_sessions
             WHERE id = ?1 AND developer_id = ?2 AND principal_id = ?3 AND expires_at > ?4"
        ),
        args![id, developer_id, principal_id, now],
        session,
    )
}

/// Ends session `id` and revokes its principal session token; `false` if there was none.
pub fn revoke_session(tx: &Conn, developer_id: &str, id: &str, now: i64) -> ApiResult<bool> {
    let row = tx.query_opt(
        &format!("SELECT {SESSION} FROM sso_sessions WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        session,
    )?;
    let Some(row) = row else { return Ok(false) };
    super::sessions::revoke_one(tx, &row.principal_jti, developer_id, now)?;
    tx.exec(
        "DELETE FROM sso_sessions WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )?;
    Ok(true)
}

/// Records SAML assertion `assertion_id` of a connection as used until `expires_at`; `false`
/// if it was already used (a replay). Purges expired records.
pub fn use_assertion(
    tx: &Conn,
    connection_id: &str,
    assertion_id: &str,
    expires_at: i64,
    now: i64,
) -> ApiResult<bool> {
    tx.exec(
        "DELETE FROM sso_assertions WHERE expires_at <= ?1",
        args![now],
    )?;
    let seen = tx.query_opt(
        "SELECT 1 FROM sso_assertions WHERE connection_id = ?1 AND assertion_id = ?2",
        args![connection_id, assertion_id],
        |r| r.i64(0),
    )?;
    if seen.is_some() {
        return Ok(false);
    }
    tx.exec(
        "INSERT INTO sso_assertions (assertion_id, connection_id, expires_at) VALUES (?1, ?2, ?3)",
        args![assertion_id, connection_id, expires_at.max(now + 60_000)],
    )?;
    Ok(true)
}

/// THE rule for who an SSO login signs in as. An e-mail address names the principal only when
/// the IdP verified it (`verified_email`) and the connection restricts its domains (so one
/// connection's IdP cannot assert another's users): then a user the developer provisioned
/// (SCIM) with that address or `userName` is its own principal — a deactivated one is refused
/// —, else the address itself (ASCII only, lowercased: no Unicode case folding). Otherwise the
/// principal is the IdP's subject within its connection, `sso:<connection id>:<subject>`.
pub fn principal_for_login(
    c: &Conn,
    developer_id: &str,
    connection_id: &str,
    domains_restricted: bool,
    verified_email: Option<&str>,
    idp_subject: &str,
) -> ApiResult<String> {
    let email = verified_email
        .map(str::trim)
        .filter(|e| !e.is_empty() && e.is_ascii() && domains_restricted);
    if let Some(e) = email {
        if let Some((user_id, active)) = super::scim::find_login_user(c, developer_id, e)? {
            if !active {
                return Err(crate::error::ApiError::principal_deprovisioned());
            }
            return Ok(user_id);
        }
        return Ok(e.to_ascii_lowercase());
    }
    Ok(format!("sso:{connection_id}:{idp_subject}"))
}

/// Ends every SSO session of a principal (its tokens are revoked by the caller, with the
/// principal's other sessions): deprovisioning.
pub fn end_principal_sessions(
    tx: &Conn,
    developer_id: &str,
    principal_id: &str,
) -> ApiResult<usize> {
    tx.exec(
        "DELETE FROM sso_sessions WHERE developer_id = ?1 AND principal_id = ?2",
        args![developer_id, principal_id],
    )
}
