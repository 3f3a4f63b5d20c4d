"""Issue 23 against a real grantex-server: agent status enforced on tokens, registered redirect
URIs, revocable principal sessions and the server's own audit entries (``grantex.*``)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Sequence, Tuple

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    AuditEntry,
    CreatePrincipalSessionParams,
    ExchangeTokenParams,
    GrantexApiError,
    GrantexAuthError,
    GrantexTokenError,
    ListAuditParams,
    RefreshTokenParams,
    VerifyGrantTokenOptions,
    verify_audit_chain,
    verify_grant_token,
)


def _grant(
    c: grantex.Grantex, agent: grantex.Agent, principal: str, scopes: Sequence[str] = ("calendar:read",)
) -> grantex.ExchangeTokenResponse:
    """Run authorize → consent → exchange for ``agent`` and ``principal``."""
    auth = c.authorize(agent_id=agent.id, user_id=principal, scopes=list(scopes))
    assert auth.request_id is not None
    code = auth.code or c.consent.approve(auth.request_id).code
    return c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))


def _principal_get(base_url: str, session_token: str) -> Tuple[int, Any]:
    """``GET /v1/principal/grants`` as the principal (plain HTTP): the status and JSON body."""
    req = urllib.request.Request(
        f"{base_url}/v1/principal/grants", headers={"Authorization": f"Bearer {session_token}"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as e:
        with e:
            return int(e.code), json.loads(e.read())


def _server_events(entries: Sequence[AuditEntry]) -> List[AuditEntry]:
    return [e for e in entries if e.action.startswith("grantex.")]


def test_suspension_invalidates_tokens_and_reactivation_restores_them(client: grantex.Grantex) -> None:
    agent = client.agents.register(name="status-parent", scopes=["calendar:read", "calendar:write"])
    sub = client.agents.register(name="status-child", scopes=["calendar:read"])
    token = _grant(client, agent, "status_alice", ("calendar:read", "calendar:write"))
    child = client.grants.delegate(
        parent_grant_token=token.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"]
    )
    assert client.tokens.verify(token.grant_token).valid is True
    assert client.tokens.verify(child.grant_token).valid is True

    suspended = client.agents.update(agent.id, status="suspended")
    assert suspended.status == "suspended"
    assert client.agents.get(agent.id).status == "suspended"

    # Online checks: invalid at once, for the agent's token and the grant it delegated.
    assert client.tokens.verify(token.grant_token).valid is False
    assert client.tokens.verify(child.grant_token).valid is False
    with pytest.raises(GrantexTokenError) as inactive:
        client.grants.verify(token.grant_token)
    assert inactive.value.code == "inactive" and "agent_suspended" in str(inactive.value)
    # Offline verification only checks the signature and claims: still fine.
    assert verify_grant_token(token.grant_token, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri)).grant_id == (
        token.grant_id
    )

    # Refresh and delegation: 403 AGENT_SUSPENDED, which the SDK raises as GrantexAuthError.
    with pytest.raises(GrantexAuthError) as refused:
        client.tokens.refresh(RefreshTokenParams(refresh_token=token.refresh_token, agent_id=agent.id))
    assert refused.value.status_code == 403 and refused.value.code == "AGENT_SUSPENDED"
    assert child.refresh_token is not None
    with pytest.raises(GrantexAuthError) as refused_child:
        client.tokens.refresh(RefreshTokenParams(refresh_token=child.refresh_token, agent_id=sub.id))
    assert refused_child.value.status_code == 403 and refused_child.value.code == "AGENT_SUSPENDED"
    with pytest.raises(GrantexAuthError) as no_delegation:
        client.grants.delegate(parent_grant_token=token.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"])
    assert no_delegation.value.status_code == 403 and no_delegation.value.code == "AGENT_SUSPENDED"

    reactivated = client.agents.update(agent.id, status="active")
    assert reactivated.status == "active"
    assert client.tokens.verify(token.grant_token).valid is True
    assert client.tokens.verify(child.grant_token).valid is True
    assert client.grants.verify(token.grant_token).grant_id == token.grant_id
    # The refresh token refused during the suspension was not spent by the attempt.
    fresh = client.tokens.refresh(RefreshTokenParams(refresh_token=token.refresh_token, agent_id=agent.id))
    assert fresh.grant_id == token.grant_id
    assert client.tokens.verify(fresh.grant_token).valid is True

    actions = [e.action for e in _server_events(client.audit.list(ListAuditParams(agent_id=agent.id)).entries)]
    assert [a for a in actions if a.startswith("grantex.agent.")] == [
        "grantex.agent.suspended",
        "grantex.agent.reactivated",
    ]


def test_reactivation_does_not_restore_a_revoked_token(client: grantex.Grantex) -> None:
    agent = client.agents.register(name="status-revoked", scopes=["calendar:read"])
    token = _grant(client, agent, "status_bob")
    jti = verify_grant_token(token.grant_token, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri)).token_id
    client.agents.update(agent.id, status="suspended")
    client.tokens.revoke(jti)
    client.agents.update(agent.id, status="active")
    assert client.tokens.verify(token.grant_token).valid is False


def test_registered_redirect_uris(client: grantex.Grantex) -> None:
    uris = ["https://app.example.com/cb", "http://127.0.0.1:8765/cb"]
    agent = client.agents.register(name="redirects", scopes=["calendar:read"], redirect_uris=uris)
    assert agent.redirect_uris == tuple(uris)
    assert client.agents.get(agent.id).redirect_uris == tuple(uris)
    assert agent.to_dict()["redirectUris"] == uris

    for uri in uris:
        auth = client.authorize(agent_id=agent.id, user_id="dana", scopes=["calendar:read"], redirect_uri=uri)
        assert auth.request_id
    # No redirect at all sends the user nowhere: allowed.
    client.authorize(agent_id=agent.id, user_id="dana", scopes=["calendar:read"])

    for near_miss in ("https://app.example.com/cb/", "https://evil.example.com/cb", "https://app.example.com/cb2"):
        with pytest.raises(GrantexApiError) as info:
            client.authorize(agent_id=agent.id, user_id="dana", scopes=["calendar:read"], redirect_uri=near_miss)
        assert not isinstance(info.value, GrantexAuthError)
        assert info.value.status_code == 400, near_miss
        assert "registered redirectUris" in str(info.value), str(info.value)

    # Registration is validated: http only for loopback.
    with pytest.raises(GrantexApiError) as bad:
        client.agents.update(agent.id, redirect_uris=["http://app.example.com/cb"])
    assert bad.value.status_code == 400
    assert client.agents.get(agent.id).redirect_uris == tuple(uris)

    # [] clears the list; then any https redirect is accepted again.
    cleared = client.agents.update(agent.id, redirect_uris=[])
    assert cleared.redirect_uris == ()
    assert client.agents.get(agent.id).redirect_uris == ()
    client.authorize(
        agent_id=agent.id, user_id="dana", scopes=["calendar:read"], redirect_uri="https://anything.example.com/cb"
    )

    plain = client.agents.register(name="no-redirects", scopes=["calendar:read"])
    assert plain.redirect_uris == ()


def test_principal_sessions_revoke_ends_every_session_of_that_principal(
    client: grantex.Grantex, server: Dict[str, Any]
) -> None:
    agent = client.agents.register(name="sessions", scopes=["calendar:read"])
    _grant(client, agent, "sess_frank")
    _grant(client, agent, "sess_gina")
    f1 = client.principal_sessions.create(CreatePrincipalSessionParams(principal_id="sess_frank")).session_token
    f2 = client.principal_sessions.create(CreatePrincipalSessionParams(principal_id="sess_frank")).session_token
    g1 = client.principal_sessions.create(CreatePrincipalSessionParams(principal_id="sess_gina")).session_token
    for t in (f1, f2, g1):
        assert _principal_get(server["baseUrl"], t)[0] == 200

    client.principal_sessions.revoke("sess_frank")
    for t in (f1, f2):
        status, body = _principal_get(server["baseUrl"], t)
        assert status == 401 and body["code"] == "UNAUTHORIZED", body
    assert _principal_get(server["baseUrl"], g1)[0] == 200, "another principal's session is untouched"

    # Idempotent, and a new session afterwards works.
    client.principal_sessions.revoke("sess_frank")
    f3 = client.principal_sessions.create(CreatePrincipalSessionParams(principal_id="sess_frank")).session_token
    assert _principal_get(server["baseUrl"], f3)[0] == 200

    with pytest.raises(grantex.GrantexInvalidArgumentError):
        client.principal_sessions.revoke("")

    revoked = client.audit.list(
        ListAuditParams(principal_id="sess_frank", action="grantex.principal_session.revoked")
    ).entries
    # One entry: the second revocation ended nothing, so there was nothing to audit.
    assert [e.metadata for e in revoked] == [{"sessions": 2, "by": "developer"}]
    for e in revoked:
        assert f1 not in json.dumps(e.metadata) and f2 not in json.dumps(e.metadata)


def test_server_audits_token_issue_in_the_verifiable_chain(client: grantex.Grantex) -> None:
    agent = client.agents.register(name="audited", scopes=["calendar:read"])
    token = _grant(client, agent, "audit_erin")
    jti = verify_grant_token(token.grant_token, VerifyGrantTokenOptions(jwks_uri=client.jwks_uri)).token_id

    listed = client.audit.list(ListAuditParams(grant_id=token.grant_id)).entries
    issued = [e for e in listed if e.action == "grantex.token.issued"]
    assert len(issued) == 1
    entry = issued[0]
    assert (entry.agent_id, entry.agent_did, entry.grant_id, entry.principal_id) == (
        agent.id,
        agent.did,
        token.grant_id,
        "audit_erin",
    )
    assert entry.status == "success"
    assert entry.metadata["jti"] == jti
    assert entry.metadata["scopes"] == ["calendar:read"]
    assert token.grant_token not in json.dumps(entry.metadata)
    assert token.refresh_token not in json.dumps(entry.metadata)
    # The same entry through the action filter and by id.
    by_action = client.audit.list(ListAuditParams(agent_id=agent.id, action="grantex.token.issued")).entries
    assert by_action == (entry,)
    assert client.audit.get(entry.entry_id) == entry

    # An application entry and the server's entries share one chain, which verifies end to end.
    mine = client.audit.log(
        agent_id=agent.id,
        agent_did=agent.did,
        grant_id=token.grant_id,
        principal_id="audit_erin",
        action="calendar.read",
    )
    everything = client.audit.list(ListAuditParams()).entries
    ids = [e.entry_id for e in everything]
    assert ids.index(entry.entry_id) < ids.index(mine.entry_id)
    report = verify_audit_chain(everything)
    assert report.valid and report.checked_entries == len(everything)
    # Tampering with the server's entry breaks the chain at that entry.
    at = ids.index(entry.entry_id)
    tampered = list(everything)
    tampered[at] = dataclasses.replace(entry, agent_id="ag_someone_else")
    broken = verify_audit_chain(tampered)
    assert not broken.valid and broken.first_broken_at == entry.entry_id and broken.reason == "content"


def test_agent_keeps_the_reference_positional_constructor() -> None:
    fields = ("ag_1", "did:grantex:ag_1", "bot", "desc", ("a:read",), "active", "dev_1", "t0", "t1")
    agent = grantex.Agent(*fields)
    assert agent.redirect_uris == ()
    assert (agent.id, agent.updated_at) == ("ag_1", "t1")
    assert agent.to_dict()["redirectUris"] == []
    assert grantex.Agent.from_dict(agent.to_dict()) == agent
    with_uris = grantex.Agent(*fields, ("https://a.example/cb",))
    assert grantex.Agent.from_dict(with_uris.to_dict()).redirect_uris == ("https://a.example/cb",)
    # Older servers do not send the field at all.
    wire = agent.to_dict()
    del wire["redirectUris"]
    assert grantex.Agent.from_dict(wire).redirect_uris == ()


def test_async_client_suspension_redirect_uris_and_session_revoke(server: Dict[str, Any]) -> None:
    async def run() -> None:
        async with AsyncGrantex(server["apiKey"], base_url=server["baseUrl"]) as c:
            agent = await c.agents.register(
                name="async-status", scopes=["files:read"], redirect_uris=["https://async.example.com/cb"]
            )
            assert agent.redirect_uris == ("https://async.example.com/cb",)
            with pytest.raises(GrantexApiError) as wrong_uri:
                await c.authorize(
                    agent_id=agent.id, user_id="async_ivy", scopes=["files:read"], redirect_uri="https://x.example.com/cb"
                )
            assert wrong_uri.value.status_code == 400
            auth = await c.authorize(
                agent_id=agent.id, user_id="async_ivy", scopes=["files:read"], redirect_uri="https://async.example.com/cb"
            )
            assert auth.request_id is not None
            code = auth.code or (await c.consent.approve(auth.request_id)).code
            token = await c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))

            await c.agents.update(agent.id, status="suspended")
            assert (await c.tokens.verify(token.grant_token)).valid is False
            with pytest.raises(GrantexAuthError) as refused:
                await c.tokens.refresh(RefreshTokenParams(refresh_token=token.refresh_token, agent_id=agent.id))
            assert refused.value.status_code == 403 and refused.value.code == "AGENT_SUSPENDED"
            await c.agents.update(agent.id, status="active", redirect_uris=[])
            assert (await c.agents.get(agent.id)).redirect_uris == ()
            assert (await c.tokens.verify(token.grant_token)).valid is True

            session = await c.principal_sessions.create(CreatePrincipalSessionParams(principal_id="async_ivy"))
            assert _principal_get(server["baseUrl"], session.session_token)[0] == 200
            await c.principal_sessions.revoke("async_ivy")
            assert _principal_get(server["baseUrl"], session.session_token)[0] == 401

            events = _server_events((await c.audit.list(ListAuditParams(agent_id=agent.id))).entries)
            assert [e.action for e in events] == [
                "grantex.token.issued",
                "grantex.agent.suspended",
                "grantex.agent.reactivated",
            ]

    asyncio.run(run())
