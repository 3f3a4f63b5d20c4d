# Shared shell helpers: start/stop a throwaway grantex-server and export its URL and keys.
# Usage: source scripts/lib/server.sh; start_server [extra flags...]; ...; stop_server

GRANTEX_ROOT="${GRANTEX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# Prints the path of the server binary, building it (debug) if needed.
server_bin() {
  if [ -n "${GRANTEX_SERVER_BIN:-}" ]; then echo "$GRANTEX_SERVER_BIN"; return; fi
  local bin="$GRANTEX_ROOT/target/debug/grantex-server"
  if [ -x "$bin" ]; then
    (cd "$GRANTEX_ROOT" && cargo build -q -p grantex-server >&2) || return 1 # only what changed: seconds
  else
    # A first build: let cargo show its progress instead of minutes of silence.
    echo "building grantex-server (cargo build -p grantex-server; the first time takes about 4 min on 2 cores)" >&2
    (cd "$GRANTEX_ROOT" && cargo build -p grantex-server >&2) || return 1
  fi
  echo "$bin"
}

# Starts a server on a free loopback port with a fresh data dir; exports GRANTEX_BASE_URL,
# GRANTEX_API_KEY, GRANTEX_SANDBOX_API_KEY, GRANTEX_JWKS_URI, GRANTEX_DATA_DIR, GRANTEX_SERVER_PID.
start_server() {
  local bin; bin="$(server_bin)" || return 1
  GRANTEX_DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/grantex-demo.XXXXXX")"
  "$bin" --listen 127.0.0.1:0 --data-dir "$GRANTEX_DATA_DIR" "$@" >"$GRANTEX_DATA_DIR/server.log" 2>&1 &
  GRANTEX_SERVER_PID=$!
  local i
  for i in $(seq 1 300); do
    [ -s "$GRANTEX_DATA_DIR/server.json" ] && break
    if ! kill -0 "$GRANTEX_SERVER_PID" 2>/dev/null; then
      echo "grantex-server exited during start-up:" >&2; cat "$GRANTEX_DATA_DIR/server.log" >&2; return 1
    fi
    sleep 0.1
  done
  [ -s "$GRANTEX_DATA_DIR/server.json" ] || { echo "grantex-server did not start" >&2; return 1; }
  eval "$(python3 - "$GRANTEX_DATA_DIR/server.json" <<'PY'
import json, shlex, sys
info = json.load(open(sys.argv[1]))
for env, key in [("GRANTEX_BASE_URL", "baseUrl"), ("GRANTEX_API_KEY", "apiKey"),
                 ("GRANTEX_SANDBOX_API_KEY", "sandboxApiKey"), ("GRANTEX_JWKS_URI", "jwksUri")]:
    print(f"export {env}={shlex.quote(str(info[key]))}")
PY
)"
  export GRANTEX_DATA_DIR GRANTEX_SERVER_PID
}

stop_server() {
  if [ -n "${GRANTEX_SERVER_PID:-}" ] && kill -0 "$GRANTEX_SERVER_PID" 2>/dev/null; then
    kill -TERM "$GRANTEX_SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GRANTEX_SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GRANTEX_SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "${GRANTEX_DATA_DIR:-}" ] && [ -d "$GRANTEX_DATA_DIR" ]; then rm -rf "$GRANTEX_DATA_DIR"; fi
  GRANTEX_SERVER_PID=""
}
