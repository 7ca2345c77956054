#!/usr/bin/env bash
# Start or stop a private InfluxDB 1.x (Debian's `influxdb` package, v1 HTTP API) on a free 127.0.0.1 port.
#   .ci/services/influxdb.sh start DIR   -> prints IM_TEST_INFLUX_URL=influxdb://127.0.0.1:PORT/im_test
#   .ci/services/influxdb.sh stop DIR
# Everything (config, meta, data, WAL, log, pid) lives under DIR; nothing touches /var/lib/influxdb.
set -euo pipefail
source "$(dirname "$0")/_common.sh"

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop DIR"

start() {
  command -v influxd >/dev/null 2>&1 || apt_install influxdb
  command -v influxd >/dev/null 2>&1 || die "influxd not found after installing the influxdb package"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/influxd.pid" ] && kill -0 "$(cat "$dir/influxd.pid")" 2>/dev/null; then
    die "influxd already running from $dir (pid $(cat "$dir/influxd.pid")); stop it first"
  fi
  mkdir -p "$dir/meta" "$dir/data" "$dir/wal"
  local port rpc_port
  port="$(free_port)"
  rpc_port="$(free_port)"
  # The RPC (backup) port defaults to 8088 on every interface: bind it to loopback too, or two servers collide.
  cat > "$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:${rpc_port}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  auth-enabled = false
  log-enabled = false
  max-row-limit = 0
[continuous_queries]
  enabled = false
CONF
  influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
  echo $! > "$dir/influxd.pid"
  local i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$(cat "$dir/influxd.pid")" 2>/dev/null; then
      tail -20 "$dir/influxd.log" >&2
      die "influxd exited during start (log: $dir/influxd.log)"
    fi
    if [ "$(http_status "http://127.0.0.1:${port}/ping")" = "204" ]; then
      log "influxd ready on 127.0.0.1:${port} (pid $(cat "$dir/influxd.pid"), data in $dir)"
      echo "IM_TEST_INFLUX_URL=influxdb://127.0.0.1:${port}/im_test"
      return 0
    fi
    sleep 0.1
  done
  tail -20 "$dir/influxd.log" >&2
  die "influxd did not answer /ping within 30 s (log: $dir/influxd.log)"
}

stop() {
  [ -f "$dir/influxd.pid" ] || { log "no influxd.pid in $dir: nothing to stop"; return 0; }
  local pid
  pid="$(cat "$dir/influxd.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait_pid_gone "$pid" 20 || { log "influxd $pid ignored SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$dir/influxd.pid"
  log "influxd stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) die "unknown command '$cmd': use start or stop" ;;
esac
