//! `/v1/audit*`: append to and read the hash-chained audit log.

use super::path::segment;
use super::Client;
use crate::error::Result;
use crate::http::Request;
use crate::types::{AuditEntry, AuditList, AuditLogParams, ListAuditParams};

/// Audit calls, borrowed from a [`Client`] by [`Client::audit`].
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    client: &'a Client,
}

impl<'a> Audit<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Audit { client }
    }

    /// `POST /v1/audit/log` → 201 entry with its `hash` and `prevHash`.
    pub async fn log(&self, params: &AuditLogParams) -> Result<AuditEntry> {
        self.client
            .http()
            .json(Request::post("/v1/audit/log").json(params)?)
            .await
    }

    /// `GET /v1/audit/entries` with the given filters, in chain order (see
    /// [`crate::audit_chain::verify_chain`]).
    pub async fn list(&self, params: &ListAuditParams) -> Result<AuditList> {
        self.client
            .http()
            .json(Request::get("/v1/audit/entries").query(params)?)
            .await
    }

    /// `GET /v1/audit/:id`.
    pub async fn get(&self, entry_id: &str) -> Result<AuditEntry> {
        let path = format!("/v1/audit/{}", segment(entry_id, "audit entry id")?);
        self.client.http().json(Request::get(path)).await
    }
}
