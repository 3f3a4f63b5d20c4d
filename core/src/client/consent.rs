//! The public consent routes (`/v1/consent/:id*`) and principal dashboard sessions.

use super::path::segment;
use super::Client;
use crate::error::Result;
use crate::http::Request;
use crate::types::{
    ConsentApproval, ConsentDenial, ConsentRequest, PrincipalSession, PrincipalSessionParams,
};

/// Consent calls, borrowed from a [`Client`] by [`Client::consent`]. The server does not
/// require the API key on these routes; the client sends it anyway, harmlessly.
#[derive(Debug, Clone, Copy)]
pub struct Consent<'a> {
    client: &'a Client,
}

impl<'a> Consent<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Consent { client }
    }

    /// `GET /v1/consent/:id`: what the consent page shows (410 once processed or expired).
    pub async fn get(&self, auth_request_id: &str) -> Result<ConsentRequest> {
        let path = format!(
            "/v1/consent/{}",
            segment(auth_request_id, "auth request id")?
        );
        self.client.http().json(Request::get(path)).await
    }

    /// `POST /v1/consent/:id/approve` → the authorization code.
    pub async fn approve(&self, auth_request_id: &str) -> Result<ConsentApproval> {
        let path = format!(
            "/v1/consent/{}/approve",
            segment(auth_request_id, "auth request id")?
        );
        self.client.http().json(Request::post(path)).await
    }

    /// `POST /v1/consent/:id/deny`.
    pub async fn deny(&self, auth_request_id: &str) -> Result<ConsentDenial> {
        let path = format!(
            "/v1/consent/{}/deny",
            segment(auth_request_id, "auth request id")?
        );
        self.client.http().json(Request::post(path)).await
    }
}

/// Principal session calls, borrowed from a [`Client`] by [`Client::principal_sessions`].
#[derive(Debug, Clone, Copy)]
pub struct PrincipalSessions<'a> {
    client: &'a Client,
}

impl<'a> PrincipalSessions<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        PrincipalSessions { client }
    }

    /// `POST /v1/principal-sessions` → 201 dashboard session for an end user.
    pub async fn create(&self, params: &PrincipalSessionParams) -> Result<PrincipalSession> {
        self.client
            .http()
            .json(Request::post("/v1/principal-sessions").json(params)?)
            .await
    }
}
