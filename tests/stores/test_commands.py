"""The read commands: `assets`, `readings` and `doctor`, driven through the real CLI on a small registered plant."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from industrialmind.cli import app
from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.plant.readings import choose_interval, sparkline
from tests.stores.test_records import small_plant


@pytest.fixture
def plant_home(im_home: Path) -> Path:
    """The default stores under IM_HOME holding the small plant and two hours of P-101 flow ending now."""
    from industrialmind.config import get_settings
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries
    from industrialmind.timeutil import now_utc

    settings = get_settings()
    settings.ensure_home()
    records = open_records(settings.resolved.records)
    records.save_plant(small_plant())
    records.close()
    end = pd.Timestamp(now_utc()).floor("min")
    ts = pd.date_range(end - timedelta(minutes=119), end, freq="1min")
    store = open_timeseries(settings.resolved.timeseries)
    store.write(pd.DataFrame({"asset": "P-101", "sensor": "flow", "ts": ts, "value": [float(i) for i in range(120)]}))
    store.close()
    return im_home


def _json(args: list[str]) -> dict:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_assets_json_lists_assets_with_sensor_units(plant_home):
    """`assets --json` gives id, name, type, line, site and sensors with units."""
    data = _json(["assets", "--json"])
    assert data["count"] == 3
    pump = data["assets"][0]
    assert (pump["id"], pump["type"], pump["line"], pump["site"]) == ("P-101", "centrifugal_pump", "L1", "S1")
    assert pump["sensors"] == [{"id": "flow", "name": "Flow", "quantity": "flow", "unit": "m3/h"}]
    assert [a["id"] for a in _json(["assets", "--type", "tank", "--json"])["assets"]] == ["T-201"]
    assert [a["id"] for a in _json(["assets", "--line", "L1", "--json"])["assets"]] == ["P-101", "M-101"]


def test_assets_unknown_filter_names_valid_values(plant_home):
    """An unknown --site fails naming the registered sites."""
    result = CliRunner().invoke(app, ["assets", "--site", "S9"])
    assert isinstance(result.exception, InvalidInputError)
    assert "'S9'" in str(result.exception) and "'S1'" in str(result.exception)


def test_readings_latest_json(plant_home):
    """`readings P-101 --json` gives the latest value of each sensor with its unit and status."""
    data = _json(["readings", "P-101", "--json"])
    assert data["mode"] == "latest"
    (flow,) = data["readings"]
    assert (flow["sensor"], flow["value"], flow["unit"]) == ("flow", 119.0, "m3/h")
    assert flow["status"] == "high" and flow["normal_max"] == 60  # above its normal range
    assert flow["ts"].endswith("+00:00")


def test_readings_window_summarises_buckets(plant_home):
    """With --since and --interval, each sensor has a count, min/mean/max/last and its buckets."""
    data = _json(["readings", "P-101", "--since", "3h", "--interval", "30m", "--json"])
    (flow,) = data["series"]
    assert flow["count"] == 120 and flow["min"] == 0.0 and flow["max"] == 119.0 and flow["last"] == 119.0
    assert flow["mean"] == pytest.approx(59.5)
    assert data["interval_s"] == 1800 and sum(b["count"] for b in flow["buckets"]) == 120


def test_readings_without_data_explains(plant_home):
    """An asset without telemetry reports 'no data' and says nothing is stored for it."""
    data = _json(["readings", "M-101", "--json"])
    assert data["readings"][0]["status"] == "no data"
    assert "no telemetry is stored for M-101" in data["note"]


def test_readings_unknown_asset_and_sensor_name_closest(plant_home):
    """An unknown asset or sensor fails naming the closest valid ids."""
    result = CliRunner().invoke(app, ["readings", "P-1O1"])
    assert isinstance(result.exception, NotFoundError) and "'P-101'" in str(result.exception)
    result = CliRunner().invoke(app, ["readings", "P-101", "--sensor", "flw"])
    assert isinstance(result.exception, NotFoundError) and "'flow'" in str(result.exception)


def test_readings_error_is_one_line_exit_2(plant_home):
    """From the real entry point, an unknown asset prints one error line and exits with code 2."""
    out = subprocess.run([sys.executable, "-m", "industrialmind", "readings", "P-1O1"], capture_output=True,
                         text=True, env=dict(os.environ), timeout=120)
    assert out.returncode == 2
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "did you mean" in lines[0] and "Traceback" not in out.stderr


def test_doctor_reports_embedded_defaults_ok(plant_home):
    """With the embedded defaults every check passes and the stores report what they hold."""
    data = _json(["doctor", "--json"])
    assert data["ok"] is True
    by_name = {c["name"]: c for c in data["checks"]}
    assert "120 points" in by_name["timeseries"]["detail"]
    assert "3 asset(s)" in by_name["records"]["detail"]


def test_doctor_flags_an_unreachable_influx_in_one_line(im_home, monkeypatch):
    """An unreachable InfluxDB is a failed check naming the masked URL and the cause; exit code 1, no traceback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("IM_TIMESERIES_URL", f"influxdb://u:pw123@127.0.0.1:{port}/x")
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    check = next(c for c in data["checks"] if c["name"] == "timeseries")
    assert check["ok"] is False and f"127.0.0.1:{port}" in check["detail"] and "pw123" not in result.output
    assert "\n" not in check["detail"]


def test_choose_interval_and_sparkline():
    """Auto intervals give at most ~48 round buckets; sparklines scale from lowest to highest block."""
    assert choose_interval(pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-02", tz="UTC")) == \
        timedelta(minutes=30)
    assert sparkline([0, 1, 2, 3]) == "▁▃▆█"
    assert sparkline([5, 5]) == "▄▄"


@pytest.mark.parametrize("argv", [["ingest", "--batch-wait", "-1"], ["ingest", "--max-messages", "0"],
                                  ["streams", "--interval", "-1"], ["streams", "--tail", "telemetry", "--limit", "0"],
                                  ["up", "--duration", "-1"]])
def test_stream_commands_refuse_out_of_range_values(argv):
    """Negative waits and intervals and zero limits are usage errors (exit 2) before a broker is looked for (a zero
    `streams --interval` is valid: counts and lag without rates)."""
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2 and "Invalid value" in result.output, result.output


@pytest.mark.parametrize("option", ["--rate", "--speed"])
def test_up_refuses_a_bad_rate_or_speed_before_starting(option):
    """`up --rate 0` / `--speed 0` fail at once instead of a simulator child that exits 1 while up reports success."""
    result = CliRunner().invoke(app, ["up", option, "0", "--duration", "1"])
    assert isinstance(result.exception, InvalidInputError), result.output
