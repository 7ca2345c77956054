# Helpers shared by the service scripts (sourced). Diagnostics go to stderr: stdout carries only KEY=VALUE lines.

log() { echo "$(basename "$0"): $*" >&2; }
die() { log "$*"; exit 1; }

free_port() {  # print a TCP port that is free on 127.0.0.1 right now
  local py
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
      return
    fi
  done
  die "no python3 to pick a free port"
}

apt_install() {  # install Debian packages when missing (needs root, or sudo without a password)
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  log "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || die "apt-get install $* failed"
}

wait_pid_gone() {  # wait up to $2 seconds for process $1 to exit
  local pid="$1" limit="${2:-20}" i
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

http_status() {  # print the HTTP status of GET $1 (000 when unreachable); curl when present, else python3
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
  else
    python3 - "$1" <<'PY' 2>/dev/null || echo 000
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
  fi
}
