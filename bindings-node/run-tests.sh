#!/usr/bin/env bash
# Node SDK tests from a clean clone: build the server, install the package's dependencies with a
# clean `npm ci`, build the addon from source (napi build, which regenerates native.d.ts and
# must match the committed file), install the package into examples/node the way a user does
# (`npm install` of the path: a symlink without devDependencies, so the cargo fallback builds),
# link it into examples/a2a too (the A2A tests serve the example Node agent in-process), then run
# the node:test suite (flow, errors, vectors, ESM/CJS, workers, exit, RSS, tsc, quickstart, A2A).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

echo "== node $(node --version), npm $(npm --version)"
node -e 'const [maj] = process.versions.node.split(".").map(Number); if (maj < 18) { console.error(`Node >= 18 required, found ${process.version}`); process.exit(1); }'

echo "== building grantex-server"
(cd "$REPO" && cargo build -p grantex-server)
export GRANTEX_SERVER_BIN="${GRANTEX_SERVER_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/debug/grantex-server}"

echo "== npm ci (clean node_modules) and napi build"
cd "$HERE"
rm -rf node_modules ./*.node
npm ci --ignore-scripts
npm run build

if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! git -C "$REPO" diff --quiet -- bindings-node/native.d.ts; then
    echo "native.d.ts changed when napi regenerated it: commit the new file" >&2
    git -C "$REPO" --no-pager diff -- bindings-node/native.d.ts >&2
    exit 1
  fi
fi

echo "== npm install of the package path into examples/node (cargo fallback build)"
rm -rf "$REPO/examples/node/node_modules" "$HERE"/*.node
(cd "$REPO/examples/node" && GRANTEX_NODE_BUILD=cargo npm install --foreground-scripts)
test -L "$REPO/examples/node/node_modules/@grantex/sdk"
ls "$HERE"/grantex.*.node >/dev/null  # the install script rebuilt the addon

echo "== npm install of the package path into examples/a2a (the addon is built: scripts skipped)"
rm -rf "$REPO/examples/a2a/node_modules"
(cd "$REPO/examples/a2a" && npm install --ignore-scripts)
test -L "$REPO/examples/a2a/node_modules/@grantex/sdk"

echo "== node --test"
npm test
