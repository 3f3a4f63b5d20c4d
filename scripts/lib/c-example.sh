#!/usr/bin/env bash
# Builds and installs libgrantex into target/c-prefix, builds examples/c through pkg-config and runs it.
# Expects GRANTEX_BASE_URL / GRANTEX_API_KEY in the environment (scripts/demo sets them).
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="$PWD/target/c-prefix"
make -s -C bindings-c install PREFIX="$prefix" >/dev/null
make -s -C examples/c clean >/dev/null
make -s -C examples/c PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
examples/c/quickstart
