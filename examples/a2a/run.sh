#!/usr/bin/env bash
# Two agents talking through the Grantex A2A bridge, end to end, against a Grantex server:
#
#   1. registers agents A and C, gets A a grant (authorize → consent approve → exchange);
#   2. starts the Python agent (examples/a2a/python_agent.py) and the Node agent
#      (examples/a2a/node_agent.mjs), both checking revocation online;
#   3. the Node client (as A) calls the Python agent, the Python client (as A) calls the Node agent;
#   4. A delegates to sub-agent C, and C's calls to both agents succeed (delegation depth 1);
#   5. A's grant is revoked: both agents now refuse A and C with 401 `revoked`;
#   6. stops both agents.
#
# Run by scripts/demo after it started the server (GRANTEX_BASE_URL / GRANTEX_API_KEY set);
# run alone, it starts a throwaway server itself. It builds what it needs: @grantex/sdk into
# examples/a2a/node_modules (npm install of the package path, which builds the addon with
# cargo) and the grantex Python package into target/demo-venv. Without the Python agent it
# runs Node ↔ Node. Any unexpected outcome exits non-zero. Needs node, npm, cargo, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
HERE="$ROOT/examples/a2a"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

say() { printf '\n--- %s\n' "$*"; }
fail() { printf 'run.sh: FAILED: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/grantex-a2a.XXXXXX")"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${OWN_SERVER:-0}" = 1 ]; then stop_server; fi
  if declare -F stop_ticker >/dev/null; then stop_ticker; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${GRANTEX_BASE_URL:-}" ] || [ -z "${GRANTEX_API_KEY:-}" ]; then
  export GRANTEX_ROOT="$ROOT"
  source scripts/lib/server.sh
  say "no GRANTEX_BASE_URL/GRANTEX_API_KEY: starting a throwaway grantex-server"
  start_server
  OWN_SERVER=1
fi
GX="${GRANTEX_BASE_URL%/}"

# ─── Build ──────────────────────────────────────────────────────────────────────

# Progress for the two builds below: a live status line, the full output in target/demo-logs/.
export GRANTEX_ROOT="${GRANTEX_ROOT:-$ROOT}"
source scripts/lib/demo-progress.sh

say "installing @grantex/sdk into examples/a2a"
build_step a2a-node "@grantex/sdk into examples/a2a (npm install; its install script runs cargo, release)" \
  "seconds when the addon is built already (scripts/demo's Node part does it); about 3 min the first time" -- \
  bash -c 'cd "$1" && npm install --foreground-scripts' _ "$HERE" \
  || fail "npm install of @grantex/sdk failed"

PY=""
if [ -f "$HERE/python_agent.py" ] && [ -f bindings-python/pyproject.toml ]; then
  PY="$ROOT/target/demo-venv/bin/python"
  [ -x "$PY" ] || python3 -m venv target/demo-venv
  if ! "$PY" -c 'import grantex.a2a' 2>/dev/null; then
    say "building the grantex Python package into target/demo-venv"
    build_step a2a-python "the grantex Python package (pip → maturin → cargo, release)" "first time: about 3 min on 2 cores" -- \
      "$PY" -m pip install -v ./bindings-python \
      || fail "pip install ./bindings-python failed"
  fi
  "$PY" -c 'import grantex.a2a' || fail "the grantex Python package has no a2a module"
else
  say "examples/a2a/python_agent.py is not there: running Node ↔ Node"
fi

# ─── Helpers ────────────────────────────────────────────────────────────────────

# json FILE EXPR: evaluates the JS expression EXPR with `j` bound to the parsed file.
json() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = eval(process.argv[2]); process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));' "$1" "$2"; }

# api METHOD PATH [BODY]: a Grantex API call with the developer key; the body lands in $WORK/out.json.
api() {
  local status
  status=$(curl -sS -o "$WORK/out.json" -w '%{http_code}' -X "$1" \
    -H "Authorization: Bearer $GRANTEX_API_KEY" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$GX$2")
  case "$status" in 2??) ;; *) fail "$1 $2 answered HTTP $status: $(cat "$WORK/out.json")" ;; esac
}

