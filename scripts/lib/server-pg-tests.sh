#!/usr/bin/env bash
# The whole grantex-server test suite again, on PostgreSQL: starts a private cluster
# (scripts/lib/pg.sh) in a temporary directory, runs every grantex-server test binary with
# GRANTEX_TEST_DATABASE_URL (each test server gets a database of its own, dropped when its data
# dir is), stops and removes the cluster however the run ends.
#
# The binaries are the ones `cargo test` builds for the workspace selection of scripts/test
# (found with --no-run): `cargo test -p grantex-server` would resolve dependency features for
# that package alone (tokio, hyper, regex, ... differ) and rebuild the whole graph a second
# time, gigabytes of disk and minutes of CPU for the same tests.
# Usage: scripts/lib/server-pg-tests.sh [test-binary arguments, e.g. a name filter]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=scripts/lib/pg.sh
source scripts/lib/pg.sh
selection=(--workspace --exclude grantex-python --exclude grantex-node)

mapfile -t bins < <(cargo test "${selection[@]}" --no-run --message-format=json |
  python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if (m.get("reason") == "compiler-artifact" and m.get("executable")
            and m["profile"]["test"] and "#grantex-server@" in m["package_id"]):
        print(m["executable"])
')
if [ ${#bins[@]} -eq 0 ]; then
  echo "server-pg-tests: no grantex-server test binary was built" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/grantex-pg.XXXXXX")
cleanup() { pg_stop "$dir/cluster"; rm -rf "$dir"; }
trap cleanup EXIT
url=$(pg_start "$dir/cluster")
echo "server tests on PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') at ${url%%@*}@… (${#bins[@]} test binaries)"

# As `cargo test` runs them: from the package's directory, every binary even after a failure.
# The multi-instance tests (tests/instances.rs) are ignored in the SQLite run; here they run.
failed=()
for bin in "${bins[@]}"; do
  name=$(basename "$bin")
  echo "     Running ${name%-*} on PostgreSQL"
  if ! (cd "$root/server" && GRANTEX_TEST_DATABASE_URL="$url" "$bin" --include-ignored "$@"); then
    failed+=("${name%-*}")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "server tests that failed on PostgreSQL: ${failed[*]}" >&2
  exit 1
fi
