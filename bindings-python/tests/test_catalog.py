"""The Python surface comes from the core's operation catalog: every operation has its method
(sync and async), the new operations work against the real server, and the generic call's
input checks (in the core) give typed errors that name the member, never a Rust type."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Dict

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    AuditCheckpoint,
    GrantexApiError,
    GrantexInvalidArgumentError,
    UpdateDeveloperSettingsParams,
    UpdateDeveloperSettingsResponse,
    _native,
)
from grantex._types import ListAuditParams

RUST_ISMS = re.compile(r"\b(String|Option|Vec|&str|i64|u32|u64|serde|struct)\b")


def _method(client: Any, op: str) -> Any:
    group, _, name = op.rpartition(".")
    owner = getattr(client, group) if group else client
    return getattr(owner, name)


def test_every_catalog_operation_has_a_method(client: grantex.Grantex) -> None:
    assert "update_settings" in _native.OPERATIONS and "audit.checkpoint" in _native.OPERATIONS
    async_client = AsyncGrantex("k", base_url=client.base_url)
    try:
        for op in _native.OPERATIONS:
            assert callable(_method(client, op)), op
            method = _method(async_client, op)
            assert asyncio.iscoroutinefunction(method), op
    finally:
        async_client.close()


def _log(client: grantex.Grantex, n: int) -> None:
    for i in range(n):
        client.audit.log(
            agent_id="ag_x", agent_did="did:grantex:ag_x", grant_id="grnt_x",
            principal_id="u", action=f"catalog.step.{i}",
        )


def test_update_settings_and_me(client: grantex.Grantex) -> None:
    result = client.update_settings(UpdateDeveloperSettingsParams(fido_rp_name="Catalog Test RP"))
    assert isinstance(result, UpdateDeveloperSettingsResponse) and result.updated is True
    assert client.me().fido_rp_name == "Catalog Test RP"
    # The server has no WebAuthn: requiring it is refused, with the server's reason.
    with pytest.raises(GrantexApiError) as refused:
        client.update_settings(UpdateDeveloperSettingsParams(fido_required=True))
    assert refused.value.status_code == 400 and "WebAuthn" in str(refused.value)
    with pytest.raises(TypeError):
        client.update_settings({"fidoRpName": "x"})  # type: ignore[arg-type]


def test_audit_checkpoint_covers_the_chain_head(client: grantex.Grantex) -> None:
    _log(client, 3)
    entries = client.audit.list(ListAuditParams()).entries
    cp = client.audit.checkpoint()
    assert isinstance(cp, AuditCheckpoint)
    assert cp.checkpoint_id.startswith("ckpt_")
    assert cp.head_entry_id == entries[-1].entry_id and cp.head_hash == entries[-1].hash
    assert cp.entry_count == len(entries) and cp.witness_required is False
    assert len(cp.signed_checkpoint.split(".")) == 3
    assert cp.to_dict()["headHash"] == cp.head_hash
    assert grantex.verify_audit_chain(entries).valid


def test_async_new_operations(server: Dict[str, Any]) -> None:
    async def run() -> None:
        async with AsyncGrantex(server["apiKey"], base_url=server["baseUrl"]) as c:
            r = await c.update_settings(UpdateDeveloperSettingsParams(fido_rp_name="Async RP"))
            assert r.updated is True and (await c.me()).fido_rp_name == "Async RP"
            await c.audit.log(
                agent_id="ag_y", agent_did="did:grantex:ag_y", grant_id="grnt_y",
                principal_id="u", action="catalog.async",
            )
            cp = await c.audit.checkpoint()
            entries = (await c.audit.list()).entries
            assert cp.head_entry_id == entries[-1].entry_id

    asyncio.run(run())


@pytest.mark.parametrize(
    "op, body, needle",
    [
        ("agents.get", {}, "`agentId` (agent id) is required"),
        ("agents.get", {"agentId": 5}, "`agentId` (agent id) must be a string, got a number"),
        ("agents.register", {"name": "a", "scopes": "calendar:read"}, "`scopes` must be a list of strings, got a string"),
        ("agents.register", {"name": "a", "scopez": []}, "unknown member `scopez`"),
        ("agents.register", {"scopes": []}, "`name` is required"),
        ("audit.log", {"agentId": "a", "agentDid": "d", "grantId": "g", "principalId": "p", "action": "x", "status": "weird"},
         "`status` must be one of \"success\", \"failure\", \"blocked\""),
        ("tokens.verify", {"token": ""}, "token must not be empty"),
        ("agents.list", {"page": 1}, "unknown member `page`"),
        ("no.such.op", {}, "unknown operation \"no.such.op\""),
    ],
)
def test_generic_input_errors_name_the_member(client: grantex.Grantex, op: str, body: Dict[str, Any], needle: str) -> None:
    with pytest.raises(GrantexInvalidArgumentError) as err:
        client._native.call(op, json.dumps(body))
    message = str(err.value)
    assert needle in message, message
    assert not RUST_ISMS.search(message), message


def test_generic_input_must_be_an_object(client: grantex.Grantex) -> None:
    with pytest.raises(GrantexInvalidArgumentError, match="must be a JSON object, got a list"):
        client._native.call("agents.list", "[]")
    with pytest.raises(GrantexInvalidArgumentError, match="not valid JSON"):
        client._native.call("agents.list", "{")


def test_keyword_and_params_forms_send_the_same(client: grantex.Grantex) -> None:
    agent = client.agents.register(name="catalog-forms", scopes=["calendar:read"])
    a = client.authorize(agent_id=agent.id, user_id="u1", scopes=["calendar:read"])
    b = client.authorize(grantex.AuthorizeParams(agent_id=agent.id, user_id="u1", scopes=["calendar:read"]))
    assert a.agent_id == b.agent_id == agent.id and a.scopes == b.scopes == ("calendar:read",)
    with pytest.raises(TypeError, match="not both"):
        client.authorize(grantex.AuthorizeParams(agent_id=agent.id, user_id="u", scopes=[]), agent_id="x")
    with pytest.raises(TypeError, match="authorize"):
        client.authorize(agent_id=agent.id)  # type: ignore[call-overload]
