#!/usr/bin/env bash
# The C binding's whole test suite, from a clean clone (needs Rust, python3; scripts/lib/deps.sh
# installs valgrind, pkg-config, gcc and make through apt when missing):
#   1. rustfmt + clippy + `cargo test -p grantex-c` (Rust unit tests; the committed
#      include/grantex.h must equal what cbindgen generates now);
#   2. `make install` of libgrantex into a fresh prefix; the exported symbols must equal the
#      header's declarations; the static-link flags in the Makefile/.pc and README must equal
#      rustc's `--print native-static-libs`;
#   3. the C tests (tests/*.c, -Wall -Wextra -Werror -Wpedantic) against a throwaway
#      grantex-server and a grantex-a2a-agent trusting it: under ASan+UBSan, under
#      valgrind --leak-check=full, and linked statically against libgrantex.a; the grants'
#      JSON checked field by field by tests/check_grant_json.py;
#   4. examples/c/quickstart built with its pkg-config Makefile (shared and static) and run.
# Ends with "N passed, N failed"; exits non-zero on any failure.
# Env: GRANTEX_C_PROFILE (dev|release, default dev), GRANTEX_SERVER_BIN (server binary),
#      GRANTEX_A2A_AGENT_BIN (A2A agent binary).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export GRANTEX_ROOT="$ROOT"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The suite mints most tokens with a sandbox developer's key; a test suite is what this variable
# is for (tests of the refusal set the option explicitly).
export GRANTEX_ALLOW_SANDBOX_TOKENS="${GRANTEX_ALLOW_SANDBOX_TOKENS:-1}"
PROFILE="${GRANTEX_C_PROFILE:-dev}"
C_DIR="$ROOT/bindings-c"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/grantex-c-tests.XXXXXX")"
# shellcheck source=../scripts/lib/server.sh
source "$ROOT/scripts/lib/server.sh"
A2A_AGENT_PID=""
cleanup() {
  if [ -n "$A2A_AGENT_PID" ]; then kill -TERM "$A2A_AGENT_PID" 2>/dev/null || true; wait "$A2A_AGENT_PID" 2>/dev/null || true; fi
  stop_server || true
  make -s -C "$ROOT/examples/c" clean >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
failures=()
step() { printf '\n--- %s\n' "$*"; }
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); failures+=("$*"); echo "FAILED: $*" >&2; }

# --------------------------------------------------------------------------------- tools
# valgrind, pkg-config, a C compiler, make, nm: installed through apt when missing (see the script).
"$ROOT/scripts/lib/deps.sh" c
CC="${CC:-cc}"

# --------------------------------------------------------------------------------- Rust side
step "rustfmt and clippy (grantex-c)"
if cargo fmt -p grantex-c -- --check; then ok "rustfmt"; else bad "rustfmt"; fi
if cargo clippy -q -p grantex-c --all-targets -- -D warnings; then ok "clippy"; else bad "clippy"; fi

step "cargo test -p grantex-c (unit tests, header up to date)"
if cargo test -q -p grantex-c; then ok "cargo test (incl. header check)"; else bad "cargo test / header check"; fi

# --------------------------------------------------------------------------------- install
step "building libgrantex ($PROFILE) and installing it into a fresh prefix"
PREFIX="$WORK/prefix"
make -s -C "$C_DIR" install PREFIX="$PREFIX" PROFILE="$PROFILE"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
ls -l "$PREFIX/lib" "$PREFIX/include"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1)"
if [ "$(pkg-config --modversion grantex)" = "$version" ]; then ok "pkg-config finds grantex $version"; else bad "pkg-config version"; fi

