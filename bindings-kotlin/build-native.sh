#!/usr/bin/env bash
# Builds the native half of the JVM SDK for the Maven build (pom.xml runs it in generate-sources):
#   1. libgrantex_uniffi.so (crate bindings-uniffi), cargo profile $GRANTEX_CARGO_PROFILE
#      (release, the default, or dev);
#   2. its Kotlin bindings with the crate's own uniffi-bindgen (same uniffi version) into
#      target/generated-sources/uniffi (package dev.grantex.ffi);
#   3. a stripped copy of the library at target/generated-resources/native/linux-x86-64/, the
#      resource path JNA loads it from (so the jar carries it).
# Honours CARGO_TARGET_DIR. Usage: build-native.sh [--server] (--server: build grantex-server and
# the example A2A agent for the tests, unless GRANTEX_SERVER_BIN / GRANTEX_A2A_AGENT_BIN name them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"
profile="${GRANTEX_CARGO_PROFILE:-release}"
cd "$root"

if [ "${1:-}" = "--server" ]; then
  # The tests use $GRANTEX_SERVER_BIN when set, else target/debug/grantex-server; the A2A tests
  # serve the example agent ($GRANTEX_A2A_AGENT_BIN, else target/debug/grantex-a2a-agent).
  if [ -z "${GRANTEX_SERVER_BIN:-}" ]; then cargo build -q -p grantex-server; fi
  if [ -z "${GRANTEX_A2A_AGENT_BIN:-}" ]; then cargo build -q -p grantex-a2a-agent; fi
  exit 0
fi

case "$profile" in
  release) dir=release; flags=(--release) ;;
  dev) dir=debug; flags=() ;;
  *) echo "GRANTEX_CARGO_PROFILE must be release or dev, not $profile" >&2; exit 2 ;;
esac
cargo build -q -p grantex-uniffi --lib "${flags[@]}"
lib="$target/$dir/libgrantex_uniffi.so"

out="$here/target/generated-sources/uniffi"
rm -rf "$out"
mkdir -p "$out"
cargo run -q -p grantex-uniffi --features bindgen --bin uniffi-bindgen -- \
  generate --library "$lib" --config "$root/bindings-uniffi/bindgen.toml" --language kotlin --out-dir "$out" --no-format 2>&1 |
  { grep -v -i 'ktlint' || true; }
test -s "$out/dev/grantex/ffi/grantex.kt"

res="$here/target/generated-resources/native/linux-x86-64"
mkdir -p "$res"
cp "$lib" "$res/libgrantex_uniffi.so.tmp"
if command -v strip >/dev/null; then strip --strip-unneeded "$res/libgrantex_uniffi.so.tmp"; fi
mv "$res/libgrantex_uniffi.so.tmp" "$res/libgrantex_uniffi.so"
