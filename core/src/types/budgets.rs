//! Budgets (`/v1/budget/*`): a spending limit per grant, debited atomically.
//!
//! Amounts travel as JSON numbers on the way in and as decimal strings with four fractional
//! digits on the way out (`"12.5000"`), the server keeping them exactly (in ten-thousandths).
//! A delegated grant's budget is bounded by its parents': allocating more than an ancestor has
//! left is refused, and a debit on a delegated grant is taken from every ancestor's budget too.
//! Tokens issued or refreshed for a grant with a budget carry what is left as the `bdg` claim.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// `POST /v1/budget/allocate` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct AllocateBudgetParams {
    pub grant_id: String,
    /// Positive, at most four fractional digits.
    pub initial_budget: f64,
    /// ISO 4217 code (`USD` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A grant's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct BudgetAllocation {
    pub id: String,
    pub grant_id: String,
    pub developer_id: String,
    /// Decimal string, four fractional digits.
    pub initial_budget: String,
    /// Decimal string, four fractional digits.
    pub remaining_budget: String,
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /v1/budget/allocations` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct BudgetAllocationList {
    pub allocations: Vec<BudgetAllocation>,
}

/// `POST /v1/budget/debit` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct DebitBudgetParams {
    pub grant_id: String,
    /// Positive, at most four fractional digits.
    pub amount: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Sent as the `Idempotency-Key` header on every attempt of the call, never in the body;
    /// the core picks a fresh UUID when unset. A debit repeated with the same key is taken
    /// once and answered with the first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// `POST /v1/budget/debit` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct DebitBudgetResponse {
    /// What is left of the grant's budget, decimal string.
    pub remaining: String,
    pub transaction_id: String,
    #[serde(default)]
    #[wire(py_default)]
    pub grant_id: Option<String>,
}

/// `GET /v1/budget/transactions/{grantId}` query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct BudgetTransactionsParams {
    /// From 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// 1 to 200 (50 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

/// One debit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct BudgetTransaction {
    pub id: String,
    pub grant_id: String,
    pub allocation_id: String,
    /// Decimal string, four fractional digits.
    pub amount: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "empty_object")]
    pub metadata: Value,
    pub created_at: String,
}

/// `GET /v1/budget/transactions/{grantId}` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct BudgetTransactionsResponse {
    pub transactions: Vec<BudgetTransaction>,
    pub total: u64,
}
