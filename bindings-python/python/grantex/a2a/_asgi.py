"""``GrantexA2AMiddleware``: the A2A guard in front of any ASGI app (Starlette, FastAPI, raw
ASGI), with no framework dependency.

For each guarded request it reads the body (bounded), peeks the JSON-RPC ``id`` and
``method`` (core ``peek_request``), and awaits ``A2AGuard.acheck`` on the core runtime. A
refusal is answered here — 401/403/503 with the JSON-RPC error body and ``WWW-Authenticate``
— and never reaches the app; an accepted request reaches it with the ``VerifiedGrant`` in
``scope["state"]["grantex_grant"]`` (Starlette: ``request.state.grantex_grant``) and the body
replayed.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Collection, Dict, List, MutableMapping, Optional, Tuple

from .._native import A2AGuard, peek_request
from ._errors import A2AAuthError

__all__ = ["GrantexA2AMiddleware", "GRANT_STATE_KEY", "MAX_BODY_BYTES"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GRANT_STATE_KEY = "grantex_grant"
"""Key of the verified grant in ``scope["state"]``."""

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body read by default (the core's agent uses the same limit)."""

_INVALID_REQUEST = -32600  # JSON-RPC 2.0: the body is not a valid request


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class GrantexA2AMiddleware:
    """Guards the JSON-RPC endpoint of an A2A agent.

    Only ``POST`` requests are guarded (JSON-RPC always posts; the agent card at
    ``GET /.well-known/agent.json`` stays public), and only on ``paths`` when given (default:
    every path). Other requests, lifespan and websocket scopes pass through untouched.
    Needs an asyncio event loop (uvicorn, hypercorn on asyncio, ...).
    """

    def __init__(
        self,
        app: ASGIApp,
        guard: A2AGuard,
        *,
        paths: Optional[Collection[str]] = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        self.app = app
        self.guard = guard
        self.paths = frozenset(paths) if paths is not None else None
        self.max_body_bytes = max_body_bytes

    def _guards(self, scope: Scope) -> bool:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            return False
        return self.paths is None or scope.get("path") in self.paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._guards(scope):
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive, self.max_body_bytes)
        except _Disconnected:
            return
        except _BodyTooLarge:
            error = {
                "code": _INVALID_REQUEST,
                "message": f"the request body is larger than {self.max_body_bytes} bytes",
            }
            await _respond(send, 413, {"jsonrpc": "2.0", "id": None, "error": error}, [])
            return
        request_id, method = peek_request(body)
        try:
            grant = await self.guard.acheck(_authorization(scope), method or "")
        except A2AAuthError as refused:
            extra = []
            if refused.www_authenticate:
                extra.append((b"www-authenticate", refused.www_authenticate.encode("latin-1")))
            await _respond(send, refused.status_code, refused.body(request_id), extra)
            return
        inner = dict(scope)
        state: Dict[str, Any] = dict(scope.get("state") or {})
        state[GRANT_STATE_KEY] = grant
        inner["state"] = state
        await self.app(inner, _replay(body, receive), send)


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; ``_BodyTooLarge`` past ``limit`` bytes, ``_Disconnected`` if
    the client went away (shared with the MCP guard's middleware)."""
    chunks: List[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected()
        if message["type"] != "http.request":
            continue
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _authorization(scope: Scope) -> Optional[str]:
    """The raw ``Authorization`` value; a repeated header becomes ``""``, which the guard
    refuses as malformed (as the core's own agent does)."""
    values = [v for k, v in scope.get("headers") or () if k.lower() == b"authorization"]
    if not values:
        return None
    if len(values) > 1:
        return ""
    raw: bytes = values[0]
    return raw.decode("latin-1")


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the already-read body, then defers to the server's
    (for ``http.disconnect``)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _respond(
    send: Send, status: int, payload: Dict[str, Any], extra: List[Tuple[bytes, bytes]]
) -> None:
    data = json.dumps(payload, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data, "more_body": False})
