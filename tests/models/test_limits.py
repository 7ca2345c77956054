"""The limit check for assets without a model: sustained out-of-range readings, stuck sensors, data gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def _frame(n: int = 240, seed: int = 0):
    """Four hours of one-minute readings of two sensors wandering inside their normal ranges."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    index = pd.date_range(T0, periods=n, freq="60s", tz="UTC")
    return pd.DataFrame({"flow": 100 + rng.normal(0, 3, n), "temp": 50 + rng.normal(0, 1, n)}, index=index)


def _sensors():
    from industrialmind.domain.model import Sensor

    return [Sensor(id="flow", name="Flow", quantity="flow", unit="m3/h", normal_min=80, normal_max=130),
            Sensor(id="temp", name="Temperature", quantity="temperature", unit="degC", normal_min=40, normal_max=60)]


def test_check_limits_quiet_on_normal_data():
    """Readings that wander inside their normal ranges give no episode and count every sensor as checked."""
    from industrialmind.models.limits import check_limits

    result = check_limits(_frame(), _sensors(), "P-1")
    assert result["intervals"] == [] and result["checked"] == ["flow", "temp"]


def test_check_limits_finds_sustained_out_of_range_episode():
    """Twenty minutes of temperature above its range is one episode with the sensor, range and observed peak,
    while a three-minute blip is ignored."""
    from industrialmind.models.limits import check_limits

    frame = _frame()
    frame.iloc[60:80, 1] = 66.0 + np.linspace(0, 2, 20)
    frame.iloc[150:153, 0] = 140.0
    found = check_limits(frame, _sensors(), "P-1")["intervals"]
    assert len(found) == 1, found
    ep = found[0]
    assert ep["method"] == "limits" and ep["check"] == "out_of_range" and ep["sensor"] == "temp"
    assert ep["start"] == T0 + timedelta(minutes=60) and ep["end"] == T0 + timedelta(minutes=79)
    assert (ep["normal_min"], ep["normal_max"]) == (40, 60) and ep["observed"] == 68.0 and ep["score"] > 1.0
    assert ep["top_sensors"][0]["sensor"] == "temp" and {"peak_score", "threshold", "asset_id"} <= set(ep)


def test_check_limits_hysteresis_keeps_a_chattering_episode_whole():
    """Readings dipping back just inside the limit (within the deadband) do not split an episode."""
    from industrialmind.models.limits import check_limits

    frame = _frame()
    frame.iloc[60:90, 1] = np.where(np.arange(30) % 3 == 0, 59.9, 61.0)
    found = check_limits(frame, _sensors(), "P-1", merge_gap=timedelta(0))["intervals"]
    assert len(found) == 1 and found[0]["end"] - found[0]["start"] >= timedelta(minutes=28), found


def test_check_limits_finds_stuck_sensor_and_data_gap():
    """A flow frozen for an hour is a flat-line episode; twenty minutes of no readings at all is a data gap."""
    from industrialmind.models.limits import check_limits

    frame = _frame()
    frame.iloc[100:160, 0] = 101.25
    frame.iloc[200:220, :] = np.nan
    found = check_limits(frame, _sensors(), "P-1")["intervals"]
    checks = {(f["check"], f["sensor"]) for f in found}
    assert checks == {("flat_line", "flow"), ("data_gap", "*")}, found
    flat = next(f for f in found if f["check"] == "flat_line")
    assert flat["observed"] == 101.25 and flat["start"] == T0 + timedelta(minutes=100)


def test_check_limits_constant_setpoint_is_not_stuck():
    """A sensor that never moves in the whole frame (a setpoint) is not reported as stuck."""
    from industrialmind.models.limits import check_limits

    frame = _frame()
    frame["temp"] = 50.0
    assert check_limits(frame, _sensors(), "P-1")["intervals"] == []


def test_check_limits_sensor_without_range_is_not_checked():
    """A sensor with no normal range is listed under no_range, not counted as checked."""
    from industrialmind.models.limits import check_limits

    sensors = _sensors()
    sensors[1] = sensors[1].model_copy(update={"normal_min": None, "normal_max": None})
    result = check_limits(_frame(), sensors, "P-1")
    assert result["checked"] == ["flow"] and result["no_range"] == ["temp"]
