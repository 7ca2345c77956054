"""Time-series store: a small Protocol and its backends (DuckDB embedded, InfluxDB v1-compatible HTTP API).

Points are keyed by (measurement, asset, sensor, ts): writing the same point twice leaves one point, so a replay
after a crash duplicates nothing. Every timestamp crossing this boundary is timezone-aware UTC.

Frames exchanged with the store (pandas):
- points to write: columns asset (str), sensor (str), ts (datetime64[ns, UTC]), value (float64), and optional
  quality (int8: 0 good, 1 suspect, 2 bad). Extra columns are ignored.
- raw range: columns ts, sensor, value (sorted by sensor, ts).
- downsampled range: columns ts (bucket start), sensor, mean, min, max, last, count.
- latest: columns sensor, ts, value.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

Aggregate = Literal["mean", "min", "max", "last"]
MEASUREMENT = "telemetry"


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

    def count(self, asset: str | None = None, measurement: str = MEASUREMENT) -> int:
        """Number of stored points (of one asset, or all)."""

    def bounds(self, asset: str | None = None, measurement: str = MEASUREMENT) -> tuple[datetime, datetime] | None:
        """First and last timestamp stored (of one asset, or all), or None when empty."""

    def close(self) -> None:
        """Release connections and file handles."""
