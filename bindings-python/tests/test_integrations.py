"""The public Grantex integration packages from PyPI, unmodified, on this SDK and the real server
(issue 13): ``grantex-fastapi`` (a FastAPI app under its TestClient), ``grantex-adk`` (Google
ADK tool functions, which need no framework), ``grantex-openai-agents``, ``grantex-crewai`` and
``grantex-strands`` (each tool invoked the way its framework invokes it, no model call). run-tests.sh installs them next to this package;
pip keeps ours because its version satisfies their ``grantex>=0.7.1,<1``."""

from __future__ import annotations

import importlib.metadata
import time
from typing import Any, Dict, Tuple

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from grantex_adk import create_grantex_tool
from grantex_fastapi import GrantexAuth, GrantexFastAPIError, grantex_exception_handler

import grantex

AUD = "https://calendar.example.com"


def _token(c: grantex.Grantex, principal: str, scopes: Tuple[str, ...] = ("calendar:read",), expires_in: Any = None) -> Tuple[Any, Any]:
    agent = c.agents.register(name="integration", scopes=list(scopes), description="pytest")
    auth = c.authorize(agent_id=agent.id, user_id=principal, scopes=list(scopes), audience=AUD, expires_in=expires_in)
    code = auth.code or c.consent.approve(auth.request_id).code
    return agent, c.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id))


def test_our_sdk_is_the_one_installed() -> None:
    assert importlib.metadata.version("grantex").startswith("0.7.")
    assert hasattr(grantex, "_native"), "the reference grantex replaced ours"
    for pkg in ("grantex-fastapi", "grantex-adk", "grantex-openai-agents", "grantex-crewai", "grantex-strands"):
        req = [r for r in importlib.metadata.requires(pkg) or [] if r.startswith("grantex")]
        assert req, pkg


def _app(auth: GrantexAuth) -> TestClient:
    app = FastAPI()
    app.add_exception_handler(GrantexFastAPIError, grantex_exception_handler)  # type: ignore[arg-type]

    @app.get("/calendar")
    async def calendar(grant: grantex.VerifiedGrant = Depends(auth)) -> Dict[str, Any]:
        return {"principal": grant.principal_id, "scopes": list(grant.scopes)}

    @app.get("/send")
    async def send(grant: grantex.VerifiedGrant = Depends(auth.scopes("email:send"))) -> Dict[str, Any]:
        return {"principal": grant.principal_id}

    return TestClient(app)


