//! Issuing grant tokens from an authorization code or a refresh token, shared by the Grantex
//! API (`/v1/token`, `/v1/token/refresh`) and the OAuth 2.1 token endpoint for MCP clients
//! (`/oauth/token`), so both keep one set of rules: single-use codes (a replay revokes what the
//! code produced), exact redirect URIs, S256 PKCE, single-use refresh tokens (reuse revokes the
//! family).
//!
//! Each runs in three steps on the blocking pool: validate on a reader, sign (no lock held),
//! then one write transaction whose conditional UPDATE (`status = 'approved'`, `is_used = 0`)
//! makes codes and refresh tokens single-use even under races.

use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::keys::KeyRing;
use crate::mint::{Lineage, TokenSpec};
use crate::store;
use crate::store::audit::actions;
use crate::store::Db;
use crate::time::{iso_secs, now_ms, now_secs};
use grantex::types::ExchangeTokenResponse;

/// How long a refresh answer is kept for replay under the same `Idempotency-Key`.
const IDEMPOTENCY_TTL_MS: i64 = 86_400_000;

/// The developer tokens are issued for.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    /// Sandbox tokens are marked as such.
    pub sandbox: bool,
}

/// An authorization code presented by `agent_id`.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub code: String,
    pub agent_id: String,
    pub code_verifier: Option<String>,
    /// When given, must be the authorization request's.
    pub redirect_uri: Option<String>,
    /// Also issue the grant as a VC-JWT.
    pub with_credential: bool,
    /// Tokens live at most this long (the OAuth endpoint's short access tokens); `None`: as
    /// long as the grant.
    pub token_ttl_secs: Option<i64>,
}

/// A refresh token presented by `agent_id`.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub refresh_token: String,
    pub agent_id: String,
    pub idempotency_key: Option<String>,
    /// As [`CodeGrant::token_ttl_secs`].
    pub token_ttl_secs: Option<i64>,
}

