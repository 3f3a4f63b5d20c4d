"""The denial taxonomy of ``enforce()``: every denied ``EnforceResult`` carries a
``reason_code`` from :class:`DenialReason` and, where one applies, a ``sub_reason``. Stable,
low-cardinality strings (the core's ``grantex::enforce::denial``; a test checks these match)."""

from __future__ import annotations

from typing import Tuple

__all__ = [
    "CapSubReason",
    "DecisionSubReason",
    "DenialReason",
    "ManifestSubReason",
    "PurposeSubReason",
    "RegionSubReason",
    "RevocationSubReason",
    "TokenSubReason",
    "ToolSubReason",
]


class DenialReason:
    PURPOSE_NOT_ALLOWED = "purpose_not_allowed"
    TOOL_NOT_GRANTED = "tool_not_granted"
    PERMISSION_INSUFFICIENT = "permission_insufficient"
    CAP_EXCEEDED = "cap_exceeded"
    DECISION_REQUIRED = "decision_required"
    DECISION_INVALID = "decision_invalid"
    GRANT_REVOKED = "grant_revoked"
    REGION_MISMATCH = "region_mismatch"
    MANIFEST_UNKNOWN_TOOL = "manifest_unknown_tool"
    TOKEN_INVALID = "token_invalid"

    ALL: Tuple[str, ...] = (
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
    )


class ManifestSubReason:
    UNKNOWN_CONNECTOR = "unknown_connector"
    UNKNOWN_TOOL = "unknown_tool"
    INVALID_DECLARATION = "invalid_declaration"


class CapSubReason:
    AMOUNT_CAP = "amount_cap"
    AMOUNT_MISSING = "amount_missing"
    INVALID_AMOUNT = "invalid_amount"
    MALFORMED_CAP = "malformed_cap"
    METER_UNAVAILABLE = "meter_unavailable"
    LIMIT_REACHED = "limit_reached"


class PurposeSubReason:
    MISSING = "missing"
    NOT_MATCHED = "not_matched"
    UNKNOWN_PURPOSE = "unknown_purpose"


class ToolSubReason:
    NOT_IN_AUTHORIZATION_DETAILS = "not_in_authorization_details"
    TOOL_SCOPE_MISSING = "tool_scope_missing"


class RevocationSubReason:
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    PARENT_REVOKED = "parent_revoked"
    FEED_STALE = "feed_stale"
    FEED_UNAVAILABLE = "feed_unavailable"
    STATUS_UNAVAILABLE = "status_unavailable"


class TokenSubReason:
    MALFORMED_AUTHORIZATION_DETAILS = "malformed_authorization_details"
    AUDIENCE_UNCONFIGURED = "audience_unconfigured"
    AUDIENCE_MISMATCH = "audience_mismatch"


class RegionSubReason:
    REGION_UNCONFIGURED = "region_unconfigured"
    REGION_MISMATCH = "region_mismatch"


class DecisionSubReason:
    CONSUME_UNAVAILABLE = "consume_unavailable"
