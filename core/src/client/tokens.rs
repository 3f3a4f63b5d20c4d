//! `/v1/token*`: code exchange, refresh, online verification, revocation.

use super::path::non_empty;
use super::Client;
use crate::error::Result;
use crate::http::Request;
use crate::types::{
    ExchangeTokenParams, ExchangeTokenResponse, RefreshTokenParams, VerifyTokenResponse,
};
use serde_json::json;

/// Token calls, borrowed from a [`Client`] by [`Client::tokens`].
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    client: &'a Client,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Tokens { client }
    }

    /// `POST /v1/token` → 201. Never retried: authorization codes are single-use, so a retry
    /// after a lost response would only fail with "not approved" and hide the real outcome.
    pub async fn exchange(&self, params: &ExchangeTokenParams) -> Result<ExchangeTokenResponse> {
        self.client
            .http()
            .json(Request::post("/v1/token").json(params)?.no_retry())
            .await
    }

    /// `POST /v1/token/refresh` → 201. Sends `Idempotency-Key` (`params.idempotency_key`, else
    /// a fresh UUID v4) with the same value on every retry of this call, so a retried refresh
    /// cannot consume the single-use refresh token twice.
    pub async fn refresh(&self, params: &RefreshTokenParams) -> Result<ExchangeTokenResponse> {
        let key = match &params.idempotency_key {
            Some(key) => key.clone(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let request = Request::post("/v1/token/refresh")
            .json(params)?
            .idempotency_key(key);
        self.client.http().json(request).await
    }

    /// `POST /v1/tokens/verify` (online). Always 200: an invalid token is `valid: false`.
    pub async fn verify(&self, token: &str) -> Result<VerifyTokenResponse> {
        let body = json!({ "token": non_empty(token, "token")? });
        self.client
            .http()
            .json(Request::post("/v1/tokens/verify").json(&body)?)
            .await
    }

    /// `POST /v1/tokens/revoke` → 204. Revokes this token id (`jti`) only.
    pub async fn revoke(&self, jti: &str) -> Result<()> {
        let body = json!({ "jti": non_empty(jti, "token id (jti)")? });
        self.client
            .http()
            .unit(Request::post("/v1/tokens/revoke").json(&body)?)
            .await
    }
}
