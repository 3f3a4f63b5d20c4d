#!/usr/bin/env bash
# A private PostgreSQL cluster on a free loopback port, for the tests: `pg_start DIR` initialises
# and starts it under DIR (as the `postgres` user when run as root: initdb refuses root) and
# prints the URL of a database `grantex` owned by role `grantex`; `pg_stop DIR` stops it.
# Needs Debian's postgresql package (scripts/lib/deps.sh installs it).
set -euo pipefail

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  return 1
}

pg_as() { # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_start() {
  local dir=$1 bin port
  bin=$(pg_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
    # The cluster's owner must be able to reach it: let it traverse (not list) our own
    # ancestors of $dir (e.g. a 0700 mktemp directory).
    local up
    up=$(dirname "$(readlink -f "$dir")")
    while [ "$up" != / ] && [ "$(stat -c %u "$up")" = 0 ]; do
      chmod o+x "$up"
      up=$(dirname "$up")
    done
  fi
  chmod 0700 "$dir"
  port=$(pg_free_port)
  (cd /tmp && pg_as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1) || {
    cat "$dir/initdb.log" >&2; return 1; }
  (cd /tmp && pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/data -c fsync=on -c max_connections=300" -w start >/dev/null) || {
    cat "$dir/data/server.log" >&2; return 1; }
  echo "$port" >"$dir/port"
  (cd /tmp && pg_as "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE grantex LOGIN CREATEDB PASSWORD 'grantex'" \
    -c "CREATE DATABASE grantex OWNER grantex") >/dev/null
  echo "postgres://grantex:grantex@127.0.0.1:$port/grantex"
}

pg_stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  [ -d "$dir/data" ] && (cd /tmp && pg_as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1) || true
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) pg_start "$2" ;;
    stop) pg_stop "$2" ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
  esac
fi
