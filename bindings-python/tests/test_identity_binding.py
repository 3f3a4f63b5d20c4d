"""The reference's identity-binding verify options (issue 13) against the real server:
``expected_principal_id``, ``expected_agent_did`` and ``current_authority`` (with the client's
online ``grants.verify`` as the authority, the way the integration packages wire it)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import grantex
from grantex import GrantexTokenError, VerifyGrantTokenOptions

AUD = "https://calendar.example.com"


def _token(c: grantex.Grantex, principal: str = "user_bound") -> Any:
    agent = c.agents.register(name="bound-agent", scopes=["calendar:read"], description="pytest")
    auth = c.authorize(agent_id=agent.id, user_id=principal, scopes=["calendar:read"], audience=AUD)
    code = auth.code or c.consent.approve(auth.request_id).code
    return agent, c.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id))


def _opts(c: grantex.Grantex, **kw: Any) -> VerifyGrantTokenOptions:
    return VerifyGrantTokenOptions(jwks_uri=c.jwks_uri, **kw)


def test_expected_principal_and_agent(client: grantex.Grantex) -> None:
    agent, tok = _token(client)
    g = grantex.verify_grant_token(
        tok.grant_token, _opts(client, expected_principal_id="user_bound", expected_agent_did=agent.did)
    )
    assert g.principal_id == "user_bound"
    for kw, code in [
        ({"expected_principal_id": "someone_else"}, "wrong_principal"),
        ({"expected_principal_id": ""}, "wrong_principal"),
        ({"expected_agent_did": "did:grantex:ag_other"}, "wrong_agent"),
    ]:
        with pytest.raises(GrantexTokenError) as e:
            grantex.verify_grant_token(tok.grant_token, _opts(client, **kw))
        assert e.value.code == code, kw
    with pytest.raises(TypeError):
        grantex.verify_grant_token(tok.grant_token, _opts(client, expected_agent_did=42))


def test_current_authority_is_the_servers_online_answer(client: grantex.Grantex) -> None:
    _, tok = _token(client)
    calls = []

    def authority(token: str) -> grantex.VerifiedGrant:
        calls.append(token)
        return client.grants.verify(token)

    opts = _opts(client, audience=AUD, current_authority=authority)
    g = grantex.verify_grant_token(tok.grant_token, opts)
    assert g.grant_id == tok.grant_id and calls == [tok.grant_token]

    # Revoked on the server: the offline check alone would pass; the authority refuses.
    offline = grantex.verify_grant_token(tok.grant_token, _opts(client, audience=AUD))
    assert offline.grant_id == tok.grant_id
    client.grants.revoke(tok.grant_id)
    with pytest.raises(GrantexTokenError) as e:
        grantex.verify_grant_token(tok.grant_token, opts)
    assert e.value.code == "authority_mismatch"
    assert str(e.value).endswith("current grant authority could not be verified")
    # The server's refusal is the cause, not part of the message (messages reach HTTP answers).
    assert isinstance(e.value.__cause__, GrantexTokenError) and e.value.__cause__.code == "inactive"


def test_current_authority_must_describe_the_same_grant(client: grantex.Grantex) -> None:
    _, tok = _token(client)
    _, other = _token(client, principal="user_other")
    cases = [
        (lambda t: client.grants.verify(other.grant_token), "does not match"),  # another grant
        (lambda t: {"grantId": tok.grant_id}, "does not match"),  # not a VerifiedGrant
        (lambda t: None, "does not match"),
    ]
    for authority, words in cases:
        with pytest.raises(GrantexTokenError) as e:
            grantex.verify_grant_token(tok.grant_token, _opts(client, audience=AUD, current_authority=authority))
        assert e.value.code == "authority_mismatch" and words in str(e.value)
    # Without an audience: a token error, as in the reference (integrations answer 401); not
    # callable: a type error.
    with pytest.raises(GrantexTokenError) as no_aud:
        grantex.verify_grant_token(tok.grant_token, _opts(client, current_authority=lambda t: None))
    assert no_aud.value.code == "authority_mismatch" and "audience" in str(no_aud.value)
    with pytest.raises(TypeError):
        grantex.verify_grant_token(tok.grant_token, _opts(client, audience=AUD, current_authority="nope"))


def test_async_current_authority_may_be_awaitable(client: grantex.Grantex, server: Any) -> None:
    _, tok = _token(client)

    async def main() -> None:
        async with grantex.AsyncGrantex(api_key=server["apiKey"], base_url=server["baseUrl"]) as ac:

            async def authority(token: str) -> grantex.VerifiedGrant:
                return await ac.grants.verify(token)

            g = await grantex.averify_grant_token(
                tok.grant_token, _opts(client, audience=AUD, current_authority=authority)
            )
            assert g.grant_id == tok.grant_id
            # A sync callback works there too; a raising one refuses the token.
            g = await grantex.averify_grant_token(
                tok.grant_token, _opts(client, audience=AUD, current_authority=client.grants.verify)
            )
            assert g.grant_id == tok.grant_id

            def broken(token: str) -> grantex.VerifiedGrant:
                raise RuntimeError("authority offline")

            with pytest.raises(GrantexTokenError) as e:
                await grantex.averify_grant_token(
                    tok.grant_token, _opts(client, audience=AUD, current_authority=broken)
                )
            assert e.value.code == "authority_mismatch" and "authority offline" not in str(e.value)
            assert isinstance(e.value.__cause__, RuntimeError) and str(e.value.__cause__) == "authority offline"

    asyncio.run(main())
