"""Budgets and usage against a real grantex-server (issue 16 items 2 and 4), sync and async,
with the reference SDK's names (``AllocateBudgetParams``, ``DebitBudgetParams``,
``BudgetAllocation``, ``BudgetTransactionsResponse``, ``UsageResponse``...): exact balances,
concurrent debits, idempotency keys, threshold webhooks, the ``bdg`` claim our verifier reads,
children bounded by their parents, usage counts."""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.server
import json
import threading
import time
from typing import Any, Dict, List

import pytest

import grantex
from grantex import (
    AllocateBudgetParams,
    AsyncGrantex,
    BudgetAllocation,
    BudgetTransactionsResponse,
    DebitBudgetParams,
    DebitBudgetResponse,
    ExchangeTokenParams,
    GrantexApiError,
    RefreshTokenParams,
    UsageHistoryResponse,
    UsageResponse,
    VerifyGrantTokenOptions,
    verify_grant_token,
)


def _fresh(server: Dict[str, Any]) -> grantex.Grantex:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="budgets", mode="live"), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


def _token(c: grantex.Grantex, scopes: List[str], user: str = "alice") -> Any:
    agent = c.agents.register(name="spender", scopes=scopes)
    auth = c.authorize(agent_id=agent.id, user_id=user, scopes=scopes)
    code = auth.code or c.consent.approve(auth.request_id).code
    return agent, c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))


def test_allocate_debit_balance_transactions(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        _, tok = _token(c, ["pay"])
        b = c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=100))
        assert isinstance(b, BudgetAllocation)
        assert (b.initial_budget, b.remaining_budget, b.currency) == ("100.0000", "100.0000", "USD")
        d1 = c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=0.1, description="coffee"))
        d2 = c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=0.2, metadata={"order": 7}))
        assert isinstance(d1, DebitBudgetResponse) and d2.remaining == "99.7000", "exact, not 99.69999"
        assert c.budgets.balance(tok.grant_id).remaining_budget == "99.7000"
        txs = c.budgets.transactions(tok.grant_id, 1, 1)  # positional, as the reference allows
        assert isinstance(txs, BudgetTransactionsResponse)
        assert txs.total == 2 and [t.id for t in txs.transactions] == [d2.transaction_id]
        assert txs.transactions[0].metadata == {"order": 7} and txs.transactions[0].amount == "0.2000"
        assert [a.grant_id for a in c.budgets.list_allocations().allocations] == [tok.grant_id]

        with pytest.raises(GrantexApiError) as e:
            c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=1000))
        assert (e.value.status_code, e.value.code) == (402, "INSUFFICIENT_BUDGET")
        with pytest.raises(GrantexApiError) as e:
            c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=5))
        assert (e.value.status_code, e.value.code) == (409, "CONFLICT")
        with pytest.raises(GrantexApiError) as e:
            c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=-1))
        assert e.value.status_code == 400
        with pytest.raises(GrantexApiError) as e:
            c.budgets.balance("grnt_nothing")
        assert e.value.status_code == 404


def test_fifty_concurrent_debits_against_thirty(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        _, tok = _token(c, ["pay"])
        c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=30))

        def spend(i: int) -> str:
            try:
                c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=1))
                return "ok"
            except GrantexApiError as e:
                return e.code or ""

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(spend, range(50)))
        assert outcomes.count("ok") == 30 and outcomes.count("INSUFFICIENT_BUDGET") == 20
        assert c.budgets.balance(tok.grant_id).remaining_budget == "0.0000"
        assert c.budgets.transactions(tok.grant_id).total == 30


def test_idempotency_key_debits_once(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        _, tok = _token(c, ["pay"])
        c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=10))
        p = DebitBudgetParams(grant_id=tok.grant_id, amount=4, idempotency_key="order-42")
        first = c.budgets.debit(p)
        assert c.budgets.debit(p) == first
        assert c.budgets.balance(tok.grant_id).remaining_budget == "6.0000"
        with pytest.raises(GrantexApiError) as e:
            c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=5, idempotency_key="order-42"))
        assert (e.value.status_code, e.value.code) == (409, "IDEMPOTENCY_KEY_REUSED")


