//! The alerting surface over anomalies (`/v1/anomaly/*`, the reference server's routes):
//! alerts (an anomaly with a lifecycle: open → acknowledged → resolved, with notes), metrics,
//! detection rules (the built-in ones and custom thresholds) and alert channels (webhook URLs
//! that receive each new alert of the severities they ask for, signed like webhooks).

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// An anomaly seen as an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub alert_id: String,
    /// The rule that fired (`GX-001`… for the built-in rules, a custom rule's `ruleId`).
    #[serde(default)]
    pub rule_id: Option<String>,
    pub rule_name: String,
    pub severity: String,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    #[serde(default)]
    pub agent_id: Option<String>,
    pub detected_at: String,
    pub description: String,
    #[serde(default = "empty_object")]
    pub context: Value,
    #[serde(default)]
    pub acknowledged_at: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<String>,
    /// The note given when acknowledging or resolving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub resolution_note: Option<String>,
}

/// `GET /v1/anomaly/alerts` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListAlertsParams {
    /// `open`, `acknowledged` or `resolved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `critical`, `high`, `medium` or `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// 1 to 1000 (100 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `GET /v1/anomaly/alerts` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
pub struct AlertList {
    pub data: Vec<Alert>,
}

/// `POST /v1/anomaly/alerts/:id/acknowledge|resolve` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AlertNoteParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `GET /v1/anomaly/metrics` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyMetricsParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `1h`, `6h` or `24h` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// `GET /v1/anomaly/metrics` response: alerts detected within the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyMetrics {
    pub window: String,
    pub total: u64,
    /// `open`, `acknowledged`, `resolved`.
    pub by_status: BTreeMap<String, u64>,
    /// `critical`, `high`, `medium`, `low`.
    pub by_severity: BTreeMap<String, u64>,
}

/// A detection rule: built in (fixed) or custom (a threshold over a metric).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyRule {
    pub rule_id: String,
    pub name: String,
    pub severity: String,
    pub enabled: bool,
    pub built_in: bool,
    /// The stored id of a custom rule (what update and delete take); absent for built-ins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub id: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub description: Option<String>,
    /// A custom rule's condition: `{metric, threshold, windowMinutes, per}` (see
    /// `CreateAnomalyRuleParams`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub condition: Option<Value>,
    #[serde(default)]
    #[wire(py_default)]
    pub alert_channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub created_at: Option<String>,
}

/// `POST /v1/anomaly/rules` body: a custom threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateAnomalyRuleParams {
    /// Your identifier for the rule (reported as the alert's `ruleId`).
    pub rule_id: String,
    pub name: String,
    /// `{"metric": "tokens_issued" | "grants_issued" | "grants_revoked" | "audit_failures",
    /// "threshold": N, "windowMinutes": 1..=1440, "per": "agent" | "developer"}`: fires when the
    /// metric's count within the window exceeds the threshold.
    pub condition: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `critical`, `high`, `medium` (the default) or `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Ids of the alert channels to notify (in addition to every channel whose severities
    /// include the alert's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_channels: Option<Vec<String>>,
}

/// `PATCH /v1/anomaly/rules/:id` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAnomalyRuleParams {
    pub enabled: bool,
}

/// `GET /v1/anomaly/rules` response: the built-in rules, then the custom ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
pub struct AnomalyRuleList {
    pub rules: Vec<AnomalyRule>,
}

/// Where new alerts are sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AlertChannel {
    pub id: String,
    /// `webhook`.
    #[serde(rename = "type")]
    #[wire(py = "type")]
    pub kind: String,
    pub name: String,
    /// `{"url": …}`.
    #[serde(default = "empty_object")]
    pub config: Value,
    /// The severities it receives.
    #[serde(default)]
    pub severities: Vec<String>,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub created_at: Option<String>,
    /// The HMAC key its deliveries are signed with (`verify_webhook`), shown only at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub secret: Option<String>,
}

/// `POST /v1/anomaly/channels` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateAlertChannelParams {
    /// `webhook` (the only kind this server delivers).
    #[serde(rename = "type")]
    #[wire(py = "type")]
    pub kind: String,
    pub name: String,
    /// `{"url": "https://…"}` (the same rules as webhook endpoints).
    pub config: Value,
    /// Defaults to `["critical", "high"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severities: Option<Vec<String>>,
}

/// `GET /v1/anomaly/channels` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
pub struct AlertChannelList {
    pub channels: Vec<AlertChannel>,
}
