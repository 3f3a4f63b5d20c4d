//! Usage (`/v1/usage`): how many metered requests (authorizations, token exchanges,
//! verifications) a developer made, per UTC day.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};

/// `GET /v1/usage` response: today's counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UsageResponse {
    pub developer_id: String,
    /// The UTC day, `YYYY-MM-DD`.
    pub period: String,
    pub token_exchanges: u64,
    pub authorizations: u64,
    pub verifications: u64,
    pub total_requests: u64,
}

/// `GET /v1/usage/history` query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UsageHistoryParams {
    /// 1 to 90 (30 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// One day of usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UsageHistoryEntry {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub token_exchanges: u64,
    pub authorizations: u64,
    pub verifications: u64,
    pub total_requests: u64,
}

/// `GET /v1/usage/history` response: the days with any usage, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UsageHistoryResponse {
    pub developer_id: String,
    pub days: u32,
    pub entries: Vec<UsageHistoryEntry>,
}
