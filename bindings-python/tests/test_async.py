"""AsyncGrantex and averify_grant_token from asyncio."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest

import grantex
from grantex import AsyncGrantex, ExchangeTokenParams, GrantexApiError, GrantexTokenError, VerifyGrantTokenOptions

from conftest import closed_port


def test_async_flow(server: Dict[str, Any]) -> None:
    async def flow() -> None:
        async with AsyncGrantex(server["apiKey"], base_url=server["baseUrl"]) as c:
            agent = await c.agents.register(name="async-bot", scopes=["files:read"])
            auth = await c.authorize(agent_id=agent.id, user_id="carol", scopes=["files:read"])
            approval = await c.consent.approve(auth.request_id)
            token = await c.tokens.exchange(ExchangeTokenParams(code=approval.code, agent_id=agent.id))
            opts = VerifyGrantTokenOptions(jwks_uri=c.jwks_uri)
            grant = await grantex.averify_grant_token(token.grant_token, opts)
            assert grant.principal_id == "carol" and grant.scopes == ("files:read",)
            # Several calls in flight at once on one event loop.
            got = await asyncio.gather(*(c.grants.get(token.grant_id) for _ in range(8)))
            assert {g.id for g in got} == {token.grant_id}
            sub = await c.agents.register(name="async-sub", scopes=["files:read"])
            d = await c.grants.delegate(parent_grant_token=token.grant_token, sub_agent_id=sub.id, scopes=["files:read"])
            assert d["grantId"] == d.grant_id
            await c.grants.revoke(token.grant_id)
            assert (await c.tokens.verify(token.grant_token)).valid is False
            with pytest.raises(GrantexTokenError) as info:
                await c.grants.verify(d.grant_token)
            assert info.value.code == "inactive"
            with pytest.raises(GrantexApiError) as missing:
                await c.agents.get("ag_missing")
            assert missing.value.status_code == 404
            assert c.last_rate_limit is not None
            signed = await AsyncGrantex.signup(grantex.SignupParams(name="a"), base_url=server["baseUrl"])
            assert signed.api_key

    asyncio.run(flow())


def test_async_network_error_and_verify_error() -> None:
    async def run() -> None:
        port = closed_port()
        c = AsyncGrantex("k", base_url=f"http://127.0.0.1:{port}", max_retries=0)
        with pytest.raises(grantex.GrantexNetworkError) as info:
            await c.agents.list()
        assert isinstance(info.value.__cause__, ConnectionRefusedError)
        await c.aclose()
        with pytest.raises(grantex.GrantexInvalidArgumentError):
            await c.agents.list()
        with pytest.raises(GrantexTokenError) as bad:
            await grantex.averify_grant_token("x.y", VerifyGrantTokenOptions(jwks_uri=f"http://127.0.0.1:{port}/jwks"))
        assert bad.value.code == "malformed"

    asyncio.run(run())


def test_event_loop_not_blocked(server: Dict[str, Any]) -> None:
    """While a call waits on the network the loop keeps running other tasks."""

    async def run() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(ticker())
        c = AsyncGrantex("k", base_url=f"http://127.0.0.1:{closed_port()}", max_retries=2)
        with pytest.raises(grantex.GrantexNetworkError):
            await c.agents.list()  # ~1.5 s of back-off
        task.cancel()
        return ticks

    assert asyncio.run(run()) > 20