step "the header compiles as C99, C11 and C++11"
printf '#include <grantex.h>\nint main(void) { return grantex_result_name(GRANTEX_OK)[0] != 0x6f; }\n' >"$WORK/header.c"
cp "$WORK/header.c" "$WORK/header.cpp"
if "$CC" -std=c99 -Wall -Wextra -Werror -Wpedantic -fsyntax-only -I"$PREFIX/include" "$WORK/header.c" &&
  "$CC" -std=c11 -Wall -Wextra -Werror -Wpedantic -fsyntax-only -I"$PREFIX/include" "$WORK/header.c" &&
  { ! command -v "${CXX:-c++}" >/dev/null 2>&1 ||
    "${CXX:-c++}" -std=c++11 -Wall -Wextra -Werror -Wpedantic -fsyntax-only -I"$PREFIX/include" "$WORK/header.cpp"; }; then
  ok "header compiles (C99, C11, C++11)"
else
  bad "header does not compile cleanly"
fi

step "exported symbols match the header"
nm -D --defined-only "$PREFIX/lib/libgrantex.so" | awk '$3 ~ /^grantex_/ {print $3}' | sort -u >"$WORK/exported.txt"
grep -v '^ *\*\|^ */\*' "$PREFIX/include/grantex.h" | grep -oE '\bgrantex_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$WORK/declared.txt"
if diff -u "$WORK/declared.txt" "$WORK/exported.txt"; then
  ok "$(wc -l <"$WORK/exported.txt") exported functions, all declared"
else
  bad "symbols exported by libgrantex.so differ from grantex.h declarations"
fi

step "static-link flags match rustc's native-static-libs"
native="$(cargo rustc -q -p grantex-c --lib --crate-type staticlib -- --print native-static-libs 2>&1 |
  sed -n 's/.*native-static-libs: //p' | tail -n1)"
declared_libs="$(make -s -C "$C_DIR" print-static-libs)"
echo "rustc: $native"
if [ -n "$native" ] && [ "$native" = "$declared_libs" ] && grep -qF -- "$native" "$C_DIR/README.md"; then
  ok "static libs: $native"
else
  bad "static-link flags: rustc says '$native', Makefile says '$declared_libs' (README must list them too)"
fi

# --------------------------------------------------------------------------------- C tests
step "flattening the shared vectors"
python3 "$C_DIR/tests/flatten_vectors.py" "$ROOT/vectors" "$WORK/vectors.txt"

