//! The "is this token active" decision shared by online verify, grant verify and delegation:
//! strict signature/claims verification against our own keys, same developer, then the
//! database (revoked jti, non-active grant, expiry, suspended agent).

use crate::error::ApiResult;
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
pub fn check(
    db: &Db,
    keys: &crate::keys::KeyRing,
    developer_id: &str,
    token: &str,
) -> ApiResult<Result<(grantex::VerifiedGrant, TokenState), CheckFailure>> {
    let Ok(v) = keys.verify_grant(token) else {
        return Ok(Err(CheckFailure::Invalid));
    };
    if v.developer_id != developer_id {
        return Ok(Err(CheckFailure::WrongDeveloper));
    }
    let state =
        db.read_sync(|c| store::grants::token_state(c, developer_id, &v.token_id, &v.grant_id))?;
    Ok(Ok((v, state)))
}

/// Why [`check`] refused before looking at the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFailure {
    Invalid,
    WrongDeveloper,
}
