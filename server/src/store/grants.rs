//! Grant rows, their API shape, and the "is this token active" lookup shared by online verify,
//! grant verify and delegation.

use super::sql::{args, Arg, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::{iso, now_ms, now_secs};
use grantex::types::Grant;

/// One row of `grants`.
#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: String,
    pub developer_id: String,
    pub agent_id: String,
    pub agent_did: String,
    pub principal_id: String,
    pub scopes: Vec<String>,
    pub status: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub audience: Option<String>,
    pub parent_grant_id: Option<String>,
    pub parent_agent_did: Option<String>,
    pub delegation_depth: u32,
    pub purpose: Option<String>,
    pub data_region: Option<String>,
    /// RFC 7638 thumbprint of the agent key the grant's tokens are bound to (`cnf.jkt`): the
    /// agent's registered `publicJwk` when the grant was issued.
    pub key_thumbprint: Option<String>,
}

pub const COLUMNS: &str = "id, developer_id, agent_id, agent_did, principal_id, scopes, status, issued_at, expires_at, \
                           revoked_at, audience, parent_grant_id, parent_agent_did, delegation_depth, purpose, data_region, key_thumbprint";

pub fn from_row(r: &Row<'_>) -> ApiResult<GrantRow> {
    Ok(GrantRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        agent_id: r.str(2)?,
        agent_did: r.str(3)?,
        principal_id: r.str(4)?,
        scopes: r.json(5)?,
        status: r.str(6)?,
        issued_at: r.i64(7)?,
        expires_at: r.i64(8)?,
        revoked_at: r.opt_i64(9)?,
        audience: r.opt_str(10)?,
        parent_grant_id: r.opt_str(11)?,
        parent_agent_did: r.opt_str(12)?,
        delegation_depth: r.u32(13)?,
        purpose: r.opt_str(14)?,
        data_region: r.opt_str(15)?,
        key_thumbprint: r.opt_str(16)?,
    })
}

impl GrantRow {
    /// `active`, `revoked`, or `expired` (derived at read time; the table keeps `active`).
    pub fn effective_status(&self, now_ms: i64) -> &str {
        if self.status == "active" && self.expires_at <= now_ms {
            "expired"
        } else {
            &self.status
        }
    }

    pub fn to_api(&self) -> Grant {
        Grant {
            grant_id: self.id.clone(),
            agent_id: self.agent_id.clone(),
            agent_did: self.agent_did.clone(),
            principal_id: self.principal_id.clone(),
            developer_id: self.developer_id.clone(),
            scopes: self.scopes.clone(),
            status: self.effective_status(now_ms()).to_string(),
            issued_at: iso(self.issued_at),
            expires_at: iso(self.expires_at),
            revoked_at: self.revoked_at.map(iso),
            purpose: self.purpose.clone(),
            webauthn_evidence: None,
            data_region: self.data_region.clone(),
            delegation_depth: self.delegation_depth,
            parent_grant_id: self.parent_grant_id.clone(),
        }
    }
}

pub fn find(conn: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<GrantRow>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM grants WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        from_row,
    )
}

/// Server-side standing of a token whose signature and claims already verified.
#[derive(Debug)]
pub enum TokenState {
    Active(Box<GrantRow>),
    Revoked,
    Expired,
    NotFound,
    /// The grant's agent, or the agent of a grant it was delegated from, is suspended. Not a
    /// revocation: reactivating the agent makes the token valid again if nothing else changed.
    AgentInactive,
}

/// Upper bound on the parent walk (delegation depth is capped far below this; the bound only
/// guards against a corrupt cycle).
const MAX_CHAIN: usize = 64;

/// The first agent in `grant`'s delegation chain (the grant's own agent, then each parent
/// grant's agent) that is not active, or `None` when every one is.
pub fn inactive_agent(
    conn: &Conn,
    developer_id: &str,
    grant: &GrantRow,
) -> ApiResult<Option<String>> {
    let mut agent_id = grant.agent_id.clone();
    let mut parent = grant.parent_grant_id.clone();
    for _ in 0..MAX_CHAIN {
        let status = super::agents::status(conn, developer_id, &agent_id)?;
        if status.as_deref() != Some("active") {
            return Ok(Some(agent_id));
        }
        let Some(p) = parent else {
            return Ok(None);
        };
        let Some(g) = find(conn, developer_id, &p)? else {
            return Ok(None);
        };
        agent_id = g.agent_id;
        parent = g.parent_grant_id;
    }
    Ok(Some(agent_id))
}

