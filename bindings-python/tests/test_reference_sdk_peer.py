"""The reference Python SDK (``grantex`` 0.7.2 from PyPI, unmodified) as an independent peer of
our server: its ``RevocationFeed`` takes the snapshot (``GET /v1/revocations``) and follows the
live stream (``GET /v1/revocations/stream``, its default transport), and must see a revocation
made on our server within seconds and stay fresh on the heartbeats alone.

It runs in a subprocess whose ``PYTHONPATH`` points at the directory ``run-tests.sh`` installed it
into (``GRANTEX_REFERENCE_SDK_DIR``), so the two packages named ``grantex`` never meet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict

import grantex

from conftest import issue_token

PEER = r"""
import json, sys, time
import grantex
assert not hasattr(grantex, "_native"), "this is our grantex, not the reference one"
from grantex.revocations import RevocationFeed

base_url, api_key, transport = sys.argv[1:4]
feed = RevocationFeed(base_url, api_key, stale_after=3.0, transport=transport)
print(json.dumps({"ready": feed.ready(timeout=15), "version": grantex.__version__}), flush=True)
grant_id = sys.stdin.readline().strip()
deadline = time.monotonic() + 15
matched = None
while time.monotonic() < deadline:
    m = feed.match(grant_id=grant_id)
    if m is not None:
        matched = {"kind": str(getattr(m, "kind", "")), "id": getattr(m, "id", None)}
        break
    time.sleep(0.05)
print(json.dumps({"matched": matched, "fresh": feed.is_fresh()}), flush=True)
time.sleep(4.5)  # longer than stale_after: only heartbeats keep it fresh
state = feed.state()
print(json.dumps({"fresh_after_quiet": feed.is_fresh(), "unavailable": state.unavailable}), flush=True)
feed.stop()
"""


def _run_peer(client: grantex.Grantex, server: Dict[str, Any], transport: str) -> None:
    ref_dir = os.environ.get("GRANTEX_REFERENCE_SDK_DIR")
    assert ref_dir, "GRANTEX_REFERENCE_SDK_DIR is unset: run bindings-python/run-tests.sh, which installs grantex 0.7.2"
    _, tok = issue_token(client)
    env = dict(os.environ, PYTHONPATH=ref_dir)
    proc = subprocess.Popen(
        [sys.executable, "-c", PEER, server["baseUrl"], server["apiKey"], transport],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first == {"ready": True, "version": "0.7.2"}, first
        client.grants.revoke(tok.grant_id)
        proc.stdin.write(tok.grant_id + "\n")
        proc.stdin.flush()
        seen = json.loads(proc.stdout.readline())
        assert seen["matched"] is not None and seen["matched"]["id"] == tok.grant_id, seen
        assert seen["fresh"] is True, seen
        quiet = json.loads(proc.stdout.readline())
        assert quiet == {"fresh_after_quiet": True, "unavailable": None}, quiet
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_reference_feed_follows_our_revocation_stream(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    _run_peer(client, server, "stream")


def test_the_reference_feed_long_polls_our_feed(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    _run_peer(client, server, "poll")
