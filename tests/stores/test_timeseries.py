"""Time-series behaviour every backend shares: idempotent writes, latest/range/downsample against pandas, UTC, errors.

The `ts_store` fixture picks the backend: DuckDB here; tests/integration/test_influx_timeseries.py imports these
same functions and overrides the fixture with a real InfluxDB, so both backends pass the same assertions.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from industrialmind.errors import InvalidInputError

T0 = pd.Timestamp("2026-11-01T00:00:00Z")


def make_points(assets=("P-101",), sensors=("flow", "pressure"), minutes=120, start=T0, seed=1,
                period="1min") -> pd.DataFrame:
    """A small deterministic points frame: every asset x sensor at one-minute steps."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=minutes, freq=period)
    parts = []
    for asset in assets:
        for sensor in sensors:
            parts.append(pd.DataFrame({"asset": asset, "sensor": sensor, "ts": ts,
                                       "value": rng.normal(50.0, 5.0, minutes).round(6)}))
    return pd.concat(parts, ignore_index=True)


def test_timeseries_write_is_idempotent(ts_store):
    """Writing the same points twice stores them once, and a rewrite replaces the values."""
    points = make_points()
    assert ts_store.write(points) == len(points)
    assert ts_store.write(points) == len(points)
    assert ts_store.count() == len(points)
    changed = points.copy()
    changed["value"] = changed["value"] + 1000.0
    ts_store.write(changed)
    assert ts_store.count() == len(points)
    latest = ts_store.latest("P-101").set_index("sensor")
    expected = changed.sort_values("ts").groupby("sensor")["value"].last()
    assert latest["value"].to_dict() == pytest.approx(expected.to_dict())


def test_timeseries_duplicates_inside_one_batch_keep_the_last(ts_store):
    """Two rows with the same key in one batch store one point holding the last value."""
    points = make_points(sensors=("flow",), minutes=3)
    twice = pd.concat([points, points.assign(value=7.0)], ignore_index=True)
    ts_store.write(twice)
    assert ts_store.count("P-101") == 3
    assert ts_store.latest("P-101")["value"].tolist() == [7.0]


def test_timeseries_latest_gives_each_sensors_last_point(ts_store):
    """latest returns one row per sensor with its last timestamp and value, filtered by sensors when asked."""
    points = make_points(assets=("P-101", "P-102"), sensors=("flow", "pressure", "vibration"))
    ts_store.write(points)
    latest = ts_store.latest("P-101")
    mine = points[points.asset == "P-101"].sort_values("ts").groupby("sensor").last()
    assert latest["sensor"].tolist() == ["flow", "pressure", "vibration"]
    assert latest.set_index("sensor")["value"].to_dict() == pytest.approx(mine["value"].to_dict())
    assert (latest["ts"] == T0 + pd.Timedelta(minutes=119)).all()
    only = ts_store.latest("P-101", ["vibration"])
    assert only["sensor"].tolist() == ["vibration"]
    assert ts_store.latest("P-999").empty


def test_timeseries_range_is_start_inclusive_end_exclusive(ts_store):
    """range returns raw points with start <= ts < end, sorted by sensor then time, for the asked sensors only."""
    points = make_points(assets=("P-101", "P-102"), sensors=("flow", "pressure", "vibration"))
    ts_store.write(points)
    start, end = T0 + pd.Timedelta(minutes=10), T0 + pd.Timedelta(minutes=20)
    got = ts_store.range("P-101", ["flow", "pressure"], start.to_pydatetime(), end.to_pydatetime())
    want = points[(points.asset == "P-101") & points.sensor.isin(["flow", "pressure"])
                  & (points.ts >= start) & (points.ts < end)].sort_values(["sensor", "ts"])
    assert list(got.columns) == ["ts", "sensor", "value"]
    assert len(got) == 20
    assert got["ts"].tolist() == want["ts"].tolist()
    assert got["sensor"].tolist() == want["sensor"].tolist()
    assert got["value"].to_numpy() == pytest.approx(want["value"].to_numpy())


def test_timeseries_downsample_matches_pandas(ts_store):
    """downsample's mean/min/max/last/count per bucket equal pandas' over the same epoch-aligned buckets."""
    points = make_points(sensors=("flow", "pressure"), minutes=180)
    ts_store.write(points)
    start, end = T0 + pd.Timedelta(minutes=7), T0 + pd.Timedelta(minutes=173)
    got = ts_store.downsample("P-101", None, start.to_pydatetime(), end.to_pydatetime(), timedelta(minutes=15))
    sel = points[(points.ts >= start) & (points.ts < end)].copy()
    sel["bucket"] = sel["ts"].dt.floor("15min")
    want = (sel.sort_values("ts").groupby(["sensor", "bucket"])["value"]
            .agg(["mean", "min", "max", "last", "count"]).reset_index())
    assert list(got.columns) == ["ts", "sensor", "mean", "min", "max", "last", "count"]
    assert got["ts"].tolist() == want["bucket"].tolist()
    assert got["sensor"].tolist() == want["sensor"].tolist()
    for column in ("mean", "min", "max", "last"):
        assert got[column].to_numpy() == pytest.approx(want[column].to_numpy()), column
    assert got["count"].tolist() == want["count"].tolist()
    # The first bucket starts on the 15-minute boundary before the range (epoch-aligned), with 8 points in range.
    assert got["ts"].iloc[0] == T0 and got["count"].iloc[0] == 8


