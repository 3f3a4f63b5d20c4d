"""Policies against a real grantex-server (issue 15 item 1), sync and async: CRUD with the
reference SDK's names (``CreatePolicyParams``, ``UpdatePolicyParams``, ``ListPoliciesResponse``),
the errors, decisions at authorize and delegation, Cedar, the dry run."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    CreatePolicyParams,
    DelegateParams,
    EvaluatePolicyParams,
    ExchangeTokenParams,
    GrantexApiError,
    GrantexAuthError,
    ListPoliciesResponse,
    Policy,
    UpdatePolicyParams,
)


def _fresh(server: Dict[str, Any], mode: str = "live") -> grantex.Grantex:
    """A developer of its own: policies apply to every request of their developer."""
    signed = grantex.Grantex.signup(grantex.SignupParams(name="policies", mode=mode), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


@pytest.fixture()
def dev(server: Dict[str, Any]) -> Iterator[grantex.Grantex]:
    with _fresh(server) as c:
        yield c


def test_crud_round_trip_and_errors(dev: grantex.Grantex, server: Dict[str, Any]) -> None:
    p = dev.policies.create(
        CreatePolicyParams(
            name="office hours",
            effect="allow",
            priority=5,
            agent_id="ag_x",
            scopes=["read"],
            time_of_day_start="09:00",
            time_of_day_end="17:00",
        )
    )
    assert isinstance(p, Policy)
    assert p.id.startswith("pol_") and p.version == 1 and p.priority == 5
    assert p.scopes == ("read",) and p.principal_id is None
    low = dev.policies.create(CreatePolicyParams(name="catch-all", effect="deny"))
    assert low.priority == 0, "the reference default"
    listed = dev.policies.list()
    assert isinstance(listed, ListPoliciesResponse)
    assert listed.total == 2 and [x.id for x in listed.policies] == [p.id, low.id]
    assert dev.policies.get(p.id) == p

    u = dev.policies.update(p.id, UpdatePolicyParams(name="renamed", priority=7))
    assert (u.name, u.priority, u.version, u.scopes) == ("renamed", 7, 2, ("read",))

    with _fresh(server) as other:
        for call in (
            lambda: other.policies.get(p.id),
            lambda: other.policies.update(p.id, UpdatePolicyParams(name="x")),
            lambda: other.policies.delete(p.id),
        ):
            with pytest.raises(GrantexApiError) as e:
                call()
            assert e.value.status_code == 404

    with pytest.raises(GrantexApiError) as e:
        dev.policies.create(CreatePolicyParams(name="x", effect="maybe"))
    assert (e.value.status_code, e.value.code) == (422, "VALIDATION_ERROR")
    assert "effect" in str(e.value)
    with pytest.raises(GrantexApiError) as e:
        dev.policies.create(CreatePolicyParams(name="x", effect="allow", time_of_day_start="09:00"))
    assert e.value.status_code == 422 and "together" in str(e.value)
    with pytest.raises(GrantexApiError) as e:
        dev.policies.create(CreatePolicyParams(name="x", effect="deny", cedar="permit(principal, action, resource);"))
    assert e.value.status_code == 422 and "disagrees" in str(e.value)

    assert dev.policies.delete(p.id) is None
    with pytest.raises(GrantexApiError) as e:
        dev.policies.get(p.id)
    assert e.value.status_code == 404


def test_authorize_and_delegation_are_decided_by_policies(server: Dict[str, Any]) -> None:
    with _fresh(server, mode="sandbox") as c:
        a = c.agents.register(name="assistant", scopes=["calendar:read", "payments:transfer"])
        sub = c.agents.register(name="sub", scopes=["calendar:read", "payments:transfer"])
        # Sandbox auto-approves; an allow policy says so too.
        allow = c.policies.create(CreatePolicyParams(name="calendars", effect="allow", scopes=["calendar:read"]))
        r = c.authorize(agent_id=a.id, user_id="alice", scopes=["calendar:read"])
        assert (r.policy_enforced, r.effect) == (True, "allow")
        tok = c.tokens.exchange(ExchangeTokenParams(code=r.code, agent_id=a.id))
        deny = c.policies.create(
            CreatePolicyParams(name="no payments", effect="deny", scopes=["payments:transfer"], priority=-10)
        )
        with pytest.raises(GrantexAuthError) as e:
            c.authorize(agent_id=a.id, user_id="alice", scopes=["calendar:read", "payments:transfer"])
        assert (e.value.status_code, e.value.code) == (403, "POLICY_DENIED")
        assert e.value.body["policyId"] == deny.id and deny.id in str(e.value)

        d = c.policies.evaluate(
            EvaluatePolicyParams(agent_id=a.id, principal_id="alice", scopes=["calendar:read", "payments:transfer"])
        )
        assert (d.decision, d.policy_id, d.policy_name) == ("deny", deny.id, "no payments")
        assert [m.policy_id for m in d.matched] == [deny.id]
        d = c.policies.evaluate(EvaluatePolicyParams(agent_id=a.id, principal_id="alice", scopes=["calendar:read"]))
        assert (d.decision, d.policy_id) == ("allow", allow.id)

        c.policies.delete(deny.id)
        cedar = c.policies.create(
            CreatePolicyParams(
                name="no sub-delegation of payments",
                effect="deny",
                cedar='forbid(principal, action == Action::"delegate", resource == Scope::"payments:transfer");',
            )
        )
        assert cedar.cedar is not None and cedar.version == 1
        # The forbid names the delegate action only: authorizing payments goes on (sandbox approves).
        bob = c.authorize(agent_id=a.id, user_id="bob", scopes=["payments:transfer"])
        assert bob.code is not None and bob.policy_enforced is None
        bob_tok = c.tokens.exchange(ExchangeTokenParams(code=bob.code, agent_id=a.id))
        with pytest.raises(GrantexAuthError) as e:
            c.grants.delegate(
                DelegateParams(parent_grant_token=bob_tok.grant_token, sub_agent_id=sub.id, scopes=["payments:transfer"])
            )
        assert e.value.code == "POLICY_DENIED" and e.value.body["policyId"] == cedar.id
        child = c.grants.delegate(
            DelegateParams(parent_grant_token=tok.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"])
        )
        assert child.grant_token


def test_async_namespace(server: Dict[str, Any]) -> None:
    async def main() -> None:
        signed = await AsyncGrantex.signup(grantex.SignupParams(name="async policies"), base_url=server["baseUrl"])
        async with AsyncGrantex(signed.api_key, base_url=server["baseUrl"]) as c:
            p = await c.policies.create(CreatePolicyParams(name="night", effect="deny", time_of_day_start="22:00", time_of_day_end="06:00"))
            assert (await c.policies.list()).total == 1
            u = await c.policies.update(p.id, UpdatePolicyParams(priority=3))
            assert (u.priority, u.version) == (3, 2)
            d = await c.policies.evaluate(
                EvaluatePolicyParams(agent_id="ag", principal_id="p", scopes=["read"], at="2026-12-04T23:00:00Z")
            )
            assert (d.decision, d.policy_id) == ("deny", p.id)
            d = await c.policies.evaluate(
                EvaluatePolicyParams(agent_id="ag", principal_id="p", scopes=["read"], at="2026-12-04T12:00:00Z")
            )
            assert d.decision == "none" and d.policy_id is None
            await c.policies.delete(p.id)
            assert (await c.policies.list()).policies == ()

    asyncio.run(main())
