"""The `simulate` and `status` commands: history and labels in the stores, idempotent re-runs, a summary."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from industrialmind.cli import app
from industrialmind.config import get_settings
from industrialmind.plant.history import ensure_demo_data

END = "2026-11-20T06:00:00Z"


def _records_or_skip():
    """The records store module, or a skip naming it while it has not landed."""
    return pytest.importorskip("industrialmind.stores.records", reason="industrialmind.stores.records is not built yet")


def test_simulate_writes_points_to_the_timeseries_store():
    """`simulate --days 0.05 --json` writes every sensor's minutes into the store and reports the window."""
    from industrialmind.stores.timeseries import open_timeseries

    result = CliRunner().invoke(app, ["simulate", "--days", "0.05", "--seed", "3", "--end", END, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["series"] >= 150 and data["points_written"] == 72 * data["series"]
    assert data["end"].startswith("2026-11-20T06:00:00")
    store = open_timeseries(get_settings().resolved.timeseries)
    try:
        assert store.count() == data["points_written"]
        latest = store.latest("P-101", ["flow"])
        assert 60 < float(latest["value"].iloc[0]) < 150
    finally:
        store.close()


def test_simulate_rerun_is_idempotent():
    """Running the same simulate twice leaves the same number of points."""
    from industrialmind.stores.timeseries import open_timeseries

    args = ["simulate", "--days", "0.02", "--seed", "3", "--end", END, "--json"]
    first = CliRunner().invoke(app, args)
    second = CliRunner().invoke(app, args)
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    store = open_timeseries(get_settings().resolved.timeseries)
    try:
        assert store.count() == json.loads(first.stdout)["points_written"]
    finally:
        store.close()


def test_simulate_saves_plant_and_labels_in_the_records_store():
    """simulate saves the demo plant in the registry and the simulator's fault labels in the records store."""
    records_module = _records_or_skip()
    from datetime import datetime, timedelta

    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator

    result = CliRunner().invoke(app, ["simulate", "--days", "1", "--seed", "1", "--end", END, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records_saved"] is True
    end = datetime.fromisoformat(END)
    expected = Simulator(demo_plant(), seed=1).fault_labels(end - timedelta(days=1), end)
    records = records_module.open_records(get_settings().resolved.records)
    try:
        assert records.load_plant("DEMO").asset("P-101").name == "Feed pump A"
        stored = [lb for lb in records.list_fault_labels() if lb.source == "simulator"]
    finally:
        records.close()
    assert expected and [(lb.asset_id, lb.fault, lb.start, lb.end) for lb in stored] == \
        [(lb.asset_id, lb.fault, lb.start, lb.end) for lb in expected]


def test_simulate_rejects_zero_days():
    """--days 0 is one clear error naming the option, exit code 2."""
    from industrialmind.errors import InvalidInputError

    result = CliRunner().invoke(app, ["simulate", "--days", "0"])
    assert isinstance(result.exception, InvalidInputError) and "--days" in str(result.exception)


def test_simulate_live_without_streaming_module_is_a_clear_error(monkeypatch):
    """--live when industrialmind.pipeline.producer is missing raises an IndustrialMindError naming the module."""
    import sys

    from industrialmind.errors import IndustrialMindError

    monkeypatch.setitem(sys.modules, "industrialmind.pipeline.producer", None)
    result = CliRunner().invoke(app, ["simulate", "--days", "0.01", "--end", END, "--live"])
    assert isinstance(result.exception, IndustrialMindError)
    assert "industrialmind.pipeline.producer" in str(result.exception)


def test_status_once_json_summarises_the_demo_plant():
    """`status --json` simulates a short history into an empty home and summarises lines, readings and faults."""
    result = CliRunner().invoke(app, ["status", "--json", "--days", "0.05"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["site"]["id"] == "DEMO" and len(data["lines"]) >= 3 and data["sensors"] >= 150
    assert data["history"] is not None
    assert all(r["value"] is not None for r in data["readings"])
    for fault in data["active_faults"]:
        assert {"asset", "fault", "start", "end", "progress", "sensors"} <= set(fault)
        assert 0 <= fault["progress"] < 1


def test_ensure_demo_data_is_a_no_op_when_history_exists():
    """ensure_demo_data simulates into an empty home once, then leaves it alone."""
    cfg = get_settings()
    calls = []
    first = ensure_demo_data(cfg, days=0.02, seed=2, progress=lambda done, total: calls.append((done, total)))
    second = ensure_demo_data(cfg, days=0.02, seed=2, progress=False)
    assert first["simulated"] is True and calls and calls[-1][0] == calls[-1][1]
    assert second["simulated"] is False and second["points"] > 0


def test_status_once_prints_tables():
    """`status --once` prints the plant header, the lines and the key readings."""
    result = CliRunner().invoke(app, ["status", "--once", "--days", "0.02"])
    assert result.exit_code == 0, result.output
    assert "Riverside Process Plant" in result.output and "P-101" in result.output


def test_catch_up_extends_history_with_the_same_values():
    """catch_up writes the minutes between the last stored point and now, equal to the simulator's values."""
    from datetime import datetime, timedelta

    from industrialmind.plant.history import catch_up
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator
    from industrialmind.stores.timeseries import open_timeseries

    cfg = get_settings()
    end = datetime.fromisoformat(END)
    result = CliRunner().invoke(app, ["simulate", "--days", "0.01", "--seed", "4", "--end", END, "--json"])
    assert result.exit_code == 0, result.output
    written = catch_up(cfg, seed=4, now=end + timedelta(minutes=30))
    assert written == 30 * demo_plant().sensor_count
    store = open_timeseries(cfg.resolved.timeseries)
    try:
        stored = store.range("M-101", ["current"], end, end + timedelta(minutes=30))
        assert store.bounds(asset="P-101")[1] == end + timedelta(minutes=29)
    finally:
        store.close()
    expected = Simulator(demo_plant(), seed=4).wide(end, end + timedelta(minutes=30))[("M-101", "current")]
    assert stored["value"].to_numpy() == pytest.approx(expected.to_numpy())


@pytest.mark.parametrize("args", [["--days", "1e9"], ["--days", "nan"], ["--live", "--rate", "0"],
                                  ["--live", "--speed", "-1"]])
def test_simulate_refuses_bad_values_before_writing(args, im_home):
    """Absurd --days and a bad live --rate/--speed fail at once with exit 2, before any history is written."""
    from industrialmind.errors import InvalidInputError

    result = CliRunner().invoke(app, ["simulate", *args])
    assert isinstance(result.exception, InvalidInputError), result.output
    assert not (im_home / "timeseries.duckdb").exists()


def test_backfill_end_in_year_one_is_invalid_input():
    """An --end so early that the window starts before year 1 is an InvalidInputError, not an OverflowError."""
    from datetime import UTC, datetime

    from industrialmind.errors import InvalidInputError
    from industrialmind.plant.history import backfill

    with pytest.raises(InvalidInputError, match="before year 1"):
        backfill(get_settings(), days=7, end=datetime(1, 1, 2, tzinfo=UTC))


def test_run_live_reports_retries_and_gives_up_on_an_unreachable_broker():
    """With an unreachable broker, run_live reports each retry and gives up after broker_wait_s."""
    from industrialmind.errors import BackendUnavailableError
    from industrialmind.pipeline.producer import run_live
    from industrialmind.stores.streams import Streams

    class Unreachable(Streams):
        def check(self, timeout: float = 5.0) -> list[str]:
            raise BackendUnavailableError("Kafka broker at '127.0.0.1:9' is unreachable")

    said: list[str] = []
    with pytest.raises(BackendUnavailableError, match="gave up after"):
        run_live(get_settings(), streams=Unreachable("127.0.0.1:9"), broker_wait_s=1.0,
                 on_retry=lambda message, delay: said.append(message))
    assert said and "retrying" in said[0]


def test_status_refuses_a_zero_refresh_interval():
    """`status --interval 0` is a usage error instead of a live view that redraws without pause."""
    result = CliRunner().invoke(app, ["status", "--interval", "0"])
    assert result.exit_code == 2 and "--interval" in result.output
