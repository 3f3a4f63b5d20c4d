"""The credential vault against a real grantex-server (issue 16 item 1), sync and async, with
the reference SDK's names (``StoreCredentialParams``, ``VaultCredential``,
``ListVaultCredentialsParams``, ``ExchangeCredentialParams``...): store, list and get without
the secret, the grant-token exchange (``exchange(grant_token, params)``, authenticated by the
token, not the API key), its refusals, delete."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    ExchangeCredentialParams,
    ExchangeCredentialResponse,
    ExchangeTokenParams,
    GrantexApiError,
    ListVaultCredentialsParams,
    StoreCredentialParams,
    StoreCredentialResponse,
    VaultCredential,
)


def _fresh(server: Dict[str, Any]) -> grantex.Grantex:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="vault", mode="live"), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


def _token(c: grantex.Grantex, scopes: list[str], user: str = "alice") -> Any:
    agent = c.agents.register(name="vaulted", scopes=scopes)
    auth = c.authorize(agent_id=agent.id, user_id=user, scopes=scopes)
    code = auth.code or c.consent.approve(auth.request_id).code
    return c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))


def test_store_list_get_exchange_delete(server: Dict[str, Any]) -> None:
    with _fresh(server) as c, _fresh(server) as other:
        stored = c.vault.store(
            StoreCredentialParams(
                principal_id="alice", service="github", access_token="gho_py_secret", metadata={"login": "alice"}
            )
        )
        assert isinstance(stored, StoreCredentialResponse) and stored.credential_type == "oauth2"
        listed = c.vault.list(ListVaultCredentialsParams(service="github"))
        assert [x.id for x in listed.credentials] == [stored.id]
        cred = c.vault.get(stored.id)
        assert isinstance(cred, VaultCredential) and cred.metadata == {"login": "alice"}
        assert not hasattr(cred, "access_token"), "metadata only"
        assert c.vault.list().credentials[0].id == stored.id

        tok = _token(c, ["vault:github:exchange", "vault:slack:exchange"])
        got = c.vault.exchange(tok.grant_token, ExchangeCredentialParams(service="github"))
        assert isinstance(got, ExchangeCredentialResponse)
        assert (got.access_token, got.service, got.metadata) == ("gho_py_secret", "github", {"login": "alice"})

        with pytest.raises(GrantexApiError) as e:
            c.vault.exchange(tok.grant_token, ExchangeCredentialParams(service="slack"))
        assert e.value.status_code == 404, "scoped, but nothing stored for slack"
        narrow = _token(c, ["read"], user="alice")
        with pytest.raises(GrantexApiError) as e:
            c.vault.exchange(narrow.grant_token, ExchangeCredentialParams(service="github"))
        assert e.value.status_code == 403
        c.grants.revoke(tok.grant_id)
        with pytest.raises(GrantexApiError) as e:
            c.vault.exchange(tok.grant_token, ExchangeCredentialParams(service="github"))
        assert e.value.status_code == 401
        with pytest.raises(GrantexApiError) as e:
            other.vault.get(stored.id)
        assert e.value.status_code == 404
        c.vault.delete(stored.id)
        assert c.vault.list().credentials == ()


def test_async_vault(server: Dict[str, Any]) -> None:
    async def main() -> None:
        signed = await AsyncGrantex.signup(grantex.SignupParams(name="async vault", mode="live"), base_url=server["baseUrl"])
        async with AsyncGrantex(signed.api_key, base_url=server["baseUrl"]) as c:
            await c.vault.store(StoreCredentialParams(principal_id="bob", service="linear", access_token="lin_async"))
            agent = await c.agents.register(name="async-vaulted", scopes=["vault:linear:exchange"])
            auth = await c.authorize(agent_id=agent.id, user_id="bob", scopes=["vault:linear:exchange"])
            code = auth.code or (await c.consent.approve(auth.request_id)).code
            tok = await c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))
            got = await c.vault.exchange(tok.grant_token, ExchangeCredentialParams(service="linear"))
            assert got.access_token == "lin_async"

    asyncio.run(main())
