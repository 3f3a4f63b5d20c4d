# shellcheck shell=bash
# What a test run left behind: processes and temp files. Sourced by scripts/test.
#
# A run exports GRANTEX_TEST_RUN=<id> and TMPDIR=<a fresh directory>; every process it starts
# inherits both. After the stages, `check_leftovers` reports (and then stops) every process still
# alive that either
#   - carries GRANTEX_TEST_RUN=<id> in its environment (anything this run started, whatever it
#     is, unless it cleared its environment), or
#   - belongs to this run's session and runs a program from this checkout's target dir, or has
#     that dir in its command line (a grantex-server, grantex-a2a-agent, test binary, ... that
#     was started with a cleared environment),
# and every entry still in the run's TMPDIR. It waits a few seconds first, so processes and
# cleaners that are already on their way out are not reported.
#
# Bash builtins read /proc here (readlink only runs for processes of the run's own session): an
# external command started by the check carries the marker itself. Zombies are not counted (they no longer run; their parent reaps them).

# Prints "pid<TAB>command line" for each leftover process.
# Usage: leftover_processes <run-id> <target-dir> <session-id>
leftover_processes() {
  local id=$1 target=$2 sid=$3 dir pid stat rest state psid kv cmd ours
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" = "$$" ] && continue
    [ "$pid" = "$BASHPID" ] && continue
    { IFS= read -r stat <"$dir/stat"; } 2>/dev/null || continue
    rest=${stat##*) }
    read -r state _ _ psid _ <<<"$rest"
    case $state in Z | X) continue ;; esac
    cmd=""
    { while IFS= read -r -d '' kv; do cmd+="$kv "; done <"$dir/cmdline"; } 2>/dev/null || continue
    [ -n "$cmd" ] || continue # a kernel thread
    ours=no
    if [ "$psid" = "$sid" ] && [[ "$cmd" == *"$target/"* || "$(readlink "$dir/exe" 2>/dev/null)" == "$target/"* ]]; then
      ours=yes
    else
      { while IFS= read -r -d '' kv; do
        if [ "$kv" = "GRANTEX_TEST_RUN=$id" ]; then ours=yes; break; fi
      done <"$dir/environ"; } 2>/dev/null || true
    fi
    [ "$ours" = yes ] && printf '%s\t%s\n' "$pid" "${cmd% }"
  done
  return 0
}

# Prints each entry left in <tmpdir>.
leftover_files() {
  local f
  for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    printf '%s\n' "$f"
  done
}

# Usage: check_leftovers <run-id> <tmpdir> <target-dir>
# Returns 1 (after listing them, stopping the processes and emptying <tmpdir>) if anything is left.
check_leftovers() {
  local id=$1 tmp=$2 target=$3 sid procs files i pid stat
  IFS= read -r stat </proc/$$/stat
  read -r _ _ _ sid _ <<<"${stat##*) }"
  for i in $(seq 1 50); do
    procs="$(leftover_processes "$id" "$target" "$sid")"
    files="$(leftover_files "$tmp")"
    [ -z "$procs" ] && [ -z "$files" ] && return 0
    [ "$i" -lt 50 ] && sleep 0.2
  done
  if [ -n "$procs" ]; then
    echo "LEFTOVER processes (still running after the tests; stopping them now):"
    while IFS= read -r i; do printf '  %s\n' "$i"; done <<<"$procs"
    while IFS=$'\t' read -r pid _; do kill -TERM "$pid" 2>/dev/null || true; done <<<"$procs"
    sleep 1
    while IFS=$'\t' read -r pid _; do kill -KILL "$pid" 2>/dev/null || true; done <<<"$procs"
  fi
  if [ -n "$files" ]; then
    echo "LEFTOVER temp files/directories (in the run's TMPDIR):"
    while IFS= read -r i; do printf '  %s\n' "$i"; done <<<"$files"
  fi
  return 1
}
