//! Compliance (`/v1/compliance/*`): counts, exports of grants and of the audit log, and the
//! evidence pack (SOC 2 / GDPR framing) with the audit chain's verification.
//!
//! The exports stream: the server writes rows as it reads them, so a large export never sits
//! in memory, and `total` comes last in the JSON object. `format=csv` gives the same rows as
//! CSV (the generic call and the SDK methods read JSON).

use super::{AuditEntry, Grant, Policy};
use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /v1/compliance/summary` filters (RFC 3339 instants or dates).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceSummaryParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// `GET /v1/compliance/summary` response: counts by status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceSummary {
    pub generated_at: String,
    /// `total`, `active`, `suspended`.
    pub agents: BTreeMap<String, u64>,
    /// `total`, `active`, `revoked`, `expired` (issued within the range).
    pub grants: BTreeMap<String, u64>,
    /// `total`, `success`, `failure`, `blocked` (within the range).
    pub audit_entries: BTreeMap<String, u64>,
    /// `total`, `allow`, `deny`, `cedar`.
    pub policies: BTreeMap<String, u64>,
    /// Always `self-hosted` on this server.
    pub plan: String,
    #[serde(default)]
    #[wire(py_default)]
    pub since: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub until: Option<String>,
}

/// `GET /v1/compliance/export/grants` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceExportGrantsParams {
    /// Grants issued at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Grants issued before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// `active`, `revoked` or `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// `GET /v1/compliance/export/audit` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceExportAuditParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `success`, `failure` or `blocked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `GET /v1/compliance/export/grants` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceGrantsExport {
    pub generated_at: String,
    pub grants: Vec<Grant>,
    pub total: u64,
}

/// `GET /v1/compliance/export/audit` response, in chain order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceAuditExport {
    pub generated_at: String,
    pub entries: Vec<AuditEntry>,
    pub total: u64,
}

/// `GET /v1/compliance/evidence-pack` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct EvidencePackParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// `soc2`, `gdpr` or `all` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
}

/// The audit chain's verification over the developer's whole chain (by the core's verifier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ChainIntegrity {
    pub valid: bool,
    pub checked_entries: u64,
    #[serde(default)]
    #[wire(py_default)]
    pub first_broken_at: Option<String>,
    /// `content` (an entry's hash does not match it) or `link` (it does not follow its
    /// predecessor), when broken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub reason: Option<String>,
}

/// What an evidence pack covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct EvidencePackMeta {
    pub schema_version: String,
    pub generated_at: String,
    pub framework: String,
    #[serde(default)]
    #[wire(py_default)]
    pub since: Option<String>,
    #[serde(default)]
    #[wire(py_default)]
    pub until: Option<String>,
}

/// `GET /v1/compliance/evidence-pack` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct EvidencePack {
    pub meta: EvidencePackMeta,
    /// The summary's counts, with the framework's controls and how each is evidenced.
    pub summary: serde_json::Value,
    pub grants: Vec<Grant>,
    pub audit_entries: Vec<AuditEntry>,
    /// The policies in force when the pack was made.
    pub policies: Vec<Policy>,
    pub chain_integrity: ChainIntegrity,
}
