"""DPoP (RFC 9449) for agents, by the Rust core: a key of the agent's own, the public half to
register as its ``publicJwk`` (the server then binds the agent's grant tokens to it:
``cnf.jkt``), and a proof per request.

A resource server checks the proof with ``verify_grant_token(token, VerifyGrantTokenOptions(...,
dpop={"proof": <DPoP header>, "method": "POST", "url": <request URI>}))``.
"""

from __future__ import annotations

from typing import Optional

from . import _native

__all__ = ["create_dpop_proof", "dpop_public_jwk", "generate_dpop_jwk", "jwk_thumbprint"]


def generate_dpop_jwk() -> str:
    """A new EC P-256 private key as a JWK (JSON text). Keep it secret."""
    return _native.generate_dpop_jwk()


def dpop_public_jwk(jwk: str) -> str:
    """The public half of ``jwk`` (JSON text): register it as the agent's ``public_jwk``."""
    return _native.dpop_public_jwk(jwk)


def jwk_thumbprint(jwk: str) -> str:
    """The RFC 7638 SHA-256 thumbprint of ``jwk`` (public or private): the ``cnf.jkt`` of the
    tokens bound to it. ``GrantexInvalidArgumentError`` for a JWK that is not a usable key."""
    return _native.jwk_thumbprint(jwk)


def create_dpop_proof(
    private_jwk: str, method: str, url: str, access_token: Optional[str] = None
) -> str:
    """A DPoP proof (ES256, fresh ``jti`` and ``iat``) for a ``method`` request to ``url``
    (query and fragment are left out), bound to ``access_token`` (``ath``) when given: send it
    as the ``DPoP`` header with ``Authorization: DPoP <token>``."""
    return _native.create_dpop_proof(private_jwk, method, url, access_token)
