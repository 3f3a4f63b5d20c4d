"""The full product flow against a real grantex-server."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import grantex
from grantex import (
    AuthorizeParams,
    CreatePrincipalSessionParams,
    ExchangeTokenParams,
    GrantexTokenError,
    ListAuditParams,
    ListGrantsParams,
    RefreshTokenParams,
    SignupParams,
    VerifyGrantTokenOptions,
    verify_audit_chain,
    verify_grant_token,
)

from conftest import issue_token


def test_live_flow_authorize_consent_exchange_verify_delegate_revoke(client: grantex.Grantex) -> None:
    agent = client.agents.register(name="calendar-bot", scopes=["calendar:read", "calendar:write"])
    assert agent.id.startswith("ag_") and agent.did.endswith(agent.id)

    auth = client.authorize(agent_id=agent.id, user_id="alice", scopes=["calendar:read", "calendar:write"])
    assert auth.code is None and auth.status == "pending"
    assert auth.consent_url and auth.request_id

    consent = client.consent.get(auth.request_id)
    assert consent.scopes == ("calendar:read", "calendar:write")
    approval = client.consent.approve(auth.request_id)
    token = client.tokens.exchange(ExchangeTokenParams(code=approval.code, agent_id=agent.id))
    assert token.scopes == ("calendar:read", "calendar:write")

    grant = verify_grant_token(
        token.grant_token,
        VerifyGrantTokenOptions(jwks_uri=client.jwks_uri, required_scopes=["calendar:read"]),
    )
    assert grant.principal_id == "alice"
    assert grant.agent_did == agent.did
    assert grant.grant_id == token.grant_id
    assert grant.scopes == ("calendar:read", "calendar:write")

    with pytest.raises(GrantexTokenError) as missing:
        verify_grant_token(
            token.grant_token,
            VerifyGrantTokenOptions(jwks_uri=client.jwks_uri, required_scopes=["email:send"]),
        )
    assert missing.value.code == "missing_scopes"

    sub = client.agents.register(name="sub-agent", scopes=["calendar:read"])
    delegated = client.grants.delegate(
        parent_grant_token=token.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"]
    )
    assert delegated["grantToken"] == delegated.grant_token
    sub_grant = verify_grant_token(delegated.grant_token, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri))
    assert sub_grant.parent_grant_id == token.grant_id
    assert sub_grant.delegation_depth == 1
    assert client.grants.verify(delegated.grant_token).grant_id == delegated.grant_id

    assert client.tokens.verify(token.grant_token).valid is True
    client.grants.revoke(token.grant_id)
    assert client.tokens.verify(token.grant_token).valid is False
    # Revocation cascades to the sub-agent's grant.
    with pytest.raises(GrantexTokenError) as inactive:
        client.grants.verify(delegated.grant_token)
    assert inactive.value.code == "inactive"
    # Offline verification still checks signatures (it cannot see revocation).
    assert verify_grant_token(token.grant_token, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri)).grant_id
    forged = token.grant_token[:-4] + ("AAAA" if not token.grant_token.endswith("AAAA") else "BBBB")
    with pytest.raises(GrantexTokenError) as bad:
        verify_grant_token(forged, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri))
    assert bad.value.code == "bad_signature"


def test_sandbox_authorize_returns_code_and_params_form(sandbox: grantex.Grantex) -> None:
    agent = sandbox.agents.register(name="sb", scopes=["files:read"])
    auth = sandbox.authorize(AuthorizeParams(agent_id=agent.id, user_id="bob", scopes=["files:read"]))
    assert auth.code and auth.sandbox is True
    token = sandbox.tokens.exchange(ExchangeTokenParams(code=auth.code, agent_id=agent.id))
    refreshed = sandbox.tokens.refresh(RefreshTokenParams(refresh_token=token.refresh_token, agent_id=agent.id))
    assert refreshed.grant_id == token.grant_id and refreshed.grant_token != token.grant_token


def test_agents_crud_update_is_patch(client: grantex.Grantex) -> None:
    agent = client.agents.register(name="crud", scopes=["a:read"], description="before")
    updated = client.agents.update(agent.id, description="after")
    assert updated.name == "crud" and updated.description == "after"
    assert client.agents.get(agent.id) == updated
    assert agent.id in {a.id for a in client.agents.list().agents}
    client.agents.delete(agent.id)
    with pytest.raises(grantex.GrantexApiError) as gone:
        client.agents.get(agent.id)
    assert gone.value.status_code == 404


def test_grants_list_get_and_token_revoke(client: grantex.Grantex) -> None:
    agent, token = issue_token(client)
    listed = client.grants.list(ListGrantsParams(agent_id=agent.id))
    assert [g.id for g in listed.grants] == [token.grant_id]
    grant = client.grants.get(token.grant_id)
    assert grant.status == "active" and grant.principal_id == "user_test"
    offline = verify_grant_token(token.grant_token, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri))
    client.tokens.revoke(offline.token_id)
    assert client.tokens.verify(token.grant_token).valid is False


def test_audit_log_list_get_and_chain(client: grantex.Grantex) -> None:
    agent, token = issue_token(client)
    for action in ("read", "write", "read"):
        client.audit.log(
            agent_id=agent.id,
            agent_did=agent.did,
            grant_id=token.grant_id,
            principal_id="user_test",
            action=f"calendar.{action}",
            metadata={"n": 1, "nested": {"b": [1, 2], "a": "é"}},
        )
    listed = client.audit.list(ListAuditParams(agent_id=agent.id)).entries
    # The server appends its own entries (actions "grantex.*") to the same chain: here the
    # token issue of issue_token's exchange.
    entries = [e for e in listed if not e.action.startswith("grantex.")]
    assert len(entries) == 3
    assert sorted(e.action for e in entries) == ["calendar.read", "calendar.read", "calendar.write"]
    assert [e.action for e in listed if e.action.startswith("grantex.")] == ["grantex.token.issued"]
    assert client.audit.get(entries[0].entry_id) == entries[0]
    everything = client.audit.list(ListAuditParams(page_size=500))
    report = verify_audit_chain(everything)
    assert report.valid and report.checked_entries == len(everything.entries)
    tampered = list(everything.entries)
    victim = tampered[1]
    tampered[1] = grantex.AuditEntry(**{**victim.__dict__, "action": "tampered"})
    broken = verify_audit_chain(tampered)
    assert not broken.valid and broken.first_broken_at == victim.entry_id and broken.reason == "content"
    removed = verify_audit_chain(tampered[:1] + tampered[2:])
    assert not removed.valid and removed.reason == "link"


def test_principal_session_signup_rate_limit(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    issue_token(client)
    session = client.principal_sessions.create(CreatePrincipalSessionParams(principal_id="user_test"))
    assert session.session_token and session.dashboard_url.startswith(server["baseUrl"])
    rl = client.last_rate_limit
    assert rl is not None and rl.limit == 100000 and 0 <= rl.remaining < rl.limit
    account = grantex.Grantex.signup(SignupParams(name="new dev", mode="sandbox"), base_url=server["baseUrl"])
    assert account.api_key.startswith("gx_test_") and account.mode == "sandbox"
    with grantex.Grantex(account.api_key, base_url=server["baseUrl"]) as fresh:
        assert fresh.agents.list().agents == ()


def test_env_configuration(server: Dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("GRANTEX_API_KEY", "  " + server["apiKey"] + "  ")
    monkeypatch.setenv("GRANTEX_BASE_URL", server["baseUrl"] + "/")
    with grantex.Grantex() as c:
        assert c.base_url == server["baseUrl"]
        assert c.jwks_uri == server["jwksUri"]
        c.agents.list()


def test_closed_client_refuses_calls(server: Dict[str, Any]) -> None:
    c = grantex.Grantex(server["apiKey"], base_url=server["baseUrl"])
    c.close()
    assert c.closed
    with pytest.raises(grantex.GrantexInvalidArgumentError, match="closed"):
        c.agents.list()