step "compiling the C tests"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -Wpedantic -g)
read -r -a PC_CFLAGS <<<"$(pkg-config --cflags grantex)"
read -r -a PC_LIBS <<<"$(pkg-config --libs grantex)"
read -r -a PC_STATIC <<<"$(pkg-config --static --libs-only-l grantex | sed 's/-lgrantex//')"
SOURCES=("$C_DIR"/tests/*.c)
RPATH=(-Wl,-rpath,"$PREFIX/lib")
"$CC" "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  "${PC_CFLAGS[@]}" "${SOURCES[@]}" -o "$WORK/tests-asan" "${PC_LIBS[@]}" -pthread "${RPATH[@]}"
"$CC" "${CFLAGS[@]}" -O1 "${PC_CFLAGS[@]}" "${SOURCES[@]}" -o "$WORK/tests-shared" "${PC_LIBS[@]}" -pthread "${RPATH[@]}"
"$CC" "${CFLAGS[@]}" -O1 "${PC_CFLAGS[@]}" "${SOURCES[@]}" -o "$WORK/tests-static" \
  "$PREFIX/lib/libgrantex.a" "${PC_STATIC[@]}" -pthread
if ldd "$WORK/tests-static" | grep -q libgrantex; then bad "tests-static links libgrantex dynamically"; else ok "static link"; fi

step "starting grantex-server"
start_server --rate-limit 100000 --authorize-rate-limit 100000 --allow-private-webhooks --webhook-retry-base-ms 200
echo "server: $GRANTEX_BASE_URL"

step "starting grantex-a2a-agent (agent B of the A2A client tests)"
if [ -n "${GRANTEX_A2A_AGENT_BIN:-}" ]; then
  A2A_AGENT_BIN="$GRANTEX_A2A_AGENT_BIN"
else
  cargo build -q -p grantex-a2a-agent
  A2A_AGENT_BIN="$ROOT/target/debug/grantex-a2a-agent"
fi
# Needs tasks:send, accepts one hop of delegation, checks revocation online on every call
# (GRANTEX_API_KEY from start_server is the tokens' owner).
"$A2A_AGENT_BIN" --listen 127.0.0.1:0 --jwks-uri "$GRANTEX_JWKS_URI" --required-scope tasks:send \
  --allow-delegation --max-depth 1 --revocation-check online --grantex-url "$GRANTEX_BASE_URL" \
  --revocation-cache-ttl 0 >"$WORK/a2a-agent.out" 2>"$WORK/a2a-agent.err" &
A2A_AGENT_PID=$!
for _ in $(seq 1 100); do
  [ -s "$WORK/a2a-agent.out" ] && break
  kill -0 "$A2A_AGENT_PID" 2>/dev/null || break
  sleep 0.1
done
GRANTEX_A2A_AGENT_URL="$(head -n1 "$WORK/a2a-agent.out" 2>/dev/null || true)"
if [ -z "$GRANTEX_A2A_AGENT_URL" ]; then
  cat "$WORK/a2a-agent.err" >&2 || true
  bad "grantex-a2a-agent did not start"
else
  export GRANTEX_A2A_AGENT_URL
  echo "agent B: $GRANTEX_A2A_AGENT_URL"
fi

# Runs one C test binary; adds its "N passed, N failed" line to the totals.
run_c() {
  local name=$1
  shift
  local rc=0
  step "C tests: $name"
  "$@" "$WORK/vectors.txt" >"$WORK/$name.log" 2>&1 || rc=$?
  grep -v '^==[0-9]*== *$' "$WORK/$name.log" | tail -n 25
  local line
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/$name.log" | tail -n1 || true)"
  if [ -z "$line" ]; then
    bad "$name: the runner did not finish (exit $rc)"
    return
  fi
  local p f
  p="${line%% passed*}"
  f="${line#*, }"
  f="${f%% failed*}"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then bad "$name: exit $rc (sanitizer or valgrind error)"; fi
  if [ "$f" -ne 0 ]; then failures+=("$name: $f failed checks"); fi
}

ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  GRANTEX_C_GRANT_JSON="$WORK/grants.txt" GRANTEX_C_ENFORCE_JSON="$WORK/enforce.txt" \
  run_c asan-ubsan "$WORK/tests-asan"

step "grantex_enforce results against every expectation of the enforce vectors"
if python3 "$C_DIR/tests/check_enforce_json.py" "$ROOT/vectors" "$WORK/enforce.txt"; then
  ok "enforce results"
else
  bad "enforce results"
fi

step "grantex_verified_grant_json field by field (shared vectors, reference VerifiedGrant members, live grants)"
if python3 "$C_DIR/tests/check_grant_json.py" "$ROOT/vectors" "$WORK/grants.txt"; then
  ok "grant JSON fields"
else
  bad "grant JSON fields"
fi
run_c valgrind valgrind --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=1 \
  --num-callers=64 "$WORK/tests-shared"
run_c static "$WORK/tests-static"

# --------------------------------------------------------------------------------- example
step "examples/c/quickstart (pkg-config Makefile) against the server"
make -s -C "$ROOT/examples/c" clean
if make -s -C "$ROOT/examples/c" PKG_CONFIG_PATH="$PKG_CONFIG_PATH" && "$ROOT/examples/c/quickstart"; then
  ok "quickstart (shared)"
else
  bad "quickstart (shared)"
fi
make -s -C "$ROOT/examples/c" clean
if make -s -C "$ROOT/examples/c" STATIC=1 PKG_CONFIG_PATH="$PKG_CONFIG_PATH" &&
  "$ROOT/examples/c/quickstart" >"$WORK/quickstart-static.log" && grep -q '^\[c\] done$' "$WORK/quickstart-static.log"; then
  ok "quickstart (static)"
else
  bad "quickstart (static)"
fi

echo
if [ ${#failures[@]} -gt 0 ]; then printf 'failed: %s\n' "${failures[@]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
