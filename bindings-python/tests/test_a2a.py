"""The A2A bridge end to end: the real grantex-server, the example Python agent (served in
process, and as a subprocess), the client, the guard and the ASGI middleware."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import grantex
from grantex import ExchangeTokenParams, GrantexConfigError, GrantexNetworkError, GrantexTokenError
from grantex.a2a import (
    A2AAgentCard,
    A2AAuthError,
    A2ACardError,
    A2AClient,
    A2AConfigError,
    A2AError,
    A2AGuard,
    A2AHttpError,
    A2AMessage,
    A2ANetworkError,
    A2APolicy,
    A2APreflightError,
    A2ARpcError,
    AsyncA2AClient,
    GrantexA2AMiddleware,
    GrantexAgentCardOptions,
    RevocationOnline,
    TaskGetParams,
    TaskSendParams,
    build_grantex_agent_card,
    create_a2a_auth_middleware,
    A2AAuthMiddlewareOptions,
    peek_request,
)

from conftest import REPO, VECTORS, closed_port

EXAMPLE = REPO / "examples" / "a2a"
sys.path.insert(0, str(EXAMPLE))
import python_agent  # noqa: E402  (examples/a2a/python_agent.py)
from asgi_http import Server  # noqa: E402


# ─── Helpers ───────────────────────────────────────────────────────────────────


def register(c: grantex.Grantex, name: str) -> grantex.Agent:
    return c.agents.register(name=name, scopes=["tasks:send", "tasks:read"])


def grant(
    c: grantex.Grantex,
    agent: grantex.Agent,
    scopes: List[str],
    audience: Optional[str] = None,
    expires_in: Optional[str] = None,
    principal: str = "alice",
) -> grantex.ExchangeTokenResponse:
    auth = c.authorize(
        agent_id=agent.id, user_id=principal, scopes=scopes, audience=audience, expires_in=expires_in
    )
    code = auth.code or c.consent.approve(auth.request_id).code
    return c.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))


def policy(server: Dict[str, Any], **kwargs: Any) -> A2APolicy:
    return A2APolicy(jwks_uri=server["jwksUri"], **kwargs)


def online(server: Dict[str, Any], ttl: float = 0.0) -> RevocationOnline:
    return RevocationOnline(server["baseUrl"], server["apiKey"], ttl)


class RunningAgent:
    """The example agent served by the example's stdlib server on its own event loop thread."""

    def __init__(self, agent: python_agent.EchoAgent) -> None:
        self.agent = agent
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = Server(agent.asgi)
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        agent.publish(self.url)

    @property
    def stats(self) -> python_agent.Stats:
        return self.agent.stats

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def agent_b_for(guard: A2AGuard) -> Iterator[RunningAgent]:
    running = RunningAgent(python_agent.EchoAgent(guard, "agent B"))
    try:
        yield running
    finally:
        running.stop()


def agent_b(p: A2APolicy) -> Any:
    return agent_b_for(A2AGuard(p))


def raw(
    url: str, authorization: Optional[str], method: str = "tasks/send", rid: Any = 41
) -> Tuple[int, Dict[str, Any], Optional[str]]:
    """One JSON-RPC POST without the client's checks: (status, body, WWW-Authenticate)."""
    body = {
        "jsonrpc": "2.0",
        "id": rid,
        "method": method,
        "params": {"message": {"role": "user", "parts": [{"type": "text", "text": "raw"}]}},
    }
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if authorization is not None:
        req.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), resp.headers.get("WWW-Authenticate")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), e.headers.get("WWW-Authenticate")


def assert_refused(b: RunningAgent, token: str, status: int, code: int, reason: str) -> None:
    s, body, _ = raw(b.url, f"Bearer {token}")
    assert (s, body["error"]["code"], body["error"]["data"]["reason"]) == (status, code, reason), body
    assert body["id"] == 41 and body["jsonrpc"] == "2.0"


def forge(token: str) -> str:
    """One signature character changed: still well-formed, no longer the issuer's signature."""
    i = len(token) - 20
    return token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1 :]


def hello(text: str, **kw: Any) -> TaskSendParams:
    return TaskSendParams(message=A2AMessage.user_text(text), **kw)


# ─── A calls B ─────────────────────────────────────────────────────────────────


