//! Webhook endpoints (`/v1/webhooks`) and their delivery log.
//!
//! Every delivery is a `POST` of the event as JSON (`{id, type, createdAt, data}`) with
//! `X-Grantex-Timestamp`, `X-Grantex-Signature-V2` (what `verify_webhook` checks),
//! the legacy `X-Grantex-Signature`, `X-Grantex-Event-Id` and `X-Grantex-Delivery-Id`. A
//! delivery is retried with exponential back-off until the receiver answers 2xx; receivers
//! deduplicate by event id (delivery is at least once).

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};

/// `POST /v1/webhooks` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateWebhookParams {
    /// Where deliveries go (https; http and private addresses only on a development server).
    pub url: String,
    /// The event types to send: `grant.created`, `grant.revoked`, `token.issued`,
    /// `token.revoked`, `agent.created`, `agent.updated`, `agent.deleted`.
    pub events: Vec<String>,
}

/// A webhook endpoint (its secret is shown only at creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub events: Vec<String>,
    pub created_at: String,
}

/// `POST /v1/webhooks` response: the endpoint and the secret that signs its deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpointWithSecret {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub events: Vec<String>,
    pub created_at: String,
    /// The HMAC key of `verify_webhook`; store it, it is not shown again.
    #[serde(default)]
    #[wire(py_default)]
    pub secret: String,
}

/// `GET /v1/webhooks` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[wire(py = "ListWebhooksResponse")]
pub struct WebhookList {
    pub webhooks: Vec<WebhookEndpoint>,
}

/// `GET /v1/webhooks/:id/deliveries` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListDeliveriesParams {
    /// `pending`, `delivered` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// 1 to 100 (20 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event_type: String,
    /// `pending` (retries left), `delivered` or `failed` (attempts used up).
    pub status: String,
    pub attempts: u32,
    pub max_attempts: u32,
    pub url: String,
    /// Why the last attempt failed (`HTTP 500`, a timeout, ...).
    #[serde(default)]
    pub last_error: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub delivered_at: Option<String>,
    /// When the next attempt is due, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub next_attempt_at: Option<String>,
}

/// `GET /v1/webhooks/:id/deliveries` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDeliveryList {
    pub deliveries: Vec<WebhookDelivery>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}
