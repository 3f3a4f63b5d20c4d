"""Offline grant-token verification (RS256 against a JWKS), by the Rust core.

The core is strict: RS256 only, no ``crit``/``jku``/``x5u``
headers, duplicate JSON members refused, key policy enforced. Failures raise
``GrantexTokenError`` whose ``.code`` is one of ``TOKEN_ERROR_CODES``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from . import _native
from ._native import JwksCache

if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    # `dataclasses.dataclass` without its import-time cost (see `_wire.py`).
    from ._wire import _dataclass as dataclass

__all__ = [
    "JwksCache",
    "VerifyGrantTokenOptions",
    "averify_grant_token",
    "verify_grant_token",
]


# The reference's options passed to the core by name (issuer_did, proof_jkt, legacy_claims,
# ...): the core's one list and rule, shared with Node, C, Go and Kotlin.
_REFERENCE_OPTIONS = frozenset(_native.REFERENCE_VERIFY_OPTIONS)


@dataclass
class VerifyGrantTokenOptions:
    """What a token is checked against.

    Fields follow the reference SDK's order (so positional calls mean the same), then this
    SDK's own: ``expected_developer_id``, ``max_delegation_depth``, ``jwks`` and ``now``.
    ``expected_developer_id`` pins the developer the grant was issued for (``dev``): one
    authorization server signs every developer's tokens with the same key and issuer, so a
    service that trusts only its own developer's grants sets it (a mismatch is
    ``wrong_issuer``).

    Give ``jwks_uri`` (keys fetched once and cached for 10 minutes, process-wide), ``issuer_did``
    or ``jwks`` (a ``JwksCache``, e.g. ``JwksCache.from_json(text)`` for a fully offline set).
    ``issuer`` defaults to the one derived from ``jwks_uri`` (``https://api.grantex.dev/...``
    maps to ``https://grantex.dev``; any other URI to itself minus ``/.well-known/jwks.json``);
    a static ``jwks`` needs an explicit ``issuer``.
    ``algorithms``: a subset of ``["RS256", "ES256"]`` that includes ``RS256`` (grant tokens
    are RS256; ES256 tokens are refused as ``unsupported_alg``). ``legacy_claims=True`` reads
    both claim layouts (they must agree); ``False`` reads only the standard claims and needs
    ``typ: at+jwt`` (else ``forbidden_header``). The fetch is always bounded, so
    ``bounded_jwks_fetch`` changes nothing.
    ``issuer_did``: a ``did:web`` issuer; the keys are read from
    ``https://<host>[:<port>][/<path>]/.well-known/jwks.json`` (instead of ``jwks_uri``) and the
    issuer defaults to that location. A DID that is not did:web, or names an IP address, a
    local or private host or a single label, raises ``GrantexConfigError``
    (``did:web:localhost...`` resolves to ``http://localhost...`` only with
    ``GRANTEX_DID_WEB_ALLOW_LOCALHOST=1``, for development).
    ``proof_jkt``: the RFC 7638 thumbprint of the key the request proved possession of (e.g.
    from a verified DPoP proof); the token's ``cnf.jkt`` must equal it (``not_key_bound`` /
    ``proof_mismatch``). ``require_proof_of_possession=True`` without ``proof_jkt`` or ``dpop``
    is ``proof_required``.
    ``dpop`` (this SDK's): ``{"proof": <the DPoP header>, "method": "POST", "url": <the
    request URI>}``. The proof (RFC 9449) must be a ``dpop+jwt`` signed by the key in its
    header, for that method and URI (query and fragment ignored), at most 5 minutes old, bound
    to this token (``ath``) and not used before in this process; its key's thumbprint must be
    the token's ``cnf.jkt``. A bad proof is ``invalid_proof``; a proof made with another key
    is ``proof_mismatch``. A fixed ``now`` turns replay detection off.
    ``expected_principal_id`` / ``expected_agent_did``: the token's ``sub`` / agent DID must
    equal it (``wrong_principal`` / ``wrong_agent``; an empty value matches nothing).
    ``current_authority``: a callable ``(token) -> VerifiedGrant`` (for
    ``averify_grant_token`` it may return an awaitable) asked after verification what the grant
    is now, typically through the server's online verification; its answer must be the same
    grant (issuer, ids, principal, agent, developer, times, audience, scopes) or the token is
    refused with ``authority_mismatch``, as is a callback that raises. Requires ``audience``.
    ``now`` (unix seconds) fixes the clock: for tests and replaying recorded tokens only.
    ``allow_sandbox``: accept sandbox tokens (issued for a sandbox developer, approved without
    a human); by default they are refused (``sandbox_token``) unless the environment variable
    ``GRANTEX_ALLOW_SANDBOX_TOKENS=1`` is set (for test suites).
    """

    jwks_uri: Optional[str] = None
    required_scopes: Optional[List[str]] = None
    clock_tolerance: int = 0
    audience: Optional[str] = None
    issuer_did: Optional[str] = None
    issuer: Optional[str] = None
    algorithms: Optional[List[str]] = None
    legacy_claims: bool = True
    proof_jkt: Optional[str] = None
    require_proof_of_possession: bool = False
    bounded_jwks_fetch: bool = False
    current_authority: Optional[Callable[..., Any]] = None
    expected_principal_id: Optional[str] = None
    expected_agent_did: Optional[str] = None
    expected_developer_id: Optional[str] = None
    max_delegation_depth: Optional[int] = None
    jwks: Optional[JwksCache] = None
    now: Optional[int] = None
    allow_sandbox: Optional[bool] = None
    dpop: Optional[Dict[str, str]] = None

    if not TYPE_CHECKING:

        def __init__(
            self,
            jwks_uri=None,
            required_scopes=None,
            clock_tolerance=0,
            audience=None,
            issuer_did=None,
            issuer=None,
            algorithms=None,
            legacy_claims=True,
            proof_jkt=None,
            require_proof_of_possession=False,
            bounded_jwks_fetch=False,
            current_authority=None,
            expected_principal_id=None,
            expected_agent_did=None,
            expected_developer_id=None,
            max_delegation_depth=None,
            jwks=None,
            now=None,
            allow_sandbox=None,
            dpop=None,
        ):
            self.jwks_uri = jwks_uri
            self.required_scopes = required_scopes
            self.clock_tolerance = clock_tolerance
            self.audience = audience
            self.issuer_did = issuer_did
            self.issuer = issuer
            self.algorithms = algorithms
            self.legacy_claims = legacy_claims
            self.proof_jkt = proof_jkt
            self.require_proof_of_possession = require_proof_of_possession
            self.bounded_jwks_fetch = bounded_jwks_fetch
            self.current_authority = current_authority
            self.expected_principal_id = expected_principal_id
            self.expected_agent_did = expected_agent_did
            self.expected_developer_id = expected_developer_id
            self.max_delegation_depth = max_delegation_depth
            self.jwks = jwks
            self.now = now
            self.allow_sandbox = allow_sandbox
            self.dpop = dpop

    def __setattr__(self, name: str, value: Any) -> None:
        # Checked on every assignment (construction included), so a later change is refused too.
        _check_supported(name, value)
        object.__setattr__(self, name, value)


def _check_supported(name: str, value: Any) -> None:
    if name in _REFERENCE_OPTIONS:
        _native.check_verify_option(name, value)


def _authority_json(answer: Any) -> str:
    """A ``current_authority`` answer as the core reads it: a ``VerifiedGrant`` in its wire
    JSON; anything else ``null``, which never matches (as in the reference SDK)."""
    import json  # here, not at import: `import grantex` stays free of json

    from ._types import VerifiedGrant

    if not isinstance(answer, VerifiedGrant):
        return "null"
    try:
        return json.dumps(answer.to_dict())
    except (TypeError, ValueError):  # not JSON (a set or datetime inside a raw claim): no match
        return "null"


async def _averify_with_authority(token: Any, options: Any) -> Any:
    import inspect

    grant = await _native.averify_grant_token(token, options)
    try:
        answer = options.current_authority(token)
        if inspect.isawaitable(answer):
            answer = await answer
        text = _authority_json(answer)
    except Exception as exc:  # the reference refuses the token whatever the callback raised
        try:
            _native.check_current_authority(grant, None, str(exc) or type(exc).__name__)
        except Exception as refused:
            raise refused from exc
    _native.check_current_authority(grant, text)
    return grant


# The native function is the public one: no Python frame on the verification hot path (the
# native code calls ``current_authority`` itself).
verify_grant_token = _native.verify_grant_token


def averify_grant_token(token: Any, options: Any) -> Any:
    """The awaitable twin of :func:`verify_grant_token`."""
    if getattr(options, "current_authority", None) is not None:
        return _averify_with_authority(token, options)
    return _native.averify_grant_token(token, options)
