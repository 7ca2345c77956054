#!/usr/bin/env bash
# The two commands a user needs:
#   ./run.sh            set up .venv/ and start IndustrialMind on the demo plant (no servers, no API keys)
#   ./run.sh test [ARGS] set up .venv/ the same way and run the whole test suite (extra ARGS go to pytest)
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
mode="${1:-start}"
case "$mode" in
  test)
    shift
    exec .venv/bin/python -m pytest "$@"
    ;;
  start)
    [ $# -gt 0 ] && shift
    exec .venv/bin/industrialmind start "$@"
    ;;
  *)
    echo "usage: ./run.sh [start|test] [ARGS...]" >&2
    exit 2
    ;;
esac
