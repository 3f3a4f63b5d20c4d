"""``client.mcp`` against a real grantex-server (issue 17 item 3), sync and async: MCP servers
(the OAuth resources), MCP clients registered by the developer, the dynamic registration policy,
and the login binding of a pending MCP authorization started at ``/oauth/authorize``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import time
import urllib.parse
from typing import Any, Dict

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    BindMcpPrincipalParams,
    GrantexApiError,
    McpServer,
    OAuthClient,
    RegisterMcpServerParams,
    RegisterOAuthClientParams,
    UpdateMcpSettingsParams,
)

REDIRECT = "http://127.0.0.1:7777/callback"


def _key(server: Dict[str, Any]) -> str:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="mcp", mode="live"), base_url=server["baseUrl"])
    return str(signed.api_key)


def _fresh(server: Dict[str, Any]) -> grantex.Grantex:
    return grantex.Grantex(_key(server), base_url=server["baseUrl"])


def _resource(tag: str) -> str:
    return f"http://127.0.0.1:9/{tag}-{time.time_ns()}/mcp"


def _start_authorization(base: str, client_id: str, resource: str) -> str:
    """``GET /oauth/authorize`` as a browser would; the pending request's id."""
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode(
        {
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": resource,
            "state": "s1",
        }
    )
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", f"/oauth/authorize?{query}")
    resp = conn.getresponse()
    location = resp.getheader("location") or ""
    conn.close()
    assert resp.status == 303, location
    return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["req"][0]


def test_servers_clients_settings_and_binding(server: Dict[str, Any]) -> None:
    c = _fresh(server)
    resource = _resource("py")
    s = c.mcp.register_server(
        RegisterMcpServerParams(name="Calendar tools", resource_url=resource, scopes=["calendar:read"])
    )
    assert isinstance(s, McpServer)
    assert s.resource_url == resource and s.grant_ttl == "30d"
    assert s.authorization_server == server["baseUrl"]
    assert [x.id for x in c.mcp.list_servers().servers] == [s.id]
    assert c.mcp.get_server(s.id).name == "Calendar tools"
    with pytest.raises(GrantexApiError) as e:
        c.mcp.register_server(RegisterMcpServerParams(name="again", resource_url=resource, scopes=["x"]))
    assert e.value.status_code == 409
    with pytest.raises(GrantexApiError) as e:
        c.mcp.register_server(RegisterMcpServerParams(name="bad", resource_url="http://tools.example/mcp", scopes=["x"]))
    assert e.value.status_code == 400

    cl = c.mcp.register_client(RegisterOAuthClientParams(client_name="Desktop", redirect_uris=[REDIRECT]))
    assert isinstance(cl, OAuthClient)
    assert cl.registered_by == "api" and cl.client_secret is None and cl.agent_id
    secret = c.mcp.register_client(
        RegisterOAuthClientParams(
            client_name="Server app", redirect_uris=[REDIRECT], token_endpoint_auth_method="client_secret_basic"
        )
    )
    assert secret.client_secret and secret.client_secret.startswith("mcs_")
    assert c.mcp.get_client(secret.client_id).client_secret is None, "shown once"
    assert {x.client_id for x in c.mcp.list_clients().clients} == {cl.client_id, secret.client_id}

    settings = c.mcp.update_settings(UpdateMcpSettingsParams(registration_policy="token"))
    assert settings.registration_policy == "token" and settings.registration_token
    assert c.mcp.get_settings().registration_token is None
    rotated = c.mcp.update_settings(UpdateMcpSettingsParams(registration_policy="token", rotate_registration_token=True))
    assert rotated.registration_token and rotated.registration_token != settings.registration_token

    areq = _start_authorization(server["baseUrl"], cl.client_id, resource)
    bound = c.mcp.bind_principal(areq, BindMcpPrincipalParams(principal_id="alice"))
    assert bound.consent_url.startswith(f"{server['baseUrl']}/consent?req={areq}&login=")
    with pytest.raises(GrantexApiError) as e:
        c.mcp.bind_principal(areq, BindMcpPrincipalParams(principal_id="mallory"))
    assert e.value.status_code == 404

    c.mcp.delete_client(cl.client_id)
    with pytest.raises(GrantexApiError) as e:
        c.mcp.get_client(cl.client_id)
    assert e.value.status_code == 404
    c.mcp.delete_server(s.id)
    assert c.mcp.list_servers().servers == ()


def test_async_namespace(server: Dict[str, Any]) -> None:
    key = _key(server)

    async def run() -> None:
        async with AsyncGrantex(key, base_url=server["baseUrl"]) as c:
            s = await c.mcp.register_server(
                RegisterMcpServerParams(name="Async tools", resource_url=_resource("apy"), scopes=["a", "b"])
            )
            assert (await c.mcp.get_server(s.id)).scopes == ("a", "b")
            cl = await c.mcp.register_client(RegisterOAuthClientParams(client_name="A", redirect_uris=[REDIRECT]))
            assert [x.client_id for x in (await c.mcp.list_clients()).clients] == [cl.client_id]
            assert (await c.mcp.get_settings()).registration_policy == "open"
            await c.mcp.delete_server(s.id)
            assert (await c.mcp.list_servers()).servers == ()

    asyncio.run(run())
