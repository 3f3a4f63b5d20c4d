//! `/v1/grants*`: read, list, revoke, delegate, verify online.

use super::claims::verified_grant_from_claims;
use super::path::{non_empty, segment};
use super::Client;
use crate::error::{Result, TokenError, TokenErrorCode};
use crate::http::Request;
use crate::types::{
    DelegateParams, DelegateResponse, Grant, GrantList, GrantVerifyResponse, ListGrantsParams,
};
use crate::verify::VerifiedGrant;
use serde_json::json;

/// Grant calls, borrowed from a [`Client`] by [`Client::grants`].
#[derive(Debug, Clone, Copy)]
pub struct Grants<'a> {
    client: &'a Client,
}

impl<'a> Grants<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Grants { client }
    }

    /// `GET /v1/grants/:id`.
    pub async fn get(&self, grant_id: &str) -> Result<Grant> {
        let path = format!("/v1/grants/{}", segment(grant_id, "grant id")?);
        self.client.http().json(Request::get(path)).await
    }

    /// `GET /v1/grants` with the given filters as a camelCase query.
    pub async fn list(&self, params: &ListGrantsParams) -> Result<GrantList> {
        self.client
            .http()
            .json(Request::get("/v1/grants").query(params)?)
            .await
    }

    /// `DELETE /v1/grants/:id` → 204. Cascades to every grant delegated from it.
    pub async fn revoke(&self, grant_id: &str) -> Result<()> {
        let path = format!("/v1/grants/{}", segment(grant_id, "grant id")?);
        self.client.http().unit(Request::delete(path)).await
    }

    /// `POST /v1/grants/delegate` → 201: a sub-agent token with a subset of the scopes.
    pub async fn delegate(&self, params: &DelegateParams) -> Result<DelegateResponse> {
        self.client
            .http()
            .json(Request::post("/v1/grants/delegate").json(params)?)
            .await
    }

    /// `POST /v1/grants/verify` (online). An inactive grant (revoked, expired, ...) or an
    /// answer without claims is `Error::Token` with code [`TokenErrorCode::Inactive`].
    pub async fn verify(&self, token: &str) -> Result<VerifiedGrant> {
        let body = json!({ "token": non_empty(token, "token")? });
        let answer: GrantVerifyResponse = self
            .client
            .http()
            .json(Request::post("/v1/grants/verify").json(&body)?)
            .await?;
        let reason = answer.reason.as_deref();
        match answer.claims {
            Some(claims) if answer.active => verified_grant_from_claims(&claims),
            Some(_) => Err(inactive(reason.unwrap_or("no reason given"))),
            None if answer.active => {
                Err(inactive(reason.unwrap_or("the server returned no claims")))
            }
            None => Err(inactive(reason.unwrap_or("no reason given"))),
        }
    }
}

fn inactive(reason: &str) -> crate::Error {
    TokenError::new(
        TokenErrorCode::Inactive,
        format!("grant token is not active: {reason}"),
    )
    .into()
}
