#!/usr/bin/env bash
# The MCP example end to end against a Grantex server: starts examples/mcp/server.py (an MCP
# server guarded by Grantex) on a free port, runs examples/mcp/client.py against it (401 →
# metadata → registration → consent → token → tool call) and checks the answer.
#
# Needs GRANTEX_BASE_URL and GRANTEX_API_KEY (scripts/demo sets them) and a Python with the
# grantex package; PYTHON names it (default: target/demo-venv/bin/python). Installs mcp==2.3.0
# into that environment if it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-target/demo-venv/bin/python}"
: "${GRANTEX_BASE_URL:?set GRANTEX_BASE_URL}" "${GRANTEX_API_KEY:?set GRANTEX_API_KEY}"

if ! "$PY" -c 'import mcp' 2>/dev/null; then
  echo "--- installing mcp==2.3.0 (the MCP Python SDK)"
  "$PY" -m pip install --quiet --disable-pip-version-check mcp==2.3.0
fi
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
LOG="$(mktemp "${TMPDIR:-/tmp}/grantex-mcp.XXXXXX")"
"$PY" examples/mcp/server.py "$PORT" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  grep -q "MCP server at" "$LOG" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$LOG"; echo "run.sh: the MCP server exited" >&2; exit 1; }
  sleep 0.1
done
grep "MCP server at" "$LOG"
OUT="$("$PY" examples/mcp/client.py "http://127.0.0.1:$PORT/mcp")"
echo "$OUT"
[ "$OUT" = "add(2, 40) = 42" ] || { echo "run.sh: unexpected answer" >&2; exit 1; }
echo "--- the MCP client found Grantex by itself, registered, got consent and called the tool"
