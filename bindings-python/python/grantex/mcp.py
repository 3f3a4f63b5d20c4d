"""Grantex in front of an MCP server (the protected-resource side of MCP authorization).

``McpGuard`` holds what the server accepts — its canonical URL (the RFC 8707 resource its
tokens must name in ``aud``), the Grantex server that issues them, the scopes every request
and each tool needs, and optionally an online revocation check — and answers every question
from the Rust core: the RFC 9728 protected resource metadata, whether a request may go on,
and the ``WWW-Authenticate`` challenge when it may not.

Two adapters plug it into the ``mcp`` package (imported lazily; not a dependency):

- ``guard.token_verifier()``: a ``TokenVerifier`` for ``MCPServer(token_verifier=..., auth=
  AuthSettings(...))`` — the package then answers 401 with ``resource_metadata`` itself.
- ``guard.asgi(app)``: ASGI middleware that serves the metadata at ``guard.metadata_path`` and
  refuses, before the app sees it, a request without a valid token for this server (401) or a
  ``tools/call`` of a tool whose scopes the grant lacks (403 ``insufficient_scope``).

    guard = McpGuard(resource="https://tools.example/mcp",
                     authorization_server="https://grantex.example",
                     required_scopes=["tools:read"], tool_scopes={"send": ["mail:send"]})
    server = MCPServer("tools", token_verifier=guard.token_verifier(),
                       auth=AuthSettings(issuer_url=..., resource_server_url=guard.resource))
    app = guard.asgi(server.streamable_http_app())
"""

from __future__ import annotations

import contextvars
import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from . import _native
from ._errors import GrantexError
from ._types import VerifiedGrant
from .a2a._asgi import ASGIApp, Receive, Scope, Send, _authorization, _BodyTooLarge, _Disconnected, _replay, _respond, read_body

__all__ = ["McpGuard", "McpAuthError", "GrantexTokenVerifier", "McpGuardMiddleware", "GRANT_STATE_KEY"]

