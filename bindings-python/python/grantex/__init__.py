"""Grantex: OAuth 2.0 for AI agents — Python SDK on the shared Rust core.

A drop-in for the reference ``grantex`` package's core flow: ``Grantex`` (and the asyncio
``AsyncGrantex``), offline ``verify_grant_token``, webhook and PKCE helpers, and the
audit-chain verifier. Everything runs in the Rust core; this package converts types.
"""

from __future__ import annotations

from . import _native

# `TYPE_CHECKING` without importing `typing` (whose import alone costs ~10 ms): type checkers
# treat any name `TYPE_CHECKING` as true, so they see the imports below; at run time the
# names are loaded on first use by `__getattr__` (PEP 562), so `import grantex` loads only
# the native module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Tuple

    from ._async_client import AsyncGrantex
    from ._audit_chain import verify_audit_chain
    from ._client import Grantex
    from ._decode import decode_jwt_payload, get_token_info
    from ._errors import (
        GrantexApiError,
        GrantexAuthError,
        GrantexConfigError,
        GrantexDecodeError,
        GrantexError,
        GrantexInvalidArgumentError,
        GrantexNetworkError,
        GrantexSignupError,
        GrantexTimeoutError,
        GrantexTokenError,
        ManifestValidationError,
    )
    from ._dpop import create_dpop_proof, dpop_public_jwk, generate_dpop_jwk, jwk_thumbprint
    from ._pkce import generate_pkce
    from .denials import (
        CapSubReason,
        DecisionSubReason,
        DenialReason,
        ManifestSubReason,
        PurposeSubReason,
        RegionSubReason,
        RevocationSubReason,
        TokenSubReason,
        ToolSubReason,
    )
    from .fastapi import GrantexEnforcer
    from .manifest import Permission, ToolCaps, ToolManifest, ToolSpec
    from ._types import (
        Agent,
        Anomaly,
        AuditChainReport,
        AuditCheckpoint,
        AuditEntry,
        AuthorizationRequest,
        AuthorizeParams,
        ChainIntegrity,
        ComplianceAuditExport,
        ComplianceExportAuditParams,
        ComplianceExportGrantsParams,
        ComplianceGrantsExport,
        ComplianceSummary,
        ComplianceSummaryParams,
        ConsentApproval,
        ConsentDenial,
        ConsentRequest,
        CreatePolicyParams,
        CreatePrincipalSessionParams,
        CreateWebhookParams,
        DelegateParams,
        DelegateResponse,
        DetectAnomaliesResponse,
        EnforceResult,
        EvaluatePolicyParams,
        EvidencePack,
        EvidencePackMeta,
        EvidencePackParams,
        ExchangeTokenParams,
        ExchangeTokenResponse,
        Grant,
        ListAgentsResponse,
        ListAnomaliesParams,
        ListAnomaliesResponse,
        ListAuditParams,
        ListAuditResponse,
        ListDeliveriesParams,
        ListGrantsParams,
        ListGrantsResponse,
        ListPoliciesResponse,
        ListWebhooksResponse,
        LogAuditParams,
        PkceChallenge,
        Policy,
        PolicyDecision,
        PolicyMatch,
        PrincipalSessionResponse,
        RateLimit,
        RefreshTokenParams,
        RevocationStatus,
        RevocationStatusParams,
        RotateKeyResponse,
        SignupParams,
        SignupResponse,
        TokenInfo,
        UpdateDeveloperSettingsParams,
        UpdateDeveloperSettingsResponse,
        UpdatePolicyParams,
        VerifiedGrant,
        VerifyTokenResponse,
        WebhookDelivery,
        WebhookDeliveryList,
        WebhookEndpoint,
        WebhookEndpointWithSecret,
    )
    from ._verify import JwksCache, VerifyGrantTokenOptions, averify_grant_token, verify_grant_token
    from ._webhook import verify_webhook, verify_webhook_signature

__version__: str = _native.__version__

TOKEN_ERROR_CODES: Tuple[str, ...] = tuple(_native.TOKEN_ERROR_CODES)
"""Every ``GrantexTokenError.code`` the verifier can produce (stable strings)."""

