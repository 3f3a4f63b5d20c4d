"""MCP authorization end to end (issue 17): the real Python ``mcp`` client (its OAuth
provider) against a real ``mcp`` server guarded by ``grantex.mcp`` (examples/mcp/server.py),
with our grantex-server as the authorization server: 401 → protected resource metadata →
authorization server metadata → dynamic registration → authorize (PKCE, resource) → the MCP
server's login → consent → token → tool call. Then the refusals, over the same server: a
revoked grant, a token for another MCP server, a tool whose scope the grant lacks, no token."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, List, Tuple

import httpx2
import pytest
import uvicorn

import grantex
from grantex.mcp import McpAuthError, McpGuard

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mcp"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"mcp_example_{name}", EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


server_example = _load("server")
client_example = _load("client")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the MCP server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture()
def mcp_server(server: Dict[str, Any]) -> Iterator[Tuple[str, McpGuard, grantex.Grantex]]:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="mcp e2e", mode="live"), base_url=server["baseUrl"])
    key = str(signed.api_key)
    port = _port()
    # The metadata offers `tools:add` only: the client asks for that, so `secret` is out of reach.
    app, guard, resource = server_example.build(server["baseUrl"], key, port, advertise=["tools:add"])
    running = Running(app, port)
    yield resource, guard, grantex.Grantex(key, base_url=server["baseUrl"])
    running.stop()


def _call(resource: str, token: str, tool: str, args: Dict[str, Any]) -> httpx2.Response:
    """One raw JSON-RPC ``tools/call`` (the guard answers before any MCP session is needed)."""
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": args}}
    return httpx2.post(
        resource,
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        timeout=20,
    )


def _token_for(c: grantex.Grantex, audience: str, scopes: List[str]) -> str:
    """A grant token through the agent flow with this audience (not through the MCP client)."""
    agent = c.agents.register(name="direct", scopes=scopes, description="test")
    auth = c.authorize(agent_id=agent.id, user_id="alice", scopes=scopes, audience=audience)
    code = auth.code or c.consent.approve(auth.request_id).code
    return str(c.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id)).grant_token)


def test_the_mcp_client_finds_registers_consents_and_calls_then_revocation_cuts_it_off(
    server: Dict[str, Any], mcp_server: Tuple[str, McpGuard, grantex.Grantex]
) -> None:
    resource, guard, dev = mcp_server
    browser = client_example.HeadlessBrowser()
    storage = client_example.MemoryStorage()
    auth = client_example.provider(resource, browser, storage)
    results = asyncio.run(client_example.call_tools(resource, auth, [("add", {"a": 2, "b": 40})]))
    assert results[0].content[0].text == "42"
    # The way the browser went: consent → the MCP server's login → consent (with the login
    # secret) → consent → back to the client with the code, state and RFC 9207 iss.
    assert any("/login?grantex_request=" in u for u in browser.visited), browser.visited
    assert browser.result["iss"] == server["baseUrl"]
    assert storage.client is not None and storage.client.client_id.startswith("mcc_")
    token = storage.tokens.access_token
    grant = guard.check(f"Bearer {token}")
    assert grant.principal_id == server_example.DEMO_USER
    assert tuple(grant.scopes) == ("tools:add",)
    assert grant.audience in (resource, [resource])
    # The developer sees the client and its agent.
    clients = dev.mcp.list_clients().clients
    assert [c.client_id for c in clients] == [storage.client.client_id]
    assert grant.agent_did == f"did:grantex:{clients[0].agent_id}"

    # The user's grant is revoked: the next call with that token is refused...
    dev.grants.revoke(grant.grant_id)
    r = _call(resource, token, "add", {"a": 1, "b": 1})
    assert r.status_code == 401, r.text
    challenge = r.headers["www-authenticate"]
    assert 'error="invalid_token"' in challenge and f'resource_metadata="{guard.metadata_url}"' in challenge
    # ...and the client cannot get back in without the user: its refresh token died with the
    # grant, and the user does not sign in again.
    browser.approve = False
    with pytest.raises(BaseException) as failed:
        asyncio.run(client_example.call_tools(resource, auth, [("add", {"a": 1, "b": 1})]))
    assert "declined to sign in again" in repr(failed.value) or any(
        "declined to sign in again" in repr(e) for e in getattr(failed.value, "exceptions", ())
    ), repr(failed.value)


def test_audience_scope_and_missing_token_refusals(
    server: Dict[str, Any], mcp_server: Tuple[str, McpGuard, grantex.Grantex]
) -> None:
    resource, guard, dev = mcp_server
    # The metadata the client discovers.
    meta = httpx2.get(guard.metadata_url, timeout=10)
    assert meta.status_code == 200
    assert meta.json() == {
        "resource": resource,
        "authorization_servers": [server["baseUrl"]],
        "scopes_supported": ["tools:add"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Demo tools",
    }
    # No token.
    r = httpx2.post(resource, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=10)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == f'Bearer resource_metadata="{guard.metadata_url}"'

    # A token for another MCP server.
    other = f"http://127.0.0.1:{_port()}/other-mcp"
    r = _call(resource, _token_for(dev, other, ["tools:add"]), "add", {"a": 1, "b": 2})
    assert r.status_code == 401, r.text
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert r.json()["error"] == "invalid_token"

    # A token for this server without `tools:secret`: `add` works through the real client,
    # `secret` is refused with insufficient_scope naming what it needs.
    narrow = _token_for(dev, resource, ["tools:add"])
    ok = asyncio.run(
        client_example.call_tools(resource, _Bearer(narrow), [("add", {"a": 20, "b": 3})])
    )
    assert ok[0].content[0].text == "23"
    r = _call(resource, narrow, "secret", {})
    assert r.status_code == 403, r.text
    challenge = r.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="tools:add tools:secret"' in challenge
    assert f'resource_metadata="{guard.metadata_url}"' in challenge
    # A body only the MCP server's lenient parser reads (1e400) cannot slip `secret` past the
    # check: refused as unreadable.
    sneaky = '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"secret","_meta":{"x":1e400}}}'
    r = httpx2.post(
        resource,
        content=sneaky,
        headers={
            "Authorization": f"Bearer {narrow}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
        timeout=20,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request"
    # With the scope, it works.
    wide = _token_for(dev, resource, ["tools:add", "tools:secret"])
    out = asyncio.run(client_example.call_tools(resource, _Bearer(wide), [("secret", {})]))
    assert out[0].content[0].text == "the secret is 42"

    # The guard's own API says the same.
    with pytest.raises(McpAuthError) as refused:
        guard.check(f"Bearer {narrow}", json.dumps({"method": "tools/call", "params": {"name": "secret"}}).encode())
    assert refused.value.status_code == 403 and refused.value.error == "insufficient_scope"
    assert refused.value.scope == ["tools:add", "tools:secret"]


class _Bearer(httpx2.Auth):
    """A static bearer token for the real client (no OAuth)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx2.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def test_guard_settings_are_checked_by_the_core(server: Dict[str, Any]) -> None:
    with pytest.raises(grantex.GrantexConfigError):
        McpGuard(resource="not a url", authorization_server=server["baseUrl"])
    with pytest.raises(grantex.GrantexConfigError):
        McpGuard(resource="http://127.0.0.1:1/mcp")
    g = McpGuard(resource="http://127.0.0.1:1/mcp", authorization_server=server["baseUrl"])
    assert g.metadata_path == "/.well-known/oauth-protected-resource/mcp"
    with pytest.raises(McpAuthError) as refused:
        g.check("Basic abc")
    assert refused.value.status_code == 401 and refused.value.reason == "invalid_authorization_header"