def test_refreshed_token_carries_bdg_and_children_are_bounded(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        agent, tok = _token(c, ["pay", "read"])
        sub = c.agents.register(name="sub", scopes=["pay"])
        c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=10))
        c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=3))
        fresh = c.tokens.refresh(RefreshTokenParams(refresh_token=tok.refresh_token, agent_id=agent.id))
        v = verify_grant_token(fresh.grant_token, VerifyGrantTokenOptions(jwks_uri=c.jwks_uri))
        assert v.budget == 7.0
        child = c.grants.delegate(parent_grant_token=fresh.grant_token, sub_agent_id=sub.id, scopes=["pay"])
        assert verify_grant_token(child.grant_token, VerifyGrantTokenOptions(jwks_uri=c.jwks_uri)).budget == 7.0
        with pytest.raises(GrantexApiError) as e:
            c.budgets.allocate(AllocateBudgetParams(grant_id=child.grant_id, initial_budget=8))
        assert (e.value.status_code, e.value.code) == (422, "BUDGET_EXCEEDS_PARENT")
        c.budgets.allocate(AllocateBudgetParams(grant_id=child.grant_id, initial_budget=5))
        c.budgets.debit(DebitBudgetParams(grant_id=child.grant_id, amount=4))
        assert c.budgets.balance(tok.grant_id).remaining_budget == "3.0000", "the child spends the parent's budget"


class _Hook:
    def __init__(self) -> None:
        self.events: List[Dict[str, Any]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.events.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_threshold_events_once_each(server: Dict[str, Any]) -> None:
    hook = _Hook()
    try:
        with _fresh(server) as c:
            c.webhooks.create(url=hook.url, events=["budget.threshold", "budget.exhausted"])
            _, tok = _token(c, ["pay"])
            c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=10))
            for amount in (5, 1, 2.5, 1.5):
                c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=amount))
            deadline = time.monotonic() + 20
            while len(hook.events) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
            got = sorted((e["type"], e["data"]["pct"]) for e in hook.events)
            assert got == [("budget.exhausted", 100), ("budget.threshold", 50), ("budget.threshold", 80)]
    finally:
        hook.httpd.shutdown()
        hook.httpd.server_close()


def test_usage_counts(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        _, tok = _token(c, ["read"])
        for _ in range(2):
            c.tokens.verify(tok.grant_token)
        u = c.usage.current()
        assert isinstance(u, UsageResponse)
        assert (u.authorizations, u.token_exchanges, u.verifications, u.total_requests) == (1, 1, 2, 4)
        h = c.usage.history(7)  # positional, as the reference allows
        assert isinstance(h, UsageHistoryResponse) and h.days == 7
        assert [(e.date, e.total_requests) for e in h.entries] == [(u.period, 4)]


def test_async_budgets_and_usage(server: Dict[str, Any]) -> None:
    async def main() -> None:
        signed = await AsyncGrantex.signup(grantex.SignupParams(name="async budgets", mode="live"), base_url=server["baseUrl"])
        async with AsyncGrantex(signed.api_key, base_url=server["baseUrl"]) as c:
            agent = await c.agents.register(name="async-spender", scopes=["pay"])
            auth = await c.authorize(agent_id=agent.id, user_id="zoe", scopes=["pay"])
            code = auth.code or (await c.consent.approve(auth.request_id)).code
            tok = await c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))
            await c.budgets.allocate(AllocateBudgetParams(grant_id=tok.grant_id, initial_budget=10))

            async def spend() -> bool:
                try:
                    await c.budgets.debit(DebitBudgetParams(grant_id=tok.grant_id, amount=1))
                    return True
                except GrantexApiError as e:
                    assert e.code == "INSUFFICIENT_BUDGET"
                    return False

            results = await asyncio.gather(*(spend() for _ in range(20)))
            assert results.count(True) == 10
            assert (await c.budgets.balance(tok.grant_id)).remaining_budget == "0.0000"
            assert (await c.budgets.transactions(tok.grant_id, page_size=5)).total == 10
            u = await c.usage.current()
            assert (u.authorizations, u.token_exchanges) == (1, 1)
            assert (await c.usage.history(days=1)).entries[0].total_requests == u.total_requests

    asyncio.run(main())