__all__ = [
    "Anomaly",
    "ChainIntegrity",
    "DetectAnomaliesResponse",
    "ListAnomaliesResponse",
    "ListAnomaliesParams",
    "ComplianceAuditExport",
    "ComplianceExportAuditParams",
    "ComplianceExportGrantsParams",
    "ComplianceGrantsExport",
    "ComplianceSummary",
    "ComplianceSummaryParams",
    "EvidencePack",
    "EvidencePackMeta",
    "EvidencePackParams",
    "CreateWebhookParams",
    "ListDeliveriesParams",
    "ListWebhooksResponse",
    "WebhookDelivery",
    "WebhookDeliveryList",
    "WebhookEndpoint",
    "WebhookEndpointWithSecret",
    "CreatePolicyParams",
    "EvaluatePolicyParams",
    "ListPoliciesResponse",
    "Policy",
    "PolicyDecision",
    "PolicyMatch",
    "UpdatePolicyParams",
    "Agent",
    "AsyncGrantex",
    "AuditChainReport",
    "AuditCheckpoint",
    "AuditEntry",
    "AuthorizationRequest",
    "AuthorizeParams",
    "CapSubReason",
    "ConsentApproval",
    "ConsentDenial",
    "ConsentRequest",
    "CreatePrincipalSessionParams",
    "DecisionSubReason",
    "DelegateParams",
    "DelegateResponse",
    "DenialReason",
    "EnforceResult",
    "GrantexEnforcer",
    "ExchangeTokenParams",
    "ExchangeTokenResponse",
    "Grant",
    "Grantex",
    "GrantexApiError",
    "GrantexAuthError",
    "GrantexConfigError",
    "GrantexDecodeError",
    "GrantexError",
    "GrantexInvalidArgumentError",
    "GrantexNetworkError",
    "GrantexSignupError",
    "GrantexTimeoutError",
    "GrantexTokenError",
    "JwksCache",
    "ListAgentsResponse",
    "ListAuditParams",
    "ListAuditResponse",
    "ListGrantsParams",
    "ListGrantsResponse",
    "LogAuditParams",
    "ManifestSubReason",
    "ManifestValidationError",
    "Permission",
    "PkceChallenge",
    "PrincipalSessionResponse",
    "PurposeSubReason",
    "RateLimit",
    "RefreshTokenParams",
    "RegionSubReason",
    "RevocationStatus",
    "RevocationStatusParams",
    "RevocationSubReason",
    "RotateKeyResponse",
    "SignupParams",
    "SignupResponse",
    "TOKEN_ERROR_CODES",
    "TokenInfo",
    "TokenSubReason",
    "ToolCaps",
    "ToolManifest",
    "ToolSpec",
    "ToolSubReason",
    "UpdateDeveloperSettingsParams",
    "UpdateDeveloperSettingsResponse",
    "VerifiedGrant",
    "VerifyGrantTokenOptions",
    "VerifyTokenResponse",
    "averify_grant_token",
    "decode_jwt_payload",
    "generate_pkce",
    "create_dpop_proof",
    "dpop_public_jwk",
    "generate_dpop_jwk",
    "jwk_thumbprint",
    "get_token_info",
    "verify_audit_chain",
    "verify_grant_token",
    "verify_webhook",
    "verify_webhook_signature",
    "__version__",
]

