"""The receiving side: ``A2APolicy`` (what a caller's token must satisfy) and ``A2AGuard``
(the core's guard; ``check`` / ``acheck`` return the ``VerifiedGrant`` or raise
``A2AAuthError``), plus the reference package's ``create_a2a_auth_middleware`` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional

from .._native import A2AGuard, peek_request
from .._types import VerifiedGrant

__all__ = [
    "A2AGuard",
    "A2APolicy",
    "RevocationOnline",
    "A2AAuthMiddlewareOptions",
    "create_a2a_auth_middleware",
    "peek_request",
]


@dataclass
class RevocationOnline:
    """Ask the Grantex server whether a token was revoked (``POST /v1/tokens/verify``) with
    the API key of the developer that owns the tokens. An "active" answer is reused for
    ``cache_ttl`` seconds (at most 300; 0 asks every time); a failed check answers 503."""

    base_url: str
    api_key: str
    cache_ttl: float = 300.0


@dataclass
class A2APolicy:
    """What an incoming request's grant token must satisfy.

    Give ``jwks_uri`` (the issuer's key set, fetched and cached) or ``jwks_json`` (a fixed key
    set; needs ``issuer``). ``issuer`` defaults to the one derived from ``jwks_uri``.
    ``audience``: the token's ``aud`` must contain it (delegated tokens carry none, so they are
    then refused). ``required_scopes`` apply to every method not in ``method_scopes``
    (``{"tasks/get": ["tasks:read"]}``). Delegated tokens are refused unless
    ``allow_delegation``; ``max_delegation_depth`` then caps the hops. ``revocation``: see
    ``RevocationOnline`` (default: offline only, a revoked token passes until it expires).
    ``expected_developer_id`` is the tenant pin: one Grantex server signs every developer's
    tokens with the same key and issuer, so an agent that must accept only its own developer's
    grants sets it (a grant for another developer is refused as ``wrong_issuer``).
    ``allow_sandbox``: accept sandbox tokens (approved without a human); by default refused
    (``sandbox_token``) unless ``GRANTEX_ALLOW_SANDBOX_TOKENS=1`` is set (for test suites).
    """

    jwks_uri: Optional[str] = None
    jwks_json: Optional[str] = None
    issuer: Optional[str] = None
    audience: Optional[str] = None
    required_scopes: Optional[List[str]] = None
    method_scopes: Optional[Dict[str, List[str]]] = None
    allow_delegation: bool = False
    max_delegation_depth: Optional[int] = None
    clock_tolerance: int = 0
    revocation: Optional[RevocationOnline] = None
    expected_developer_id: Optional[str] = None
    allow_sandbox: Optional[bool] = None


@dataclass
class A2AAuthMiddlewareOptions:
    """The reference ``grantex_a2a`` middleware options."""

    jwks_uri: str
    issuer: Optional[str] = None
    audience: Optional[str] = None
    clock_tolerance: int = 0
    required_scopes: Optional[List[str]] = None


def create_a2a_auth_middleware(
    options: A2AAuthMiddlewareOptions,
) -> Callable[[Mapping[str, str]], VerifiedGrant]:
    """The reference package's synchronous checker: a callable taking a request's headers
    (``authorization`` or ``Authorization``) and returning the verified grant, or raising
    ``A2AAuthError``. Backed by ``A2AGuard`` (real signature check; stricter ``Bearer``
    parsing). For ASGI apps prefer ``GrantexA2AMiddleware``."""
    guard = A2AGuard(
        A2APolicy(
            jwks_uri=options.jwks_uri,
            issuer=options.issuer,
            audience=options.audience,
            clock_tolerance=options.clock_tolerance,
            required_scopes=options.required_scopes,
        )
    )

    def check(headers: Mapping[str, str]) -> VerifiedGrant:
        value = headers.get("authorization")
        if value is None:
            value = headers.get("Authorization")
        return guard.check(value)

    return check
