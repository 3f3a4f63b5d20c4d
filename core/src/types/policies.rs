//! Policies (`/v1/policies`): rules the server applies at `/v1/authorize` (an `allow` approves
//! without asking the human, a `deny` refuses) and at delegation (a `deny` refuses).
//!
//! A matching `deny` always wins over a matching `allow`; among policies of the decisive effect
//! the highest `priority` (then the oldest) is the one reported. Conditions left `null` match
//! anything. A policy may instead be written in Cedar (`cedar`), evaluated by the server with
//! the entities and context its documentation lists.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};

fn first_version() -> u32 {
    1
}

/// A policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub id: String,
    pub name: String,
    /// `allow` or `deny`.
    pub effect: String,
    #[serde(default)]
    pub priority: i64,
    /// Only requests by this agent (`null`: any agent).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Only requests for this principal (`null`: any principal).
    #[serde(default)]
    pub principal_id: Option<String>,
    /// An `allow` matches when every requested scope is listed, a `deny` when any is
    /// (`null`: any scopes).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// `HH:MM` (UTC), inclusive; with `timeOfDayEnd` (exclusive) a daily window, which may
    /// wrap past midnight.
    #[serde(default)]
    pub time_of_day_start: Option<String>,
    #[serde(default)]
    pub time_of_day_end: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The policy as Cedar code, when it is one (its `permit`/`forbid` is `effect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub cedar: Option<String>,
    /// 1 when created, one more at each update.
    #[serde(default = "first_version")]
    #[wire(py_default = "1")]
    pub version: u32,
}

/// `POST /v1/policies` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreatePolicyParams {
    pub name: String,
    /// `allow` or `deny`.
    pub effect: String,
    /// Always sent (0 by default), as the reference Python SDK does.
    #[serde(default)]
    #[wire(py_default = "0")]
    pub priority: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_of_day_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_of_day_end: Option<String>,
    /// A single Cedar `permit` (effect `allow`) or `forbid` (effect `deny`) policy; the
    /// condition fields above must then be absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cedar: Option<String>,
}

/// `PATCH /v1/policies/:id` body; only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePolicyParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_of_day_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_of_day_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cedar: Option<String>,
}

/// `GET /v1/policies` response: highest priority first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[wire(py = "ListPoliciesResponse")]
pub struct PolicyList {
    pub policies: Vec<Policy>,
    #[serde(default)]
    pub total: u64,
}

/// `POST /v1/policies/evaluate` body: a request to decide without acting on it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct EvaluatePolicyParams {
    pub agent_id: String,
    pub principal_id: String,
    pub scopes: Vec<String>,
    /// `authorize` (the default) or `delegate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The delegation depth the request would create (0 for `authorize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_depth: Option<u32>,
    /// When to evaluate (RFC 3339); now by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// One policy that matched a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct PolicyMatch {
    pub policy_id: String,
    pub name: String,
    pub effect: String,
    pub priority: i64,
    /// `native` or `cedar`.
    pub kind: String,
}

/// `POST /v1/policies/evaluate` response: what the server would decide, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDecision {
    /// `allow` (approved without consent), `deny` (refused) or `none` (no policy matched:
    /// the human decides).
    pub decision: String,
    /// The policy that decided, when one did.
    #[serde(default)]
    pub policy_id: Option<String>,
    #[serde(default)]
    pub policy_name: Option<String>,
    /// Why, in words.
    pub reason: String,
    /// Every matching policy, in the order they were weighed.
    #[serde(default)]
    pub matched: Vec<PolicyMatch>,
    /// How many policies were evaluated.
    #[serde(default)]
    pub evaluated: u64,
    /// The instant the request was evaluated at (RFC 3339).
    pub evaluated_at: String,
}
