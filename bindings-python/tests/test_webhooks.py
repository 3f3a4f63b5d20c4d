"""Webhooks against a real grantex-server (issue 15 item 2): the ``webhooks`` namespace with the
reference SDK's names, and real deliveries to an HTTP receiver started here, which checks each
one with this SDK's ``verify_webhook`` (and the legacy ``verify_webhook_signature``)."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    ExchangeTokenParams,
    GrantexApiError,
    ListDeliveriesParams,
    ListWebhooksResponse,
    WebhookEndpointWithSecret,
    verify_webhook,
    verify_webhook_signature,
)


class _Receiver:
    """A real HTTP receiver on loopback; fails the first ``fail_next`` deliveries with 503."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail_next = 0
        self.received: List[Tuple[str, str, Dict[str, Any]]] = []
        self.refused = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        self.send_response(503)
                        self.end_headers()
                        return
                    ok = verify_webhook(
                        body,
                        self.headers.get("X-Grantex-Signature-V2", ""),
                        self.headers.get("X-Grantex-Timestamp", ""),
                        receiver.secret,
                    ) and verify_webhook_signature(body, self.headers.get("X-Grantex-Signature", ""), receiver.secret)
                    event = json.loads(body)
                    if ok and event["id"] == self.headers.get("X-Grantex-Event-Id"):
                        receiver.received.append((event["id"], event["type"], event))
                        self.send_response(204)
                    else:
                        receiver.refused += 1
                        self.send_response(401)
                    self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def types(self) -> List[str]:
        with self.lock:
            return sorted(t for _, t, _ in self.received)

    def wait_for(self, n: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while len(self.types()) < n:
            assert time.monotonic() < deadline, f"received only {self.types()}"
            time.sleep(0.05)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.close()


def _settled(c: grantex.Grantex, webhook_id: str) -> Any:
    """The delivery log once no delivery is pending (an attempt is recorded after the receiver
    answers, so the log can trail what the receiver saw)."""
    deadline = time.monotonic() + 20
    while True:
        log = c.webhooks.deliveries(webhook_id)
        if all(d.status != "pending" for d in log.deliveries) or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


def _fresh(server: Dict[str, Any], mode: str = "sandbox") -> grantex.Grantex:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="webhooks", mode=mode), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


def test_signed_deliveries_retries_and_the_log(server: Dict[str, Any], receiver: _Receiver) -> None:
    with _fresh(server) as c:
        w = c.webhooks.create(url=receiver.url, events=["agent.created", "grant.created", "token.issued", "grant.revoked"])
        assert isinstance(w, WebhookEndpointWithSecret) and w.secret.startswith("whsec_")
        receiver.secret = w.secret
        receiver.fail_next = 2  # the first event arrives at its third attempt
        agent = c.agents.register(name="hooked", scopes=["calendar:read"])
        auth = c.authorize(agent_id=agent.id, user_id="alice", scopes=["calendar:read"])
        tok = c.tokens.exchange(ExchangeTokenParams(code=auth.code or "", agent_id=agent.id))
        c.grants.revoke(tok.grant_id)
        receiver.wait_for(4)
        assert receiver.types() == ["agent.created", "grant.created", "grant.revoked", "token.issued"]
        assert receiver.refused == 0
        created = next(e for _, t, e in receiver.received if t == "grant.created")
        assert created["data"]["grantId"] == tok.grant_id and created["data"]["principalId"] == "alice"

        listed = c.webhooks.list()
        assert isinstance(listed, ListWebhooksResponse)
        assert [x.id for x in listed.webhooks] == [w.id]
        assert not hasattr(listed.webhooks[0], "secret")
        log = _settled(c, w.id)
        assert log.total == 4 and all(d.status == "delivered" for d in log.deliveries)
        assert sum(d.attempts for d in log.deliveries) >= 6, "two failed attempts were retried"
        assert c.webhooks.deliveries(w.id, ListDeliveriesParams(status="pending")).total == 0

        with pytest.raises(GrantexApiError) as e:
            c.webhooks.create(url=receiver.url, events=["grant.exploded"])
        assert e.value.status_code == 422
        c.webhooks.delete(w.id)
        with pytest.raises(GrantexApiError) as e:
            c.webhooks.delete(w.id)
        assert e.value.status_code == 404


def test_async_namespace(server: Dict[str, Any], receiver: _Receiver) -> None:
    async def main() -> None:
        signed = await AsyncGrantex.signup(grantex.SignupParams(name="async hooks", mode="sandbox"), base_url=server["baseUrl"])
        async with AsyncGrantex(signed.api_key, base_url=server["baseUrl"]) as c:
            w = await c.webhooks.create(url=receiver.url, events=["agent.created", "agent.deleted"])
            receiver.secret = w.secret
            a = await c.agents.register(name="async-hooked", scopes=["read"])
            await c.agents.delete(a.id)
            for _ in range(600):
                if len(receiver.types()) >= 2:
                    break
                await asyncio.sleep(0.05)
            assert receiver.types() == ["agent.created", "agent.deleted"]
            log = await c.webhooks.deliveries(w.id, ListDeliveriesParams(page_size=1))
            assert (log.total, len(log.deliveries), log.page_size) == (2, 1, 1)
            await c.webhooks.delete(w.id)

    asyncio.run(main())
