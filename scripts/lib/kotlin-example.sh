#!/usr/bin/env bash
# The Kotlin quickstart: `build` installs the JVM SDK (bindings-kotlin: libgrantex_uniffi by
# cargo, release; the jar that carries it; tests not run) into the local Maven repository and
# compiles examples/kotlin/quickstart against it, as a user of the artifact would; `run` runs it.
# No argument does both. Needs a JDK 17+ and Maven (which fetches Kotlin, JNA, ... from Maven
# Central the first time).
# `run` expects GRANTEX_BASE_URL / GRANTEX_API_KEY in the environment (scripts/demo sets them).
set -euo pipefail
cd "$(dirname "$0")/../.."
MVN=(-B -q -Dstyle.color=never)

build() {
  command -v mvn >/dev/null || { echo "mvn not found: install Maven and a JDK 17 or newer" >&2; exit 1; }
  mvn "${MVN[@]}" -f bindings-kotlin/pom.xml -DskipTests install
  mvn "${MVN[@]}" -f examples/kotlin/quickstart/pom.xml compile
}
run() { mvn "${MVN[@]}" -f examples/kotlin/quickstart/pom.xml exec:exec; }

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build && run ;;
  *) echo "usage: $0 [build|run]" >&2; exit 2 ;;
esac
