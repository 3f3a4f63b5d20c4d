#!/usr/bin/env bash
# The Go quickstart: `build` compiles libgrantex (`cargo build --release -p grantex-c` through
# bindings-c's Makefile) and installs it into target/c-prefix (the same prefix as the C
# example: cargo rebuilds nothing when the C part built it already), puts it into the Go
# module's layout (scripts/lib/go-prebuilt.sh: bindings-go/internal/lib/linux_amd64/libgrantex.a
# and bindings-go/include/, as the packaged module ships them), then builds
# examples/go/quickstart with the module's default build (no build tags, no CGO_* variables:
# what a user of the packaged module runs) into target/go-quickstart/quickstart; `run` runs it.
# No argument does both.
# `run` expects GRANTEX_BASE_URL / GRANTEX_API_KEY in the environment (scripts/demo sets them).
# The Go module needs nothing from the network: bindings-go has no dependencies and the
# example's go.mod points at it with a replace directive.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="$PWD/target/c-prefix"
out="$PWD/target/go-quickstart"

build() {
  command -v go >/dev/null || { echo "go not found: install Go 1.24 or newer" >&2; exit 1; }
  go version
  make -C bindings-c install PREFIX="$prefix"
  scripts/lib/go-prebuilt.sh --from "$prefix"
  mkdir -p "$out"
  (cd examples/go/quickstart && env -u CGO_CFLAGS -u CGO_LDFLAGS CGO_ENABLED=1 go build -v -o "$out/quickstart" .)
}
run() { "$out/quickstart"; }

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build && run ;;
  *) echo "usage: $0 [build|run]" >&2; exit 2 ;;
esac