/// Exchanges an approved authorization code for a new grant, its token and a refresh token.
pub fn exchange_code(
    db: &Db,
    keys: &KeyRing,
    max_grants: u64,
    dev: &Tenant,
    p: &CodeGrant,
) -> ApiResult<ExchangeTokenResponse> {
    let with_credential = p.with_credential;
    let invalid = || ApiError::bad_request("Invalid code");
    let (req, agent) = db.read_sync(|c| {
        let req = store::auth_requests::find_by_code(c, &dev.id, &p.agent_id, &p.code)?
            .ok_or_else(invalid)?;
        let agent = store::agents::find(c, &dev.id, &p.agent_id)?.ok_or_else(invalid)?;
        if agent.status != "active" {
            return Err(ApiError::agent_suspended());
        }
        Ok((req, agent))
    })?;
    if req.status == "consumed" {
        // A replayed code: the grant it produced is revoked (committed), then refused.
        db.write_sync(|tx| {
            store::revocation::revoke_for_replayed_code(tx, &dev.id, &req.id, now_ms())
        })?;
        return Err(ApiError::bad_request("Auth request not approved"));
    }
    if req.status != "approved" {
        return Err(ApiError::bad_request("Auth request not approved"));
    }
    if req.expires_at <= now_ms() {
        db.write_sync(|tx| store::auth_requests::purge_expired(tx, &dev.id, now_ms()))?;
        return Err(ApiError::bad_request("Authorization code has expired"));
    }
    // RFC 6749 §4.1.3: a redirect URI sent here must be the one the request had.
    if let Some(uri) = &p.redirect_uri {
        if req.redirect_uri.as_deref() != Some(uri.as_str()) {
            return Err(ApiError::bad_request(
                "redirectUri does not match the authorization request's redirectUri",
            ));
        }
    }
    if req.code_challenge.is_none() && p.code_verifier.is_some() {
        return Err(ApiError::bad_request(
            "codeVerifier was sent, but the authorization request has no codeChallenge",
        ));
    }
    if let Some(challenge) = &req.code_challenge {
        let verifier = p
            .code_verifier
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("codeVerifier is required for PKCE"))?;
        if !ids::ct_eq(ids::pkce_s256(verifier).as_bytes(), challenge.as_bytes()) {
            return Err(ApiError::bad_request("Invalid codeVerifier"));
        }
    }
    let now = now_secs();
    let exp = now + req.expires_in_secs;
    // The token's own end: the grant's, or sooner (refresh gets the next one).
    let token_exp = p.token_ttl_secs.map_or(exp, |t| exp.min(now + t));
    let grant = store::grants::GrantRow {
        id: ids::new_id("grnt"),
        developer_id: dev.id.clone(),
        agent_id: agent.agent_id.clone(),
        agent_did: agent.did.clone(),
        principal_id: req.principal_id.clone(),
        scopes: req.scopes.clone(),
        status: "active".into(),
        issued_at: now_ms(),
        expires_at: exp * 1000,
        revoked_at: None,
        audience: req.audience.clone(),
        parent_grant_id: None,
        parent_agent_did: None,
        delegation_depth: 0,
        purpose: req.purpose.clone(),
        data_region: req.data_region.clone(),
        key_thumbprint: agent.key_thumbprint.clone(),
    };
    let spec = TokenSpec {
        jti: ids::new_id("tok"),
        grant_id: grant.id.clone(),
        developer_id: dev.id.clone(),
        principal_id: grant.principal_id.clone(),
        agent_did: grant.agent_did.clone(),
        scopes: grant.scopes.clone(),
        audience: grant.audience.clone(),
        iat: now,
        exp: token_exp,
        lineage: None,
        sandbox: dev.sandbox,
        cnf_jkt: grant.key_thumbprint.clone(),
        // A new grant has no budget yet.
        budget: None,
    };
    let token = spec.sign(keys)?;
    let credential = with_credential
        .then(|| spec.sign_credential(keys, grant.purpose.as_deref(), grant.data_region.as_deref()))
        .transpose()?;
    let refresh = db.write_sync(|tx| {
        if !store::auth_requests::consume(tx, &req.id, &p.code)? {
            // Lost a race to another exchange of this code: a replay as well. The
            // revocation commits; the refusal follows.
            return match store::revocation::revoke_for_replayed_code(
                tx,
                &dev.id,
                &req.id,
                now_ms(),
            )? {
                true => Ok(None),
                false => Err(ApiError::bad_request("Auth request not approved")),
            };
        }
        if store::agents::find_active(tx, &dev.id, &agent.agent_id)?.is_none() {
            return Err(ApiError::agent_suspended());
        }
        // Deactivated between consent and exchange: checked in this transaction, so no grant
        // outlives a deprovisioning that commits first.
        if store::scim::principal_deactivated(tx, &dev.id, &grant.principal_id)? {
            return Err(ApiError::principal_deprovisioned());
        }
        store::quota::check_active_grants(tx, &dev.id, max_grants, now_ms())?;
        store::grants::insert(tx, &grant, None)?;
        store::auth_requests::record_grant(tx, &req.id, &grant.id)?;
        spec.record(tx, keys, &token)?;
        if let Some(vc) = &credential {
            keys.record_token_exp(tx, vc, token_exp)?;
        }
        spec.audit(tx, actions::TOKEN_ISSUED, &grant.agent_id)?;
        store::tokens::new_refresh_token(tx, &grant.id, grant.expires_at).map(Some)
    })?;
    let Some(refresh) = refresh else {
        return Err(ApiError::bad_request("Auth request not approved"));
    };
    Ok(ExchangeTokenResponse {
        grant_token: token,
        expires_at: iso_secs(token_exp),
        scopes: grant.scopes,
        refresh_token: refresh,
        grant_id: grant.id,
        verifiable_credential: credential,
    })
}

