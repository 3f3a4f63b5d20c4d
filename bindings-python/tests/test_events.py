"""The event stream against a real grantex-server (issue 16 item 3), sync and async, with the
reference SDK's names (``EventsClient``, ``GrantexStreamEvent``, ``StreamOptions``,
``Subscription``): events in order with their log positions, type filters, isolation between
developers, resuming after a position without loss or repetition, ``subscribe``, ``close`` from
another thread, refusals as typed errors."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    ExchangeTokenParams,
    GrantexApiError,
    GrantexStreamEvent,
    StreamOptions,
    Subscription,
)


def _fresh(server: Dict[str, Any]) -> grantex.Grantex:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="events", mode="live"), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


def _lifecycle(c: grantex.Grantex) -> Any:
    """agent.created, grant.created, token.issued."""
    agent = c.agents.register(name="streamed", scopes=["read"])
    auth = c.authorize(agent_id=agent.id, user_id="alice", scopes=["read"])
    code = auth.code or c.consent.approve(auth.request_id).code
    return c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))


def test_in_order_with_positions_resume_filters_and_isolation(server: Dict[str, Any]) -> None:
    with _fresh(server) as c, _fresh(server) as other:
        tok = _lifecycle(c)
        # From the start of the log: only this developer's events, in commit order.
        with c.events.stream(StreamOptions(last_event_id=0)) as s:
            got = [next(s) for _ in range(3)]
        assert all(isinstance(e, GrantexStreamEvent) for e in got)
        assert [e.type for e in got] == ["agent.created", "grant.created", "token.issued"]
        assert got[0].seq < got[1].seq < got[2].seq and got[1].id.startswith("evt_")
        assert got[1].data["grantId"] == tok.grant_id and got[1].created_at

        # Resume after the second: the third, then what happened since — nothing repeated.
        c.grants.revoke(tok.grant_id)
        with c.events.stream(StreamOptions(last_event_id=got[1].seq)) as s:
            again = [next(s) for _ in range(2)]
            assert s.last_event_id == again[1].seq
        assert [e.seq for e in again][0] == got[2].seq
        assert [e.type for e in again] == ["token.issued", "grant.revoked"]

        with c.events.stream(StreamOptions(types=["grant.created", "grant.revoked"], last_event_id=0)) as s:
            assert [next(s).type for _ in range(2)] == ["grant.created", "grant.revoked"]

        # The other developer's log has their own agent only.
        other.agents.register(name="theirs", scopes=["read"])
        with other.events.stream(StreamOptions(last_event_id=0)) as s:
            first = next(s)
        assert (first.type, first.data["name"]) == ("agent.created", "theirs")


def test_subscribe_then_unsubscribe(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        seen: List[GrantexStreamEvent] = []
        sub = c.events.subscribe(seen.append, StreamOptions(last_event_id=0))
        assert isinstance(sub, Subscription) and sub.active
        _lifecycle(c)
        deadline = time.monotonic() + 20
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e.type for e in seen] == ["agent.created", "grant.created", "token.issued"]
        sub.unsubscribe()
        assert not sub.active
        c.agents.register(name="after", scopes=["read"])
        time.sleep(0.5)
        assert len(seen) == 3, "no event after unsubscribe"


def test_close_from_another_thread_ends_a_waiting_iteration(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        s = c.events.stream()
        out: List[Any] = []
        t = threading.Thread(target=lambda: out.append(list(s)))
        t.start()
        time.sleep(0.3)
        s.close()
        t.join(timeout=10)
        assert not t.is_alive() and out == [[]] and s.closed


def test_refusals_are_typed_errors(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        with pytest.raises(GrantexApiError) as e:
            next(c.events.stream(StreamOptions(types=["grant.exploded"])))
        assert e.value.status_code == 400
        with pytest.raises(GrantexApiError) as e:
            next(c.events.stream(StreamOptions(last_event_id=10**15)))
        assert (e.value.status_code, e.value.code) == (410, "EVENT_CURSOR_INVALID")
        with pytest.raises(TypeError):
            c.events.stream(StreamOptions(types="grant.created"))


def test_async_stream(server: Dict[str, Any]) -> None:
    async def main() -> None:
        signed = await AsyncGrantex.signup(grantex.SignupParams(name="async events", mode="live"), base_url=server["baseUrl"])
        async with AsyncGrantex(signed.api_key, base_url=server["baseUrl"]) as c:
            await c.agents.register(name="async-streamed", scopes=["read"])
            await c.agents.register(name="async-streamed-2", scopes=["read"])
            names = []
            stream = c.events.stream(StreamOptions(types=["agent.created"], last_event_id=0))
            async for e in stream:
                names.append(e.data["name"])
                if len(names) == 2:
                    break
            await stream.aclose()
            assert names == ["async-streamed", "async-streamed-2"]
            assert stream.closed and stream.last_event_id is not None

    asyncio.run(main())