def _call(http: TestClient, path: str, token: Any = None) -> Tuple[int, Dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    r = http.get(path, headers=headers)
    return r.status_code, r.json()


def test_grantex_fastapi(client: grantex.Grantex) -> None:
    agent, tok = _token(client, "fastapi_user")
    plain = _app(GrantexAuth(client.jwks_uri, audience=AUD))
    assert _call(plain, "/calendar", tok.grant_token) == (200, {"principal": "fastapi_user", "scopes": ["calendar:read"]})
    assert _call(plain, "/calendar")[1]["error"] == "TOKEN_MISSING"
    status, body = _call(plain, "/send", tok.grant_token)
    assert (status, body["error"]) == (403, "SCOPE_INSUFFICIENT")
    tampered = tok.grant_token[:-4] + ("AAAA" if not tok.grant_token.endswith("AAAA") else "BBBB")
    status, body = _call(plain, "/calendar", tampered)
    assert (status, body["error"]) == (401, "TOKEN_INVALID")

    # Identity binding: the expected principal and agent, then the server as current authority.
    bound = _app(GrantexAuth(client.jwks_uri, audience=AUD, expected_principal_id="fastapi_user", expected_agent_did=agent.did))
    assert _call(bound, "/calendar", tok.grant_token)[0] == 200
    other = _app(GrantexAuth(client.jwks_uri, audience=AUD, expected_principal_id="someone_else"))
    status, body = _call(other, "/calendar", tok.grant_token)
    assert (status, body["error"]) == (401, "TOKEN_INVALID"), body
    live = _app(GrantexAuth(client.jwks_uri, audience=AUD, current_authority=client.grants.verify))
    assert _call(live, "/calendar", tok.grant_token)[0] == 200
    client.grants.revoke(tok.grant_id)
    assert _call(plain, "/calendar", tok.grant_token)[0] == 200, "offline alone cannot see the revocation"
    status, body = _call(live, "/calendar", tok.grant_token)
    assert (status, body["error"]) == (401, "TOKEN_INVALID"), body

    # Expired: the package tells expiry apart by the message.
    _, short = _token(client, "fastapi_user", expires_in="1s")
    time.sleep(2.1)
    status, body = _call(plain, "/calendar", short.grant_token)
    assert (status, body["error"]) == (401, "TOKEN_EXPIRED"), body


def test_grantex_adk(client: grantex.Grantex) -> None:
    agent, tok = _token(client, "adk_user", scopes=("calendar:read",))

    def list_events(day: str) -> str:
        return f"events on {day}"

    tool = create_grantex_tool(
        name="list_events", description="Lists the calendar.", grant_token=tok.grant_token,
        required_scope="calendar:read", func=list_events, jwks_uri=client.jwks_uri, audience=AUD,
        current_authority=client.grants.verify, expected_principal_id="adk_user", expected_agent_did=agent.did,
    )
    assert tool.__name__ == "list_events" and tool(day="monday") == "events on monday"
    with pytest.raises(PermissionError):
        create_grantex_tool(name="send", description="Sends mail.", grant_token=tok.grant_token,
                            required_scope="email:send", func=list_events, jwks_uri=client.jwks_uri)
    with pytest.raises(ValueError, match="Could not verify"):
        create_grantex_tool(name="x", description="x", grant_token=tok.grant_token, required_scope="calendar:read",
                            func=list_events, jwks_uri=client.jwks_uri, expected_principal_id="someone_else")
    # Revoked after the tool was made: its next call asks the authority again and refuses.
    client.grants.revoke(tok.grant_id)
    with pytest.raises(ValueError, match="Could not verify"):
        tool(day="tuesday")


# ─── grantex-openai-agents, grantex-crewai, grantex-strands: each tool invoked the way its
# framework invokes it (no model call), against the real server.

def _calendar_token(client: grantex.Grantex, principal: str, scopes: Tuple[str, ...] = ("calendar:read",)) -> Tuple[Any, Any]:
    return _token(client, principal, scopes=scopes)


def _list_events(day: str) -> str:
    return f"events on {day}"


def test_grantex_openai_agents(client: grantex.Grantex) -> None:
    import asyncio
    import json as _json

    from agents.tool_context import ToolContext
    from grantex_openai_agents import create_grantex_tool as create_openai_tool

    agent, tok = _calendar_token(client, "openai_user")

    def make(**kw: Any) -> Any:
        return create_openai_tool(name="list_events", description="Lists the calendar.", grant_token=tok.grant_token,
                                  required_scope="calendar:read", func=_list_events, jwks_uri=client.jwks_uri,
                                  audience=AUD, **kw)

    def invoke(tool: Any, day: str) -> Any:
        args = _json.dumps({"day": day})
        ctx = ToolContext(context=None, tool_name=tool.name, tool_call_id="call_1", tool_arguments=args)
        return asyncio.run(tool.on_invoke_tool(ctx, args))

    tool = make(current_authority=client.grants.verify, expected_principal_id="openai_user", expected_agent_did=agent.did)
    assert tool.name == "list_events"
    assert invoke(tool, "monday") == "events on monday"
    with pytest.raises(PermissionError):
        create_openai_tool(name="send", description="Sends mail.", grant_token=tok.grant_token,
                           required_scope="email:send", func=_list_events, jwks_uri=client.jwks_uri, audience=AUD)
    with pytest.raises(ValueError, match="Could not verify"):
        make(expected_principal_id="someone_else")
    with pytest.raises(ValueError, match="Could not verify"):
        create_openai_tool(name="x", description="x", grant_token=tok.grant_token + "x", required_scope="calendar:read",
                           func=_list_events, jwks_uri=client.jwks_uri, audience=AUD)
    # Revoked after the tool was made: the Agents SDK reports the tool's refusal to the model.
    client.grants.revoke(tok.grant_id)
    out = invoke(tool, "tuesday")
    assert "events on tuesday" not in str(out) and "Could not verify" in str(out), out


def test_grantex_crewai(client: grantex.Grantex) -> None:
    from grantex_crewai import create_grantex_tool as create_crew_tool
    from pydantic import BaseModel

    class Day(BaseModel):
        day: str

    agent, tok = _calendar_token(client, "crew_user")
    tool = create_crew_tool(name="list_events", description="Lists the calendar.", grant_token=tok.grant_token,
                            required_scope="calendar:read", func=_list_events, args_schema=Day,
                            jwks_uri=client.jwks_uri, audience=AUD, current_authority=client.grants.verify,
                            expected_agent_did=agent.did)
    assert tool.run(day="monday") == "events on monday"
    with pytest.raises(PermissionError):
        create_crew_tool(name="send", description="Sends mail.", grant_token=tok.grant_token, required_scope="email:send",
                         func=_list_events, jwks_uri=client.jwks_uri, audience=AUD)
    with pytest.raises(ValueError, match="Could not verify"):
        create_crew_tool(name="x", description="x", grant_token=tok.grant_token, required_scope="calendar:read",
                         func=_list_events, jwks_uri=client.jwks_uri, expected_agent_did="did:grantex:someone")
    client.grants.revoke(tok.grant_id)
    with pytest.raises(ValueError, match="Could not verify"):
        tool.run(day="tuesday")


def test_grantex_strands(server: Dict[str, Any], client: grantex.Grantex) -> None:
    """grantex-strands wraps ``func`` in a ``**kwargs`` function, which Strands describes as one
    tool parameter named ``kwargs``: the framework path (``tool.invoke(tool_use)``) hands the
    model's input over as ``kwargs=...``, so the tool function here takes that parameter."""
    from grantex_strands import create_grantex_tool as create_strands_tool

    def list_events(kwargs: Dict[str, Any]) -> str:
        return f"events on {kwargs['day']}"

    def use(tool: Any, day: str) -> Any:
        return tool.invoke({"toolUseId": "t1", "input": {"kwargs": {"day": day}}})

    # Offline mode: verified token, scope checked at creation and on every call.
    _, tok = _calendar_token(client, "strands_user")
    offline = create_strands_tool(name="list_events", description="Lists the calendar.", grant_token=tok.grant_token,
                                  required_scope="calendar:read", func=list_events, jwks_uri=client.jwks_uri,
                                  audience=AUD)
    ok = use(offline, "monday")
    assert ok["status"] == "success" and "events on monday" in str(ok["content"]), ok
    assert offline(kwargs={"day": "sunday"}) == "events on sunday"
    with pytest.raises(PermissionError):
        create_strands_tool(name="send", description="x", grant_token=tok.grant_token, required_scope="email:send",
                            func=list_events, jwks_uri=client.jwks_uri, audience=AUD)

    # Online mode: our client's enforce() with a manifest, revocation seen on the next call.
    _, tok2 = _calendar_token(client, "strands_online", scopes=("tool:calendar:read",))
    g = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"])
    g.load_manifest(grantex.ToolManifest("calendar", {"list_events": "read", "create_event": "write"}))
    online = create_strands_tool(name="list_events", description="Lists the calendar.", grant_token=tok2.grant_token,
                                 required_scope="tool:calendar:read", func=list_events, client=g,
                                 connector="calendar", online=True, audience=AUD)
    ok = use(online, "friday")
    assert ok["status"] == "success" and "events on friday" in str(ok["content"]), ok
    with pytest.raises(PermissionError, match="read scope does not permit write"):
        create_strands_tool(name="create_event", description="x", grant_token=tok2.grant_token,
                            required_scope="tool:calendar:read", func=list_events, client=g,
                            connector="calendar", online=True, audience=AUD)
    with pytest.raises(PermissionError, match="audience"):
        create_strands_tool(name="list_events", description="x", grant_token=tok2.grant_token,
                            required_scope="tool:calendar:read", func=list_events, client=g,
                            connector="calendar", online=True, audience="https://other.example")
    client.grants.revoke(tok2.grant_id)
    gone = use(online, "saturday")
    assert gone["status"] == "error" and "This grant is revoked" in str(gone["content"]), gone
