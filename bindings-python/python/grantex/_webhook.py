"""Webhook signature checks (HMAC-SHA256, constant-time, by the Rust core)."""

from __future__ import annotations

from typing import Optional, Union

from . import _native
from ._errors import GrantexInvalidArgumentError

__all__ = ["verify_webhook", "verify_webhook_signature"]

DEFAULT_TOLERANCE_SECONDS = 300


_MAX_TOLERANCE = 2**64 - 1
_I64 = (-(2**63), 2**63 - 1)


def _type(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _body(func: str, payload: object) -> bytes:
    if isinstance(payload, str):
        return payload.encode()
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise TypeError(f"{func}(): payload must be str or bytes (the raw request body), got {_type(payload)}")


def _secret(func: str, secret: object) -> str:
    if not isinstance(secret, str):
        raise TypeError(f"{func}(): secret must be a str (the endpoint's webhook secret), got {_type(secret)}")
    return secret


def _int(func: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{func}(): {name} must be an int, got {_type(value)}")
    return value


def verify_webhook(
    payload: Union[str, bytes],
    signature: str,
    timestamp: str,
    secret: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: Optional[int] = None,
) -> bool:
    """Check ``X-Grantex-Signature-V2`` over ``"<timestamp>.<raw body>"`` and that
    ``X-Grantex-Timestamp`` is within ``tolerance_seconds`` of now (either direction).

    ``signature`` and ``timestamp`` are request headers: a missing (``None``) or malformed one
    gives ``False``, never an exception. The arguments that come from your code are checked:
    a ``payload`` that is not ``str``/``bytes``, a ``secret`` that is not a ``str`` (e.g. an
    unset environment variable) or a non-``int`` ``tolerance_seconds``/``now`` raise
    ``TypeError``; a negative ``tolerance_seconds`` raises ``GrantexInvalidArgumentError``.
    ``now`` fixes the clock (tests)."""
    func = "verify_webhook"
    body = _body(func, payload)
    key = _secret(func, secret)
    tolerance = _int(func, "tolerance_seconds", tolerance_seconds)
    if tolerance < 0:
        raise GrantexInvalidArgumentError(f"{func}(): tolerance_seconds must be >= 0, got {tolerance}")
    if now is not None and not _I64[0] <= _int(func, "now", now) <= _I64[1]:
        raise GrantexInvalidArgumentError(f"{func}(): now is out of range, got {now}")
    if not isinstance(signature, str) or not isinstance(timestamp, str):
        return False
    return _native.verify_webhook(body, signature, timestamp, key, min(tolerance, _MAX_TOLERANCE), now)


def verify_webhook_signature(payload: Union[str, bytes], signature: str, secret: str) -> bool:
    """Deprecated v1 check of ``X-Grantex-Signature`` (no timestamp, so replayable).
    Prefer ``verify_webhook``. A missing or malformed ``signature`` gives ``False``; a wrongly
    typed ``payload`` or ``secret`` raises ``TypeError``."""
    func = "verify_webhook_signature"
    body = _body(func, payload)
    key = _secret(func, secret)
    if not isinstance(signature, str):
        return False
    return _native.verify_webhook_signature(body, signature, key)
