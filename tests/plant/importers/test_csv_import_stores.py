"""The CSV importer end to end: the registry and the time-series store, bad rows, re-runs and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from industrialmind.config import get_settings
from industrialmind.errors import InvalidInputError
from industrialmind.plant.importers.csv_import import import_csv
from tests.plant.importers.test_csv_parsing import BAD

pytest.importorskip("industrialmind.stores.records", reason="the records store (stores/records.py) is not built yet")


def _stores(settings):
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    return open_timeseries(settings.resolved.timeseries), open_records(settings.resolved.records)


def test_import_csv_imports_good_rows_reports_bad_ones_and_reruns_cleanly(write_csv):
    """A CSV with bad rows imports the rest, reports each skipped row, and a re-run duplicates nothing."""
    settings = get_settings()
    path = write_csv(BAD)
    first = import_csv(settings, path, "PUMP-7")
    assert [(s.row, s.reason.split(":")[0]) for s in first.skipped] == [
        (3, "column 'temp_C'"), (4, "unparseable timestamp 'not-a-date' in column 'time'"),
        (5, "expected 4 fields, found 3"), (6, "empty row"), (8, "no sensor values"),
        (9, "same timestamp as row 10, which is kept")]
    assert first.site_id == "CSV" and first.counts == {"rows": 3, "sensors_added": 2, "points": 5}
    second = import_csv(settings, path, "PUMP-7")
    assert second.counts == {"rows": 3, "sensors_added": 0, "points": 5}
    ts, records = _stores(settings)
    try:
        assert ts.count("PUMP-7") == 5
        asset = records.get_asset("PUMP-7")
        assert [s.id for s in asset.sensors] == ["temp_c", "pressure_bar"]
        assert asset.sensor("temp_c").unit == "°C" and asset.site_id == "CSV"
    finally:
        ts.close()
        records.close()


def test_import_csv_adds_new_sensors_to_an_existing_asset(write_csv):
    """An asset that exists (any spelling of its id) keeps its sensors and gains the new columns."""
    settings = get_settings()
    import_csv(settings, write_csv("time,flow\n2024-01-01,1\n", "a.csv"), "P-9", site="PLANT")
    report = import_csv(settings, write_csv("time,flow,amps\n2024-01-02,2,3\n", "b.csv"), "p9")
    assert report.assets == ["P-9"] and report.site_id == "PLANT" and report.counts["sensors_added"] == 1
    ts, records = _stores(settings)
    try:
        assert [s.id for s in records.get_asset("P-9").sensors] == ["flow", "amps"]
        assert ts.count("P-9") == 3
    finally:
        ts.close()
        records.close()


def test_import_csv_command_prints_summary_and_json(write_csv):
    """`import csv` prints the skipped rows; with --json the report has stable keys."""
    from industrialmind.cli import app

    path = write_csv(BAD)
    result = CliRunner().invoke(app, ["import", "csv", str(path), "--asset", "PUMP-7"])
    assert result.exit_code == 0, result.output
    assert "row 4: unparseable timestamp 'not-a-date'" in result.output
    result = CliRunner().invoke(app, ["import", "csv", str(path), "--asset", "PUMP-7", "--json"])
    data = json.loads(result.stdout)
    assert set(data) >= {"source", "site_id", "counts", "skipped", "ignored_columns", "notes", "assets"}
    assert [s["row"] for s in data["skipped"]] == [3, 4, 5, 6, 8, 9]


def test_import_csv_command_bad_input_is_one_line_exit_2(write_csv, tmp_path):
    """A bad --timestamp-col is one error line naming the closest column, exit code 2, no traceback."""
    import subprocess
    import sys

    path = write_csv("time,temp\n2024-01-01,1\n")
    out = subprocess.run([sys.executable, "-m", "industrialmind", "import", "csv",
                          str(path), "--asset", "X", "--timestamp-col", "tim"], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 2
    assert "timestamp column 'tim' is not in the header" in out.stderr and "did you mean 'time'" in out.stderr
    assert "Traceback" not in out.stderr


def test_import_csv_empty_asset_id_is_an_error(write_csv):
    """An empty --asset is refused with a message saying what to pass."""
    with pytest.raises(InvalidInputError, match="--asset is empty"):
        import_csv(get_settings(), write_csv("time,a\n2024-01-01,1\n"), "  ")


def test_import_csv_empty_site_is_an_error_and_writes_nothing(write_csv, im_home):
    """An empty --site is refused before anything is stored (it created an asset in a site named '')."""
    with pytest.raises(InvalidInputError, match="--site is empty"):
        import_csv(get_settings(), write_csv("time,a\n2024-01-01,1\n"), "T-1", site=" ")
    assert not (im_home / "records.db").exists() and not (im_home / "timeseries.duckdb").exists()


def test_import_csv_command_sensor_cols_accepts_commas_and_repeats(write_csv):
    """--sensor-cols takes 'a,b' or repeated options; only those columns become sensors."""
    from industrialmind.cli import app

    path = write_csv("time,a,b,c\n2024-01-01T00:00:00Z,1,2,3\n")
    result = CliRunner().invoke(app, ["import", "csv", str(path), "--asset", "T-1", "--sensor-cols", "a,c",
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == {"rows": 1, "sensors_added": 2, "points": 2}
    result = CliRunner().invoke(app, ["import", "csv", str(path), "--asset", "T-1", "--sensor-cols", "b",
                                      "--sensor-cols", "a", "--json"])
    assert json.loads(result.stdout)["counts"] == {"rows": 1, "sensors_added": 1, "points": 2}