# Where each public name is defined (imported on first access, then cached in this module;
# `tests/test_import_time_api.py` checks this table against `__all__`).
_LAZY = {
    "Anomaly": "_types",
    "ChainIntegrity": "_types",
    "DetectAnomaliesResponse": "_types",
    "ListAnomaliesResponse": "_types",
    "ListAnomaliesParams": "_types",
    "ComplianceAuditExport": "_types",
    "ComplianceExportAuditParams": "_types",
    "ComplianceExportGrantsParams": "_types",
    "ComplianceGrantsExport": "_types",
    "ComplianceSummary": "_types",
    "ComplianceSummaryParams": "_types",
    "EvidencePack": "_types",
    "EvidencePackMeta": "_types",
    "EvidencePackParams": "_types",
    "CreateWebhookParams": "_types",
    "ListDeliveriesParams": "_types",
    "ListWebhooksResponse": "_types",
    "WebhookDelivery": "_types",
    "WebhookDeliveryList": "_types",
    "WebhookEndpoint": "_types",
    "WebhookEndpointWithSecret": "_types",
    "CreatePolicyParams": "_types",
    "EvaluatePolicyParams": "_types",
    "ListPoliciesResponse": "_types",
    "Policy": "_types",
    "PolicyDecision": "_types",
    "PolicyMatch": "_types",
    "UpdatePolicyParams": "_types",
    "Agent": "_types",
    "AsyncGrantex": "_async_client",
    "AuditChainReport": "_wire",
    "AuditCheckpoint": "_types",
    "AuditEntry": "_types",
    "AuthorizationRequest": "_types",
    "AuthorizeParams": "_types",
    "CapSubReason": "denials",
    "ConsentApproval": "_types",
    "ConsentDenial": "_types",
    "ConsentRequest": "_types",
    "CreatePrincipalSessionParams": "_types",
    "DecisionSubReason": "denials",
    "DelegateParams": "_types",
    "DelegateResponse": "_types",
    "DenialReason": "denials",
    "EnforceResult": "_types",
    "GrantexEnforcer": "fastapi",
    "ExchangeTokenParams": "_types",
    "ExchangeTokenResponse": "_types",
    "Grant": "_types",
    "Grantex": "_client",
    "GrantexApiError": "_errors",
    "GrantexAuthError": "_errors",
    "GrantexConfigError": "_errors",
    "GrantexDecodeError": "_errors",
    "GrantexError": "_errors",
    "GrantexInvalidArgumentError": "_errors",
    "GrantexNetworkError": "_errors",
    "GrantexSignupError": "_errors",
    "GrantexTimeoutError": "_errors",
    "GrantexTokenError": "_errors",
    "JwksCache": "_verify",
    "ListAgentsResponse": "_types",
    "ListAuditParams": "_types",
    "ListAuditResponse": "_types",
    "ListGrantsParams": "_types",
    "ListGrantsResponse": "_types",
    "LogAuditParams": "_types",
    "ManifestSubReason": "denials",
    "ManifestValidationError": "_errors",
    "Permission": "manifest",
    "PkceChallenge": "_wire",
    "PrincipalSessionResponse": "_types",
    "PurposeSubReason": "denials",
    "RateLimit": "_wire",
    "RefreshTokenParams": "_types",
    "RegionSubReason": "denials",
    "RevocationStatus": "_types",
    "RevocationStatusParams": "_types",
    "RevocationSubReason": "denials",
    "RotateKeyResponse": "_types",
    "SignupParams": "_types",
    "SignupResponse": "_types",
    "TokenInfo": "_types",
    "TokenSubReason": "denials",
    "ToolCaps": "manifest",
    "ToolManifest": "manifest",
    "ToolSpec": "manifest",
    "ToolSubReason": "denials",
    "UpdateDeveloperSettingsParams": "_types",
    "UpdateDeveloperSettingsResponse": "_types",
    "VerifiedGrant": "_types",
    "VerifyGrantTokenOptions": "_verify",
    "VerifyTokenResponse": "_types",
    "averify_grant_token": "_verify",
    "decode_jwt_payload": "_decode",
    "generate_pkce": "_pkce",
    "create_dpop_proof": "_dpop",
    "dpop_public_jwk": "_dpop",
    "generate_dpop_jwk": "_dpop",
    "jwk_thumbprint": "_dpop",
    "get_token_info": "_decode",
    "verify_audit_chain": "_audit_chain",
    "verify_grant_token": "_verify",
    "verify_webhook": "_webhook",
    "verify_webhook_signature": "_webhook",
}
# The submodules `import grantex` used to import eagerly: still attributes of the package
# (`grantex._types`), imported on first access.
_SUBMODULES = frozenset(
    {"_async_client", "_audit_chain", "_base", "_client", "_errors"}
    | {"_decode", "_pkce", "_types", "_verify", "_webhook", "_wire"}
    | {"manifest", "manifests", "denials", "_wrap", "fastapi"}
)

if not TYPE_CHECKING:

    def __getattr__(name):
        module = _LAZY.get(name)
        if module is not None or name in _SUBMODULES:
            import sys

            full = f"{__name__}.{module or name}"
            __import__(full)
            value = getattr(sys.modules[full], name) if module is not None else sys.modules[full]
        elif name == "Tuple":  # `typing.Tuple` was a (stray) attribute of the package
            from typing import Tuple as value
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__():
        names = set(globals()) | set(_LAZY) | _SUBMODULES | {"Tuple"}
        return sorted(names - {"__getattr__", "__dir__", "_LAZY", "_SUBMODULES"})


del TYPE_CHECKING
