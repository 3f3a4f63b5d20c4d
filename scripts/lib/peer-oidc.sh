#!/usr/bin/env bash
# The OpenID provider the SSO tests run against (server/tests/sso_oidc.rs runs this itself, so a
# plain `cargo test` works): `npm install` of oidc-provider (pinned, with jose for the test-only
# tamper proxy) into <target dir>/peers/oidc. Idempotent and safe to run concurrently (flock);
# prints the node_modules directory on stdout.
# Usage: scripts/lib/peer-oidc.sh [target dir]   (default: $CARGO_TARGET_DIR or ./target)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:-${CARGO_TARGET_DIR:-$root/target}}"
dir="$target/peers/oidc"
pins="oidc-provider@9.13.3 jose@6.2.13"
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "peer-oidc: node and npm are needed (Node 20 or newer)" >&2
  exit 1
fi
if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$dir/node_modules" "$dir/package.json" "$dir/package-lock.json"
  echo '{"name":"grantex-test-peer-oidc","private":true,"type":"module"}' >"$dir/package.json"
  # shellcheck disable=SC2086
  (cd "$dir" && npm install --no-audit --no-fund --silent --save-exact $pins) >&2
  echo "$pins" >"$dir/.installed"
fi
echo "$dir/node_modules"
