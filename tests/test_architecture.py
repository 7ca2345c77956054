"""The layering written in pyproject.toml ([tool.importlinter]) holds: `lint-imports` finds no broken contract."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    found = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(found).exists():
        pytest.skip("import-linter is not installed (pip install import-linter; it is in the dev extra)")
    return found


def test_import_contracts_hold():
    """Every import-linter contract is kept: layers from the entry point down, nothing imports the CLI or a room's
    commands, stores import no room above them, and no room's modules import each other in a circle."""
    out = subprocess.run([_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_stores_hold_only_stores():
    """`stores/` holds stores and their backends, not commands, workers or supervisors."""
    names = sorted(p.stem for p in (ROOT / "industrialmind" / "stores").glob("*.py"))
    assert not [n for n in names if n in ("commands", "stream_commands", "ingest", "stack", "_doctor")], names
    allowed = {"__init__", "timeseries", "_duckdb", "_influx", "_points", "streams", "broker", "messages", "graph",
               "cypher", "vectors", "records", "_records_ops", "_records_schema"}
    assert set(names) <= allowed, f"not a store or a store's backend: {sorted(set(names) - allowed)}"
