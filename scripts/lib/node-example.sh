#!/usr/bin/env bash
# The Node quickstart: `build` installs @grantex/sdk from bindings-node into examples/node (the
# package's install script compiles the native addon with `cargo build --release -p grantex-node`;
# --foreground-scripts lets that cargo output through, so a caller can show progress); `run` runs
# examples/node/quickstart.mjs. No argument does both. `run` expects GRANTEX_BASE_URL /
# GRANTEX_API_KEY in the environment (scripts/demo sets them).
#
# npm 11 may add "… install scripts not yet covered by allowScripts": a notice about npm 12's
# coming opt-in policy for install scripts. The script ran all the same (it is the cargo build).
set -euo pipefail
cd "$(dirname "$0")/../../examples/node"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

build() { npm install --foreground-scripts --no-audit --no-fund; }
run() { node quickstart.mjs; }

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build && run ;;
  *) echo "usage: $0 [build|run]" >&2; exit 2 ;;
esac
