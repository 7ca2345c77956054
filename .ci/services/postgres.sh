#!/usr/bin/env bash
# Start or stop a private PostgreSQL 15 cluster (Debian's packages) on a free 127.0.0.1 port.
#   .ci/services/postgres.sh start DIR   -> prints IM_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/postgres
#   .ci/services/postgres.sh stop DIR
# The cluster (DIR/pgdata), its Unix socket (DIR) and its log live under DIR; trust auth on loopback only.
set -euo pipefail
source "$(dirname "$0")/_common.sh"

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop DIR"

pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {  # run a command as the cluster owner: 'postgres' when we are root (initdb refuses root), else us
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin="$(pg_bin)" || { apt_install postgresql-15 || apt_install postgresql; bin="$(pg_bin)"; } \
    || die "pg_ctl not found after installing PostgreSQL"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (the postgresql package creates it)"
    chown postgres "$dir"
    runuser -u postgres -- test -w "$dir" \
      || die "user postgres cannot reach $dir (a parent directory is private); use a directory under /tmp"
  fi
  if [ -f "$dir/pgdata/postmaster.pid" ]; then
    die "a cluster is already running from $dir/pgdata; stop it first"
  fi
  if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/pgdata" -A trust -U postgres -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
      || { tail -20 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
  fi
  local port
  port="$(free_port)"
  # fsync off: a throwaway test cluster trades durability for speed.
  as_owner "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || { tail -20 "$dir/postgres.log" >&2; die "pg_ctl start failed (log: $dir/postgres.log)"; }
  log "postgres ready on 127.0.0.1:${port} (cluster $dir/pgdata)"
  echo "IM_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:${port}/postgres"
}

stop() {
  local bin
  if [ ! -f "$dir/pgdata/postmaster.pid" ]; then
    log "no running cluster in $dir/pgdata: nothing to stop"
    return 0
  fi
  bin="$(pg_bin)" || die "pg_ctl not found"
  as_owner "$bin/pg_ctl" -D "$dir/pgdata" -m fast -w -t 30 stop >&2
  log "postgres stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) die "unknown command '$cmd': use start or stop" ;;
esac
