#!/usr/bin/env bash
# The JVM SDK's test suite (needs a JDK 17+, Maven and Rust; Maven fetches the rest from Maven
# Central into ~/.m2):
#   1. the generated Kotlin layer matches the catalog (grantex-codegen check bindings-kotlin);
#   2. `mvn install`: libgrantex_uniffi (cargo, release) and its uniffi-generated Kotlin, the jar
#      with the native library, JUnit 5 tests (Kotlin and the Java usage example) against a
#      grantex-server the tests start, the shared vectors; the jar goes to the local repository;
#   3. examples/kotlin/quickstart built against that jar and run against a throwaway
#      grantex-server with a live key, then with a sandbox key.
# Env: GRANTEX_SERVER_BIN (server binary; built with cargo when unset), GRANTEX_CARGO_PROFILE
# (release, the default, or dev).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export GRANTEX_ROOT="$ROOT"
command -v mvn >/dev/null || { echo "mvn not found: install Maven and a JDK 17 or newer" >&2; exit 1; }
java -version 2>&1 | head -1

MVN=(-B -q -Dstyle.color=never)
step() { printf '\n--- %s\n' "$*"; }

step "generated Kotlin layer matches the catalog"
cargo run -q -p grantex-codegen -- check bindings-kotlin

step "mvn install (native library, jar, JUnit 5 against a grantex-server the tests start)"
reports="$ROOT/bindings-kotlin/target/surefire-reports"
rm -rf "$reports"
rc=0
mvn "${MVN[@]}" -f bindings-kotlin/pom.xml clean install || rc=$?
# The counts of every test class (surefire's summaries), then the closing line.
total=0 failed=0 skipped=0
for f in "$reports"/*.txt; do
  [ -e "$f" ] || continue
  line="$(grep -m1 '^Tests run:' "$f" || true)"
  [ -n "$line" ] || continue
  echo "  ${f##*/}: $line"
  read -r t fl e s <<<"$(sed -E 's/Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+).*/\1 \2 \3 \4/' <<<"$line")"
  total=$((total + t)); failed=$((failed + fl + e)); skipped=$((skipped + s))
done
echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] || { echo "mvn install failed (exit $rc)" >&2; exit 1; }
[ "$total" -gt 0 ] || { echo "no test ran" >&2; exit 1; }
[ "$skipped" -eq 0 ] || { echo "a test was skipped" >&2; exit 1; }

step "examples/kotlin/quickstart against a throwaway grantex-server (live key, then sandbox key)"
# shellcheck source=../scripts/lib/server.sh
source "$ROOT/scripts/lib/server.sh"
trap 'stop_server || true' EXIT
start_server
mvn "${MVN[@]}" -f examples/kotlin/quickstart/pom.xml compile
mvn "${MVN[@]}" -f examples/kotlin/quickstart/pom.xml exec:exec
GRANTEX_API_KEY="$GRANTEX_SANDBOX_API_KEY" mvn "${MVN[@]}" -f examples/kotlin/quickstart/pom.xml exec:exec
stop_server
