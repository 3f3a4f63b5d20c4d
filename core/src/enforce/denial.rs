//! The denial taxonomy of `enforce` (the reference SDKs' `DenialReason` and sub-reasons):
//! stable, low-cardinality strings for metric labels and audit records. Code against these,
//! not against `reason` sentences.

// `reason_code`
pub const PURPOSE_NOT_ALLOWED: &str = "purpose_not_allowed";
pub const TOOL_NOT_GRANTED: &str = "tool_not_granted";
pub const PERMISSION_INSUFFICIENT: &str = "permission_insufficient";
pub const CAP_EXCEEDED: &str = "cap_exceeded";
pub const DECISION_REQUIRED: &str = "decision_required";
pub const DECISION_INVALID: &str = "decision_invalid";
pub const GRANT_REVOKED: &str = "grant_revoked";
pub const REGION_MISMATCH: &str = "region_mismatch";
pub const MANIFEST_UNKNOWN_TOOL: &str = "manifest_unknown_tool";
pub const TOKEN_INVALID: &str = "token_invalid";

/// Every `reason_code`.
pub const ALL: &[&str] = &[
    PURPOSE_NOT_ALLOWED,
    TOOL_NOT_GRANTED,
    PERMISSION_INSUFFICIENT,
    CAP_EXCEEDED,
    DECISION_REQUIRED,
    DECISION_INVALID,
    GRANT_REVOKED,
    REGION_MISMATCH,
    MANIFEST_UNKNOWN_TOOL,
    TOKEN_INVALID,
];

// `manifest_unknown_tool`
pub const UNKNOWN_CONNECTOR: &str = "unknown_connector";
pub const UNKNOWN_TOOL: &str = "unknown_tool";
pub const INVALID_DECLARATION: &str = "invalid_declaration";

// `cap_exceeded`
pub const AMOUNT_CAP: &str = "amount_cap";
pub const AMOUNT_MISSING: &str = "amount_missing";
pub const INVALID_AMOUNT: &str = "invalid_amount";
pub const MALFORMED_CAP: &str = "malformed_cap";
pub const METER_UNAVAILABLE: &str = "meter_unavailable";
pub const LIMIT_REACHED: &str = "limit_reached";

// `purpose_not_allowed`
pub const PURPOSE_MISSING: &str = "missing";
pub const PURPOSE_NOT_MATCHED: &str = "not_matched";
pub const PURPOSE_UNKNOWN: &str = "unknown_purpose";

// `tool_not_granted`
pub const NOT_IN_AUTHORIZATION_DETAILS: &str = "not_in_authorization_details";
pub const TOOL_SCOPE_MISSING: &str = "tool_scope_missing";

// `grant_revoked`
pub const REVOKED: &str = "revoked";
pub const SUSPENDED: &str = "suspended";
pub const PARENT_REVOKED: &str = "parent_revoked";
pub const FEED_STALE: &str = "feed_stale";
pub const FEED_UNAVAILABLE: &str = "feed_unavailable";
pub const STATUS_UNAVAILABLE: &str = "status_unavailable";

// `token_invalid`
pub const MALFORMED_AUTHORIZATION_DETAILS: &str = "malformed_authorization_details";
pub const AUDIENCE_UNCONFIGURED: &str = "audience_unconfigured";
pub const AUDIENCE_MISMATCH: &str = "audience_mismatch";

// `region_mismatch`
pub const REGION_UNCONFIGURED: &str = "region_unconfigured";
/// The sub-reason spelled like its reason code.
pub const REGION_MISMATCH_SUB: &str = "region_mismatch";

// `decision_invalid`
pub const CONSUME_UNAVAILABLE: &str = "consume_unavailable";