register() {
  api POST /v1/agents "{\"name\":\"$1\",\"scopes\":[\"tasks:send\"]}"
  json "$WORK/out.json" 'j.agentId'
}

# start_agent NAME COMMAND...: starts an agent, waits for the URL on its first stdout line and
# leaves it in AGENT_URL (no command substitution: the agent must be this shell's child).
start_agent() {
  local name="$1"; shift
  "$@" --port 0 --allow-delegation --max-depth 1 >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  local pid=$! i
  for i in $(seq 1 200); do
    [ -s "$WORK/$name.out" ] && break
    kill -0 "$pid" 2>/dev/null || fail "$name exited during start-up: $(cat "$WORK/$name.err")"
    sleep 0.1
  done
  AGENT_URL=$(head -1 "$WORK/$name.out")
  case "$AGENT_URL" in http://*) ;; *) fail "$name printed no URL: $(cat "$WORK/$name.err")" ;; esac
}

NODE_CLIENT=(node "$HERE/node_agent.mjs")
if [ -n "$PY" ]; then
  PY_CLIENT=("$PY" "$HERE/python_agent.py"); PY_LABEL="Python client"
else
  PY_CLIENT=("${NODE_CLIENT[@]}"); PY_LABEL="Node client #2"
fi

# expect_task WHO CLIENT_ARRAY_NAME URL TOKEN TEXT DEPTH: the call succeeds with an echo of TEXT
# made under a grant of delegation depth DEPTH.
expect_task() {
  local who="$1" url="$3" token="$4" text="$5" depth="$6"
  local -n client="$2"
  local out="$WORK/call.json"
  "${client[@]}" --call "$url" --token "$token" --text "$text" >"$out" 2>"$WORK/call.err" \
    || fail "$who: the call was refused: $(cat "$out") $(cat "$WORK/call.err")"
  local state echoed got_depth agent
  state=$(json "$out" 'j.status.state')
  echoed=$(json "$out" 'j.artifacts[0].parts[0].text')
  got_depth=$(json "$out" 'j.metadata.grantex.delegationDepth')
  agent=$(json "$out" 'j.metadata.grantex.agentDid')
  [ "$state" = completed ] || fail "$who: task state $state"
  [ "$echoed" = "$text" ] || fail "$who: echoed \"$echoed\", sent \"$text\""
  [ "$got_depth" = "$depth" ] || fail "$who: delegation depth $got_depth, expected $depth"
  printf '  ok  %-34s task %s, echo "%s", caller %s, depth %s\n' "$who" "$state" "$echoed" "$agent" "$got_depth"
}

# expect_refused WHO CLIENT_ARRAY_NAME URL TOKEN STATUS REASON: the agent refuses the call.
expect_refused() {
  local who="$1" url="$3" token="$4" status="$5" reason="$6"
  local -n client="$2"
  local out="$WORK/call.json" rc=0
  "${client[@]}" --call "$url" --token "$token" --text "after revocation" >"$out" 2>"$WORK/call.err" || rc=$?
  [ "$rc" = 1 ] || fail "$who: expected a refusal (exit 1), got exit $rc: $(cat "$out") $(cat "$WORK/call.err")"
  local got_status got_reason rpc_code
  got_status=$(json "$out" 'j.error.status')
  got_reason=$(json "$out" 'j.error.reason')
  rpc_code=$(json "$out" 'j.error.rpcError ? j.error.rpcError.code : null')
  [ "$got_status" = "$status" ] && [ "$got_reason" = "$reason" ] \
    || fail "$who: expected HTTP $status $reason, got $(cat "$out")"
  printf '  ok  %-34s refused: HTTP %s, JSON-RPC %s, reason %s\n' "$who" "$got_status" "$rpc_code" "$got_reason"
}

# ─── 1. Agents and A's grant ────────────────────────────────────────────────────

