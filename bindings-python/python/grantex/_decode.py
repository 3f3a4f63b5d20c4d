"""Reading a grant token **without verifying it**: for logs and displays, never to decide what a
token allows (use ``verify_grant_token`` for that). Decoded by the Rust core."""

from __future__ import annotations

import json
from typing import Any, Dict

from . import _native
from ._types import TokenInfo

__all__ = ["TokenInfo", "decode_jwt_payload", "get_token_info"]


def decode_jwt_payload(token: str) -> Dict[str, Any]:
    """The JSON object in the token's payload segment, unverified (no signature, issuer,
    audience or expiry check). A value that is not a JWT with a JSON-object payload raises
    :class:`GrantexTokenError` (code ``malformed``)."""
    result: Dict[str, Any] = json.loads(_native.decode_jwt_payload(token))
    return result


def get_token_info(token: str) -> TokenInfo:
    """What a grant token says about itself (ids, scopes, times, ``expired``), read from either
    claim layout, unverified. Raises :class:`GrantexTokenError` (``malformed``) like
    :func:`decode_jwt_payload`."""
    return TokenInfo.from_dict(json.loads(_native.get_token_info(token)))