def test_agent_a_with_a_grant_calls_agent_b(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A")
    token = grant(client, a, ["tasks:send", "tasks:read"])
    with agent_b(policy(server, required_scopes=["tasks:send"], revocation=online(server))) as b:
        card = A2AAgentCard.from_json(urllib.request.urlopen(b.url + "/.well-known/agent.json").read().decode())
        assert card.url == b.url and card.required_scopes == ("tasks:send",)
        assert card.grantex_config is not None and card.grantex_config.issuer == server["issuer"]

        ca = A2AClient(b.url + "/", token.grant_token)
        assert ca.agent_url == b.url
        assert ca.preflight().grant_id == token.grant_id
        assert ca.card() == card

        task = ca.send_task("hello B")
        assert task.status.state == "completed"
        assert task.artifacts is not None and task.artifacts[0].name == "echo"
        assert task.artifacts[0].parts[0].text == "hello B"
        assert task.metadata is not None
        assert task.metadata["grantex"]["agentDid"] == a.did
        assert task.metadata["grantex"]["delegationDepth"] == 0

        again = ca.send_task(hello("second", id=task.id))
        assert again.id == task.id and again.history is not None and len(again.history) == 4
        seen = ca.get_task(TaskGetParams(id=task.id, history_length=1))
        assert seen.history is not None and [m.role for m in seen.history] == ["agent"]

        working = ca.send_task(hello("later", metadata={"defer": True}))
        assert working.status.state == "working"
        assert ca.cancel_task(working.id).status.state == "canceled"
        with pytest.raises(A2ARpcError) as finished:
            ca.cancel_task(working.id)
        assert (finished.value.status, finished.value.rpc_code) == (200, -32011)
        with pytest.raises(A2ARpcError) as missing:
            ca.get_task("no-such-task")
        assert missing.value.rpc_code == -32010 and missing.value.code == "a2a_rpc_error"
        with pytest.raises(A2ARpcError) as unknown:
            ca.call("tasks/sendSubscribe", {"message": {"role": "user", "parts": []}})
        assert unknown.value.rpc_code == -32601

        assert b.stats.card_requests == 2  # our look + the client's one fetch
        assert b.stats.rejected == 0 and b.stats.accepted == 8


def test_async_client_and_guard(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-async")
    token = grant(client, a, ["tasks:send"])
    with agent_b(policy(server, required_scopes=["tasks:send"])) as b:

        async def run() -> None:
            ca = AsyncA2AClient(b.url, token.grant_token)
            assert (await ca.preflight()).agent_did == a.did
            assert (await ca.card()).name == "agent B"
            tasks = await asyncio.gather(*(ca.send_task(f"n{i}") for i in range(5)))
            assert sorted(t.artifacts[0].parts[0].text for t in tasks if t.artifacts) == [
                f"n{i}" for i in range(5)
            ]
            assert (await ca.get_task(tasks[0].id)).id == tasks[0].id
            deferred = await ca.send_task(hello("x", metadata={"defer": True}))
            assert (await ca.cancel_task(deferred.id)).status.state == "canceled"
            with pytest.raises(A2APreflightError):
                await AsyncA2AClient(b.url, forge(token.grant_token)).send_task("forged")

            guard = A2AGuard(policy(server, required_scopes=["tasks:send"]))
            assert (await guard.acheck(f"Bearer {token.grant_token}", "tasks/send")).grant_id == token.grant_id
            with pytest.raises(A2AAuthError) as refused:
                await guard.acheck(None, "tasks/send")
            assert refused.value.reason == "missing_token"

        asyncio.run(run())
        assert b.stats.rejected == 0


def test_python_client_calls_the_rust_agent(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    binary = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug" / "grantex-a2a-agent"
    if not binary.exists():
        pytest.fail(f"grantex-a2a-agent not built at {binary} (cargo build -p grantex-a2a-agent)")
    a = register(client, "A-to-rust")
    token = grant(client, a, ["tasks:send"])
    reader = grant(client, a, ["tasks:read"])
    proc = subprocess.Popen(
        [str(binary), "--jwks-uri", server["jwksUri"], "--required-scope", "tasks:send"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        task = A2AClient(url, token.grant_token).send_task("to rust")
        assert task.artifacts is not None and task.artifacts[0].parts[0].text == "to rust"
        with pytest.raises(A2APreflightError) as pre:
            A2AClient(url, reader.grant_token).send_task("under-scoped")
        assert pre.value.reason == "missing_scopes"
        s, body, _ = raw(url, f"Bearer {reader.grant_token}")
        assert (s, body["error"]["data"]["reason"]) == (403, "missing_scopes")
    finally:
        proc.terminate()
        proc.wait(10)


# ─── B's refusals ──────────────────────────────────────────────────────────────


def test_b_refuses_missing_wrong_audience_underscoped_and_forged_tokens(
    client: grantex.Grantex, server: Dict[str, Any]
) -> None:
    a = register(client, "A-refusals")
    with agent_b(policy(server, audience="agent-b", required_scopes=["tasks:send"])) as b:
        s, body, www = raw(b.url, None)
        assert (s, body["error"]["code"], body["error"]["data"]["reason"]) == (401, -32001, "missing_token")
        assert body["id"] == 41 and www == 'Bearer realm="grantex"'
        s, body, www = raw(b.url, "Basic YTpi", rid="str-id")
        assert (s, body["error"]["data"]["reason"], body["id"]) == (401, "invalid_authorization_header", "str-id")
        assert www is not None and 'error="invalid_token"' in www

        good = grant(client, a, ["tasks:send"], audience="agent-b")
        s, body, _ = raw(b.url, f"Bearer {good.grant_token}")
        assert s == 200 and body["result"]["status"]["state"] == "completed"

        other_aud = grant(client, a, ["tasks:send"], audience="agent-x")
        assert_refused(b, other_aud.grant_token, 401, -32001, "wrong_audience")
        no_aud = grant(client, a, ["tasks:send"])
        assert_refused(b, no_aud.grant_token, 401, -32001, "wrong_audience")

        reader = grant(client, a, ["tasks:read"], audience="agent-b")
        assert_refused(b, reader.grant_token, 403, -32003, "missing_scopes")
        _, _, www = raw(b.url, f"Bearer {reader.grant_token}")
        assert www is not None and "insufficient_scope" in www

        assert_refused(b, forge(good.grant_token), 401, -32001, "bad_signature")
        assert_refused(b, "not-a-jwt", 401, -32001, "malformed")
        assert (b.stats.rpc_requests, b.stats.accepted, b.stats.rejected) == (9, 1, 8)


def test_expired_tokens_are_refused_by_b_and_never_sent_by_the_client(
    client: grantex.Grantex, server: Dict[str, Any]
) -> None:
    a = register(client, "A-expiry")
    short = grant(client, a, ["tasks:send"], expires_in="3s")  # slack for a loaded machine
    with agent_b(policy(server, required_scopes=["tasks:send"])) as b:
        ca = A2AClient(b.url, short.grant_token)
        assert ca.send_task("while valid").status.state == "completed"
        time.sleep(4.1)
        assert_refused(b, short.grant_token, 401, -32001, "expired")
        before = b.stats.rpc_requests
        with pytest.raises(A2APreflightError) as pre:
            ca.send_task("too late")
        assert (pre.value.code, pre.value.reason, pre.value.status) == ("a2a_preflight", "expired", None)
        assert isinstance(pre.value.__cause__, GrantexTokenError) and pre.value.__cause__.code == "expired"
        assert b.stats.rpc_requests == before, "the client sent an expired token"


def test_static_jwks_guard_refuses_a_token_signed_for_it_once_expired() -> None:
    vectors = json.loads((VECTORS / "token-vectors.json").read_text())
    cases = {c["name"]: c for c in vectors["cases"]}
    guard = A2AGuard(A2APolicy(jwks_json=json.dumps(vectors["jwks"]), issuer=vectors["issuer"]))
    assert guard.auth_scheme() is None  # a card must point callers at a JWKS URI
    with agent_b_for(guard) as b:
        token = cases["valid_legacy_realistic"]["token"]
        # Signed by the static key set, valid at the corpus' `now`, long expired by the clock.
        assert_refused(b, token, 401, -32001, "expired")
        assert_refused(b, cases["alg_none"]["token"], 401, -32001, "unsupported_alg")
        assert b.stats.accepted == 0


def test_online_b_refuses_revoked_tokens(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-revoked")
    token = grant(client, a, ["tasks:send"])
    with agent_b(policy(server, revocation=online(server))) as b, agent_b(policy(server)) as offline:
        ca = A2AClient(b.url, token.grant_token)
        ca.send_task("before")
        client.grants.revoke(token.grant_id)
        for _ in range(2):
            with pytest.raises(A2ARpcError) as revoked:
                ca.send_task("after")
            e = revoked.value
            assert (e.code, e.status, e.reason, e.rpc_code) == ("a2a_rpc_error", 401, "revoked", -32001)
        assert_refused(b, token.grant_token, 401, -32001, "revoked")
        # Offline B cannot see the revocation: that is what online mode is for.
        assert A2AClient(offline.url, token.grant_token).send_task("offline").status.state == "completed"


def test_delegated_sub_agent_c_calls_b_and_is_cut_off_with_its_parent(
    client: grantex.Grantex, server: Dict[str, Any]
) -> None:
    a = register(client, "A-parent")
    sub = register(client, "C-sub")
    deeper = register(client, "D-subsub")
    root = grant(client, a, ["tasks:send", "tasks:read"])
    child = client.grants.delegate(parent_grant_token=root.grant_token, sub_agent_id=sub.id, scopes=["tasks:send"])
    grandchild = client.grants.delegate(
        parent_grant_token=child.grant_token, sub_agent_id=deeper.id, scopes=["tasks:send"]
    )
    p = policy(
        server,
        required_scopes=["tasks:send"],
        allow_delegation=True,
        max_delegation_depth=1,
        revocation=online(server),
    )
    with agent_b(p) as b, agent_b(policy(server, required_scopes=["tasks:send"])) as closed:
        assert b.agent.card is not None and b.agent.card.grantex_config is not None
        assert b.agent.card.grantex_config.delegation_allowed is True

        as_c = A2AClient(b.url, child.grant_token)
        task = as_c.send_task("from C")
        who = task.metadata["grantex"] if task.metadata else {}
        assert (who["agentDid"], who["parentAgentDid"], who["delegationDepth"]) == (sub.did, a.did, 1)
        # C acts for the same principal as A, so A sees the task C created.
        assert A2AClient(b.url, root.grant_token).get_task(task.id).id == task.id

        assert_refused(b, grandchild.grant_token, 403, -32003, "delegation_too_deep")
        assert_refused(closed, child.grant_token, 403, -32003, "delegation_not_allowed")
        # The closed agent's card says so, and the client refuses before sending.
        before = closed.stats.rpc_requests
        with pytest.raises(A2APreflightError) as pre:
            A2AClient(closed.url, child.grant_token).send_task("refused up front")
        assert pre.value.reason == "delegation_too_deep" and closed.stats.rpc_requests == before

        client.grants.revoke(root.grant_id)
        with pytest.raises(A2ARpcError) as cut:
            as_c.send_task("after revoke")
        assert (cut.value.status, cut.value.reason) == (401, "revoked")


def test_the_client_never_sends_a_token_b_would_refuse(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-preflight")
    reader = grant(client, a, ["tasks:read"])
    good = grant(client, a, ["tasks:send"])
    with agent_b(policy(server, required_scopes=["tasks:send"])) as b:
        for token, reason in [
            (reader.grant_token, "missing_scopes"),
            (forge(good.grant_token), "bad_signature"),
            ("not-a-jwt", "malformed"),
        ]:
            with pytest.raises(A2APreflightError) as pre:
                A2AClient(b.url, token).send_task("x")
            assert pre.value.reason == reason
        # Scopes asked by the caller on top of the card's are checked too.
        with pytest.raises(A2APreflightError) as extra:
            A2AClient(b.url, good.grant_token, required_scopes=["tasks:admin"]).send_task("x")
        assert extra.value.reason == "missing_scopes"
        with pytest.raises(A2APreflightError) as aud:
            A2AClient(b.url, good.grant_token, audience="agent-b").preflight()
        assert aud.value.reason == "wrong_audience"
        assert b.stats.rpc_requests == 0, "a refused token reached agent B"
        assert A2AClient(b.url, good.grant_token).send_task("ok").status.state == "completed"
        assert b.stats.rpc_requests == 1


# ─── Guard, errors, cards ──────────────────────────────────────────────────────


def test_guard_check_and_auth_error(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-guard")
    token = grant(client, a, ["tasks:send"])
    guard = A2AGuard(
        policy(server, required_scopes=["tasks:send"], method_scopes={"tasks/get": ["tasks:read"]})
    )
    assert guard.issuer == server["issuer"]
    scheme = guard.auth_scheme()
    assert scheme is not None and scheme["grantexConfig"]["requiredScopes"] == ["tasks:send"]
    assert guard.check(f"bearer {token.grant_token}", "tasks/send").grant_id == token.grant_id
    assert guard.check(f"Bearer {token.grant_token}").scopes == ("tasks:send",)
    # The tenant pin: only the pinned developer's grants pass.
    developer = guard.check(f"Bearer {token.grant_token}").developer_id
    pinned = A2AGuard(policy(server, expected_developer_id=developer))
    assert pinned.check(f"Bearer {token.grant_token}").grant_id == token.grant_id
    with pytest.raises(A2AAuthError) as foreign:
        A2AGuard(policy(server, expected_developer_id="dev_someone_else")).check(f"Bearer {token.grant_token}")
    assert (foreign.value.status_code, foreign.value.reason) == (401, "wrong_issuer")

    with pytest.raises(A2AAuthError) as refused:
        guard.check(f"Bearer {token.grant_token}", "tasks/get")
    e = refused.value
    assert (e.status_code, e.reason, e.rpc_code) == (403, "missing_scopes", -32003)
    assert e.www_authenticate is not None and "insufficient_scope" in e.www_authenticate
    assert e.body(7) == {"jsonrpc": "2.0", "id": 7, "error": e.rpc_error}
    assert e.rpc_error["data"] == {"reason": "missing_scopes"} and e.rpc_error["message"] == str(e)
    copy = pickle.loads(pickle.dumps(e))
    assert (copy.status_code, copy.reason, copy.rpc_error, str(copy)) == (403, "missing_scopes", e.rpc_error, str(e))

    for header in ["Bearer", "Bearer  two", "Bearer a b", "Token abc"]:
        with pytest.raises(A2AAuthError) as bad:
            guard.check(header)
        assert bad.value.reason == "invalid_authorization_header"

    # Hand-built, as in the reference package: the JSON-RPC code still comes from the core.
    mine = A2AAuthError(503, "down", reason="verifier_unavailable")
    assert mine.body(None)["error"] == {"code": -32005, "message": "down", "data": {"reason": "verifier_unavailable"}}

    check = create_a2a_auth_middleware(A2AAuthMiddlewareOptions(jwks_uri=server["jwksUri"], required_scopes=["tasks:send"]))
    assert check({"Authorization": f"Bearer {token.grant_token}"}).grant_id == token.grant_id
    with pytest.raises(A2AAuthError) as none:
        check({})
    assert none.value.status_code == 401


def test_guard_fails_closed_with_503(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-503")
    token = grant(client, a, ["tasks:send"])
    nowhere = f"http://127.0.0.1:{closed_port()}"
    no_jwks = A2AGuard(A2APolicy(jwks_uri=f"{nowhere}/.well-known/jwks.json", issuer=server["issuer"]))
    with pytest.raises(A2AAuthError) as jwks:
        no_jwks.check(f"Bearer {token.grant_token}")
    assert (jwks.value.status_code, jwks.value.reason, jwks.value.rpc_code) == (503, "jwks_fetch", -32005)
    assert jwks.value.www_authenticate is None

    no_revocation = A2AGuard(policy(server, revocation=RevocationOnline(nowhere, server["apiKey"], 0)))
    with pytest.raises(A2AAuthError) as rev:
        no_revocation.check(f"Bearer {token.grant_token}")
    assert (rev.value.status_code, rev.value.reason) == (503, "revocation_unavailable")


@pytest.mark.parametrize(
    "p, fragment",
    [
        (A2APolicy(), "a key set is required: give a JWKS URI or a JWKS document"),
        (A2APolicy(jwks_uri="http://x/.well-known/jwks.json", jwks_json="{}"), "not both"),
        (A2APolicy(jwks_json=json.dumps(json.loads((VECTORS / "token-vectors.json").read_text())["jwks"])), "issuer"),
        (A2APolicy(jwks_uri="ftp://x/jwks.json"), "http"),
        (A2APolicy(jwks_uri="http://x/j", revocation=RevocationOnline("http://x", "k", 301)), "5 minutes"),
        (A2APolicy(jwks_uri="http://x/j", revocation=RevocationOnline("http://x", "k", -1)), "cache_ttl"),
        (A2APolicy(jwks_uri="http://x/j", revocation=RevocationOnline("http://x", " ", 0)), "API key"),
        (A2APolicy(jwks_uri="http://x/j", revocation=RevocationOnline("nope", "k", 0)), "URL"),
        (A2APolicy(jwks_uri="http://x/j", revocation=RevocationOnline("ftp://x", "k", 0)), "http(s) URL"),
    ],
)
def test_guard_configuration_errors(p: A2APolicy, fragment: str) -> None:
    with pytest.raises(A2AConfigError) as bad:
        A2AGuard(p)
    assert isinstance(bad.value, ValueError) and fragment in str(bad.value)
    assert bad.value.code == "config_error"
    assert isinstance(bad.value.__cause__, GrantexConfigError)


def test_guard_rejects_wrong_attribute_types() -> None:
    with pytest.raises(TypeError):
        A2AGuard(A2APolicy(jwks_uri="http://x/j", required_scopes="tasks:send"))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        A2AGuard("not a policy")  # type: ignore[arg-type]
    # A key set without a usable key is refused when the guard is built, not on first use.
    with pytest.raises(A2AError) as empty:
        A2AGuard(A2APolicy(jwks_json='{"keys":[]}', issuer="https://issuer.example"))
    assert empty.value.reason == "invalid_jwks" and empty.value.code == "token_invalid"


def test_peek_request() -> None:
    assert peek_request(b'{"jsonrpc":"2.0","id":"a","method":"tasks/get"}') == ("a", "tasks/get")
    assert peek_request(b'{"id":3.5,"method":7}') == (3.5, None)
    assert peek_request(b'{"id":{"x":1},"method":"m"}') == (None, "m")
    for junk in [b"", b"not json", b"[1,2]", b"\xff\xfe", b'"str"']:
        assert peek_request(junk) == (None, None)


def test_client_errors(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-errors")
    token = grant(client, a, ["tasks:send"])
    for url in ["not a url", "ftp://host/x", ""]:
        with pytest.raises(A2AConfigError):
            A2AClient(url, token.grant_token)
    with pytest.raises(A2AConfigError):
        A2AClient("http://127.0.0.1:1", "  ")
    with pytest.raises(A2AConfigError):
        A2AClient("http://127.0.0.1:1", token.grant_token, jwks_uri="http://x/j", jwks_json="{}")
    with pytest.raises(TypeError):
        A2AClient("http://127.0.0.1:1", token.grant_token, required_scopes="tasks:send")

    unreachable = A2AClient(f"http://127.0.0.1:{closed_port()}", token.grant_token, timeout=5)
    with pytest.raises(A2ANetworkError) as net:
        unreachable.send_task("x")
    assert net.value.code == "network_error" and isinstance(net.value.__cause__, GrantexNetworkError)
    assert isinstance(net.value.__cause__.__cause__, OSError)

    # The Grantex server is no A2A agent: no card there ...
    with pytest.raises(A2ACardError) as no_card:
        A2AClient(server["baseUrl"], token.grant_token).send_task("x")
    assert no_card.value.code == "a2a_card_error" and "404" in str(no_card.value)
    # ... and with a card given, its POST / answers a non-JSON-RPC 404.
    card = build_grantex_agent_card(
        name="fake", description="", url=server["baseUrl"], jwks_uri=server["jwksUri"], issuer=server["issuer"]
    )
    with pytest.raises(A2AHttpError) as http:
        A2AClient(server["baseUrl"], token.grant_token, card=card).send_task("x")
    assert (http.value.code, http.value.status) == ("a2a_http_error", 404)
    # A card naming another issuer than the one the caller pins is refused.
    with pytest.raises(A2ACardError):
        A2AClient(server["baseUrl"], token.grant_token, card=card, issuer="https://other.example").preflight()
    with pytest.raises(A2AConfigError):
        A2AClient(server["baseUrl"], token.grant_token, card=card).call("", {})
    assert isinstance(A2APreflightError("m", "a2a_preflight"), A2AError)


def test_card_helpers(server: Dict[str, Any]) -> None:
    opts = GrantexAgentCardOptions(
        name="calendar",
        description="books meetings",
        url="https://agent.example/a2a",
        jwks_uri=server["jwksUri"],
        issuer=server["issuer"],
        required_scopes=["calendar:write"],
        delegation_allowed=False,
        version="1.2.3",
        provider={"organization": "Example"},
        capabilities={"streaming": False},
        skills=[{"id": "book", "name": "Book", "tags": ["calendar"]}],
    )
    card = build_grantex_agent_card(opts)
    data = json.loads(card.to_json())
    scheme = data["authentication"]["schemes"][0]
    assert scheme == {
        "scheme": "bearer",
        "grantexConfig": {
            "jwksUri": server["jwksUri"],
            "issuer": server["issuer"],
            "requiredScopes": ["calendar:write"],
            "delegationAllowed": False,
        },
    }
    assert data["defaultInputModes"] == ["text/plain"] and data["provider"] == {"organization": "Example"}
    assert card.skills == ({"id": "book", "name": "Book", "tags": ["calendar"]},)
    assert card.required_scopes == ("calendar:write",) and card.version == "1.2.3"
    assert A2AAgentCard.from_json(card.to_json()) == card == A2AAgentCard.from_dict(card.to_dict())

    plain = build_grantex_agent_card(name="p", description="", url="http://127.0.0.1:9/")
    assert plain.grantex_config is None and plain.authentication is None and plain.required_scopes == ()
    # A plain A2A card lists scheme names; it parses, with no Grantex settings.
    named = A2AAgentCard.from_dict({"name": "n", "url": "http://h/", "authentication": {"schemes": ["bearer"]}})
    assert named.grantex_config is None

    guard = A2AGuard(policy(server, required_scopes=["a:b"], allow_delegation=True))
    derived = build_grantex_agent_card(name="g", description="d", url="http://127.0.0.1:9", guard=guard)
    assert derived.grantex_config is not None
    assert derived.grantex_config.required_scopes == ("a:b",) and derived.grantex_config.delegation_allowed is True

    for bad in [
        dict(name="", description="", url="http://h"),
        dict(name="x", description="", url="file:///etc"),
        dict(name="x", description="", url="http://h", jwks_uri=server["jwksUri"]),
        dict(name="x", description="", url="http://h", required_scopes=["s"]),
    ]:
        with pytest.raises(A2AConfigError):
            build_grantex_agent_card(**bad)
    with pytest.raises(TypeError):
        build_grantex_agent_card(opts, name="both")
    for text in ["", "[]", '{"name": 1}', '{"name":"x","url":"u","authentication":{"schemes":[{"scheme":"bearer","grantexConfig":{"jwksUri":"","issuer":""}}]}}', "x" * (1024 * 1024 + 1)]:
        with pytest.raises(A2ACardError):
            A2AAgentCard.from_json(text)


# ─── The ASGI middleware on its own ────────────────────────────────────────────


class Recorder:
    """A raw ASGI app that records what reached it and answers 200."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Dict[str, Any], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        if scope["type"] == "http":
            while True:
                m = await receive()
                body += m.get("body", b"")
                if not m.get("more_body"):
                    break
        self.calls.append((scope, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def drive(
    app: Any, method: str, headers: List[Tuple[bytes, bytes]], chunks: List[bytes], path: str = "/", **scope_extra: Any
) -> Tuple[int, Dict[bytes, bytes], bytes]:
    scope: Dict[str, Any] = {"type": "http", "method": method, "path": path, "headers": headers, **scope_extra}
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    if not sent:
        return 0, {}, b""
    return sent[0]["status"], dict(sent[0].get("headers", [])), b"".join(m.get("body", b"") for m in sent[1:])


def test_middleware_guards_posts_and_passes_the_grant(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-asgi")
    token = grant(client, a, ["tasks:send"])
    inner = Recorder()
    mw = GrantexA2AMiddleware(inner, A2AGuard(policy(server, required_scopes=["tasks:send"])), max_body_bytes=1000)
    auth = [(b"authorization", f"Bearer {token.grant_token}".encode())]
    body = b'{"jsonrpc":"2.0","id":5,"method":"tasks/send","params":{}}'

    # Accepted: body replayed (sent in two chunks), grant in scope["state"], scope not mutated.
    status, _, _ = drive(mw, "POST", auth, [body[:10], body[10:]], state={"kept": 1})
    assert status == 200 and len(inner.calls) == 1
    scope, seen = inner.calls[0]
    assert seen == body
    assert scope["state"]["kept"] == 1 and scope["state"]["grantex_grant"].grant_id == token.grant_id

    # Refused: answered by the middleware with the JSON-RPC error for the request's id.
    status, headers, out = drive(mw, "POST", [], [body])
    assert status == 401 and headers[b"www-authenticate"] == b'Bearer realm="grantex"'
    assert json.loads(out)["id"] == 5 and json.loads(out)["error"]["data"]["reason"] == "missing_token"
    status, _, out = drive(mw, "POST", auth + auth, [body])
    assert status == 401 and json.loads(out)["error"]["data"]["reason"] == "invalid_authorization_header"
    status, _, out = drive(mw, "POST", [], [b"not json"])
    assert status == 401 and json.loads(out)["id"] is None
    status, headers, out = drive(mw, "POST", auth, [b"x" * 600, b"y" * 600])
    assert status == 413 and json.loads(out)["error"]["code"] == -32600
    assert drive(mw, "POST", auth, []) == (0, {}, b"")  # client went away before sending a body
    assert len(inner.calls) == 1

    # GET (the card), lifespan and unguarded paths pass through untouched.
    assert drive(mw, "GET", [], [b""], path="/.well-known/agent.json")[0] == 200
    only_root = GrantexA2AMiddleware(inner, mw.guard, paths=["/"])
    assert drive(only_root, "POST", [], [body], path="/other")[0] == 200
    assert drive(only_root, "POST", [], [body], path="/")[0] == 401
    with pytest.raises(ValueError):
        GrantexA2AMiddleware(inner, mw.guard, max_body_bytes=0)


# ─── The example agent as a program ────────────────────────────────────────────


def test_python_agent_script_serves_and_calls(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    a = register(client, "A-script")
    token = grant(client, a, ["tasks:send"])
    reader = grant(client, a, ["tasks:read"])
    env = dict(os.environ, GRANTEX_BASE_URL=server["baseUrl"], GRANTEX_API_KEY=server["apiKey"])
    script = str(EXAMPLE / "python_agent.py")
    proc = subprocess.Popen(
        [sys.executable, script, "--port", "0", "--allow-delegation", "--max-depth", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url

        def call(tok: str, text: str) -> Tuple[int, Dict[str, Any]]:
            out = subprocess.run(
                [sys.executable, script, "--call", url, "--token", tok, "--text", text],
                capture_output=True, text=True, timeout=60, env=env,
            )
            return out.returncode, json.loads(out.stdout)

        rc, task = call(token.grant_token, "hi from a process")
        assert rc == 0 and task["artifacts"][0]["parts"][0]["text"] == "hi from a process"
        rc, err = call(reader.grant_token, "under-scoped")
        assert rc == 1 and (err["error"]["code"], err["error"]["reason"]) == ("a2a_preflight", "missing_scopes")
        client.grants.revoke(token.grant_id)
        rc, err = call(token.grant_token, "revoked")
        assert rc == 1 and (err["error"]["status"], err["error"]["reason"]) == (401, "revoked")
        assert err["error"]["rpcError"]["code"] == -32001
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_python_agent_script_refuses_bad_configuration() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTEX_")}
    script = str(EXAMPLE / "python_agent.py")
    no_url = subprocess.run([sys.executable, script], capture_output=True, text=True, env=env, timeout=30)
    assert no_url.returncode != 0 and "GRANTEX_BASE_URL" in no_url.stderr
    no_key = subprocess.run(
        [sys.executable, script, "--grantex-url", "http://127.0.0.1:9"], capture_output=True, text=True, env=env, timeout=30
    )
    assert no_key.returncode != 0 and "GRANTEX_API_KEY" in no_key.stderr
    depth = subprocess.run([sys.executable, script, "--max-depth", "1"], capture_output=True, text=True, env=env, timeout=30)
    assert depth.returncode == 2 and "--allow-delegation" in depth.stderr


# ─── A real framework and server: Starlette under uvicorn ──────────────────────


def test_middleware_under_starlette_and_uvicorn(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    import socket

    # Test-only dependencies, installed by run-tests.sh.
    import starlette.applications as starlette_apps
    import uvicorn
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    a = register(client, "A-starlette")
    token = grant(client, a, ["tasks:send"])
    reader = grant(client, a, ["tasks:read"])
    guard = A2AGuard(policy(server, required_scopes=["tasks:send"], revocation=online(server)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = "http://127.0.0.1:%d" % sock.getsockname()[1]
    card = build_grantex_agent_card(name="starlette B", description="", url=url, guard=guard)

    async def rpc(request: Request) -> JSONResponse:
        body = await request.json()
        g = request.state.grantex_grant
        text = body["params"]["message"]["parts"][0]["text"]
        result = {
            "id": "t1",
            "status": {"state": "completed"},
            "artifacts": [{"parts": [{"type": "text", "text": text}]}],
            "metadata": {"principal": g.principal_id},
        }
        return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": result})

    async def agent_card(request: Request) -> JSONResponse:
        return JSONResponse(card.to_dict())

    app = starlette_apps.Starlette(
        routes=[Route("/", rpc, methods=["POST"]), Route("/.well-known/agent.json", agent_card)],
        middleware=[Middleware(GrantexA2AMiddleware, guard=guard)],
    )
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not srv.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert srv.started
        task = A2AClient(url, token.grant_token).send_task("via starlette")
        assert task.artifacts is not None and task.artifacts[0].parts[0].text == "via starlette"
        assert task.metadata == {"principal": "alice"}
        assert_refused_at(url, reader.grant_token, 403, "missing_scopes")
        client.grants.revoke(token.grant_id)
        with pytest.raises(A2ARpcError) as revoked:
            A2AClient(url, token.grant_token).send_task("revoked")
        assert (revoked.value.status, revoked.value.reason) == (401, "revoked")
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


def assert_refused_at(url: str, token: str, status: int, reason: str) -> None:
    s, body, _ = raw(url, f"Bearer {token}")
    assert (s, body["error"]["data"]["reason"], body["id"]) == (status, reason, 41), body


def test_blocking_client_call_stops_on_ctrl_c() -> None:
    """A call to an agent that never answers is interrupted by SIGINT at once (the GIL is
    released and the wait checks for signals), not after the 60 s timeout."""
    import socket
    import textwrap

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    url = "http://127.0.0.1:%d" % listener.getsockname()[1]
    hit = threading.Event()
    held: List[socket.socket] = []

    def accept() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        held.append(conn)
        conn.recv(65536)
        hit.set()  # request read; never answered

    threading.Thread(target=accept, daemon=True).start()
    script = textwrap.dedent(
        f"""
        import signal, sys, time
        # A runner that started the tests as a background job leaves SIGINT ignored, and Python
        # then installs no Ctrl-C handler: put the default one back.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from grantex.a2a import A2AClient
        c = A2AClient({url!r}, "a.b.c", timeout=60)
        start = time.monotonic()
        try:
            c.card()
        except KeyboardInterrupt:
            print(f"interrupted after {{time.monotonic() - start:.2f}}s", flush=True)
            sys.exit(42)
        sys.exit(3)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert hit.wait(20), "the client never reached the agent"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
        listener.close()
        for conn in held:
            conn.close()
    assert proc.returncode == 42, (out, err)
    assert elapsed < 2.0, f"KeyboardInterrupt took {elapsed:.2f}s"
