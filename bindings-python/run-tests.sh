#!/usr/bin/env bash
# Python SDK tests from a clean clone: build the server, build+install the package from source
# into a fresh venv, check the stubs (stubtest) and types (mypy --strict), run pytest.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"

echo "== building grantex-server"
(cd "$REPO" && cargo build -p grantex-server)
export GRANTEX_SERVER_BIN="${GRANTEX_SERVER_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/debug/grantex-server}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== fresh venv, pip install ./bindings-python (maturin builds the extension)"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install --quiet --disable-pip-version-check "$HERE" pytest mypy

echo "== stubtest (from outside the source tree, so the installed package is checked)"
(cd "$WORK" && "$VPY" -m mypy.stubtest grantex._native)
test -f "$("$VPY" -c 'import grantex, os; print(os.path.join(os.path.dirname(grantex.__file__), "py.typed"))')"
test -f "$("$VPY" -c 'import grantex, os; print(os.path.join(os.path.dirname(grantex.__file__), "_native.pyi"))')"

echo "== mypy --strict"
(cd "$HERE" && "$VPY" -m mypy --strict python/grantex "$REPO/examples/python/quickstart.py")

echo "== pytest"
(cd "$HERE" && "$VPY" -m pytest -q -p no:cacheprovider tests)
