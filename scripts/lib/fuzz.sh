#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (cargo-fuzz layout, libFuzzer) for a short bounded time over
# the committed corpus (fuzz/corpus/<target>/). Fails when a target crashes, times out or runs
# out of memory, when nothing could be built or installed, or when a target ran no input: a
# skipped run never passes. Called by scripts/test (Rust stage).
#
# cargo-fuzz (pinned below) is installed from crates.io when missing, into a cache directory,
# not globally: ${GRANTEX_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/grantex}/cargo-fuzz-<version>.
# The targets build with the stable toolchain and no sanitizer (`-s none`): a fresh machine has
# only stable (AddressSanitizer needs nightly), and the core forbids unsafe code. Debug
# assertions and overflow checks are on (`-a`). Build output goes to <target dir>/fuzz; inputs a
# run finds go to a scratch directory (removed), crash inputs to <target dir>/fuzz/artifacts/.
#
# Environment: GRANTEX_FUZZ_SECONDS (per target, default 20), GRANTEX_FUZZ_TARGETS (a
# space-separated subset; default every target of `cargo fuzz list`).
# Usage: scripts/lib/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

CARGO_FUZZ_VERSION=0.13.2
seconds="${GRANTEX_FUZZ_SECONDS:-20}"
cache="${GRANTEX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grantex}/cargo-fuzz-$CARGO_FUZZ_VERSION"
if [ ! -x "$cache/bin/cargo-fuzz" ]; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION into $cache"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$cache"
fi
export PATH="$cache/bin:$PATH"

target_dir="${CARGO_TARGET_DIR:-$root/target}/fuzz"
artifacts="$target_dir/artifacts"
flags=(-O -a -s none --target-dir "$target_dir")

cd fuzz
echo "fuzz: building the targets (cargo fuzz build ${flags[*]})"
cargo fuzz build "${flags[@]}"

if [ -n "${GRANTEX_FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$GRANTEX_FUZZ_TARGETS"
else
  mapfile -t targets < <(cargo fuzz list)
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets" >&2; exit 1; }

scratch="$(mktemp -d "${TMPDIR:-/tmp}/grantex-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
failed=()
for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] || { echo "fuzz: $t has no committed corpus (fuzz/corpus/$t)" >&2; failed+=("$t"); continue; }
  mkdir -p "$scratch/$t" "$artifacts/$t"
  log="$scratch/$t.log"
  # The scratch directory comes first: libFuzzer writes the inputs it finds there, and only
  # reads the committed corpus.
  set +e
  cargo fuzz run "${flags[@]}" "$t" "$scratch/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
    echo "fuzz: $t: ok, $runs inputs in ${seconds}s, corpus $(ls "corpus/$t" | wc -l) seeds"
  else
    echo "fuzz: $t: FAILED (exit $rc, ${runs:-no} inputs run); its panic and the end of its log:" >&2
    grep -m 2 -A 4 'panicked at' "$log" >&2 || true
    tail -n 25 "$log" >&2
    echo "fuzz: crash inputs of $t, if any, are in $artifacts/$t/; replay one with:" >&2
    echo "  (cd fuzz && cargo fuzz run ${flags[*]} $t <input>)" >&2
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: targets that failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran clean for ${seconds}s each"
