"""The embedded time-series backend: one DuckDB file, one table of points keyed by (measurement, asset, sensor, ts).

Design, measured on a 2-core VM (30 days x 150 sensors at 1 min = 6.5M points):
- No primary key. A key index made writes ~4x slower and the file ~8x larger (702 MB vs 87 MB); instead each
  write is one transaction that deletes the rows whose key is in the batch (a join pruned by the batch's time
  range through DuckDB's zone maps) and inserts the batch from Arrow. Replaying a batch therefore replaces its
  points, as InfluxDB does, and the same point written twice is one point.
- `ts` is a plain TIMESTAMP holding UTC (microseconds): no dependence on the session time zone or ICU.
- Buckets are `floor(epoch_us / step) * step`, aligned to the Unix epoch exactly as InfluxDB's GROUP BY time().

Locking: DuckDB lets one process open a file read-write, or several processes open it read-only, never both.
So this store holds no connection between calls (unless `keep_open=True`, for bulk writers): each call opens,
works and closes, and a reader in another process waits while a writer's batch is in flight. A call that
cannot get the lock within `lock_timeout` seconds raises BackendUnavailableError naming the file and the
process holding it.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from industrialmind.errors import BackendUnavailableError
from industrialmind.stores._points import (
    MEASUREMENT,
    check_range,
    check_windows,
    downsampled_frame,
    latest_frame,
    normalise_points,
    raw_frame,
    summary_frame,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

SCHEMA_VERSION = "1"
_DDL = [
    """CREATE TABLE IF NOT EXISTS points (
        measurement VARCHAR NOT NULL,
        asset VARCHAR NOT NULL,
        sensor VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,  -- UTC
        value DOUBLE NOT NULL,
        quality TINYINT NOT NULL DEFAULT 0
    )""",
    "CREATE TABLE IF NOT EXISTS schema_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
]
_LOCK_MARKERS = ("could not set lock", "conflicting lock", "database is locked")


class DuckDBTimeSeries:
    """Time series in one embedded DuckDB file (or ':memory:'); see the module docstring for locking."""

    def __init__(self, path: str | Path, url: str | None = None, keep_open: bool = False,
                 lock_timeout: float = 10.0) -> None:
        self.path = str(path)
        self.url = url or f"duckdb:///{path}"
        self.memory = self.path == ":memory:"
        self.keep_open = keep_open or self.memory
        self.lock_timeout = lock_timeout
        self._con: "duckdb.DuckDBPyConnection | None" = None
        self._schema_ready = False
        self._lock = threading.RLock()

    # --- connections ----------------------------------------------------------------------------------------

    @contextmanager
    def _connect(self, write: bool) -> Iterator["duckdb.DuckDBPyConnection | None"]:
        """A connection for one call (None for a read of a file that does not exist yet)."""
        with self._lock:
            if self._con is not None:
                yield self._con
                return
            if not write and not self.keep_open and not os.path.exists(self.path):
                yield None
                return
            con = self._open(read_only=not write and not self.keep_open)
            try:
                if self.keep_open:
                    self._con = con
                yield con
            finally:
                if not self.keep_open:
                    con.close()

    def _open(self, read_only: bool) -> "duckdb.DuckDBPyConnection":
        import duckdb

        if not self.memory:
            from industrialmind.config import ensure_parent

            ensure_parent(Path(self.path), "IM_TIMESERIES_URL")
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        while True:
            try:
                try:
                    return duckdb.connect(self.path, read_only=read_only)
                except duckdb.ConnectionException as exc:
                    # This process already has the file open read-write (another store object): share it.
                    if read_only and "different configuration" in str(exc):
                        return duckdb.connect(self.path)
                    raise
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                text = str(exc)
                # A read-only connection of this same process (another store object, another thread) blocks a
                # read-write open just as another process's lock does: it closes when its call returns.
                transient = _LOCK_MARKERS + (("different configuration",) if not read_only else ())
                if not any(m in text.lower() for m in transient):
                    raise BackendUnavailableError(f"cannot open the DuckDB file {self.path}: {text}") from None
                if time.monotonic() >= deadline:
                    holder = _lock_holder(text)
                    raise BackendUnavailableError(
                        f"the DuckDB file {self.path} is locked by another process{holder} for more than "
                        f"{self.lock_timeout:g} s: DuckDB allows one writing process at a time; stop that process, "
                        "or use InfluxDB (IM_TIMESERIES_URL=influxdb://...) for concurrent writers") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _ensure_schema(self, con: "duckdb.DuckDBPyConnection") -> None:
        if self._schema_ready and self._con is not None:
            return
        for ddl in _DDL:
            con.execute(ddl)
        con.execute("INSERT OR IGNORE INTO schema_info VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        self._schema_ready = True

    # --- writes ---------------------------------------------------------------------------------------------

    def write(self, points: "pd.DataFrame", measurement: str = MEASUREMENT) -> int:
        """Write points idempotently (a batch replaces the stored points with the same keys); return rows written."""
        import pyarrow as pa

        frame = normalise_points(points)
        if frame.empty:
            return 0
        ts = pa.Array.from_pandas(frame["ts"]).cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
        staging = pa.table({
            "measurement": pa.array([measurement] * len(frame), pa.string()),
            "asset": pa.Array.from_pandas(frame["asset"]).cast(pa.string()),
            "sensor": pa.Array.from_pandas(frame["sensor"]).cast(pa.string()),
            "ts": ts,
            "value": pa.Array.from_pandas(frame["value"]),
            "quality": pa.Array.from_pandas(frame["quality"]).cast(pa.int8()),
        })
        first, last = frame["ts"].min().to_pydatetime(), frame["ts"].max().to_pydatetime()
        with self._connect(write=True) as con:
            self._ensure_schema(con)
            con.register("staging", staging)
            try:
                con.execute("BEGIN TRANSACTION")
                # The literal time bounds let DuckDB skip row groups outside the batch before the key join.
                con.execute(
                    "DELETE FROM points AS p USING staging AS s WHERE p.measurement = ? AND p.ts >= ? AND p.ts <= ? "
                    "AND p.asset = s.asset AND p.sensor = s.sensor AND p.ts = s.ts",
                    [measurement, first.replace(tzinfo=None), last.replace(tzinfo=None)])
                # Sorting by series keeps each asset's rows together, so an asset's queries read fewer row groups.
                con.execute("INSERT INTO points SELECT * FROM staging ORDER BY asset, sensor, ts")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("staging")
        return len(frame)

    # --- reads ----------------------------------------------------------------------------------------------

    def latest(self, asset: str, sensors: list[str] | None = None, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Latest value of each sensor of an asset (all its sensors when sensors is None)."""
        where, params = _where(measurement, asset, sensors)
        sql = (f"SELECT sensor, max(ts) AS ts, arg_max(value, ts) AS value FROM points WHERE {where} "
               "GROUP BY sensor ORDER BY sensor")
        return latest_frame(self._query(sql, params))

    def range(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
              measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Raw points of one asset's sensors with start <= ts < end."""
        start_ts, end_ts = check_range(start, end)
        where, params = _where(measurement, asset, sensors, start_ts, end_ts)
        sql = f"SELECT ts, sensor, value FROM points WHERE {where} ORDER BY sensor, ts"
        return raw_frame(self._query(sql, params))

    def downsample(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
                   interval: timedelta, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Per-interval mean/min/max/last/count of one asset's sensors with start <= ts < end (epoch-aligned buckets)."""
        start_ts, end_ts = check_range(start, end, interval)
        step = interval // timedelta(microseconds=1)
        where, params = _where(measurement, asset, sensors, start_ts, end_ts)
        sql = (f"SELECT make_timestamp((epoch_us(ts) // {step}) * {step}) AS ts, sensor, avg(value) AS mean, "
               "min(value) AS min, max(value) AS max, arg_max(value, ts) AS last, count(*) AS count "
               f"FROM points WHERE {where} GROUP BY ALL ORDER BY sensor, ts")
        return downsampled_frame(self._query(sql, params))

    def summarise(self, asset: str, sensors: list[str] | None, windows: list[tuple[datetime, datetime]],
                  measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Per window (start <= ts < end) and sensor: count, sum, min/max with the first time each is reached, and
        first/last with their times; one query, the windows joined in as list parameters."""
        bounds = check_windows(windows)
        where, params = _where(measurement, asset, sensors, min(b[0] for b in bounds), max(b[1] for b in bounds))
        naive = [[b[i].tz_convert("UTC").tz_localize(None).to_pydatetime() for b in bounds] for i in (0, 1)]
        # arg_max over [value, -time] picks the earliest of equal extremes (arg_max alone picks any of them)
        sql = ("SELECT w.i AS \"window\", p.sensor, count(*) AS count, sum(p.value) AS sum, min(p.value) AS min, "
               "arg_min(p.ts, [p.value, epoch_us(p.ts)]) AS min_ts, max(p.value) AS max, "
               "arg_max(p.ts, [p.value, -epoch_us(p.ts)]) AS max_ts, arg_min(p.value, p.ts) AS first, "
               "min(p.ts) AS first_ts, arg_max(p.value, p.ts) AS last, max(p.ts) AS last_ts "
               "FROM points AS p JOIN (SELECT unnest(?::INTEGER[]) AS i, unnest(?::TIMESTAMP[]) AS s, "
               "unnest(?::TIMESTAMP[]) AS e) AS w ON p.ts >= w.s AND p.ts < w.e "
               f"WHERE {where} "
               "GROUP BY ALL ORDER BY w.i, p.sensor")
        frame = self._query(sql, [list(range(len(bounds))), naive[0], naive[1], *params])
        return summary_frame(frame)

    def count(self, asset: str | None = None, measurement: str = MEASUREMENT) -> int:
        """Number of stored points (of one asset, or all)."""
        where, params = _where(measurement, asset, None)
        frame = self._query(f"SELECT count(*) AS n FROM points WHERE {where}", params)
        return int(frame["n"].iloc[0]) if frame is not None else 0

    def bounds(self, asset: str | None = None, measurement: str = MEASUREMENT) -> tuple[datetime, datetime] | None:
        """First and last timestamp stored (of one asset, or all), or None when empty."""
        import pandas as pd

        where, params = _where(measurement, asset, None)
        frame = self._query(f"SELECT min(ts) AS first, max(ts) AS last FROM points WHERE {where}", params)
        if frame is None or pd.isna(frame["first"].iloc[0]):
            return None
        return tuple(pd.Timestamp(frame[c].iloc[0]).tz_localize("UTC").to_pydatetime() for c in ("first", "last"))

    def series(self, asset: str | None = None, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """The stored series: asset, sensor, count, first, last (UTC), sorted by asset and sensor."""
        import pandas as pd

        where, params = _where(measurement, asset, None)
        frame = self._query(f"SELECT asset, sensor, count(*) AS count, min(ts) AS first, max(ts) AS last "
                            f"FROM points WHERE {where} GROUP BY ALL ORDER BY asset, sensor", params)
        if frame is None:
            return pd.DataFrame({"asset": [], "sensor": [], "count": [], "first": [], "last": []})
        for column in ("first", "last"):
            frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
        return frame

    def _query(self, sql: str, params: list) -> "pd.DataFrame | None":
        """Run a read; None when the file or the table does not exist yet. Naive TIMESTAMP columns come back UTC."""
        import duckdb

        with self._connect(write=False) as con:
            if con is None:
                return None
            try:
                frame = con.execute(sql, params).df()
            except duckdb.CatalogException:  # a file created by something else, without our table yet
                return None
        if "ts" in frame.columns and getattr(frame["ts"].dt, "tz", None) is None:
            frame["ts"] = frame["ts"].dt.tz_localize("UTC")
        return frame

    def close(self) -> None:
        """Close the held connection, if any (the file is checkpointed and unlocked)."""
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._schema_ready = False

    def __repr__(self) -> str:
        return f"DuckDBTimeSeries({self.path!r})"


def _where(measurement: str, asset: str | None, sensors: list[str] | None, start: "pd.Timestamp | None" = None,
           end: "pd.Timestamp | None" = None) -> tuple[str, list]:
    clauses, params = ["measurement = ?"], [measurement]
    if asset is not None:
        clauses.append("asset = ?")
        params.append(asset)
    if sensors is not None:
        if isinstance(sensors, str):
            sensors = [sensors]
        if not sensors:
            clauses.append("FALSE")
        else:
            clauses.append(f"sensor IN ({', '.join('?' for _ in sensors)})")
            params.extend(sensors)
    if start is not None:
        clauses.append("ts >= ?")
        params.append(start.tz_convert("UTC").tz_localize(None).to_pydatetime())
    if end is not None:
        clauses.append("ts < ?")
        params.append(end.tz_convert("UTC").tz_localize(None).to_pydatetime())
    return " AND ".join(clauses), params


def _lock_holder(message: str) -> str:
    import re

    found = re.search(r"PID (\d+)", message)
    return f" (PID {found.group(1)})" if found else ""
