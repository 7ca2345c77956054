"""Time-series store: a small Protocol and its backends (DuckDB embedded, InfluxDB v1-compatible HTTP API).

Points are keyed by (measurement, asset, sensor, ts): writing the same point twice leaves one point, so a replay
after a crash duplicates nothing. Every timestamp crossing this boundary is timezone-aware UTC.

Frames exchanged with the store (pandas):
- points to write: columns asset (str), sensor (str), ts (datetime64[ns, UTC]), value (float64), and optional
  quality (int8: 0 good, 1 suspect, 2 bad). Extra columns are ignored.
- raw range: columns ts, sensor, value (sorted by sensor, ts).
- downsampled range: columns ts (bucket start), sensor, mean, min, max, last, count.
- latest: columns sensor, ts, value.
- summary (`summarise`, over a list of windows): columns window (its index in the list), sensor, count, sum,
  min, min_ts, max, max_ts, first, first_ts, last, last_ts; the time of an extreme is the first time it is reached.

`open_timeseries(url)` picks the backend by scheme; the backends live in `_duckdb.py` and `_influx.py` and share
the validation and frame shapes of `_points.py`, so both behave the same (the same tests run against both).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

# The helpers the backends share live in _points.py, so neither backend imports this module; normalise_points,
# empty_points and mask stay importable from here for callers outside the store.
from industrialmind.stores._points import MEASUREMENT, empty_points, mask, normalise_points  # noqa: F401

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import SecretStr

Aggregate = Literal["mean", "min", "max", "last"]


@runtime_checkable
class TimeSeriesStore(Protocol):
    """What every time-series backend offers."""

    url: str

    def write(self, points: "pd.DataFrame", measurement: str = MEASUREMENT) -> int:
        """Write points idempotently; return how many rows were written (the same key twice is one point)."""

    def latest(self, asset: str, sensors: list[str] | None = None, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Latest value of each sensor of an asset (all its sensors when sensors is None)."""

    def range(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
              measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Raw points of one asset's sensors with start <= ts < end."""

    def downsample(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
                   interval: timedelta, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Per-interval mean/min/max/last/count of one asset's sensors with start <= ts < end."""

    def summarise(self, asset: str, sensors: list[str] | None, windows: list[tuple[datetime, datetime]],
                  measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Per window (start <= ts < end) and sensor: count, sum, min and max with the time each was first reached,
        first and last with their times (a summary frame; windows without points have no row)."""

    def count(self, asset: str | None = None, measurement: str = MEASUREMENT) -> int:
        """Number of stored points (of one asset, or all)."""

    def bounds(self, asset: str | None = None, measurement: str = MEASUREMENT) -> tuple[datetime, datetime] | None:
        """First and last timestamp stored (of one asset, or all), or None when empty."""

    def close(self) -> None:
        """Release connections and file handles."""


# --- opening a store by URL ----------------------------------------------------------------------------------

SCHEMES = ("duckdb", "influxdb", "influxdbs")


def open_timeseries(url: str, token: str | SecretStr | None = None, **options) -> TimeSeriesStore:
    """Open the time-series store a URL names: 'duckdb:///abs/path.duckdb' or 'influxdb[s]://[user:pass@]host:port/db'.

    For InfluxDB, `token` (a string or the IM_INFLUX_TOKEN setting as it is, `settings.influx_token`) is sent as
    'Authorization: Token ...' for the v1-compatible endpoints of InfluxDB 2.x/3.x; None sends no token (1.x
    takes the user and password of the URL). The store reads no settings itself: the caller passes what it
    needs. Nothing connects until the first read or write.
    """
    from industrialmind.errors import ConfigError, did_you_mean

    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise ConfigError(f"unknown time-series URL {mask(url)!r}: use 'duckdb:///path/file.duckdb' or "
                          "'influxdb://[user:pass@]host:8086/database'" + (did_you_mean(scheme, SCHEMES) if sep else ""))
    if scheme == "duckdb":
        from industrialmind.stores._duckdb import DuckDBTimeSeries

        if not rest or rest == "/":
            raise ConfigError(f"time-series URL {url!r} names no file: use 'duckdb:///abs/path/file.duckdb'")
        # duckdb:///abs/path and duckdb:////abs/path (an f-string of an absolute path) -> '/abs/path';
        # duckdb://relative.duckdb -> 'relative.duckdb'; duckdb:///:memory: -> ':memory:'.
        path = "/" + rest.lstrip("/") if rest.startswith("/") else rest
        if path == "/:memory:":
            path = ":memory:"
        return DuckDBTimeSeries(path, url=url, **options)
    from industrialmind.stores._influx import InfluxTimeSeries

    if hasattr(token, "get_secret_value"):
        token = token.get_secret_value()
    return InfluxTimeSeries(url, token=token, **options)
