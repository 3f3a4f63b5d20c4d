"""Runtime discipline: fork, threads (GIL released), no leaks, Ctrl-C during a retry wait."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest

import grantex
from grantex import JwksCache, VerifyGrantTokenOptions

from conftest import VECTORS, issue_token


@pytest.fixture(scope="module")
def vector_token() -> Tuple[str, VerifyGrantTokenOptions]:
    data = json.loads((VECTORS / "token-vectors.json").read_text())
    case = next(c for c in data["cases"] if c["name"] == "valid_legacy_realistic")
    jwks = JwksCache.from_json(json.dumps(data["jwks"]))
    return case["token"], VerifyGrantTokenOptions(jwks=jwks, issuer=data["issuer"], now=data["now"])


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def test_fork_child_verifies_and_calls_server(client: grantex.Grantex) -> None:
    agent, token = issue_token(client)
    opts = VerifyGrantTokenOptions(jwks_uri=client.jwks_uri)
    assert grantex.verify_grant_token(token.grant_token, opts).grant_id == token.grant_id  # warm parent runtime

    def child() -> bool:  # must not hang on the parent's runtime threads
        grant = grantex.verify_grant_token(token.grant_token, opts)
        fetched = client.agents.get(agent.id)
        return grant.grant_id == token.grant_id and fetched.id == agent.id

    _in_child(child)
    assert client.agents.get(agent.id).id == agent.id  # parent still fine


def _in_child(body: Callable[[], bool], timeout: float = 30) -> None:
    """Run ``body`` in a forked child; it must return True (exit 0) within ``timeout``."""
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            ok = body()
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "child failed"
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("forked child hung")


def test_fork_child_fetches_jwks(client: grantex.Grantex) -> None:
    """A key set the parent never cached is fetched in the child (the core's JWKS client is
    rebuilt after fork())."""
    client.agents.list()  # parent runtime and JWKS client in use before the fork
    grantex.JwksCache.remote(client.jwks_uri).refresh()
    agent, token = issue_token(client)

    def child() -> bool:
        fresh = grantex.JwksCache.remote(client.jwks_uri)
        fresh.refresh()
        opts = VerifyGrantTokenOptions(jwks=fresh)
        return grantex.verify_grant_token(token.grant_token, opts).grant_id == token.grant_id

    _in_child(child)


def test_verify_releases_the_gil(vector_token: Tuple[str, VerifyGrantTokenOptions]) -> None:
    """Other Python threads run while a thread verifies. With the switch interval raised far
    above the test's length, the interpreter never takes the GIL from the verifying thread, so
    the main thread can only advance its counter while a native call has released it: no
    timing, no dependence on how busy the machine is."""
    token, opts = vector_token
    n = 3000
    seen: list = []
    done = threading.Event()
    counter = [0]

    def work() -> None:
        try:
            for _ in range(n):
                assert grantex.verify_grant_token(token, opts).principal_id
                seen.append(counter[0])
        finally:
            done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        while not done.is_set():
            counter[0] += 1
            time.sleep(0)  # lets the worker take the GIL between our increments
        worker.join()
    finally:
        sys.setswitchinterval(old)
    assert len(seen) == n
    moves = sum(1 for a, b in zip(seen, seen[1:]) if b != a)
    assert moves > 0, "no Python code ran while verify_grant_token was running: is the GIL released?"


def test_no_leak_verify_100k(vector_token: Tuple[str, VerifyGrantTokenOptions]) -> None:
    token, opts = vector_token
    bad = token[:-6] + "AAAAAA"
    for i in range(20000):  # warm up allocator arenas and caches
        grantex.verify_grant_token(token, opts)
    before = _rss_kib()
    for i in range(100000):
        if i % 10 == 0:
            try:
                grantex.verify_grant_token(bad, opts)
            except grantex.GrantexTokenError:
                pass
        else:
            grantex.verify_grant_token(token, opts)
    growth = _rss_kib() - before
    assert growth < 8 * 1024, f"RSS grew {growth} KiB over 100k verifications"


def test_no_leak_client_calls_10k(client: grantex.Grantex) -> None:
    agent, _ = issue_token(client)
    for _ in range(1000):
        client.agents.get(agent.id)
    before = _rss_kib()
    for i in range(10000):
        if i % 20 == 0:
            with pytest.raises(grantex.GrantexApiError):
                client.grants.get("grnt_missing")
        else:
            client.agents.get(agent.id)
    growth = _rss_kib() - before
    assert growth < 8 * 1024, f"RSS grew {growth} KiB over 10k client calls"


class _Busy(BaseHTTPRequestHandler):
    """Always 503 with a long Retry-After, so the client sits in its back-off."""

    hits = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        type(self).hits.set()
        body = b'{"message":"busy","code":"UNAVAILABLE"}'
        self.send_response(503)
        self.send_header("Retry-After", "60")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_ctrl_c_interrupts_retry_wait() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    script = textwrap.dedent(
        f"""
        import sys, time, grantex
        import signal
        # A runner that started the tests as a background job leaves SIGINT ignored, and Python
        # then installs no Ctrl-C handler: put the default one back.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        c = grantex.Grantex("k", base_url="http://127.0.0.1:{port}", max_retries=5)
        start = time.monotonic()
        try:
            c.agents.list()
        except KeyboardInterrupt:
            print(f"interrupted after {{time.monotonic() - start:.2f}}s", flush=True)
            sys.exit(42)
        sys.exit(3)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _Busy.hits.wait(20), "the client never reached the server"
        time.sleep(0.5)  # now inside the 60 s Retry-After back-off
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
        httpd.shutdown()
    assert proc.returncode == 42, (out, err)
    assert b"interrupted" in out
    assert elapsed < 2.0, f"KeyboardInterrupt took {elapsed:.2f}s"
