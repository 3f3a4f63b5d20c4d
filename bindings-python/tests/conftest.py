"""Shared fixtures: one grantex-server per test session, clients for it, the vector files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

import grantex

REPO = Path(__file__).resolve().parents[2]
VECTORS = Path(os.environ.get("GRANTEX_VECTORS_DIR", REPO / "vectors"))

# The suite mints most tokens with a sandbox developer's key; a test suite is what the environment
# variable is for (tests of the refusal pass allow_sandbox=False explicitly).
os.environ.setdefault("GRANTEX_ALLOW_SANDBOX_TOKENS", "1")


def _server_bin() -> Path:
    override = os.environ.get("GRANTEX_SERVER_BIN")
    if override:
        return Path(override)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "grantex-server"


@pytest.fixture(scope="session")
def server() -> Iterator[Dict[str, Any]]:
    """Start grantex-server on a free port with a temp data dir; stop it and remove the dir at the end."""
    binary = _server_bin()
    if not binary.exists():
        pytest.fail(f"grantex-server not built at {binary} (cargo build -p grantex-server)")
    data_dir = tempfile.mkdtemp(prefix="grantex-py-")
    try:
        yield from _run_server(binary, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _run_server(binary: Path, data_dir: str) -> Iterator[Dict[str, Any]]:
    log = open(Path(data_dir) / "server.log", "wb")
    proc = subprocess.Popen(
        [
            str(binary),
            "--listen", "127.0.0.1:0",
            "--data-dir", data_dir,
            "--rate-limit", "100000",
            "--authorize-rate-limit", "100000",
            # A test server is a development server: webhook receivers live on loopback.
            "--allow-private-webhooks",
            # ... and its test identity provider (oidc-provider) is http on loopback.
            "--allow-insecure-sso-urls",
            "--webhook-retry-base-ms", "200",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    info_path = Path(data_dir) / "server.json"
    deadline = time.monotonic() + 30
    info: Dict[str, Any] = {}
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.flush()
                output = (Path(data_dir) / "server.log").read_text(errors="replace")
                pytest.fail(f"grantex-server exited with {proc.returncode}:\n{output}")
            try:
                info = json.loads(info_path.read_text())
                break
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.05)
        else:
            pytest.fail("grantex-server did not write server.json within 30 s")
        info["dataDir"] = data_dir
        yield info
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture()
def client(server: Dict[str, Any]) -> Iterator[grantex.Grantex]:
    with grantex.Grantex(server["apiKey"], base_url=server["baseUrl"]) as c:
        yield c


@pytest.fixture()
def sandbox(server: Dict[str, Any]) -> Iterator[grantex.Grantex]:
    with grantex.Grantex(server["sandboxApiKey"], base_url=server["baseUrl"]) as c:
        yield c


@pytest.fixture(scope="session")
def token_vectors() -> Dict[str, Any]:
    return json.loads((VECTORS / "token-vectors.json").read_text())


@pytest.fixture(scope="session")
def jwks_vectors() -> Dict[str, Any]:
    return json.loads((VECTORS / "jwks-vectors.json").read_text())


def closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def issue_token(c: grantex.Grantex, scopes: Any = ("calendar:read",)) -> Any:
    """Register an agent and run the live flow to a grant token."""
    agent = c.agents.register(name="test-agent", scopes=list(scopes), description="pytest")
    auth = c.authorize(agent_id=agent.id, user_id="user_test", scopes=list(scopes))
    code = auth.code or c.consent.approve(auth.request_id).code
    token = c.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id))
    return agent, token
