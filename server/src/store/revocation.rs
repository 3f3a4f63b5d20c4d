//! Revocation (grants and tokens, plus the token-level cascade this server adds).
//!
//! All functions run inside the caller's write transaction, so a revocation and its whole cascade
//! commit together, and delegation (which re-checks its parent inside its own write transaction)
//! is serialised against them by the store's single writer (SQLite's, or PostgreSQL's write lock).

use super::revocation_feed as feed;
use super::sql::args;
use super::Conn;
use crate::error::ApiResult;
use crate::store::audit::{actions, record_event, Subject};
use serde_json::json;

/// Who asked for a revocation; recorded in the audit entry the server writes for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Developer,
    Principal,
    CodeReplayed,
    RefreshTokenReused,
    /// The principal's SCIM user was deactivated or deleted (`store::scim::deprovision`).
    Deprovisioned,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::Developer => "developer",
            Cause::Principal => "principal",
            Cause::CodeReplayed => "code_replayed",
            Cause::RefreshTokenReused => "refresh_token_reused",
            Cause::Deprovisioned => "deprovisioned",
        }
    }
}

/// Writes the audit entry for grant `grant_id` (already revoked) and its cascade.
fn audit_grant(
    tx: &Conn,
    developer_id: &str,
    grant_id: &str,
    action: &str,
    failure: bool,
    metadata: serde_json::Value,
) -> ApiResult<()> {
    let Some(g) = super::grants::find(tx, developer_id, grant_id)? else {
        return Ok(());
    };
    record_event(
        tx,
        developer_id,
        action,
        Subject {
            agent_id: &g.agent_id,
            agent_did: &g.agent_did,
            grant_id: &g.id,
            principal_id: &g.principal_id,
        },
        failure,
        metadata,
    )?;
    Ok(())
}

/// Revokes every still-active descendant of `grant_id` (any depth), each with a feed event.
/// Returns how many.
pub fn revoke_descendants(
    tx: &Conn,
    developer_id: &str,
    grant_id: &str,
    now: i64,
) -> ApiResult<usize> {
    let ids = feed::active_descendants(tx, developer_id, grant_id, i64::MIN)?;
    feed::record_grants(tx, developer_id, &ids, feed::REVOKED, now)?;
    tx.exec(
        "WITH RECURSIVE d(id) AS (
             SELECT id FROM grants WHERE parent_grant_id = ?1 AND developer_id = ?2
             UNION
             SELECT g.id FROM grants g JOIN d ON g.parent_grant_id = d.id WHERE g.developer_id = ?2
         )
         UPDATE grants SET status = 'revoked', revoked_at = ?3
         WHERE status = 'active' AND id IN (SELECT id FROM d)",
        args![grant_id, developer_id, now],
    )
}

/// Revokes an active grant and all its descendants; the number of descendants revoked, `None`
/// if it is unknown, foreign or already revoked.
/// Audited (`grantex.grant.revoked`, with the cause and the number of descendants revoked).
pub fn revoke_grant(
    tx: &Conn,
    developer_id: &str,
    grant_id: &str,
    now: i64,
    cause: Cause,
) -> ApiResult<Option<usize>> {
    let n = tx.exec(
        "UPDATE grants SET status = 'revoked', revoked_at = ?3 WHERE id = ?1 AND developer_id = ?2 AND status = 'active'",
        args![grant_id, developer_id, now],
    )?;
    if n == 0 {
        return Ok(None);
    }
    feed::record_grants(
        tx,
        developer_id,
        &[grant_id.to_string()],
        feed::REVOKED,
        now,
    )?;
    let cascaded = revoke_descendants(tx, developer_id, grant_id, now)?;
    audit_grant(
        tx,
        developer_id,
        grant_id,
        actions::GRANT_REVOKED,
        false,
        json!({ "cause": cause.as_str(), "descendantsRevoked": cascaded }),
    )?;
    Ok(Some(cascaded))
}

/// Blocklists one token and revokes every grant delegated from it, with their descendants.
/// The grant the token belongs to stays active (it can still be refreshed). The number of
/// delegated grants revoked with it; `None` if the jti is unknown, foreign or already revoked.
/// Audited (`grantex.token.revoked`).
pub fn revoke_token(
    tx: &Conn,
    developer_id: &str,
    jti: &str,
    now: i64,
) -> ApiResult<Option<usize>> {
    let n = tx.exec(
        "UPDATE grant_tokens SET is_revoked = 1, revoked_at = ?3 WHERE jti = ?1 AND developer_id = ?2 AND is_revoked = 0",
        args![jti, developer_id, now],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let children = tx.query_all(
        "SELECT id FROM grants WHERE source_jti = ?1 AND developer_id = ?2",
        args![jti, developer_id],
        |r| r.str(0),
    )?;
    let mut cascaded = 0;
    for child in &children {
        let revoked = tx.exec(
            "UPDATE grants SET status = 'revoked', revoked_at = ?2 WHERE id = ?1 AND status = 'active'",
            args![child, now],
        )?;
        if revoked > 0 {
            feed::record_grants(
                tx,
                developer_id,
                std::slice::from_ref(child),
                feed::REVOKED,
                now,
            )?;
        }
        cascaded += revoked;
        cascaded += revoke_descendants(tx, developer_id, child, now)?;
    }
    let (grant_id, expires) = tx.query_one(
        "SELECT grant_id, expires_at FROM grant_tokens WHERE jti = ?1 AND developer_id = ?2",
        args![jti, developer_id],
        |r| Ok((r.str(0)?, r.i64(1)?)),
    )?;
    feed::record(
        tx,
        developer_id,
        Some(&grant_id),
        Some(jti),
        feed::TOKEN_REVOKED,
        Some(expires.saturating_mul(1000)),
        now,
    )?;
    audit_grant(
        tx,
        developer_id,
        &grant_id,
        actions::TOKEN_REVOKED,
        false,
        json!({ "jti": jti, "delegatedGrantsRevoked": cascaded }),
    )?;
    Ok(Some(cascaded))
}

/// Reuse detection for codes (RFC 6749 §4.1.2, RFC 9700 §4.14): when the request was already
/// exchanged, revokes the grant issued from it (and its descendants). `true` if the request was
/// consumed, i.e. this was a replay.
pub fn revoke_for_replayed_code(
    tx: &Conn,
    developer_id: &str,
    auth_request_id: &str,
    now: i64,
) -> ApiResult<bool> {
    match super::auth_requests::status_and_grant(tx, developer_id, auth_request_id)? {
        Some((status, grant)) if status == "consumed" => {
            if let Some(g) = grant {
                audit_grant(
                    tx,
                    developer_id,
                    &g,
                    actions::CODE_REPLAYED,
                    true,
                    json!({ "authRequestId": auth_request_id }),
                )?;
                revoke_grant(tx, developer_id, &g, now, Cause::CodeReplayed)?;
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Reuse detection for refresh tokens (RFC 9700 §4.14.2): a refresh token presented after it
/// was used revokes its whole family, i.e. the grant it refreshes (every token and refresh
/// token of that grant stops working) and the grants delegated from it.
pub fn revoke_refresh_family(
    tx: &Conn,
    developer_id: &str,
    grant_id: &str,
    now: i64,
) -> ApiResult<()> {
    audit_grant(
        tx,
        developer_id,
        grant_id,
        actions::REFRESH_TOKEN_REUSED,
        true,
        json!({}),
    )?;
    revoke_grant(tx, developer_id, grant_id, now, Cause::RefreshTokenReused)?;
    Ok(())
}
