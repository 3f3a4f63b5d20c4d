//! Anomalies (`/v1/anomalies`): what the server's detection rules found in a developer's
//! grants, tokens, revocations and audit log. The rules are documented with the server
//! (`server/README.md`, "Anomaly detection"); each new anomaly is also a webhook event
//! (`anomaly.detected`).

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    pub id: String,
    /// `rate_spike`, `off_hours_activity`, `new_high_risk_scope`, `high_failure_rate` or
    /// `revocation_storm`.
    #[serde(rename = "type")]
    #[wire(py = "type")]
    pub kind: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    pub description: String,
    /// The numbers behind the finding (counts, thresholds, windows).
    #[serde(default = "empty_object")]
    pub metadata: Value,
    pub detected_at: String,
    #[serde(default)]
    pub acknowledged_at: Option<String>,
}

/// `POST /v1/anomalies/detect` response: the anomalies this run found (new ones only: a
/// finding already open is not reported twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct DetectAnomaliesResponse {
    pub detected_at: String,
    pub total: u64,
    pub anomalies: Vec<Anomaly>,
    /// This server only alerts (`alert_only`); it never revokes on its own.
    #[serde(default)]
    #[wire(py_default = "\"alert_only\"")]
    pub response_mode: String,
    #[serde(default)]
    #[wire(py_default = "0")]
    pub auto_revoked_grants: u64,
}

/// `GET /v1/anomalies` filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListAnomaliesParams {
    /// Only anomalies not yet acknowledged.
    #[serde(default)]
    #[wire(py_default = "False")]
    pub unacknowledged: bool,
}

/// `GET /v1/anomalies` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[wire(py = "ListAnomaliesResponse")]
pub struct AnomalyList {
    pub anomalies: Vec<Anomaly>,
    #[serde(default)]
    pub total: u64,
}