/// Looks up `jti` for `developer_id`: revoked token, non-active grant (covers cascades),
/// expiry and a suspended agent anywhere in the delegation chain all make it inactive.
pub fn token_state(
    conn: &Conn,
    developer_id: &str,
    jti: &str,
    grant_id: &str,
) -> ApiResult<TokenState> {
    let row = conn.query_opt(
        "SELECT is_revoked, expires_at, grant_id FROM grant_tokens WHERE jti = ?1 AND developer_id = ?2",
        args![jti, developer_id],
        |r| Ok((r.bool(0)?, r.i64(1)?, r.str(2)?)),
    )?;
    let Some((revoked, exp, token_grant)) = row else {
        return Ok(TokenState::NotFound);
    };
    if token_grant != grant_id {
        return Ok(TokenState::NotFound);
    }
    if revoked {
        return Ok(TokenState::Revoked);
    }
    let Some(grant) = find(conn, developer_id, &token_grant)? else {
        return Ok(TokenState::NotFound);
    };
    if grant.status != "active" {
        return Ok(TokenState::Revoked);
    }
    if exp <= now_secs() || grant.expires_at <= now_ms() {
        return Ok(TokenState::Expired);
    }
    if inactive_agent(conn, developer_id, &grant)?.is_some() {
        return Ok(TokenState::AgentInactive);
    }
    Ok(TokenState::Active(Box::new(grant)))
}

/// Inserts a new root or delegated grant row (`source_jti`: the parent token it was delegated from).
pub fn insert(tx: &Conn, g: &GrantRow, source_jti: Option<&str>) -> ApiResult<()> {
    tx.exec(
        &format!(
            "INSERT INTO grants ({COLUMNS}, source_jti) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
        ),
        args![
            &g.id, &g.developer_id, &g.agent_id, &g.agent_did, &g.principal_id, serde_json::to_string(&g.scopes)?,
            &g.status, g.issued_at, g.expires_at, &g.revoked_at, &g.audience, &g.parent_grant_id, &g.parent_agent_did,
            g.delegation_depth, &g.purpose, &g.data_region, &g.key_thumbprint, source_jti
        ],
    )?;
    super::events::emit(
        tx,
        &g.developer_id,
        super::events::GRANT_CREATED,
        serde_json::json!({
            "grantId": g.id,
            "agentId": g.agent_id,
            "agentDid": g.agent_did,
            "principalId": g.principal_id,
            "scopes": g.scopes,
            "expiresAt": crate::time::iso(g.expires_at),
            "parentGrantId": g.parent_grant_id,
            "delegationDepth": g.delegation_depth,
        }),
    )
    .map(drop)
}

/// `status` filter of a grant listing (expiry is derived at read time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Active,
    Expired,
    Revoked,
}

/// Filters of `GET /v1/grants`; `page` = (1-based page, page size).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub agent_id: Option<String>,
    pub principal_id: Option<String>,
    pub status: Option<StatusFilter>,
    pub page: Option<(u32, u32)>,
}

/// The developer's grants, newest first.
pub fn list(c: &Conn, developer_id: &str, f: &ListFilter, now_ms: i64) -> ApiResult<Vec<GrantRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM grants WHERE developer_id = ?1");
    let mut a: Vec<Arg<'_>> = vec![developer_id.into()];
    let mut push = |sql: &mut String, clause: &str, v: Arg<'static>| {
        a.push(v);
        sql.push_str(&clause.replace('#', &format!("?{}", a.len())));
    };
    if let Some(x) = &f.agent_id {
        push(&mut sql, " AND agent_id = #", x.clone().into());
    }
    if let Some(x) = &f.principal_id {
        push(&mut sql, " AND principal_id = #", x.clone().into());
    }
    match f.status {
        None => {}
        Some(StatusFilter::Active) => push(
            &mut sql,
            " AND status = 'active' AND expires_at > #",
            now_ms.into(),
        ),
        Some(StatusFilter::Expired) => push(
            &mut sql,
            " AND status = 'active' AND expires_at <= #",
            now_ms.into(),
        ),
        Some(StatusFilter::Revoked) => sql.push_str(" AND status = 'revoked'"),
    }
    sql.push_str(" ORDER BY issued_at DESC, id DESC");
    if let Some((page, size)) = f.page {
        sql.push_str(&format!(
            " LIMIT {size} OFFSET {}",
            (u64::from(page).max(1) - 1) * u64::from(size)
        ));
    }
    c.query_all(&sql, &a, from_row)
}

