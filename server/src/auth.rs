//! Caller identities: developer API keys and principal session tokens.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use grantex::types::Mode;

/// An authenticated developer (tenant).
#[derive(Debug, Clone)]
pub struct Developer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub mode: Mode,
    pub fido_rp_name: Option<String>,
    pub created_at: i64,
    /// SHA-256 (hex) of the API key this request authenticated with.
    pub api_key_hash: String,
}

/// An end user holding a principal session token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub developer_id: String,
    pub principal_id: String,
    /// The session's `jti` (so the holder can end it: `DELETE /v1/principal/session`).
    pub session_id: String,
    /// The SSO session this token was issued with (`sso` claim), if an SSO login opened it:
    /// the token then works only while that session lives.
    pub sso_session_id: Option<String>,
}

/// The bearer token if the header is `Bearer<space/tab>+<token>` (scheme case-insensitive,
/// token without whitespace).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with([' ', '\t']) {
        return None;
    }
    let token = rest.trim_start_matches([' ', '\t']);
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return None;
    }
    Some(token)
}

/// The 401 message for a request without a usable `Authorization: Bearer <key>` header.
pub const MISSING_AUTHORIZATION: &str = "Missing or invalid Authorization header";
/// The 401 message for a well-formed bearer header whose key is not a developer's API key.
pub const INVALID_API_KEY: &str = "Invalid API key";

/// Authenticates a developer route. 401 `UNAUTHORIZED` on failure, with the reference's two
/// messages: no header, another scheme or a malformed bearer value is
/// [`MISSING_AUTHORIZATION`]; a key that is present but unknown — including one too short or
/// too long to be any key — is [`INVALID_API_KEY`].
pub async fn authenticate_developer(state: &AppState, headers: &HeaderMap) -> ApiResult<Developer> {
    let token = bearer(headers).ok_or_else(|| ApiError::unauthorized(MISSING_AUTHORIZATION))?;
    if !(16..=512).contains(&token.len()) {
        return Err(ApiError::unauthorized(INVALID_API_KEY));
    }
    let Some(fresh) = &state.fresh else {
        let token = token.to_string();
        return state
            .db
            .read(move |c| store::developers::by_api_key(c, &token))
            .await?
            .ok_or_else(|| ApiError::unauthorized(INVALID_API_KEY));
    };
    // With Redis: the key's developer from the answers cache while no key was rotated since.
    let hash = crate::ids::sha256_hex(token.as_bytes());
    let stamp = fresh.stamp().await;
    if let Some(dev) = stamp.and_then(|s| fresh.developer(s, &hash)) {
        return Ok(dev);
    }
    let token = token.to_string();
    let dev = state
        .db
        .read(move |c| store::developers::by_api_key(c, &token))
        .await?
        .ok_or_else(|| ApiError::unauthorized(INVALID_API_KEY))?;
    if let Some(s) = stamp {
        fresh.remember_developer(s, &hash, &dev);
    }
    Ok(dev)
}

/// A caller of `/scim/v2`: the developer a SCIM token belongs to.
#[derive(Debug, Clone)]
pub struct ScimCaller {
    pub developer_id: String,
}

/// `lastUsedAt` of a SCIM token is written at most this often (ms).
const SCIM_TOUCH_EVERY_MS: i64 = 60_000;

/// Authenticates a `/scim/v2` route with a SCIM bearer token (`POST /v1/scim/tokens`): 401
/// without one, or with one that is unknown or revoked.
pub async fn authenticate_scim(state: &AppState, headers: &HeaderMap) -> ApiResult<ScimCaller> {
    let token = bearer(headers).ok_or_else(|| ApiError::unauthorized(MISSING_AUTHORIZATION))?;
    if !(16..=512).contains(&token.len()) {
        return Err(ApiError::unauthorized("Invalid SCIM token"));
    }
    let hash = crate::ids::sha256_hex(token.as_bytes());
    let row = state
        .db
        .read(move |c| store::scim::token_by_hash(c, &hash))
        .await?
        .ok_or_else(|| ApiError::unauthorized("Invalid SCIM token"))?;
    let now = crate::time::now_ms();
    if row
        .last_used_at
        .is_none_or(|t| t < now - SCIM_TOUCH_EVERY_MS)
    {
        let id = row.id.clone();
        state
            .db
            .write(move |tx| store::scim::touch_token(tx, &id, now, SCIM_TOUCH_EVERY_MS))
            .await?;
    }
    Ok(ScimCaller {
        developer_id: row.developer_id,
    })
}

/// Authenticates a `/v1/principal/*` route with a principal session JWT.
pub async fn authenticate_principal(state: &AppState, headers: &HeaderMap) -> ApiResult<Principal> {
    let token = bearer(headers).ok_or_else(|| ApiError::unauthorized(MISSING_AUTHORIZATION))?;
    principal_from_token(state, token).await
}

/// The principal of a principal session token (from the `Authorization` header or the SSO
/// cookie): signed by this server for that purpose, its session row live, and — for a token an
/// SSO login issued — its SSO session live (revoked or its connection deleted: refused).
pub async fn principal_from_token(state: &AppState, token: &str) -> ApiResult<Principal> {
    let invalid = || ApiError::unauthorized("Invalid or expired principal session token");
    let claims = state.keys.verify_own_jwt(token).ok_or_else(invalid)?;
    if claims.get("purpose").and_then(|v| v.as_str())
        != Some(crate::routes::principal::SESSION_PURPOSE)
    {
        return Err(invalid());
    }
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let sso_session_id = match claims.get("sso") {
        None => None,
        Some(_) => Some(text("sso").ok_or_else(invalid)?),
    };
    let principal = Principal {
        developer_id: text("dev").ok_or_else(invalid)?,
        principal_id: text("sub").ok_or_else(invalid)?,
        session_id: text("jti").ok_or_else(invalid)?,
        sso_session_id,
    };
    let p = principal.clone();
    let live = state
        .db
        .read(move |c| {
            let sso_live = match &p.sso_session_id {
                None => true,
                Some(id) => store::sso::live_session(
                    c,
                    id,
                    &p.developer_id,
                    &p.principal_id,
                    crate::time::now_ms(),
                )?
                .is_some(),
            };
            Ok(sso_live
                && store::developers::exists(c, &p.developer_id)?
                && store::sessions::is_live(c, &p.session_id, &p.developer_id, &p.principal_id)?)
        })
        .await?;
    if !live {
        return Err(invalid());
    }
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn bearer_parsing_follows_the_reference_rules() {
        assert_eq!(bearer(&h("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&h("bearer \t abc")), Some("abc"));
        assert_eq!(bearer(&h("BEARER abc")), Some("abc"));
        assert_eq!(bearer(&h("Bearerabc")), None);
        assert_eq!(bearer(&h("Bearer ")), None);
        assert_eq!(bearer(&h("Bearer a b")), None);
        assert_eq!(bearer(&h("Basic abc")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
