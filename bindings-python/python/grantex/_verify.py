"""Offline grant-token verification (RS256 against a JWKS), by the Rust core.

The core is strict (see ``security-perf-anchors``): RS256 only, no ``crit``/``jku``/``x5u``
headers, duplicate JSON members refused, key policy enforced. Failures raise
``GrantexTokenError`` whose ``.code`` is one of ``TOKEN_ERROR_CODES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from . import _native
from ._native import JwksCache

__all__ = [
    "JwksCache",
    "VerifyGrantTokenOptions",
    "averify_grant_token",
    "verify_grant_token",
]


@dataclass
class VerifyGrantTokenOptions:
    """What a token is checked against.

    Give ``jwks_uri`` (keys fetched once and cached for 10 minutes, process-wide) or ``jwks``
    (a ``JwksCache``, e.g. ``JwksCache.from_json(text)`` for a fully offline set).
    ``issuer`` defaults to the one derived from ``jwks_uri`` (``https://api.grantex.dev/...``
    maps to ``https://grantex.dev``; any other URI to itself minus ``/.well-known/jwks.json``);
    a static ``jwks`` needs an explicit ``issuer``.
    ``now`` (unix seconds) fixes the clock: for tests and replaying recorded tokens only.
    """

    jwks_uri: Optional[str] = None
    required_scopes: Optional[List[str]] = None
    clock_tolerance: int = 0
    audience: Optional[str] = None
    issuer: Optional[str] = None
    max_delegation_depth: Optional[int] = None
    jwks: Optional[JwksCache] = None
    now: Optional[int] = None


# The native functions are the public ones: no Python frame on the verification hot path.
verify_grant_token = _native.verify_grant_token
averify_grant_token = _native.averify_grant_token
