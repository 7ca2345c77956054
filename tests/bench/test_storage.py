"""Smoke test of `industrialmind bench storage`: it runs end to end in quick mode and reports sane figures."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner


def test_bench_storage_quick_reports_every_figure_with_a_ratio():
    """A quick run (half a day here) gives each figure, its same-run baseline and their ratio, and renders."""
    from rich.console import Console

    from industrialmind.bench import storage
    from industrialmind.config import get_settings

    result = storage.run(get_settings(), quick=True, days=0.5)
    assert result["sensors"] == 150 and result["points"] == 150 * 720
    metrics = {r["metric"]: r for r in result["results"]}
    assert any(m.startswith("simulator") for m in metrics)
    assert "DuckDB write (idempotent)" in metrics
    for r in result["results"]:
        assert r["value"] > 0 and r["baseline_value"] > 0
        assert math.isclose(r["ratio"], r["value"] / r["baseline_value"], rel_tol=0.05)
    Console(file=open("/dev/null", "w")).print(storage.render(result))


def test_bench_storage_is_listed_by_the_bench_command():
    """`industrialmind bench` knows the storage benchmark."""
    from industrialmind.bench import available

    assert "storage" in available()
    result = CliRunner().invoke(__import__("industrialmind.cli", fromlist=["app"]).app, ["bench", "nope"])
    assert "storage" in str(result.exception)


@pytest.mark.slow  # runs every benchmark
def test_bench_all_runs_each_benchmark_and_reports_one_that_cannot_run(tmp_path):
    """`bench all` runs the benchmarks in turn; one whose data is missing is reported as skipped with the reason
    (here: no SKAB files in an empty folder) and the next one still runs."""
    from industrialmind.bench import run_all

    results = run_all(["skab", "storage"], {"quick": True, "data": tmp_path})
    assert "no SKAB data" in results["skab"]["skipped"]
    assert results["storage"]["points"] > 0


def test_bench_save_to_a_folder_is_refused_before_the_run(tmp_path):
    """`bench storage --save FOLDER` fails at once (it crashed with IsADirectoryError after the whole run)."""
    from typer.testing import CliRunner

    from industrialmind.cli import app
    from industrialmind.errors import InvalidInputError

    result = CliRunner().invoke(app, ["bench", "storage", "--save", str(tmp_path)])
    assert isinstance(result.exception, InvalidInputError) and "is a folder" in str(result.exception)
