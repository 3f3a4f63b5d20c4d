#!/usr/bin/env bash
# The SAML test identity provider's Python environment (server/tests/saml.rs runs this itself, so
# a plain `cargo test` works): a venv at <target dir>/peers/saml with pysaml2 (pinned), which signs
# through Debian's `xmlsec1` binary (scripts/lib/deps.sh installs it for the rust stage).
# Idempotent and safe to run concurrently (flock); prints the venv's python path on stdout.
# Usage: scripts/lib/peer-saml.sh [target dir]   (default: $CARGO_TARGET_DIR or ./target)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:-${CARGO_TARGET_DIR:-$root/target}}"
dir="$target/peers/saml"
pin="pysaml2==7.5.5"
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
if ! command -v xmlsec1 >/dev/null 2>&1; then
  echo "peer-saml: the xmlsec1 binary is missing (Debian: apt-get install xmlsec1; scripts/lib/deps.sh rust)" >&2
  exit 1
fi
if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$pin" ]; then
  rm -rf "$dir/venv"
  python3 -m venv "$dir/venv" >&2
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "$pin" >&2
  echo "$pin" >"$dir/.installed"
fi
echo "$dir/venv/bin/python"
