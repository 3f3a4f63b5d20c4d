"""Webhook signature checks (HMAC-SHA256, constant-time, by the Rust core)."""

from __future__ import annotations

from typing import Optional, Union

from . import _native

__all__ = ["verify_webhook", "verify_webhook_signature"]

DEFAULT_TOLERANCE_SECONDS = 300


def _body(payload: Union[str, bytes, bytearray, memoryview]) -> bytes:
    if isinstance(payload, str):
        return payload.encode()
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise TypeError("payload must be str or bytes")


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
    Any malformed input gives ``False``, never an exception. ``now`` fixes the clock (tests)."""
    if not isinstance(signature, str) or not isinstance(timestamp, str) or not isinstance(secret, str):
        return False
    if isinstance(tolerance_seconds, bool) or not isinstance(tolerance_seconds, int) or tolerance_seconds < 0:
        return False
    return _native.verify_webhook(_body(payload), signature, timestamp, secret, tolerance_seconds, now)


def verify_webhook_signature(payload: Union[str, bytes], signature: str, secret: str) -> bool:
    """Deprecated v1 check of ``X-Grantex-Signature`` (no timestamp, so replayable).
    Prefer ``verify_webhook``."""
    if not isinstance(signature, str) or not isinstance(secret, str):
        return False
    return _native.verify_webhook_signature(_body(payload), signature, secret)