/// Rotates a refresh token: a new token for the same grant and a new refresh token.
pub fn refresh(
    db: &Db,
    keys: &KeyRing,
    dev: &Tenant,
    p: &RefreshGrant,
) -> ApiResult<ExchangeTokenResponse> {
    let idem = p.idempotency_key.clone();
    let invalid = || ApiError::bad_request("Invalid refresh token");
    let (used, rt_exp, grant, suspended) = {
        let stored = db.read_sync(|c| replay(c, &dev.id, idem.as_deref(), &p.refresh_token))?;
        if let Some(resp) = stored {
            db.read_sync(|c| still_answerable(c, &dev.id, &p.agent_id, &resp))?;
            return Ok(resp);
        }
        db.read_sync(|c| {
            let rt = store::tokens::find_refresh(c, &p.refresh_token)?.ok_or_else(invalid)?;
            let grant = store::grants::find(c, &dev.id, &rt.grant_id)?.ok_or_else(invalid)?;
            let suspended = store::grants::inactive_agent(c, &dev.id, &grant)?.is_some();
            Ok((rt.used, rt.expires_at, grant, suspended))
        })?
    };
    if used {
        // Reuse of a spent refresh token: the whole family is revoked (committed).
        db.write_sync(|tx| {
            store::revocation::revoke_refresh_family(tx, &dev.id, &grant.id, now_ms())
        })?;
        return Err(ApiError::bad_request("Refresh token already used"));
    }
    if grant.agent_id != p.agent_id {
        return Err(ApiError::bad_request("Agent mismatch"));
    }
    if suspended {
        return Err(ApiError::agent_suspended());
    }
    if rt_exp <= now_ms() {
        return Err(ApiError::bad_request("Refresh token has expired"));
    }
    if grant.status != "active" {
        return Err(ApiError::bad_request("Grant has been revoked"));
    }
    if grant.expires_at <= now_ms() {
        return Err(ApiError::bad_request("Grant has expired"));
    }
    let spec = TokenSpec {
        jti: ids::new_id("tok"),
        grant_id: grant.id.clone(),
        developer_id: dev.id.clone(),
        principal_id: grant.principal_id.clone(),
        agent_did: grant.agent_did.clone(),
        scopes: grant.scopes.clone(),
        audience: grant.audience.clone(),
        iat: now_secs(),
        exp: p.token_ttl_secs.map_or(grant.expires_at / 1000, |t| {
            (grant.expires_at / 1000).min(now_secs() + t)
        }),
        lineage: match (&grant.parent_agent_did, &grant.parent_grant_id) {
            (Some(a), Some(g)) if grant.delegation_depth > 0 => {
                Some(db.read_sync(|c| Lineage::read(c, &dev.id, a, g, grant.delegation_depth))?)
            }
            _ => None,
        },
        sandbox: dev.sandbox,
        cnf_jkt: grant.key_thumbprint.clone(),
        budget: db.read_sync(|c| store::budgets::effective_remaining(c, &dev.id, &grant))?,
    };
    let token = spec.sign(keys)?;
    db.write_sync(|tx| {
        if !store::tokens::spend_refresh(tx, &p.refresh_token)? {
            return match replay(tx, &dev.id, idem.as_deref(), &p.refresh_token)? {
                Some(resp) => {
                    still_answerable(tx, &dev.id, &p.agent_id, &resp)?;
                    Ok(Some(resp))
                }
                None => {
                    // Spent by a concurrent refresh: reuse, the family is revoked.
                    store::revocation::revoke_refresh_family(tx, &dev.id, &grant.id, now_ms())?;
                    Ok(None)
                }
            };
        }
        let status = store::grants::find(tx, &dev.id, &grant.id)?.map(|g| g.status);
        if status.as_deref() != Some("active") {
            return Err(ApiError::bad_request("Grant has been revoked"));
        }
        // Suspended meanwhile: refused, and the refresh token stays unspent (rollback).
        if store::grants::inactive_agent(tx, &dev.id, &grant)?.is_some() {
            return Err(ApiError::agent_suspended());
        }
        spec.record(tx, keys, &token)?;
        spec.audit(tx, actions::TOKEN_REFRESHED, &grant.agent_id)?;
        let resp = ExchangeTokenResponse {
            grant_token: token,
            expires_at: iso_secs(spec.exp),
            scopes: grant.scopes.clone(),
            refresh_token: store::tokens::new_refresh_token(tx, &grant.id, grant.expires_at)?,
            grant_id: grant.id.clone(),
            verifiable_credential: None,
        };
        if let Some(key) = &idem {
            // Retries come within seconds; a day of replay memory is plenty.
            let json = serde_json::to_string(&resp)?;
            store::tokens::remember_answer(
                tx,
                &dev.id,
                key,
                &p.refresh_token,
                &json,
                IDEMPOTENCY_TTL_MS,
            )?;
        }
        Ok(Some(resp))
    })?
    .ok_or_else(|| ApiError::bad_request("Refresh token already used"))
}

/// A stored answer for a retried refresh with the same Idempotency-Key and refresh token.
fn replay(
    c: &store::Conn,
    dev: &str,
    key: Option<&str>,
    refresh_token: &str,
) -> ApiResult<Option<ExchangeTokenResponse>> {
    let Some(key) = key else { return Ok(None) };
    match store::tokens::idempotent_answer(c, dev, key)? {
        None => Ok(None),
        Some((rt, _)) if rt != refresh_token => Err(ApiError::bad_request(
            "Idempotency-Key was already used with a different refresh token",
        )),
        Some((_, resp)) => Ok(Some(serde_json::from_str(&resp)?)),
    }
}

/// A stored refresh answer is replayed only while a fresh refresh could still succeed: same
/// agent, agent active, grant active and unexpired; otherwise the error a fresh call gets.
fn still_answerable(
    c: &store::Conn,
    developer_id: &str,
    agent_id: &str,
    stored: &ExchangeTokenResponse,
) -> ApiResult<()> {
    let invalid = || ApiError::bad_request("Invalid refresh token");
    let grant = store::grants::find(c, developer_id, &stored.grant_id)?.ok_or_else(invalid)?;
    if grant.agent_id != agent_id {
        return Err(ApiError::bad_request("Agent mismatch"));
    }
    if store::grants::inactive_agent(c, developer_id, &grant)?.is_some() {
        return Err(ApiError::agent_suspended());
    }
    if grant.status != "active" {
        return Err(ApiError::bad_request("Grant has been revoked"));
    }
    if grant.expires_at <= now_ms() {
        return Err(ApiError::bad_request("Grant has expired"));
    }
    Ok(())
}
