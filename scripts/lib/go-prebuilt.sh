#!/usr/bin/env bash
# Puts the prebuilt libgrantex of the Go module's default build in place (see
# bindings-go/link_prebuilt.go): libgrantex.a (debug info stripped) in
# <module>/internal/lib/linux_amd64/ and grantex.h + grantex_operations.h in <module>/include/.
# In the repository these files are generated (bindings-go/.gitignore), never committed;
# scripts/package ships them inside the packaged module.
# Usage: scripts/lib/go-prebuilt.sh [--from PREFIX] [--out MODULE_DIR]
#   --from PREFIX    an installed libgrantex (make -C bindings-c install PREFIX=...); default:
#                    the release library, built and installed into target/go-prebuilt-prefix
#   --out MODULE_DIR the Go module to fill (default: bindings-go)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
FROM=""
OUT="$ROOT/bindings-go"
while [ $# -gt 0 ]; do
  case "$1" in
    --from) FROM="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "usage: scripts/lib/go-prebuilt.sh [--from PREFIX] [--out MODULE_DIR]" >&2; exit 2 ;;
  esac
done
if [ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]; then
  echo "go-prebuilt: the module carries a library for linux/amd64 only (this is $(uname -s)/$(uname -m));" >&2
  echo "  build with -tags grantex_shared or grantex_static instead (bindings-go/README.md)" >&2
  exit 1
fi
if [ -z "$FROM" ]; then
  FROM="${CARGO_TARGET_DIR:-$ROOT/target}/go-prebuilt-prefix"
  make -s -C bindings-c install PREFIX="$FROM" PROFILE=release
fi
for f in lib/libgrantex.a include/grantex.h include/grantex_operations.h; do
  [ -f "$FROM/$f" ] || { echo "go-prebuilt: $FROM/$f not found" >&2; exit 1; }
done
mkdir -p "$OUT/internal/lib/linux_amd64" "$OUT/include"
strip --strip-debug -o "$OUT/internal/lib/linux_amd64/libgrantex.a" "$FROM/lib/libgrantex.a"
cp "$FROM/include/grantex.h" "$FROM/include/grantex_operations.h" "$OUT/include/"
echo "go-prebuilt: $OUT/internal/lib/linux_amd64/libgrantex.a ($(du -k "$OUT/internal/lib/linux_amd64/libgrantex.a" | cut -f1) KiB) and include/ from $FROM"
