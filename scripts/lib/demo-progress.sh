# Progress, timing and the closing summary for scripts/demo (sourced; bash).
#
#   build_step NAME "what is built" "how long it takes" -- command...
#       Runs a build with its full output in target/demo-logs/NAME.log and shows live progress:
#       on a terminal one status line updated every second (elapsed time, crates compiled so far,
#       the crate being compiled); otherwise (CI, a pipe) one line every 20 s. On failure it
#       prints the end of the log. GRANTEX_DEMO_VERBOSE=1 streams the whole build output instead.
#   run_step NAME command...      runs an example with its output shown, timed.
#   record PART STATUS DETAIL     one line of the closing summary (STATUS: ok, FAILED, skipped).
#   print_summary                 the table; returns 1 if any part failed.
#
# Every build and run is timed; fmt_secs renders milliseconds as "40ms" / "4.2s" / "1m 05s".

DEMO_LOG_DIR="${DEMO_LOG_DIR:-$GRANTEX_ROOT/target/demo-logs}"
DEMO_TICKER_PID=""
DEMO_PARTS=()
DEMO_LAST_SECS=0

now_ms() { date +%s%3N; }

fmt_secs() { # milliseconds → "40ms" / "4.2s" / "1m 05s"
  local ms=$1 s
  s=$((ms / 1000))
  if [ "$ms" -lt 1000 ]; then printf '%dms' "$ms"
  elif [ "$s" -lt 60 ]; then printf '%d.%ds' "$s" $(((ms % 1000) / 100)); else printf '%dm %02ds' $((s / 60)) $((s % 60)); fi
}

# What a build log says so far: "N crates compiled · Compiling foo v1.2" (cargo's lines, also
# when they come through pip/maturin or an npm install script).
build_status() {
  local log=$1 n last
  n=$(grep -c '^ *Compiling ' "$log" 2>/dev/null) || n=0
  last=$(grep -E '^ *(Compiling|Building|Finished|Installing|Running|Downloading|Downloaded|Collecting|Processing) ' "$log" 2>/dev/null | tail -n 1 | sed -e 's/^ *//' -e 's/ (.*//' | cut -c1-60) || last=''
  printf '%s crates compiled%s' "$n" "${last:+ · $last}"
}

stop_ticker() {
  if [ -n "$DEMO_TICKER_PID" ]; then
    kill "$DEMO_TICKER_PID" 2>/dev/null || true
    wait "$DEMO_TICKER_PID" 2>/dev/null || true
    DEMO_TICKER_PID=""
  fi
}

start_ticker() { # LOG START_MS
  local log=$1 start=$2
  if [ -t 1 ]; then
    (
      # One line, cut to the terminal's width so that \r can rewrite it.
      width=$(tput cols 2>/dev/null) || width=80
      while sleep 1; do
        line="  $(fmt_secs $(($(now_ms) - start)))  $(build_status "$log")"
        printf '\r\033[K%s' "${line:0:$((width - 1))}"
      done
    ) &
  else
    (
      while sleep 20; do
        printf '  … %s: %s\n' "$(fmt_secs $(($(now_ms) - start)))" "$(build_status "$log")"
      done
    ) &
  fi
  DEMO_TICKER_PID=$!
}

# build_step NAME WHAT HOW_LONG -- command...   (returns the command's status)
build_step() {
  local name=$1 what=$2 how_long=$3 start rc log
  shift 3
  [ "${1:-}" = "--" ] && shift
  mkdir -p "$DEMO_LOG_DIR"
  log="$DEMO_LOG_DIR/$name.log"
  printf '▸ building %s\n' "$what"
  printf '  %s\n' "$how_long"
  printf '  full output: %s\n' "${log#"$GRANTEX_ROOT"/}"
  start=$(now_ms)
  if [ "${GRANTEX_DEMO_VERBOSE:-0}" = 1 ]; then
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
  else
    : >"$log"
    start_ticker "$log" "$start"
    # The build runs in the foreground, so Ctrl-C reaches it directly.
    "$@" >"$log" 2>&1 </dev/null
    rc=$?
    stop_ticker
    [ -t 1 ] && printf '\r\033[K'
  fi
  DEMO_LAST_SECS=$(($(now_ms) - start))
  if [ "$rc" -eq 0 ]; then
    printf '  ✓ built in %s (%s)\n' "$(fmt_secs "$DEMO_LAST_SECS")" "$(build_status "$log" | sed 's/ ·.*//')"
  else
    printf '  ✗ build failed (exit %s) after %s; the end of %s:\n' "$rc" "$(fmt_secs "$DEMO_LAST_SECS")" "${log#"$GRANTEX_ROOT"/}"
    tail -n 40 "$log" | sed 's/^/    | /'
  fi
  return "$rc"
}

# run_step NAME command...   (output shown as it comes; returns the command's status)
run_step() {
  local start rc
  shift
  start=$(now_ms)
  "$@"
  rc=$?
  DEMO_LAST_SECS=$(($(now_ms) - start))
  return "$rc"
}

record() { # PART STATUS DETAIL
  DEMO_PARTS+=("$1|$2|$3")
}

print_summary() { # TOTAL_MS
  local total=$1 entry part status detail mark failed=0
  printf '\n=== summary\n'
  for entry in "${DEMO_PARTS[@]}"; do
    IFS='|' read -r part status detail <<<"$entry"
    case "$status" in
      ok) mark='✓' ;;
      skipped) mark='–' ;;
      *) mark='✗'; failed=1 ;;
    esac
    printf '  %s %-8s %-8s %s\n' "$mark" "$part" "$status" "$detail"
  done
  printf '  total    %s\n' "$(fmt_secs "$total")"
  return "$failed"
}