say "registering agents A and C; A gets a grant for tasks:send (authorize → consent → exchange)"
A_ID=$(register a2a-demo-agent-a)
C_ID=$(register a2a-demo-agent-c)
api POST /v1/authorize "{\"agentId\":\"$A_ID\",\"principalId\":\"alice\",\"scopes\":[\"tasks:send\"]}"
REQ=$(json "$WORK/out.json" 'j.authRequestId')
CODE=$(json "$WORK/out.json" 'j.code || ""')
if [ -z "$CODE" ]; then
  api POST "/v1/consent/$REQ/approve"
  CODE=$(json "$WORK/out.json" 'j.code')
fi
api POST /v1/token "{\"code\":\"$CODE\",\"agentId\":\"$A_ID\"}"
TOKEN_A=$(json "$WORK/out.json" 'j.grantToken')
GRANT_A=$(json "$WORK/out.json" 'j.grantId')
echo "  agent A $A_ID holds grant $GRANT_A; agent C is $C_ID"

# ─── 2. The agents ──────────────────────────────────────────────────────────────

say "starting the agents (online revocation checks, one hop of delegation accepted)"
if [ -n "$PY" ]; then
  start_agent python-agent "$PY" "$HERE/python_agent.py" --name "Python agent"
  PY_URL="$AGENT_URL"
  echo "  Python agent: $PY_URL"
  OTHER_NAME="Python agent"
else
  start_agent node-agent-2 node "$HERE/node_agent.mjs" --name "second Node agent"
  PY_URL="$AGENT_URL"
  echo "  second Node agent (standing in for Python): $PY_URL"
  OTHER_NAME="Node agent #2"
fi
start_agent node-agent node "$HERE/node_agent.mjs" --name "Node agent"
NODE_URL="$AGENT_URL"
echo "  Node agent:   $NODE_URL"
curl -sS "$NODE_URL/.well-known/agent.json" >"$WORK/card.json"
echo "  Node agent card scheme: $(json "$WORK/card.json" 'j.authentication.schemes[0]')"

# ─── 3. A calls across languages ────────────────────────────────────────────────

say "agent A calls across languages"
expect_task "Node client (A) → $OTHER_NAME" NODE_CLIENT "$PY_URL" "$TOKEN_A" "hello from Node" 0
expect_task "$PY_LABEL (A) → Node agent" PY_CLIENT "$NODE_URL" "$TOKEN_A" "hello from Python" 0

# ─── 4. Delegation to C ─────────────────────────────────────────────────────────

say "agent A delegates tasks:send to sub-agent C; C calls both agents"
api POST /v1/grants/delegate "{\"parentGrantToken\":\"$TOKEN_A\",\"subAgentId\":\"$C_ID\",\"scopes\":[\"tasks:send\"]}"
TOKEN_C=$(json "$WORK/out.json" 'j.grantToken')
expect_task "Node client (C) → $OTHER_NAME" NODE_CLIENT "$PY_URL" "$TOKEN_C" "C via Node" 1
expect_task "$PY_LABEL (C) → Node agent" PY_CLIENT "$NODE_URL" "$TOKEN_C" "C via Python" 1

# ─── 5. Revocation ──────────────────────────────────────────────────────────────

say "revoking A's grant $GRANT_A (cascades to C): both agents now refuse"
api DELETE "/v1/grants/$GRANT_A"
expect_refused "Node client (A) → $OTHER_NAME" NODE_CLIENT "$PY_URL" "$TOKEN_A" 401 revoked
expect_refused "$PY_LABEL (A) → Node agent" PY_CLIENT "$NODE_URL" "$TOKEN_A" 401 revoked
expect_refused "Node client (C) → $OTHER_NAME" NODE_CLIENT "$PY_URL" "$TOKEN_C" 401 revoked
expect_refused "$PY_LABEL (C) → Node agent" PY_CLIENT "$NODE_URL" "$TOKEN_C" 401 revoked

# ─── 6. Stop ────────────────────────────────────────────────────────────────────

say "stopping both agents"
for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
for pid in "${PIDS[@]}"; do
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "an agent exited with status $rc on SIGTERM"
done
PIDS=()
echo "  both agents stopped cleanly"
say "A2A demo finished: every outcome as expected"
