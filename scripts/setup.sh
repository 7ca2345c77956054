#!/usr/bin/env bash
# Create .venv/ at the repository root (if missing) and install IndustrialMind with every extra from the lock
# file. Re-running is cheap: the install is skipped while pyproject.toml and constraints.txt are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "error: IndustrialMind needs Python >= 3.11 (python3.11 was not found on PATH; set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)" >&2
  "$PY" -m venv .venv || { echo "error: '$PY -m venv' failed; on Debian install python3-venv" >&2; exit 2; }
fi

stamp=.venv/.industrialmind-installed
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/industrialmind ]; then
  exit 0
fi

echo "setup: installing IndustrialMind and its dependencies into .venv (first time: a few minutes, ~2.7 GB)" >&2
.venv/bin/python -m pip install --quiet --upgrade pip
# torch==2.13.0 is pinned: on this kind of machine pip takes the local CPU wheel; elsewhere the CPU index keeps the
# download small (PIP_EXTRA_INDEX_URL may add https://download.pytorch.org/whl/cpu).
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[all]"
echo "$want" > "$stamp"
echo "setup: done (.venv/bin/industrialmind)" >&2