/// Whether the principal holds an active, unexpired grant of the developer.
pub fn principal_has_active(
    c: &Conn,
    developer_id: &str,
    principal_id: &str,
    now_ms: i64,
) -> ApiResult<bool> {
    c.query_one(
        "SELECT EXISTS(SELECT 1 FROM grants WHERE developer_id = ?1 AND principal_id = ?2
                       AND status = 'active' AND expires_at > ?3)",
        args![developer_id, principal_id, now_ms],
        |r| r.bool(0),
    )
}

/// A principal's active grant with its agent's name and description (the end-user dashboard).
#[derive(Debug, Clone)]
pub struct PrincipalGrant {
    pub grant: GrantRow,
    pub agent_name: Option<String>,
    pub agent_description: Option<String>,
}

/// The principal's active, unexpired grants, newest first, with agent details.
pub fn principal_grants(
    c: &Conn,
    developer_id: &str,
    principal_id: &str,
    now_ms: i64,
) -> ApiResult<Vec<PrincipalGrant>> {
    let cols = COLUMNS
        .split(',')
        .map(|col| format!("g.{}", col.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let n = COLUMNS.split(',').count();
    c.query_all(
        &format!(
            "SELECT {cols}, a.name, a.description
             FROM grants g LEFT JOIN agents a ON a.id = g.agent_id
             WHERE g.developer_id = ?1 AND g.principal_id = ?2 AND g.status = 'active' AND g.expires_at > ?3
             ORDER BY g.issued_at DESC, g.id DESC"
        ),
        args![developer_id, principal_id, now_ms],
        |r| {
            Ok(PrincipalGrant {
                grant: from_row(r)?,
                agent_name: r.opt_str(n)?,
                agent_description: r.opt_str(n + 1)?,
            })
        },
    )
}

/// What `GET /v1/revocations/status` answers for one grant or token: `active`, `revoked`,
/// `suspended` (an agent in the delegation chain is suspended: reversible), `expired`, or
/// `unknown` (not this developer's, or a token of another grant), with the effective expiry.
#[derive(Debug)]
pub struct CredentialStatus {
    pub status: &'static str,
    pub grant_id: Option<String>,
    /// Milliseconds; the sooner of the token's and the grant's expiry.
    pub expires_at: Option<i64>,
}

pub fn credential_status(
    conn: &Conn,
    developer_id: &str,
    grant_id: Option<&str>,
    jti: Option<&str>,
) -> ApiResult<CredentialStatus> {
    let unknown = CredentialStatus {
        status: "unknown",
        grant_id: grant_id.map(str::to_string),
        expires_at: None,
    };
    let mut token: Option<(bool, i64)> = None;
    let grant_id = match jti {
        Some(jti) => {
            let row = conn.query_opt(
                "SELECT is_revoked, expires_at, grant_id FROM grant_tokens WHERE jti = ?1 AND developer_id = ?2",
                args![jti, developer_id],
                |r| Ok((r.bool(0)?, r.i64(1)?, r.str(2)?)),
            )?;
            match row {
                Some((revoked, exp, g)) if grant_id.is_none_or(|want| want == g) => {
                    token = Some((revoked, exp.saturating_mul(1000)));
                    g
                }
                _ => return Ok(unknown),
            }
        }
        None => match grant_id {
            Some(g) => g.to_string(),
            None => return Ok(unknown),
        },
    };
    let Some(grant) = find(conn, developer_id, &grant_id)? else {
        return Ok(unknown);
    };
    let expires_at = token.map_or(grant.expires_at, |(_, t)| t.min(grant.expires_at));
    let status = if token.is_some_and(|(revoked, _)| revoked) || grant.status != "active" {
        "revoked"
    } else if inactive_agent(conn, developer_id, &grant)?.is_some() {
        "suspended"
    } else if expires_at <= now_ms() {
        "expired"
    } else {
        "active"
    };
    Ok(CredentialStatus {
        status,
        grant_id: Some(grant.id),
        expires_at: Some(expires_at),
    })
}
