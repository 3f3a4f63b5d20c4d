#!/usr/bin/env bash
# Installs @grantex/sdk from bindings-node into examples/node (its install script builds the native
# addon with cargo) and runs the Node quickstart. Expects GRANTEX_BASE_URL / GRANTEX_API_KEY.
set -euo pipefail
cd "$(dirname "$0")/../../examples/node"
npm install --no-audit --no-fund --loglevel=error >/dev/null
node quickstart.mjs
