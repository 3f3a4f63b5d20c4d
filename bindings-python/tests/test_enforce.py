"""Tool manifests and ``enforce()`` (issue 13): the shared vectors through the Python surface,
then the real server (online revocation, ``wrap_tool``, the async client)."""

from __future__ import annotations

import asyncio
import json
import pathlib
import warnings
from typing import Any, Dict

import pytest

import grantex
from grantex import (
    DenialReason,
    EnforceResult,
    ManifestValidationError,
    Permission,
    ToolManifest,
    ToolSpec,
    _native,
    manifests,
)
from grantex._base import _dumps, _enforce_call, _enforce_result

from conftest import issue_token

VECTORS = json.loads((pathlib.Path(__file__).resolve().parents[2] / "vectors" / "enforce-vectors.json").read_text())

# The Python attribute of each camelCase member the vectors expect.
PY = {"allowed": "allowed", "reasonCode": "reason_code", "subReason": "sub_reason",
      "permission": "permission", "purpose": "purpose", "details": "details"}


def _enforcer(config: Dict[str, Any]) -> Any:
    c = grantex.Grantex(api_key="gx_test_vectors", base_url="http://127.0.0.1:9")
    e = _native.NativeEnforcer(c._native, json.dumps(config))
    for doc in VECTORS["manifests"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            m = ToolManifest.from_dict(doc)
        e.load_manifest(_dumps(m.to_dict()))
    return e


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_enforce_vector(case: Dict[str, Any]) -> None:
    e = _enforcer({**VECTORS["config"], **case.get("config", {})})
    call = dict(case["call"], grantToken=case["token"])
    result = _enforce_result(e.enforce(json.dumps(call)))
    assert isinstance(result, EnforceResult)
    for key, want in case["expect"].items():
        got = (result.would_deny or {}).get("reason_code") if key == "wouldDeny" else getattr(result, PY[key])
        assert got == want, (key, result)


@pytest.mark.parametrize("case", VECTORS["manifestCases"], ids=lambda c: c["name"])
def test_manifest_vector(case: Dict[str, Any]) -> None:
    import tempfile

    def load() -> ToolManifest:
        if "text" in case:
            # Removed at once: the test run leaves nothing in its temp dir.
            with tempfile.TemporaryDirectory() as tmp:
                path = pathlib.Path(tmp) / "m.json"
                path.write_text(case["text"])
                return ToolManifest.from_file(str(path))
        return ToolManifest.from_dict(case["document"])

    if case["expect"] == "valid":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = load()
        ignored = case.get("ignoredKeys", [])
        assert [str(w.message) for w in caught if w.category is DeprecationWarning][: len(ignored)] == [
            f'ToolManifest: ignoring unknown top-level key "{k}" in manifest for "{m.connector}"; '
            "manifest schema 0.6 rejects unknown keys" for k in ignored[:1]
        ]
        assert ToolManifest.from_dict(m.to_dict()).to_dict() == m.to_dict()
    else:
        with pytest.raises(ManifestValidationError) as e:
            load()
        assert case["expect"] in str(e.value)
        assert isinstance(e.value, ValueError)


def test_denial_codes_match_the_core() -> None:
    assert set(DenialReason.ALL) == set(_native.denial_codes())


def test_manifest_surface() -> None:
    m = ToolManifest("crm", {"get": Permission.READ, "put": ToolSpec(permission="write", risk_tier="medium")})
    assert list(m.tools) == ["get", "put"] and m.tool_count == 2
    assert m.get_permission("put") == "write" and m.get_permission("nope") is None
    assert m.get_tool_spec("put") == ToolSpec(permission="write", risk_tier="medium")
    m.add_tool("drop", {"permission": "delete", "caps": {"per_day": 3}})
    assert m.get_tool_spec("drop").caps.per_day == 3  # type: ignore[union-attr]
    # Editing the permission map keeps the constraints; a forbidden edit is refused.
    m.tools["drop"] = "admin"
    assert m.get_tool_spec("drop").permission == "admin"  # type: ignore[union-attr]
    strict = ToolManifest("kyb", {"decide": {"permission": "write", "requires_decision": True}})
    strict.tools["decide"] = "read"
    with pytest.raises(ManifestValidationError):
        strict.get_tool_spec("decide")
    assert Permission.covers("admin", "delete") and not Permission.covers("read", "write")
    assert not Permission.covers("bogus", "read")
    with pytest.raises(ValueError):
        ToolManifest("", {"a": "read"})
    assert sorted(manifests.NAMES) == manifests.NAMES and "payments" in manifests.NAMES
    for m in manifests.load_all():
        assert m.tool_count >= 8
    with pytest.raises(KeyError):
        manifests.load("nope")


def test_client_options_are_checked_at_construction() -> None:
    base = {"api_key": "k", "base_url": "http://127.0.0.1:9"}
    for kw, word in [
        ({"enforce_mode": "lenient"}, "enforce_mode"),
        ({"revocation_check": "sometimes"}, "revocation_check"),
        ({"audience": "a", "audience_check": "off"}, "cannot be set"),
        ({"caps_meter": object()}, "caps_meter"),
        ({"decision_consumer": object()}, "decision_consumer"),
    ]:
        with pytest.raises(grantex.GrantexConfigError, match=word):
            grantex.Grantex(**base, **kw)  # type: ignore[arg-type]
    c = grantex.Grantex(**base, revocation_check="offline")  # type: ignore[arg-type]
    with pytest.raises(grantex.GrantexConfigError, match="cannot loosen"):
        grantex.Grantex(**base).enforce("a.b.c", "crm", "get", revocation_check="offline")  # type: ignore[arg-type]
    assert c.enforce("a.b.c", "crm", "get").reason_code == "token_invalid"


def test_amount_conversions() -> None:
    assert _enforce_call({"amount": True})["amount"] == "not a finite number"
    assert _enforce_call({"amount": float("nan")})["amount"] == "not a finite number"
    assert _enforce_call({"amount": 2.5})["amount"] == 2.5


class FakeTool:
    """The two methods LangChain's BaseTool routes calls through."""

    name = "create_contact"

    def __init__(self) -> None:
        self.calls: list = []

    def _run(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return "created"

    async def _arun(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return "created async"


def test_enforce_against_the_server(server: Dict[str, Any], client: grantex.Grantex) -> None:
    agent, tok = issue_token(client, scopes=("tool:crm:write", "tool:pay:write:capped:100"))
    g = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"])  # revocation_check online
    g.load_manifests([manifests.load("crm"), ToolManifest("pay", {"charge": "write"})])
    ok = g.enforce(tok.grant_token, "crm", "create_contact")
    assert ok.allowed and ok.permission == "write" and ok.grant is not None
    assert ok.grant.agent_did == agent.did
    low = g.enforce(tok.grant_token, "crm", "delete_contact")
    assert (low.allowed, low.reason_code) == (False, DenialReason.PERMISSION_INSUFFICIENT)
    assert g.enforce(tok.grant_token, "pay", "charge", 99).allowed
    over = g.enforce(tok.grant_token, "pay", "charge", 101.5)
    assert (over.sub_reason, over.details) == ("amount_cap", {"limit": 100.0, "amount": 101.5})
    assert g.enforce(tok.grant_token, "pay", "charge").sub_reason == "amount_missing"

    # wrap_tool: allowed calls run, denied ones raise PermissionError before the tool runs.
    tool = g.wrap_tool(FakeTool(), connector="crm", tool_name="create_contact", grant_token=lambda: tok.grant_token)
    assert tool._run(name="Ada") == "created"
    assert asyncio.run(tool._arun(name="Bob")) == "created async"
    denied = g.wrap_tool(FakeTool(), connector="crm", tool_name="delete_contact", grant_token=tok.grant_token)
    with pytest.raises(PermissionError, match="Grantex scope denied: write scope does not permit delete"):
        denied._run(id="c1")
    assert denied.calls == []
    charge = g.wrap_tool(FakeTool(), connector="pay", tool_name="charge", grant_token=tok.grant_token,
                         extract_amount=lambda a: a["amount"])
    charge._run(amount=10)
    with pytest.raises(PermissionError, match="exceeds budget cap"):
        charge._run(amount=500)
    broken = g.wrap_tool(FakeTool(), connector="pay", tool_name="charge", grant_token=tok.grant_token,
                         extract_amount=lambda a: a["missing"])
    with pytest.raises(PermissionError, match="amount extractor"):
        broken._run(amount=1)

    # Revocation: online (the Python default) sees it at once; offline does not.
    offline = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"], revocation_check="offline")
    offline.load_manifest(manifests.load("crm"))
    client.grants.revoke(ok.grant_id)
    gone = g.enforce(tok.grant_token, "crm", "create_contact")
    assert (gone.allowed, gone.reason_code, gone.sub_reason) == (False, "grant_revoked", "revoked")
    with pytest.raises(PermissionError, match="This grant is revoked"):
        tool._run(name="Eve")
    assert offline.enforce(tok.grant_token, "crm", "create_contact").allowed
    assert offline.enforce(tok.grant_token, "crm", "create_contact", revocation_check="online").reason_code == "grant_revoked"


def test_async_enforce(server: Dict[str, Any], client: grantex.Grantex) -> None:
    _, tok = issue_token(client, scopes=("tool:crm:read",))

    async def go() -> EnforceResult:
        async with grantex.AsyncGrantex(server["apiKey"], base_url=server["baseUrl"]) as a:
            a.load_manifest(manifests.load("crm"))
            assert (await a.enforce(tok.grant_token, "crm", "get_contact")).allowed
            return await a.enforce(tok.grant_token, "crm", "create_contact")

    r = asyncio.run(go())
    assert r.reason_code == "permission_insufficient"


def test_grantex_enforcer_in_fastapi(server: Dict[str, Any], client: grantex.Grantex) -> None:
    """``GrantexEnforcer`` as a real FastAPI dependency, with the sync and the async client."""
    import fastapi
    from fastapi.testclient import TestClient

    from grantex.fastapi import GrantexEnforcer

    _, tok = issue_token(client, scopes=("tool:crm:read",))
    sync = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"])
    sync.load_manifest(manifests.load("crm"))
    app = fastapi.FastAPI()
    enforcer = GrantexEnforcer(sync)

    @app.post("/tools/{connector}/{tool}")
    async def run(connector: str, tool: str, auth: EnforceResult = fastapi.Depends(enforcer)) -> Dict[str, Any]:
        return {"ran": tool, "permission": auth.permission, "principal": auth.grant.principal_id if auth.grant else None}

    async_client = grantex.AsyncGrantex(server["apiKey"], base_url=server["baseUrl"])
    async_client.load_manifest(manifests.load("crm"))
    a_enforcer = GrantexEnforcer(async_client)

    @app.post("/async/{connector}/{tool}")
    async def run_async(connector: str, tool: str, auth: EnforceResult = fastapi.Depends(a_enforcer)) -> Dict[str, Any]:
        return {"ran": tool}

    bearer = {"Authorization": f"Bearer {tok.grant_token}"}
    with TestClient(app) as http:
        ok = http.post("/tools/crm/get_contact", headers=bearer)
        assert ok.status_code == 200 and ok.json() == {"ran": "get_contact", "permission": "read", "principal": "user_test"}
        assert http.post("/async/crm/get_contact", headers=bearer).json() == {"ran": "get_contact"}
        denied = http.post("/tools/crm/create_contact", headers=bearer)
        assert denied.status_code == 403
        assert denied.json()["detail"]["code"] == "SCOPE_DENIED"
        assert denied.json()["detail"]["reason_code"] == "permission_insufficient"
        assert http.post("/tools/crm/get_contact").status_code == 401
        tampered = http.post("/tools/crm/get_contact", headers={"Authorization": f"Bearer {tok.grant_token}x"})
        assert (tampered.status_code, tampered.json()["detail"]["reason_code"]) == (403, "token_invalid")
        client.grants.revoke(ok_grant_id(tok.grant_token))
        gone = http.post("/async/crm/get_contact", headers=bearer)
        # The async client uses the Python default (online): revoked at once.
        assert (gone.status_code, gone.json()["detail"]["reason_code"]) == (403, "grant_revoked")


def ok_grant_id(token: str) -> str:
    info = grantex.get_token_info(token)
    assert info.grant_id
    return info.grant_id


def test_wrap_tool_guards_a_real_langchain_tool(server: Dict[str, Any], client: grantex.Grantex) -> None:
    """``wrap_tool`` on a real ``langchain_core`` StructuredTool, invoked the way an agent
    executor invokes it (``tool.invoke`` / ``tool.ainvoke``)."""
    from langchain_core import tools
    _, tok = issue_token(client, scopes=("tool:crm:write",))
    g = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"])
    g.load_manifest(manifests.load("crm"))
    created: list = []

    def create_contact(name: str) -> str:
        created.append(name)
        return f"created {name}"

    async def acreate_contact(name: str) -> str:
        created.append(name)
        return f"created {name} (async)"

    def make(tool_name: str) -> Any:
        return tools.StructuredTool.from_function(
            func=create_contact, coroutine=acreate_contact, name=tool_name, description="Create a CRM contact")

    guarded = g.wrap_tool(make("create_contact"), connector="crm", tool_name="create_contact",
                          grant_token=lambda: tok.grant_token)
    assert guarded.invoke({"name": "Ada"}) == "created Ada"
    assert asyncio.run(guarded.ainvoke({"name": "Bob"})) == "created Bob (async)"
    refused = g.wrap_tool(make("delete_contact"), connector="crm", tool_name="delete_contact",
                          grant_token=tok.grant_token)
    with pytest.raises(PermissionError, match="write scope does not permit delete"):
        refused.invoke({"name": "Eve"})
    assert created == ["Ada", "Bob"]


def test_revocation_feed_mode(server: Dict[str, Any], client: grantex.Grantex) -> None:
    """``revocation_check="feed"``: no request per call, a revocation seen within seconds."""
    import time

    _, tok = issue_token(client, scopes=("tool:crm:write",))
    g = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"], revocation_check="feed",
                        revocation_feed_stale_after=2.0)
    g.load_manifest(manifests.load("crm"))
    ok = g.enforce(tok.grant_token, "crm", "create_contact")
    assert ok.allowed, ok
    state = g.revocation_feed_state()
    assert state is not None and state.synced and state.fresh and state.unavailable is None
    client.grants.revoke(ok.grant_id)
    deadline = time.monotonic() + 10
    while True:
        r = g.enforce(tok.grant_token, "crm", "create_contact")
        if not r.allowed or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (r.reason_code, r.sub_reason) == ("grant_revoked", "revoked")
    g.stop_revocation_feed()
    assert grantex.Grantex(server["apiKey"], base_url=server["baseUrl"]).revocation_feed_state() is None
