#!/usr/bin/env bash
# The whole grantex-server test suite again, on PostgreSQL: starts a private cluster
# (scripts/lib/pg.sh) in a temporary directory, runs `cargo test -p grantex-server` with
# GRANTEX_TEST_DATABASE_URL (each test server gets a database of its own), stops and removes the
# cluster however the run ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/pg.sh
source scripts/lib/pg.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/grantex-pg.XXXXXX")
cleanup() { pg_stop "$dir/cluster"; rm -rf "$dir"; }
trap cleanup EXIT
url=$(pg_start "$dir/cluster")
echo "server tests on PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') at ${url%%@*}@…"
# The multi-instance tests (tests/instances.rs) are ignored in the SQLite run; here they run.
GRANTEX_TEST_DATABASE_URL="$url" cargo test -p grantex-server --no-fail-fast "$@" -- --include-ignored
