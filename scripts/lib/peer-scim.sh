#!/usr/bin/env bash
# The SCIM compliance checker for server/tests/scim.rs: a venv with the PyPI package
# `scim2-tester` (and its pinned dependencies) under "${CARGO_TARGET_DIR:-<repo>/target}/peers/scim",
# created once (later runs reuse it; concurrent runs wait on a lock). Prints the venv's python.
# Needs python3 >= 3.11 with venv, and PyPI (or a configured mirror) on the first run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
dir=$target/peers/scim
# Pinned: the versions checked on this machine kind (see the peers notes).
pins=("scim2-tester[httpx2]==0.5.2" "scim2-client==0.13.2" "scim2-models==0.12.3")
stamp="${pins[*]}"

mkdir -p "$target/peers"
exec 9>"$target/peers/scim.lock"
flock 9
if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.installed" 2>/dev/null)" = "$stamp" ]; then
  echo "$dir/bin/python"
  exit 0
fi
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "peer-scim.sh: scim2-tester needs Python >= 3.11 ($("$python" --version 2>&1))" >&2
  exit 1
}
rm -rf "$dir"
"$python" -m venv "$dir" >&2
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" >&2
"$dir/bin/python" -c 'import scim2_tester, scim2_client.engines.httpx2, httpx2' >&2
echo "$stamp" >"$dir/.installed"
echo "$dir/bin/python"