def test_timeseries_reads_several_sensors_of_one_asset_only(ts_store):
    """Queries for one asset never return another asset's points, and cover several sensors at once."""
    ts_store.write(make_points(assets=("P-101", "P-102"), sensors=("flow", "pressure")))
    got = ts_store.downsample("P-102", ["flow", "pressure"], T0.to_pydatetime(),
                              (T0 + pd.Timedelta(hours=2)).to_pydatetime(), timedelta(hours=1))
    assert sorted(set(got["sensor"])) == ["flow", "pressure"]
    assert got["count"].sum() == 240
    assert ts_store.count("P-102") == 240 and ts_store.count("P-103") == 0


def test_timeseries_round_trips_utc(ts_store):
    """Timestamps written in another zone or naive come back as the same instant, timezone-aware UTC."""
    cet = pd.date_range("2026-11-01T01:00:00+01:00", periods=3, freq="1min")  # = 00:00Z
    ts_store.write(pd.DataFrame({"asset": "P-101", "sensor": "flow", "ts": cet, "value": [1.0, 2.0, 3.0]}))
    naive = pd.date_range("2026-11-01T00:03:00", periods=2, freq="1min")
    ts_store.write(pd.DataFrame({"asset": "P-101", "sensor": "flow", "ts": naive, "value": [4.0, 5.0]}))
    got = ts_store.range("P-101", ["flow"], datetime(2026, 11, 1, tzinfo=timezone.utc),
                         datetime(2026, 11, 1, 1, tzinfo=timezone.utc))
    assert str(got["ts"].dt.tz) == "UTC"
    assert got["ts"].tolist() == list(pd.date_range("2026-11-01T00:00:00Z", periods=5, freq="1min"))
    assert got["value"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    first, last = ts_store.bounds("P-101")
    assert first == datetime(2026, 11, 1, tzinfo=timezone.utc) and first.tzinfo is not None
    assert last == datetime(2026, 11, 1, 0, 4, tzinfo=timezone.utc)
    # A query bound in another zone means the same instant.
    plus2 = timezone(timedelta(hours=2))
    assert len(ts_store.range("P-101", ["flow"], datetime(2026, 11, 1, 2, 1, tzinfo=plus2),
                              datetime(2026, 11, 1, 3, tzinfo=plus2))) == 4


def test_timeseries_empty_store_reads_empty(ts_store):
    """An empty store counts zero, has no bounds and returns empty frames with the documented columns."""
    assert ts_store.count() == 0
    assert ts_store.bounds() is None
    assert list(ts_store.latest("P-101").columns) == ["sensor", "ts", "value"]
    got = ts_store.downsample("P-101", None, T0.to_pydatetime(), (T0 + pd.Timedelta(hours=1)).to_pydatetime(),
                              timedelta(minutes=5))
    assert got.empty and list(got.columns) == ["ts", "sensor", "mean", "min", "max", "last", "count"]


def test_timeseries_skips_nan_values(ts_store):
    """A NaN value carries no reading and is not stored."""
    points = make_points(sensors=("flow",), minutes=4)
    points.loc[1, "value"] = np.nan
    assert ts_store.write(points) == 3
    assert ts_store.count("P-101") == 3


def test_timeseries_keeps_measurements_apart(ts_store):
    """Points of another measurement are invisible to queries of the default one."""
    ts_store.write(make_points(sensors=("flow",), minutes=5), measurement="scores")
    assert ts_store.count() == 0
    assert ts_store.count(measurement="scores") == 5
    assert ts_store.latest("P-101", measurement="scores")["sensor"].tolist() == ["flow"]


def test_timeseries_odd_ids_round_trip(ts_store):
    """Asset, sensor and measurement names with spaces, commas, equals signs and quotes round-trip as written."""
    odd_asset, odd_sensor = "Chiller 6, bay=2", "it's \"temp\""
    ts_store.write(pd.DataFrame({"asset": odd_asset, "sensor": odd_sensor,
                                 "ts": pd.date_range(T0, periods=2, freq="1min"), "value": [1.5, 2.5]}))
    latest = ts_store.latest(odd_asset, [odd_sensor])
    assert latest["sensor"].tolist() == [odd_sensor] and latest["value"].tolist() == [2.5]
    assert ts_store.count(odd_asset) == 2
    odd_measurement = "scores, v2"
    ts_store.write(make_points(minutes=2), measurement=odd_measurement)
    assert ts_store.count("P-101", measurement=odd_measurement) == 4


def test_timeseries_rejects_end_before_start(ts_store):
    """A range that ends before it starts raises InvalidInputError naming both ends."""
    with pytest.raises(InvalidInputError, match="2026-11-01T01:00:00.*2026-11-01T00:00:00"):
        ts_store.range("P-101", None, (T0 + pd.Timedelta(hours=1)).to_pydatetime(), T0.to_pydatetime())


def test_timeseries_rejects_too_many_buckets(ts_store):
    """A downsample producing more than 100k buckets per sensor raises InvalidInputError suggesting an interval."""
    with pytest.raises(InvalidInputError, match=r"buckets per sensor.*at least"):
        ts_store.downsample("P-101", None, T0.to_pydatetime(), (T0 + pd.Timedelta(days=365)).to_pydatetime(),
                            timedelta(seconds=1))


def test_timeseries_rejects_points_without_required_columns(ts_store):
    """A points frame lacking columns raises InvalidInputError naming the missing ones."""
    with pytest.raises(InvalidInputError, match="sensor"):
        ts_store.write(pd.DataFrame({"asset": ["P-101"], "ts": [T0], "value": [1.0]}))


def test_timeseries_rejects_points_without_asset(ts_store):
    """A row with no asset id is an InvalidInputError, not a point stored under 'nan'."""
    points = make_points(minutes=2)
    points.loc[0, "asset"] = None
    with pytest.raises(InvalidInputError, match="without asset"):
        ts_store.write(points)


def test_timeseries_summarise_matches_pandas(ts_store):
    """summarise gives, per window and sensor, pandas' count, sum, min and max with the first time each is reached,
    and the first and last values with their times; a window without points has no row."""
    points = make_points(sensors=("flow", "pressure"), minutes=180)
    points.loc[points.index[[10, 50]], "value"] = 99.0  # a tie for the maximum of flow: the earlier one counts
    ts_store.write(points)
    windows = [(T0 + pd.Timedelta(minutes=5), T0 + pd.Timedelta(minutes=65)),
               (T0 + pd.Timedelta(minutes=65), T0 + pd.Timedelta(minutes=180)),
               (T0 + pd.Timedelta(days=3), T0 + pd.Timedelta(days=4))]
    got = ts_store.summarise("P-101", None, [(a.to_pydatetime(), b.to_pydatetime()) for a, b in windows])
    assert list(got.columns) == ["window", "sensor", "count", "sum", "min", "min_ts", "max", "max_ts", "first",
                                 "first_ts", "last", "last_ts"]
    assert got["window"].tolist() == [0, 0, 1, 1]
    for row in got.itertuples(index=False):
        start, end = windows[row.window]
        sel = points[(points.sensor == row.sensor) & (points.ts >= start) & (points.ts < end)].sort_values("ts")
        assert row.count == len(sel) and row.sum == pytest.approx(sel.value.sum())
        assert (row.min, row.min_ts) == (sel.value.min(), sel.ts[sel.value.idxmin()])
        assert (row.max, row.max_ts) == (sel.value.max(), sel.ts[sel.value.idxmax()])
        assert (row.first, row.first_ts, row.last, row.last_ts) == (sel.value.iloc[0], sel.ts.iloc[0],
                                                                    sel.value.iloc[-1], sel.ts.iloc[-1])
    flow = got[(got.sensor == "flow") & (got.window == 0)].iloc[0]
    assert flow["max"] == 99.0 and flow["max_ts"] == points.ts.iloc[10]


def test_timeseries_summarise_one_sensor_and_checks_windows(ts_store):
    """A sensor list narrows the summary; no windows, or more than the limit, is one clear error."""
    ts_store.write(make_points(sensors=("flow", "pressure")))
    got = ts_store.summarise("P-101", ["pressure"], [(T0.to_pydatetime(), (T0 + pd.Timedelta(hours=2)).to_pydatetime())])
    assert got["sensor"].tolist() == ["pressure"] and got["count"].tolist() == [120]
    with pytest.raises(InvalidInputError, match="at least one"):
        ts_store.summarise("P-101", None, [])
    many = [(T0.to_pydatetime() + timedelta(minutes=i), T0.to_pydatetime() + timedelta(minutes=i + 1))
            for i in range(1001)]
    with pytest.raises(InvalidInputError, match="limit is 1,000"):
        ts_store.summarise("P-101", None, many)
