//! Token endpoints: exchange, refresh, online verify, revoke by jti. Issuing itself is
//! `crate::issue`'s (shared with the OAuth token endpoint).

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{idempotency_key, JsonBody};
use crate::observability::{Issued, Revoked, Verify};
use crate::state::AppState;
use crate::store;
use crate::store::grants::TokenState;
use crate::time::{iso_secs, now_ms};
use crate::token_check::{check, TokenBody};
use crate::{issue, validate};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use grantex::types::Mode;
use grantex::types::{
    ExchangeTokenParams, ExchangeTokenResponse, RefreshTokenParams, VerifyTokenResponse,
};
use serde::Deserialize;

type Created<T> = (StatusCode, Json<T>);

pub async fn exchange(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<ExchangeTokenParams>,
) -> ApiResult<Created<ExchangeTokenResponse>> {
    validate::text("code", &p.code, 512)?;
    validate::text("agentId", &p.agent_id, 256)?;
    if let Some(v) = &p.code_verifier {
        validate::code_verifier(v)?;
    }
    let grant = issue::CodeGrant {
        with_credential: credential_format(p.credential_format.as_deref())?,
        code: p.code,
        agent_id: p.agent_id,
        code_verifier: p.code_verifier,
        redirect_uri: p.redirect_uri,
        token_ttl_secs: None,
    };
    let keys = st.keys.clone();
    let max_grants = st.settings.max_active_grants;
    let tenant = tenant(&dev);
    let resp = st
        .db
        .run(move |db| issue::exchange_code(db, &keys, max_grants, &tenant, &grant))
        .await?;
    st.metrics.issued(Issued::AuthorizationCode);
    Ok((StatusCode::CREATED, Json(resp)))
}

fn tenant(dev: &Developer) -> issue::Tenant {
    issue::Tenant {
        id: dev.id.clone(),
        sandbox: dev.mode == Mode::Sandbox,
    }
}

/// `credentialFormat`: `jwt` (the default) issues the token only; `vc-jwt` and `both` add the
/// grant as a VC-JWT. Whether a VC is issued.
fn credential_format(format: Option<&str>) -> ApiResult<bool> {
    match format {
        None | Some("jwt") => Ok(false),
        Some("vc-jwt" | "both") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "credentialFormat must be \"jwt\", \"vc-jwt\" or \"both\" (got {:?}; this server \
             does not issue SD-JWT credentials or agent passports)",
            other.chars().take(32).collect::<String>()
        ))),
    }
}

pub async fn refresh(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    headers: HeaderMap,
    JsonBody(p): JsonBody<RefreshTokenParams>,
) -> ApiResult<Created<ExchangeTokenResponse>> {
    validate::text("refreshToken", &p.refresh_token, 512)?;
    validate::text("agentId", &p.agent_id, 256)?;
    let grant = issue::RefreshGrant {
        idempotency_key: idempotency_key(&headers)?,
        refresh_token: p.refresh_token,
        agent_id: p.agent_id,
        token_ttl_secs: None,
    };
    let keys = st.keys.clone();
    let tenant = tenant(&dev);
    let resp = st
        .db
        .run(move |db| issue::refresh(db, &keys, &tenant, &grant))
        .await?;
    st.metrics.refreshed();
    Ok((StatusCode::CREATED, Json(resp)))
}

pub async fn verify(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<TokenBody>,
) -> ApiResult<Json<VerifyTokenResponse>> {
    if b.token.is_empty() {
        return Err(ApiError::bad_request("token is required"));
    }
    let keys = st.keys.clone();
    let fresh = st.fresh.clone();
    let stamp = match &fresh {
        Some(f) => f.stamp().await,
        None => None,
    };
    st.db
        .run(move |db| {
            let cached = fresh.as_deref().zip(stamp);
            Ok(Json(match check(db, &keys, &dev.id, &b.token, cached)? {
                Ok((v, TokenState::Active(_))) => VerifyTokenResponse {
                    valid: true,
                    grant_id: Some(v.grant_id),
                    scopes: Some(v.scopes),
                    principal: Some(v.principal_id),
                    agent: Some(v.agent_did),
                    expires_at: Some(iso_secs(v.expires_at)),
                },
                _ => VerifyTokenResponse {
                    valid: false,
                    ..Default::default()
                },
            }))
        })
        .await
        .inspect(|r| st.metrics.verification(Verify::Token, r.valid))
}

#[derive(Debug, Deserialize)]
pub struct RevokeBody {
    jti: String,
}

/// Blocklists one token; grants delegated from it (any depth) are revoked with it.
pub async fn revoke(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<RevokeBody>,
) -> ApiResult<StatusCode> {
    validate::text("jti", &b.jti, 512)?;
    let cascaded = st
        .db
        .write(move |tx| {
            store::revocation::revoke_token(tx, &dev.id, &b.jti, now_ms())?
                .ok_or_else(|| ApiError::not_found("Token not found or already revoked"))
        })
        .await?;
    st.metrics.revoked(Revoked::Token, cascaded);
    Ok(StatusCode::NO_CONTENT)
}
