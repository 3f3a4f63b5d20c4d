"""Grantex: OAuth 2.0 for AI agents — Python SDK on the shared Rust core.

A drop-in for the reference ``grantex`` package's core flow: ``Grantex`` (and the asyncio
``AsyncGrantex``), offline ``verify_grant_token``, webhook and PKCE helpers, and the
audit-chain verifier. Everything runs in the Rust core; this package converts types.
"""

from __future__ import annotations

from typing import Tuple

from . import _native
from ._async_client import AsyncGrantex
from ._audit_chain import verify_audit_chain
from ._client import Grantex
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
)
from ._pkce import generate_pkce
from ._types import (
    Agent,
    AuditChainReport,
    AuditCheckpoint,
    AuditEntry,
    AuthorizationRequest,
    AuthorizeParams,
    ConsentApproval,
    ConsentDenial,
    ConsentRequest,
    CreatePrincipalSessionParams,
    DelegateParams,
    DelegateResponse,
    ExchangeTokenParams,
    ExchangeTokenResponse,
    Grant,
    ListAgentsResponse,
    ListAuditParams,
    ListAuditResponse,
    ListGrantsParams,
    ListGrantsResponse,
    LogAuditParams,
    PkceChallenge,
    PrincipalSessionResponse,
    RateLimit,
    RefreshTokenParams,
    RotateKeyResponse,
    SignupParams,
    SignupResponse,
    UpdateDeveloperSettingsParams,
    UpdateDeveloperSettingsResponse,
    VerifiedGrant,
    VerifyTokenResponse,
)
from ._verify import JwksCache, VerifyGrantTokenOptions, averify_grant_token, verify_grant_token
from ._webhook import verify_webhook, verify_webhook_signature

__version__: str = _native.__version__

TOKEN_ERROR_CODES: Tuple[str, ...] = tuple(_native.TOKEN_ERROR_CODES)
"""Every ``GrantexTokenError.code`` the verifier can produce (stable strings)."""

__all__ = [
    "Agent",
    "AsyncGrantex",
    "AuditChainReport",
    "AuditCheckpoint",
    "AuditEntry",
    "AuthorizationRequest",
    "AuthorizeParams",
    "ConsentApproval",
    "ConsentDenial",
    "ConsentRequest",
    "CreatePrincipalSessionParams",
    "DelegateParams",
    "DelegateResponse",
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
    "PkceChallenge",
    "PrincipalSessionResponse",
    "RateLimit",
    "RefreshTokenParams",
    "RotateKeyResponse",
    "SignupParams",
    "SignupResponse",
    "TOKEN_ERROR_CODES",
    "UpdateDeveloperSettingsParams",
    "UpdateDeveloperSettingsResponse",
    "VerifiedGrant",
    "VerifyGrantTokenOptions",
    "VerifyTokenResponse",
    "averify_grant_token",
    "generate_pkce",
    "verify_audit_chain",
    "verify_grant_token",
    "verify_webhook",
    "verify_webhook_signature",
    "__version__",
]
