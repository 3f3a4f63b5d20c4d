"""``grantex.mcp`` adapters, one at a time, against a real ``mcp`` 2.3.0 server on a loopback
port and the real ``mcp`` client with a static bearer token, with tokens from our grantex-server
(``/v1/authorize`` with an ``audience`` → consent → ``/v1/token``):

- ``GrantexTokenVerifier`` alone as the server's ``token_verifier`` (the ``mcp`` package does the
  401 itself, ``validate_token_resource=True``): a token for this server works, a token for
  another server and a revoked grant are refused with ``resource_metadata``.
- ``McpGuardMiddleware`` in front of it: per-tool scopes on ``tools/call`` (403
  ``insufficient_scope`` with ``scope=``) and the protected resource metadata."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx2
import pytest
import uvicorn
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server import MCPServer
from mcp.server.auth.settings import AuthSettings
from pydantic import AnyHttpUrl

import grantex
from grantex.mcp import GrantexTokenVerifier, McpAuthError, McpGuard, McpGuardMiddleware

ACCEPT = "application/json, text/event-stream"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Running:
    """uvicorn on a thread (the tests talk to it over real HTTP)."""

    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the MCP server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _mcp_app(base_url: str, resource: str, guard: McpGuard) -> Any:
    """Two tools behind the ``mcp`` package's own bearer auth, with our verifier."""
    server = MCPServer(
        "guarded",
        token_verifier=GrantexTokenVerifier(guard),
        auth=AuthSettings(
            issuer_url=AnyHttpUrl(base_url),
            resource_server_url=AnyHttpUrl(resource),
            required_scopes=["tools:read"],
            validate_token_resource=True,
        ),
    )

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    @server.tool()
    def delete_all() -> str:
        """Needs tools:write as well."""
        return "deleted"

    return server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")


Setup = Tuple[str, McpGuard, grantex.Grantex]


def _setup(server: Dict[str, Any], wrap: bool) -> Iterator[Setup]:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="mcp guard", mode="live"), base_url=server["baseUrl"])
    key = str(signed.api_key)
    port = _port()
    resource = f"http://127.0.0.1:{port}/mcp"
    guard = McpGuard(
        resource=resource,
        authorization_server=server["baseUrl"],
        resource_name="Guarded tools",
        required_scopes=["tools:read"],
        # The second name is not ASCII: its refusal must still make a valid header.
        tool_scopes={"delete_all": ["tools:write"], "d\u00e9lete\u2603": ["tools:write"]},
        revocation_api_key=key,
    )
    app = _mcp_app(server["baseUrl"], resource, guard)
    running = _Running(McpGuardMiddleware(app, guard) if wrap else app, port)
    try:
        yield resource, guard, grantex.Grantex(key, base_url=server["baseUrl"])
    finally:
        running.stop()


@pytest.fixture()
def verifier_only(server: Dict[str, Any]) -> Iterator[Setup]:
    yield from _setup(server, wrap=False)


@pytest.fixture()
def with_middleware(server: Dict[str, Any]) -> Iterator[Setup]:
    yield from _setup(server, wrap=True)


def _token(dev: grantex.Grantex, audience: str, scopes: List[str]) -> Tuple[str, str]:
    """A grant token (and its grant id) through the agent flow, bound to ``audience``."""
    agent = dev.agents.register(name="mcp-agent", scopes=scopes, description="test")
    auth = dev.authorize(agent_id=agent.id, user_id="alice", scopes=scopes, audience=audience)
    code = auth.code or dev.consent.approve(auth.request_id).code
    out = dev.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id))
    return str(out.grant_token), str(out.grant_id)


