#!/usr/bin/env bash
# The Go binding's test suite (needs Go >= 1.24, Rust, a C compiler):
#   1. libgrantex built and installed into a fresh prefix (make -C bindings-c install);
#   2. gofmt, `go vet` (static and shared link, benchmark build), staticcheck when installed;
#   3. `go test -race` linked statically against libgrantex.a, against a grantex-server the
#      tests start themselves (TestMain), the shared vectors/ and, for the A2A client, the
#      example agent examples/a2a-agent (grantex-a2a-agent, started by the tests);
#   4. the shared-library link (-tags grantex_shared, pkg-config) built and its vector and A2A
#      tests run; the default build (the prebuilt libgrantex.a in the module layout, as the
#      packaged module ships it: scripts/lib/go-prebuilt.sh) vetted and tested in a copy of the
#      module;
#   5. examples/go/quickstart (go vet, then run with a live and a sandbox key against a
#      throwaway grantex-server).
# Env: GRANTEX_GO_PROFILE (dev|release, default dev), GRANTEX_SERVER_BIN (server binary),
# GRANTEX_A2A_AGENT_BIN (A2A agent binary; built with cargo when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export GRANTEX_ROOT="$ROOT"
PROFILE="${GRANTEX_GO_PROFILE:-dev}"
command -v go >/dev/null || { echo "go not found: install Go >= 1.24" >&2; exit 1; }
go version

WORK="$(mktemp -d "${TMPDIR:-/tmp}/grantex-go-tests.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n--- %s\n' "$*"; }

step "building libgrantex ($PROFILE) into a fresh prefix"
PREFIX="$WORK/prefix"
make -s -C "$ROOT/bindings-c" install PREFIX="$PREFIX" PROFILE="$PROFILE"

step "grantex-server"
# shellcheck source=../scripts/lib/server.sh
source "$ROOT/scripts/lib/server.sh"
GRANTEX_SERVER_BIN="$(server_bin)"
export GRANTEX_SERVER_BIN
if [ -z "${GRANTEX_A2A_AGENT_BIN:-}" ]; then
  (cd "$ROOT" && cargo build -q -p grantex-a2a-agent)
  GRANTEX_A2A_AGENT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/grantex-a2a-agent"
fi
export GRANTEX_A2A_AGENT_BIN
trap 'stop_server || true; rm -rf "$WORK"' EXIT

cd "$ROOT/bindings-go"
export CGO_ENABLED=1
static_env=(env CGO_CFLAGS="-I$PREFIX/include" CGO_LDFLAGS="-L$PREFIX/lib")
shared_env=(env PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" CGO_LDFLAGS="-Wl,-rpath,$PREFIX/lib")

step "gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then echo "not gofmt-formatted: $unformatted" >&2; exit 1; fi

step "go vet (static and shared link, and the benchmarks' build)"
"${static_env[@]}" go vet -tags grantex_static ./...
"${static_env[@]}" go vet -tags 'grantex_static grantex_bench' ./...
"${shared_env[@]}" go vet -tags grantex_shared ./...
staticcheck="$(command -v staticcheck || echo "$(go env GOPATH)/bin/staticcheck")"
if [ -x "$staticcheck" ]; then
  step "staticcheck"
  "${static_env[@]}" "$staticcheck" -tags 'grantex_static grantex_bench' ./...
else
  echo "staticcheck not installed (go install honnef.co/go/tools/cmd/staticcheck@latest): not run"
fi

step "go test -race (static link, real server, shared vectors)"
if ! "${static_env[@]}" go test -race -count=1 -tags grantex_static -v ./... >"$WORK/test.log" 2>&1; then
  grep -E '^(--- |ok|FAIL|PASS|panic)' "$WORK/test.log" || true
  echo "go test -race failed:" >&2; tail -60 "$WORK/test.log" >&2; exit 1
fi
grep -E '^(--- |ok|FAIL)|vectors_test|goroutines' "$WORK/test.log" || true
if grep -q -- '--- SKIP' "$WORK/test.log"; then echo "a test was skipped" >&2; exit 1; fi
echo "$(grep -c -- '--- PASS' "$WORK/test.log") tests passed under the race detector (grantex and grantex/a2a)"

step "shared-library link (-tags grantex_shared, pkg-config grantex): vector, A2A guard and A2A client tests"
"${shared_env[@]}" go test -count=1 -tags grantex_shared -run 'Vectors|GuardCheck|ClientAgainstTheExampleAgent' ./...

step "default build (prebuilt libgrantex.a inside the module, no tags, no CGO_* variables) in a copy of the module"
mkdir -p "$WORK/copy"
ln -s "$ROOT/vectors" "$WORK/copy/vectors"
cp -r "$ROOT/bindings-go" "$WORK/copy/bindings-go"
rm -rf "$WORK/copy/bindings-go/include" "$WORK/copy/bindings-go/internal/lib"
"$ROOT/scripts/lib/go-prebuilt.sh" --from "$PREFIX" --out "$WORK/copy/bindings-go"
(cd "$WORK/copy/bindings-go" && env -u CGO_CFLAGS -u CGO_LDFLAGS -u PKG_CONFIG_PATH go vet ./... &&
  env -u CGO_CFLAGS -u CGO_LDFLAGS -u PKG_CONFIG_PATH go test -count=1 -run 'Vectors|TestFlow|ClientAgainstTheExampleAgent' ./...)

step "examples/go/quickstart against a throwaway grantex-server (live key, then sandbox key)"
start_server
cd "$ROOT/examples/go/quickstart"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then echo "not gofmt-formatted: $unformatted" >&2; exit 1; fi
"${static_env[@]}" go vet -tags grantex_static .
"${static_env[@]}" go build -tags grantex_static -o "$WORK/quickstart" .
"$WORK/quickstart"
GRANTEX_API_KEY="$GRANTEX_SANDBOX_API_KEY" "$WORK/quickstart"
stop_server