GRANT_STATE_KEY = "grantex_grant"
"""Key of the verified grant in ``scope["state"]`` after the middleware let a request through."""

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest MCP request body the middleware reads (the ``mcp`` package's own default)."""


# The request the middleware just admitted: (guard, token, grant). ``GrantexTokenVerifier`` of the
# same guard, asked about the same token inside that request (the ``mcp`` package's own bearer
# auth runs after the middleware), reuses the grant instead of verifying again and making a
# second online revocation round trip. Context-local, so it never leaks to another request.
_ADMITTED: "contextvars.ContextVar[Optional[Tuple[McpGuard, str, VerifiedGrant]]]" = contextvars.ContextVar(
    "grantex_mcp_admitted", default=None
)


class McpAuthError(GrantexError):
    """A request to the MCP server was refused by ``McpGuard``.

    ``status_code`` is 401 (no valid token for this server), 403 (a scope is missing) or 503
    (the token could not be checked); ``error`` the RFC 6750 code (``invalid_token``,
    ``insufficient_scope``, ``temporarily_unavailable``; empty when no token came); ``reason``
    a stable detail (``missing_token``, ``wrong_audience``, ``expired``, ``revoked``,
    ``missing_scopes``, ...); ``scope`` the scopes the request needs (403);
    ``www_authenticate`` the header to send; ``body`` the JSON body.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        error: str = "",
        reason: Optional[str] = None,
        scope: Optional[Sequence[str]] = None,
        www_authenticate: str = "",
        body: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.reason = reason
        self.scope = list(scope or ())
        self.www_authenticate = www_authenticate
        self.body = body if body is not None else {"error": error or "invalid_token", "error_description": message}

    def __reduce__(self) -> Any:
        return (
            type(self),
            (self.status_code, str(self), self.error, self.reason, self.scope, self.www_authenticate, self.body),
        )


class McpGuard:
    """What one MCP server accepts. Thread-safe; build one per server. Settings are checked by
    the core (``GrantexConfigError`` when wrong); no request is made until the first check."""

    def __init__(
        self,
        *,
        resource: str,
        authorization_server: Optional[str] = None,
        authorization_servers: Optional[Sequence[str]] = None,
        jwks_uri: Optional[str] = None,
        jwks: Optional[str] = None,
        issuer: Optional[str] = None,
        resource_name: Optional[str] = None,
        scopes_supported: Optional[Sequence[str]] = None,
        required_scopes: Optional[Sequence[str]] = None,
        tool_scopes: Optional[Mapping[str, Sequence[str]]] = None,
        expected_developer_id: Optional[str] = None,
        allow_sandbox: Optional[bool] = None,
        clock_tolerance: int = 0,
        revocation_api_key: Optional[str] = None,
        revocation_base_url: Optional[str] = None,
        revocation_cache_ttl: float = 0.0,
    ) -> None:
        settings: Dict[str, Any] = {"resource": resource, "clockTolerance": clock_tolerance}
        optional: Dict[str, Any] = {
            "authorizationServer": authorization_server,
            "authorizationServers": list(authorization_servers) if authorization_servers is not None else None,
            "jwksUri": jwks_uri,
            "jwks": jwks,
            "issuer": issuer,
            "resourceName": resource_name,
            "scopesSupported": list(scopes_supported) if scopes_supported is not None else None,
            "requiredScopes": list(required_scopes) if required_scopes is not None else None,
            "toolScopes": {k: list(v) for k, v in tool_scopes.items()} if tool_scopes is not None else None,
            "expectedDeveloperId": expected_developer_id,
            "allowSandbox": allow_sandbox,
        }
        settings.update({k: v for k, v in optional.items() if v is not None})
        if revocation_api_key is not None:
            revocation: Dict[str, Any] = {"apiKey": revocation_api_key, "cacheTtl": revocation_cache_ttl}
            if revocation_base_url is not None:
                revocation["baseUrl"] = revocation_base_url
            settings["revocation"] = revocation
        self._native = _native.McpGuard(json.dumps(settings))

    @property
    def resource(self) -> str:
        """The MCP server's canonical URL."""
        return self._native.resource

    @property
    def metadata_path(self) -> str:
        """Where the metadata is served (``/.well-known/oauth-protected-resource`` + the path)."""
        return self._native.metadata_path

    @property
    def metadata_url(self) -> str:
        """The metadata's absolute URL (the ``resource_metadata`` of every challenge)."""
        return self._native.metadata_url

    def metadata(self) -> Dict[str, Any]:
        """RFC 9728 protected resource metadata."""
        doc: Dict[str, Any] = json.loads(self._native.metadata_json())
        return doc

    def scopes_for_tool(self, tool: str) -> List[str]:
        """The scopes calling ``tool`` needs (the required ones and the tool's own)."""
        return list(self._native.scopes_for_tool(tool))

    def check(self, authorization: Optional[str], body: Optional[bytes] = None) -> VerifiedGrant:
        """Checks a request: the raw ``Authorization`` value and the JSON-RPC body (each
        ``tools/call`` needs its tool's scopes). Raises ``McpAuthError`` when refused."""
        grant: VerifiedGrant = self._native.check(authorization, body)
        return grant

    async def acheck(self, authorization: Optional[str], body: Optional[bytes] = None) -> VerifiedGrant:
        """Awaitable ``check``."""
        grant: VerifiedGrant = await self._native.acheck(authorization, body)
        return grant

    def token_verifier(self) -> "GrantexTokenVerifier":
        """A ``TokenVerifier`` for the ``mcp`` package's server."""
        return GrantexTokenVerifier(self)

    def asgi(self, app: ASGIApp, *, max_body_bytes: int = MAX_BODY_BYTES) -> "McpGuardMiddleware":
        """``app`` behind this guard (see ``McpGuardMiddleware``)."""
        return McpGuardMiddleware(app, self, max_body_bytes=max_body_bytes)


class GrantexTokenVerifier:
    """``mcp.server.auth.provider.TokenVerifier`` backed by an ``McpGuard``: a token that the
    guard accepts becomes an ``AccessToken`` (``client_id`` the grant's agent DID, ``subject``
    the principal, ``resource`` this server, ``claims`` the grant's fields); anything else is
    ``None``, which the ``mcp`` package answers with 401 and ``resource_metadata``."""

    def __init__(self, guard: McpGuard) -> None:
        self.guard = guard

    async def verify_token(self, token: str) -> Any:
        # Imported here: `mcp` is not a dependency of grantex.
        from mcp.server.auth.provider import AccessToken  # type: ignore[import-not-found,unused-ignore]

        admitted = _ADMITTED.get()
        if admitted is not None and admitted[0] is self.guard and admitted[1] == token:
            grant = admitted[2]
        else:
            try:
                grant = await self.guard.acheck(f"Bearer {token}")
            except McpAuthError:
                return None
        fields: Dict[str, Any] = {
            "token": token,
            "client_id": grant.agent_did,
            "scopes": list(grant.scopes),
            "expires_at": grant.expires_at,
            "resource": self.guard.resource,
            "subject": grant.principal_id,
            "claims": {
                "grant_id": grant.grant_id,
                "developer_id": grant.developer_id,
                "principal_id": grant.principal_id,
                "agent_did": grant.agent_did,
                "token_id": grant.token_id,
            },
        }
        return AccessToken(**fields)


class McpGuardMiddleware:
    """The guard in front of an MCP server's ASGI app (Starlette, the ``mcp`` package's
    ``streamable_http_app()``, FastAPI), with no framework dependency.

    ``GET`` of ``guard.metadata_path`` answers the protected resource metadata. Requests to the
    MCP endpoint (the resource URL's path) need a valid token for this server, and a
    ``tools/call`` the tool's scopes: a refusal is answered here with the status,
    ``WWW-Authenticate`` and a JSON body, and never reaches the app. An accepted request reaches
    it with the ``VerifiedGrant`` in ``scope["state"]["grantex_grant"]`` and the body replayed.
    """

    def __init__(self, app: ASGIApp, guard: McpGuard, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        if max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        from urllib.parse import urlsplit

        self.app = app
        self.guard = guard
        self.endpoint = urlsplit(guard.resource).path or "/"
        self.max_body_bytes = max_body_bytes
        self._metadata = json.dumps(guard.metadata(), separators=(",", ":")).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path")
        if path == self.guard.metadata_path and scope.get("method") in ("GET", "HEAD"):
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(self._metadata)).encode()),
                (b"access-control-allow-origin", b"*"),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            body = self._metadata if scope.get("method") == "GET" else b""
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        if path not in (self.endpoint, self.endpoint.rstrip("/") + "/") or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        body = b""
        if scope.get("method") == "POST":
            try:
                body = await read_body(receive, self.max_body_bytes)
            except _Disconnected:
                return
            except _BodyTooLarge:
                await _respond(send, 413, {"error": "invalid_request", "error_description": "body too large"}, [])
                return
        try:
            grant = await self.guard.acheck(_authorization(scope), body or None)
        except McpAuthError as refused:
            extra = []
            if refused.www_authenticate:
                extra.append((b"www-authenticate", refused.www_authenticate.encode("latin-1")))
            await _respond(send, refused.status_code, refused.body, extra)
            return
        inner = dict(scope)
        state: Dict[str, Any] = dict(scope.get("state") or {})
        state[GRANT_STATE_KEY] = grant
        inner["state"] = state
        # The core accepted the header, so it is `<scheme> <token>` with one space.
        token = (_authorization(scope) or "").split(" ", 1)[-1]
        reset = _ADMITTED.set((self.guard, token, grant))
        try:
            await self.app(inner, _replay(body, receive), send)
        finally:
            _ADMITTED.reset(reset)
