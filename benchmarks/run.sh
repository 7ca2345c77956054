#!/usr/bin/env bash
# Run every benchmark, print its table (ratios against a baseline measured in the same run) and keep the figures:
#   ./benchmarks/run.sh            full runs (about 10 minutes on a 2-core VM)
#   ./benchmarks/run.sh --quick    smaller runs (a smoke test, not figures to quote)
# Extra arguments go to `industrialmind bench all` (e.g. --data DIR for the SKAB folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out="benchmarks/results/$(date -u +%Y-%m-%dT%H%M)-$(hostname -s).json"
.venv/bin/industrialmind bench all --save "$out" "$@"
echo "figures saved to $out"
