"""Exceptions of the A2A bridge.

Client side: every failure of ``A2AClient`` / ``AsyncA2AClient`` and of the card helpers is an
``A2AError`` with the core's stable ``code`` (``a2a_preflight``, ``a2a_rpc_error``,
``a2a_http_error``, ``a2a_card_error``, ``a2a_protocol_error``, or a core code such as
``network_error``, ``timeout``, ``config_error``, ``invalid_argument``), ``reason`` and
``status``. Server side: ``A2AGuard.check`` raises ``A2AAuthError``.

The native module instantiates these (``src/errors.rs``); like the other Grantex exceptions
they pickle (``GrantexError.__reduce__``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .. import _native
from .._errors import GrantexError

__all__ = [
    "A2AError",
    "A2APreflightError",
    "A2ARpcError",
    "A2AHttpError",
    "A2ACardError",
    "A2AProtocolError",
    "A2AConfigError",
    "A2ANetworkError",
    "A2ATimeoutError",
    "A2AAuthError",
]


class A2AError(GrantexError):
    """A call to a remote agent (or a card helper) failed.

    ``code`` is the core's stable identifier, ``reason`` the finer one when there is one (the
    token error code of a pre-flight failure, or the remote guard's ``data.reason``), and
    ``status`` the HTTP status the remote agent answered with, if it answered. A wrapped core
    failure has the usual Grantex exception (e.g. ``GrantexNetworkError``) as ``cause`` and
    ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        code: str = "a2a_error",
        reason: Optional[str] = None,
        status: Optional[int] = None,
        cause: Optional[BaseException] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.status = status
        self.cause = cause


class A2APreflightError(A2AError):
    """The grant token failed the client's offline check; nothing was sent. ``reason`` is the
    token error code (``expired``, ``missing_scopes``, ``bad_signature``, ...)."""


class A2ARpcError(A2AError):
    """The remote agent answered with a JSON-RPC error. ``error`` is the error object;
    ``rpc_code`` its code (-32001 / -32003 / -32005 for a Grantex guard refusal)."""

    def __init__(
        self,
        message: str,
        code: str = "a2a_rpc_error",
        reason: Optional[str] = None,
        status: Optional[int] = None,
        cause: Optional[BaseException] = None,
        error: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message, code, reason, status, cause)
        self.error: Dict[str, Any] = dict(error or {})

    @property
    def rpc_code(self) -> Optional[int]:
        code = self.error.get("code")
        return code if isinstance(code, int) else None

    @property
    def rpc_message(self) -> Optional[str]:
        message = self.error.get("message")
        return message if isinstance(message, str) else None

    @property
    def data(self) -> Any:
        return self.error.get("data")


class A2AHttpError(A2AError):
    """The remote agent answered a non-2xx status without a JSON-RPC error body."""


class A2ACardError(A2AError):
    """The agent card could not be fetched or parsed, or contradicts the configuration."""


class A2AProtocolError(A2AError):
    """The remote agent's answer is not a JSON-RPC 2.0 response to our request."""


class A2AConfigError(A2AError, ValueError):
    """Invalid configuration or argument (bad URL, empty token, bad params). A ``ValueError``."""


class A2ANetworkError(A2AError):
    """The remote agent (or the issuer's JWKS) could not be reached."""

    timeout: bool = False


class A2ATimeoutError(A2ANetworkError, TimeoutError):
    """The request did not finish within the client's ``timeout``."""

    timeout = True


class A2AAuthError(GrantexError):
    """An incoming A2A request was refused by ``A2AGuard``.

    ``status_code`` is 401 (no usable or valid token), 403 (valid token, not allowed) or 503
    (the token could not be checked); ``reason`` is stable (``missing_token``, ``expired``,
    ``wrong_audience``, ``missing_scopes``, ``delegation_too_deep``, ``revoked``, ...);
    ``rpc_error`` is the JSON-RPC error object to send and ``body(id)`` the whole response
    body; ``www_authenticate`` the header value for 401/403.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        reason: Optional[str] = None,
        rpc_error: Optional[Dict[str, Any]] = None,
        www_authenticate: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason
        if rpc_error is None:
            data = {"reason": reason} if reason is not None else None
            rpc_error = {"code": _native.a2a_rpc_code(status_code), "message": message}
            if data is not None:
                rpc_error["data"] = data
        self.rpc_error: Dict[str, Any] = rpc_error
        self.www_authenticate = www_authenticate

    @property
    def rpc_code(self) -> int:
        return int(self.rpc_error["code"])

    def body(self, id: Any = None) -> Dict[str, Any]:
        """The JSON-RPC error response for the request with ``id`` (``None`` when unknown)."""
        return {"jsonrpc": "2.0", "id": id, "error": dict(self.rpc_error)}
