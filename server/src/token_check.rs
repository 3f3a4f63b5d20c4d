//! The "is this token active" decision shared by online verify, grant verify and delegation:
//! strict signature/claims verification against our own keys, same developer, then the
//! database (revoked jti, non-active grant, expiry, suspended agent).

use crate::error::ApiResult;
use crate::freshness::{Freshness, Stamp};
use crate::store::grants::TokenState;
use crate::store::{self, Db};
use serde::Deserialize;

/// `{ "token": "<JWT>" }`, shared by both verify routes.
#[derive(Debug, Deserialize)]
pub struct TokenBody {
    pub token: String,
}

/// Checks a token the way every "is it active" decision does: strict signature/claims
/// verification, same developer, then the database (revoked jti, non-active grant, expiry).
/// With `cached` (the answers cache and the generation read before this call), an "active"
/// answer still current at that generation is reused, and a new one remembered.
pub fn check(
    db: &Db,
    keys: &crate::keys::KeyRing,
    developer_id: &str,
    token: &str,
    cached: Option<(&Freshness, Stamp)>,
) -> ApiResult<Result<(grantex::VerifiedGrant, TokenState), CheckFailure>> {
    let Ok(v) = keys.verify_grant(token) else {
        return Ok(Err(CheckFailure::Invalid));
    };
    if v.developer_id != developer_id {
        return Ok(Err(CheckFailure::WrongDeveloper));
    }
    if let Some((fresh, stamp)) = cached {
        if let Some(grant) = fresh.token(stamp, developer_id, &v.token_id) {
            if grant.id == v.grant_id {
                return Ok(Ok((v, TokenState::Active(Box::new(grant)))));
            }
        }
    }
    let state =
        db.read_sync(|c| store::grants::token_state(c, developer_id, &v.token_id, &v.grant_id))?;
    if let (Some((fresh, stamp)), TokenState::Active(grant)) = (cached, &state) {
        fresh.remember_token(stamp, developer_id, &v.token_id, v.expires_at, grant);
    }
    Ok(Ok((v, state)))
}

/// Why [`check`] refused before looking at the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFailure {
    Invalid,
    WrongDeveloper,
}
