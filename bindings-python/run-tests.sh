#!/usr/bin/env bash
# Python SDK tests from a clean clone: build the server, build+install the package from source
# into a fresh venv, check the stubs (stubtest) and types (mypy --strict), run pytest.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"

echo "== building grantex-server and grantex-a2a-agent (the Rust A2A agent the Python client calls)"
(cd "$REPO" && cargo build -p grantex-server -p grantex-a2a-agent)
# The frameworks the integration tests load must not phone home (no model is ever called).
export CREWAI_DISABLE_TELEMETRY=true CREWAI_DISABLE_TRACKING=true OTEL_SDK_DISABLED=true \
  OPENAI_AGENTS_DISABLE_TRACING=1 DO_NOT_TRACK=1
export GRANTEX_SERVER_BIN="${GRANTEX_SERVER_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/debug/grantex-server}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== fresh venv, pip install ./bindings-python (maturin builds the extension, once: the wheel goes in both venvs)"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WORK/wheel" "$HERE"
WHEEL="$(ls "$WORK"/wheel/grantex-*.whl)"
# starlette + uvicorn are test-only: they prove GrantexA2AMiddleware under a real framework/server.
"$VPY" -m pip install --quiet --disable-pip-version-check "$WHEEL" pytest mypy starlette uvicorn

echo "== a second venv for the MCP tests: mcp 2.3.0 (the real MCP client and server library)"
# The integration packages below pin mcp 1.x; tests/test_mcp.py and examples/mcp need 2.x.
"$PYTHON" -m venv "$WORK/mcp-venv"
MPY="$WORK/mcp-venv/bin/python"
"$MPY" -m pip install --quiet --disable-pip-version-check "$WHEEL" pytest mypy mcp==2.3.0

echo "== the public integration packages from PyPI, unmodified, next to ours (tests/test_integrations.py)"
# Pinned to the versions the tests were written against; pip must keep our grantex (0.7.1xx
# satisfies their grantex>=0.7.1,<1) instead of fetching the reference one.
"$VPY" -m pip install --quiet --disable-pip-version-check grantex-fastapi==0.1.7 grantex-adk==0.1.8 fastapi httpx \
  grantex-openai-agents==0.1.8 openai-agents==0.20.0 grantex-crewai==0.1.9 crewai==1.15.30 \
  grantex-strands==0.2.2 strands-agents==0.2.1 langchain-core==1.8.3
"$VPY" -c 'import grantex; assert hasattr(grantex, "_native"), "pip replaced our grantex"'

echo "== the reference SDK (grantex 0.7.2 from PyPI) in a directory of its own, as a peer of our server"
# tests/test_reference_sdk_peer.py runs it in a subprocess with PYTHONPATH pointing here, so it
# never replaces our grantex in the venv.
"$VPY" -m pip install --quiet --disable-pip-version-check --target "$WORK/reference-sdk" grantex==0.7.2
export GRANTEX_REFERENCE_SDK_DIR="$WORK/reference-sdk"

echo "== stubtest (from outside the source tree, so the installed package is checked)"
(cd "$WORK" && "$VPY" -m mypy.stubtest grantex._native)
test -f "$("$VPY" -c 'import grantex, os; print(os.path.join(os.path.dirname(grantex.__file__), "py.typed"))')"
test -f "$("$VPY" -c 'import grantex, os; print(os.path.join(os.path.dirname(grantex.__file__), "_native.pyi"))')"

echo "== mypy --strict"
(cd "$HERE" && "$VPY" -m mypy --strict python/grantex "$REPO/examples/python/quickstart.py" "$REPO/examples/python/provisioning.py" \
  "$REPO/examples/a2a/python_agent.py" "$REPO/examples/a2a/asgi_http.py")
(cd "$HERE" && "$MPY" -m mypy --strict "$REPO/examples/mcp/server.py" "$REPO/examples/mcp/client.py" tests/test_mcp.py tests/test_mcp_guard.py)

echo "== pytest"
(cd "$HERE" && "$VPY" -m pytest -q -p no:cacheprovider --ignore=tests/test_mcp.py --ignore=tests/test_mcp_guard.py tests)
echo "== pytest: MCP end to end (the mcp 2.3.0 venv)"
(cd "$HERE" && "$MPY" -m pytest -q -p no:cacheprovider tests/test_mcp.py tests/test_mcp_guard.py)
