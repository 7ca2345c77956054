"""What the time-series backends share: the points frame, its checks and the frames queries return.

`timeseries.py` (the Protocol and `open_timeseries`) and both backends (`_duckdb.py`, `_influx.py`) import
these, so the backends behave the same and none of the three imports another in a circle.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MEASUREMENT = "telemetry"
MAX_BUCKETS = 100_000  # per sensor, per downsampled query: beyond this the caller wants a coarser interval
POINT_COLUMNS = ("asset", "sensor", "ts", "value")


def mask(url: str) -> str:
    """The URL with its password hidden, for messages."""
    from industrialmind.config import mask_url

    return mask_url(url)


def utc_timestamp(value: datetime, what: str = "time") -> "pd.Timestamp":
    """A timezone-aware UTC pandas Timestamp (a naive datetime is taken to be UTC)."""
    import pandas as pd

    from industrialmind.errors import InvalidInputError

    if not isinstance(value, datetime):
        raise InvalidInputError(f"{what} must be a datetime, not {value!r}")
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def check_range(start: datetime, end: datetime, interval: timedelta | None = None,
                max_buckets: int = MAX_BUCKETS) -> tuple["pd.Timestamp", "pd.Timestamp"]:
    """Validate a query range (end after start; at most max_buckets buckets per sensor) and return it in UTC."""
    from industrialmind.errors import InvalidInputError

    start_ts, end_ts = utc_timestamp(start, "start"), utc_timestamp(end, "end")
    if end_ts <= start_ts:
        raise InvalidInputError(f"the range ends before it starts: start {start_ts.isoformat()} is not before "
                                f"end {end_ts.isoformat()}")
    if interval is not None:
        if not isinstance(interval, timedelta) or interval <= timedelta(0):
            raise InvalidInputError(f"interval must be a positive duration, not {interval!r}")
        if interval < timedelta(microseconds=1) or interval % timedelta(microseconds=1):
            raise InvalidInputError(f"interval {interval} must be a whole number of microseconds")
        buckets = (end_ts - start_ts) / interval
        if buckets > max_buckets:
            smallest = (end_ts - start_ts) / max_buckets
            raise InvalidInputError(
                f"range {start_ts.isoformat()} .. {end_ts.isoformat()} at interval {interval} makes {buckets:,.0f} "
                f"buckets per sensor; the limit is {max_buckets:,}: use an interval of at least "
                f"{_round_up_interval(smallest)} or a shorter range")
    return start_ts, end_ts


def _round_up_interval(value: "pd.Timedelta") -> str:
    for seconds, label in ((1, "s"), (60, "m"), (3600, "h"), (86400, "d")):
        amount = value.total_seconds() / seconds
        if amount <= (60 if label in ("s", "m") else 24 if label == "h" else 10**9):
            return f"{int(-(-amount // 1))}{label}"
    return str(value)  # pragma: no cover


def normalise_points(points: "pd.DataFrame") -> "pd.DataFrame":
    """Validate points to write and return asset, sensor, ts (UTC), value (float64), quality (int8).

    Rows whose value is NaN or infinite carry no reading and are dropped (InfluxDB cannot store them, so both
    backends skip them); duplicate keys inside one batch keep the last row.
    """
    import numpy as np
    import pandas as pd

    from industrialmind.errors import InvalidInputError

    if not isinstance(points, pd.DataFrame):
        raise InvalidInputError(f"points must be a pandas DataFrame, not {type(points).__name__}")
    missing = [c for c in POINT_COLUMNS if c not in points.columns]
    if missing:
        raise InvalidInputError(f"points lack the column(s) {', '.join(missing)}; a points frame needs "
                                f"{', '.join(POINT_COLUMNS)} and optionally quality (columns given: "
                                f"{', '.join(map(str, points.columns))})")
    if points.empty:
        return empty_points()
    for column in ("asset", "sensor"):
        if points[column].isna().any():
            raise InvalidInputError(f"points have {int(points[column].isna().sum())} row(s) without {column}")
    ts = points["ts"]
    try:
        if not pd.api.types.is_datetime64_any_dtype(ts):
            ts = pd.to_datetime(ts, utc=True, format="ISO8601")
        elif getattr(ts.dt, "tz", None) is None:
            ts = ts.dt.tz_localize("UTC")
        else:
            ts = ts.dt.tz_convert("UTC")
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"points have an unreadable ts column: {exc}") from None
    try:
        value = pd.to_numeric(points["value"], errors="raise").astype("float64")
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"points have a non-numeric value: {exc}") from None
    quality = points["quality"].fillna(0).astype("int8") if "quality" in points.columns else 0
    frame = pd.DataFrame({"asset": points["asset"].astype(str), "sensor": points["sensor"].astype(str),
                          "ts": ts.astype("datetime64[ns, UTC]"), "value": value, "quality": quality})
    if frame["ts"].isna().any():
        raise InvalidInputError(f"points have {int(frame['ts'].isna().sum())} row(s) without a timestamp")
    frame = frame[np.isfinite(frame["value"].to_numpy())]
    if frame.duplicated(["asset", "sensor", "ts"], keep="last").any():
        frame = frame.drop_duplicates(["asset", "sensor", "ts"], keep="last")
    return frame.reset_index(drop=True)


def empty_points() -> "pd.DataFrame":
    """An empty points frame with the right dtypes."""
    import pandas as pd

    return pd.DataFrame({"asset": pd.Series(dtype=str), "sensor": pd.Series(dtype=str),
                         "ts": pd.Series(dtype="datetime64[ns, UTC]"), "value": pd.Series(dtype="float64"),
                         "quality": pd.Series(dtype="int8")})


def raw_frame(frame: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """A raw-range frame: ts (UTC), sensor, value sorted by sensor then ts."""
    return _shape(frame, {"ts": "datetime64[ns, UTC]", "sensor": "str", "value": "float64"}, ["sensor", "ts"])


def latest_frame(frame: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """A latest-values frame: sensor, ts (UTC), value sorted by sensor."""
    return _shape(frame, {"sensor": "str", "ts": "datetime64[ns, UTC]", "value": "float64"}, ["sensor"])


def downsampled_frame(frame: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """A downsampled frame: ts (bucket start, UTC), sensor, mean, min, max, last, count sorted by sensor then ts."""
    return _shape(frame, {"ts": "datetime64[ns, UTC]", "sensor": "str", "mean": "float64", "min": "float64",
                          "max": "float64", "last": "float64", "count": "int64"}, ["sensor", "ts"])


SUMMARY_DTYPES = {"window": "int64", "sensor": "str", "count": "int64", "sum": "float64", "min": "float64",
                  "min_ts": "datetime64[ns, UTC]", "max": "float64", "max_ts": "datetime64[ns, UTC]",
                  "first": "float64", "first_ts": "datetime64[ns, UTC]", "last": "float64",
                  "last_ts": "datetime64[ns, UTC]"}
MAX_WINDOWS = 1_000  # per summarise call: one row per window and sensor


def summary_frame(frame: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """A summary frame: per window (its index in the call's list) and sensor, count, sum, min and max with the
    time each was first reached, and the first and last values with their times; sorted by window then sensor."""
    return _shape(frame, SUMMARY_DTYPES, ["window", "sensor"])


def check_windows(windows: list[tuple[datetime, datetime]]) -> list[tuple["pd.Timestamp", "pd.Timestamp"]]:
    """Validate the windows of a summarise call (each a range, at most MAX_WINDOWS) and return them in UTC."""
    from industrialmind.errors import InvalidInputError

    windows = list(windows)
    if not windows:
        raise InvalidInputError("summarise needs at least one (start, end) window")
    if len(windows) > MAX_WINDOWS:
        raise InvalidInputError(f"{len(windows):,} windows in one summary; the limit is {MAX_WINDOWS:,}: use longer "
                                "windows or a shorter range")
    return [check_range(start, end) for start, end in windows]


def _shape(frame: "pd.DataFrame | None", dtypes: dict[str, str], order: list[str]) -> "pd.DataFrame":
    import pandas as pd

    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
    out = pd.DataFrame(index=range(len(frame)))
    for column, dtype in dtypes.items():
        values = frame[column].reset_index(drop=True)
        if dtype.startswith("datetime64"):
            values = pd.to_datetime(values, utc=True).astype(dtype)
        elif dtype == "str":
            values = values.astype(str)
        else:
            values = values.astype(dtype)
        out[column] = values
    return out.sort_values(order, kind="stable").reset_index(drop=True)
