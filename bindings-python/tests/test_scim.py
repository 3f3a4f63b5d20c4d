"""SCIM 2.0 provisioning through the SDK against a real grantex-server (issue 19), sync and
async, with the reference SDK's names: SCIM tokens (the secret shown once), then the
``/scim/v2/Users`` calls made with a client whose key is that SCIM token, and deprovisioning
cutting off the principal's grants in the same request."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    CreateScimUserParams,
    ExchangeTokenParams,
    GrantexApiError,
    GrantexAuthError,
    ListScimTokensResponse,
    ScimEmail,
    ScimListResponse,
    ScimToken,
    ScimTokenWithSecret,
    ScimUser,
)


def _fresh(server: Dict[str, Any], name: str = "scim") -> grantex.Grantex:
    signed = grantex.Grantex.signup(grantex.SignupParams(name=name, mode="live"), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


def _grant(c: grantex.Grantex, principal: str) -> Any:
    agent = c.agents.register(name="provisioned", scopes=["calendar:read"])
    auth = c.authorize(agent_id=agent.id, user_id=principal, scopes=["calendar:read"])
    code = auth.code or c.consent.approve(auth.request_id).code
    return c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))


def test_tokens_users_and_revocation(server: Dict[str, Any]) -> None:
    with _fresh(server) as dev:
        created = dev.scim.create_token("okta")
        assert isinstance(created, ScimTokenWithSecret)
        assert created.label == "okta" and len(created.token) >= 32 and created.id
        listed = dev.scim.list_tokens()
        assert isinstance(listed, ListScimTokensResponse)
        assert [t.id for t in listed.tokens] == [created.id]
        assert isinstance(listed.tokens[0], ScimToken) and not hasattr(listed.tokens[0], "token")

        with grantex.Grantex(created.token, base_url=server["baseUrl"]) as idp:
            user = idp.scim.create_user(
                CreateScimUserParams(
                    user_name="Alice@Example.com",
                    display_name="Alice",
                    external_id="okta-1",
                    emails=[ScimEmail(value="alice@example.com", primary=True)],
                )
            )
            assert isinstance(user, ScimUser)
            assert (user.user_name, user.display_name, user.external_id, user.active) == (
                "Alice@Example.com",
                "Alice",
                "okta-1",
                True,
            )
            assert user.emails[0].value == "alice@example.com" and user.emails[0].primary is True
            assert user.meta.resource_type == "User" and user.meta.created and user.meta.last_modified
            assert idp.scim.get_user(user.id) == user

            # A dict for an e-mail (the reference SDK's `emails: list[dict]`) works too.
            bob = idp.scim.create_user(
                CreateScimUserParams(user_name="bob@example.com", emails=[{"value": "bob@example.com"}])  # type: ignore[list-item]
            )
            page = idp.scim.list_users(start_index=1, count=1)
            assert isinstance(page, ScimListResponse)
            assert (page.total_results, page.start_index, page.items_per_page) == (2, 1, 1)
            assert [u.id for u in page.resources] == [user.id]
            assert [u.id for u in idp.scim.list_users(start_index=2).resources] == [bob.id]

            # userName is unique (case-insensitive): a SCIM 409 surfaces as an API error.
            with pytest.raises(GrantexApiError) as e:
                idp.scim.create_user(CreateScimUserParams(user_name="alice@example.com"))
            assert e.value.status_code == 409

            replaced = idp.scim.replace_user(bob.id, CreateScimUserParams(user_name="bob@example.com", display_name="Bob"))
            assert replaced.display_name == "Bob" and replaced.emails == ()
            patched = idp.scim.update_user(bob.id, [{"op": "replace", "path": "displayName", "value": "Robert"}])
            assert patched.display_name == "Robert"

            idp.scim.delete_user(bob.id)
            with pytest.raises(GrantexApiError) as e:
                idp.scim.get_user(bob.id)
            assert e.value.status_code == 404

            # The developer's API key is not a SCIM token, and a SCIM token is not an API key.
            with pytest.raises(GrantexAuthError):
                dev.scim.list_users()
            with pytest.raises(GrantexAuthError):
                idp.agents.list()

            dev.scim.revoke_token(created.id)
            with pytest.raises(GrantexAuthError):
                idp.scim.get_user(user.id)
        assert dev.scim.list_tokens().tokens == ()
        with pytest.raises(GrantexApiError) as e:
            dev.scim.revoke_token(created.id)
        assert e.value.status_code == 404


def test_deprovisioning_revokes_the_principals_grants_at_once(server: Dict[str, Any]) -> None:
    with _fresh(server, "deprovision") as dev:
        secret = dev.scim.create_token("azure").token
        with grantex.Grantex(secret, base_url=server["baseUrl"]) as idp:
            carol = idp.scim.create_user(CreateScimUserParams(user_name="carol@example.com"))
            dave = idp.scim.create_user(CreateScimUserParams(user_name="dave@example.com"))
            carol_token = _grant(dev, carol.id).grant_token
            dave_token = _grant(dev, dave.id).grant_token
            assert dev.tokens.verify(carol_token).valid and dev.tokens.verify(dave_token).valid

            off = idp.scim.update_user(carol.id, [{"op": "replace", "path": "active", "value": False}])
            assert off.active is False
            assert not dev.tokens.verify(carol_token).valid, "deactivation revokes in the same request"
            with pytest.raises(GrantexApiError) as e:
                _grant(dev, carol.id)
            assert (e.value.status_code, e.value.code) == (403, "PRINCIPAL_DEPROVISIONED")
            assert dev.tokens.verify(dave_token).valid, "another principal keeps its grants"

            idp.scim.delete_user(dave.id)
            assert not dev.tokens.verify(dave_token).valid, "deletion revokes in the same request"


def test_async_client_speaks_scim(server: Dict[str, Any]) -> None:
    async def run() -> None:
        key = grantex.Grantex.signup(grantex.SignupParams(name="scim-async", mode="live"), base_url=server["baseUrl"]).api_key
        async with AsyncGrantex(key, base_url=server["baseUrl"]) as dev:
            created = await dev.scim.create_token("async")
            async with AsyncGrantex(created.token, base_url=server["baseUrl"]) as idp:
                user = await idp.scim.create_user(CreateScimUserParams(user_name="erin@example.com"))
                assert (await idp.scim.get_user(user.id)).user_name == "erin@example.com"
                page = await idp.scim.list_users()
                assert [u.id for u in page.resources] == [user.id]
                user = await idp.scim.update_user(user.id, [{"op": "replace", "value": {"active": False}}])
                assert user.active is False
                await idp.scim.delete_user(user.id)
            await dev.scim.revoke_token(created.id)
            assert (await dev.scim.list_tokens()).tokens == ()

    asyncio.run(run())
