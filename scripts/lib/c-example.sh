#!/usr/bin/env bash
# The C quickstart: `build` compiles libgrantex (`cargo build --release -p grantex-c` through
# bindings-c's Makefile), installs it with its header and grantex.pc into target/c-prefix and
# builds examples/c through pkg-config; `run` runs examples/c/quickstart. No argument does both.
# `run` expects GRANTEX_BASE_URL / GRANTEX_API_KEY in the environment (scripts/demo sets them).
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="$PWD/target/c-prefix"

build() {
  make -C bindings-c install PREFIX="$prefix"
  make -C examples/c clean
  make -C examples/c PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
}
run() { examples/c/quickstart; }

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build && run ;;
  *) echo "usage: $0 [build|run]" >&2; exit 2 ;;
esac