async def _call(resource: str, token: str, tool: str, args: Optional[Dict[str, Any]] = None) -> Any:
    """The real client with a static ``Authorization`` header: initialize, then one tool call."""
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        async with streamable_http_client(resource, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool(tool, args or {})


def _post(resource: str, token: str, tool: str) -> httpx2.Response:
    body = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": tool, "arguments": {}}}
    return httpx2.post(resource, json=body, headers={"Authorization": f"Bearer {token}", "Accept": ACCEPT}, timeout=20)


def test_token_verifier_maps_the_grant_to_an_access_token(verifier_only: Setup) -> None:
    resource, guard, dev = verifier_only
    token, grant_id = _token(dev, resource, ["tools:read"])
    got = asyncio.run(GrantexTokenVerifier(guard).verify_token(token))
    assert got is not None
    grant = guard.check(f"Bearer {token}")
    assert got.token == token
    assert got.client_id == grant.agent_did and got.client_id.startswith("did:grantex:")
    assert got.scopes == ["tools:read"]
    assert got.expires_at == grant.expires_at and got.expires_at > time.time()
    assert got.resource == resource
    assert got.subject == "alice"
    assert got.claims is not None and got.claims["grant_id"] == grant_id
    # Not a token for this server, or not a token at all: None (the package answers 401).
    other, _ = _token(dev, f"http://127.0.0.1:{_port()}/elsewhere", ["tools:read"])
    assert asyncio.run(GrantexTokenVerifier(guard).verify_token(other)) is None
    assert asyncio.run(GrantexTokenVerifier(guard).verify_token("not-a-jwt")) is None


def test_verifier_alone_admits_this_servers_tokens_and_refuses_others_and_revoked(verifier_only: Setup) -> None:
    resource, guard, dev = verifier_only
    token, grant_id = _token(dev, resource, ["tools:read"])
    out = asyncio.run(_call(resource, token, "add", {"a": 40, "b": 2}))
    assert not out.is_error and out.content[0].text == "42"

    # A token for another MCP server: the mcp package's 401 names our metadata.
    other, _ = _token(dev, f"http://127.0.0.1:{_port()}/mcp", ["tools:read"])
    r = _post(resource, other, "add")
    assert r.status_code == 401, r.text
    challenge = r.headers["www-authenticate"]
    assert 'error="invalid_token"' in challenge
    assert f'resource_metadata="{guard.metadata_url}"' in challenge
    assert other not in challenge and other not in r.text

    # The package serves the same metadata document as the guard describes.
    meta = httpx2.get(guard.metadata_url, timeout=10)
    assert meta.status_code == 200
    assert meta.json()["resource"] == resource
    assert meta.json()["authorization_servers"][0].rstrip("/") == guard.metadata()["authorization_servers"][0]

    # The grant is revoked through the developer API: the very next call is refused.
    dev.grants.revoke(grant_id)
    r = _post(resource, token, "add")
    assert r.status_code == 401, r.text
    assert f'resource_metadata="{guard.metadata_url}"' in r.headers["www-authenticate"]
    with pytest.raises(BaseException):
        asyncio.run(_call(resource, token, "add", {"a": 1, "b": 1}))


def test_middleware_enforces_tool_scopes_and_serves_metadata(server: Dict[str, Any], with_middleware: Setup) -> None:
    resource, guard, dev = with_middleware
    meta = httpx2.get(guard.metadata_url, timeout=10)
    assert meta.status_code == 200 and meta.headers["content-type"] == "application/json"
    assert meta.json() == {
        "resource": resource,
        "authorization_servers": [server["baseUrl"]],
        "scopes_supported": ["tools:read", "tools:write"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Guarded tools",
    }
    assert meta.json() == guard.metadata()
    assert guard.metadata_path == "/.well-known/oauth-protected-resource/mcp"

    reader, _ = _token(dev, resource, ["tools:read"])
    assert asyncio.run(_call(resource, reader, "add", {"a": 2, "b": 3})).content[0].text == "5"
    # Behind the middleware, the mcp package's verifier reuses the grant the middleware admitted:
    # one check (one revocation round trip) per request, not two.
    checks: List[Optional[bytes]] = []
    original = guard.acheck

    async def counting(authorization: Optional[str], body: Optional[bytes] = None) -> grantex.VerifiedGrant:
        checks.append(body)
        return await original(authorization, body)

    guard.acheck = counting  # type: ignore[method-assign]
    try:
        r = _post(resource, reader, "add")
    finally:
        del guard.acheck
    # (No MCP session on this raw POST: the app answers it, but only after both auth layers.)
    assert r.status_code not in (401, 403, 500), r.text
    assert len(checks) == 1 and checks[0] is not None, checks
    # `delete_all` needs tools:write too: 403 before the app sees the call.
    r = _post(resource, reader, "delete_all")
    assert r.status_code == 403, r.text
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="insufficient_scope"')
    assert 'scope="tools:read tools:write"' in challenge
    assert f'resource_metadata="{guard.metadata_url}"' in challenge
    assert r.json()["error"] == "insufficient_scope"
    # The real client is refused too (its session never reaches the tool).
    with pytest.raises(BaseException):
        asyncio.run(_call(resource, reader, "delete_all"))
    # A tool name that is not ASCII cannot break the response header.
    r = _post(resource, reader, "d\u00e9lete\u2603")
    assert r.status_code == 403, r.text
    assert "the tool `d?lete?` needs" in r.headers["www-authenticate"]

    writer, _ = _token(dev, resource, ["tools:read", "tools:write"])
    assert asyncio.run(_call(resource, writer, "delete_all")).content[0].text == "deleted"

    # Without the required scope nothing passes; without a token, no error attributes.
    nothing, _ = _token(dev, resource, ["tools:write"])
    r = _post(resource, nothing, "add")
    assert r.status_code == 403 and 'scope="tools:read"' in r.headers["www-authenticate"]
    r = httpx2.post(resource, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=10)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == f'Bearer resource_metadata="{guard.metadata_url}"'

    with pytest.raises(McpAuthError) as refused:
        asyncio.run(guard.acheck(f"Bearer {reader}", b'{"method":"tools/call","params":{"name":"delete_all"}}'))
    assert (refused.value.status_code, refused.value.reason) == (403, "missing_scopes")
    assert refused.value.scope == ["tools:read", "tools:write"]
