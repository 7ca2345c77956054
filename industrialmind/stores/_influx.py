"""The production time-series backend: InfluxDB through its v1-compatible HTTP API, with httpx only.

Line protocol on POST /write and InfluxQL on /query are the one API that InfluxDB 1.x, 2.x (compatibility
endpoints, token auth) and 3.x all serve. Each point is `<measurement>,asset=<id>,sensor=<id> value=<float>,
quality=<int>i <time>`: a series is (measurement, asset, sensor) and InfluxDB keeps one point per series and
timestamp, so writing the same point again replaces it (idempotent writes).

Connection errors are retried with exponential backoff (tenacity); a server that stays unreachable raises
BackendUnavailableError naming the URL (password masked) and the cause.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote, urlsplit

from industrialmind.errors import BackendUnavailableError, ConfigError, InvalidInputError
from industrialmind.stores._points import (
    MEASUREMENT,
    check_range,
    check_windows,
    downsampled_frame,
    latest_frame,
    mask,
    normalise_points,
    raw_frame,
    summary_frame,
)

if TYPE_CHECKING:
    import httpx
    import pandas as pd
    import pyarrow as pa

BATCH_LINES = 10_000  # InfluxDB's recommended 5-10k points per request; measured fastest here
_PRECISIONS = (("s", 10**9), ("ms", 10**6), ("u", 10**3), ("ns", 1))


class InfluxTimeSeries:
    """Time series in an InfluxDB database (v1 API: 1.x natively, 2.x/3.x through their compatibility endpoints)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0, retries: int = 3,
                 batch_lines: int = BATCH_LINES, create_database: bool = True) -> None:
        from industrialmind.config import url_port

        parts = urlsplit(url)
        if parts.scheme not in ("influxdb", "influxdbs"):
            raise ConfigError(f"not an InfluxDB URL: {mask(url)!r} (use 'influxdb://host:8086/database')")
        database = unquote(parts.path.lstrip("/"))
        if not database or "/" in database:
            raise ConfigError(f"InfluxDB URL {mask(url)!r} must name one database: 'influxdb://host:8086/database'")
        if not parts.hostname:
            raise ConfigError(f"InfluxDB URL {mask(url)!r} names no host")
        self.url = url
        self.database = database
        self.base_url = (f"{'https' if parts.scheme == 'influxdbs' else 'http'}://"
                         f"{_host(parts.hostname)}:{url_port(parts, 8086, 'IM_TIMESERIES_URL')}")
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.token = token
        self.timeout = timeout
        self.retries = max(1, retries)
        self.batch_lines = batch_lines
        self.create_database = create_database
        self._client: "httpx.Client | None" = None
        self._ready = False

    # --- HTTP -----------------------------------------------------------------------------------------------

    def _http(self) -> "httpx.Client":
        import httpx

        if self._client is None:
            headers = {"Authorization": f"Token {self.token}"} if self.token else {}
            auth = (self.username, self.password or "") if self.username and not self.token else None
            self._client = httpx.Client(base_url=self.base_url, headers=headers, auth=auth,
                                        timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)))
        return self._client

    def _request(self, method: str, path: str, check: bool = True, **kwargs: Any) -> "httpx.Response":
        """One HTTP call, retried with backoff on connection errors; with check, auth and server errors raise."""
        import httpx
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

        retrying = Retrying(stop=stop_after_attempt(self.retries), wait=wait_exponential(multiplier=0.2, max=2.0),
                            retry=retry_if_exception_type(httpx.TransportError), reraise=True)
        try:
            response = retrying(self._http().request, method, path, **kwargs)
        except httpx.TransportError as exc:
            cause = str(exc) or type(exc).__name__
            raise BackendUnavailableError(
                f"InfluxDB at {mask(self.url)} is unreachable after {self.retries} attempt(s): {cause}") from None
        if not check:
            return response
        if response.status_code in (401, 403):
            raise BackendUnavailableError(f"InfluxDB at {mask(self.url)} refused the credentials "
                                          f"(HTTP {response.status_code}): {_error_text(response)}")
        if response.status_code >= 500:
            raise BackendUnavailableError(f"InfluxDB at {mask(self.url)} failed (HTTP {response.status_code}): "
                                          f"{_error_text(response)}")
        return response

    def _ensure_database(self) -> None:
        """Create the database once, where the server allows it (2.x/3.x map databases to buckets instead)."""
        if self._ready:
            return
        if self.create_database:
            # Not checked: 2.x and 3.x refuse CREATE DATABASE (their database is a pre-made bucket) and a 1.x user
            # may write without being allowed to create; a real problem surfaces on the first write or query.
            self._request("POST", "/query", check=False, data={"q": f"CREATE DATABASE {_ident(self.database)}"})
        self._ready = True

    def ping(self) -> str:
        """Check the server answers; return its version header (raises BackendUnavailableError otherwise)."""
        response = self._request("GET", "/ping")
        return response.headers.get("X-Influxdb-Version", "unknown")

    # --- writes ---------------------------------------------------------------------------------------------

    def write(self, points: "pd.DataFrame", measurement: str = MEASUREMENT) -> int:
        """Write points idempotently (InfluxDB keeps one point per series and time); return rows written."""
        frame = normalise_points(points)
        if frame.empty:
            return 0
        bodies, precision = to_bodies(frame, measurement, self.batch_lines)
        self._ensure_database()
        for body in bodies:
            self.write_body(body, precision)
        return len(frame)

    def write_body(self, body: bytes, precision: str = "ns") -> None:
        """POST one ready-made line-protocol body (newline-separated lines) in one request."""
        response = self._request("POST", "/write", params={"db": self.database, "precision": precision},
                                 content=body)
        if response.status_code == 404 and "database not found" in response.text:
            self._ready = False  # dropped behind our back: create it again once
            self._ensure_database()
            response = self._request("POST", "/write", params={"db": self.database, "precision": precision},
                                     content=body)
        if response.status_code >= 400:
            raise InvalidInputError(f"InfluxDB at {mask(self.url)} rejected the points (HTTP {response.status_code}): "
                                    f"{_error_text(response)}")

    # --- reads ----------------------------------------------------------------------------------------------

    def query(self, influxql: str) -> list[dict]:
        """Run InfluxQL and return the series of the first statement (each {'name','tags','columns','values'})."""
        return self.query_statements([influxql])[0]

    def query_statements(self, statements: list[str]) -> list[list[dict]]:
        """Run several InfluxQL statements in one request; return each statement's series, in order."""
        self._ensure_database()
        response = self._request("POST", "/query", data={"q": ";\n".join(statements), "db": self.database,
                                                         "epoch": "ns", "chunked": "true", "chunk_size": "10000"})
        found: list[dict[tuple, dict]] = [{} for _ in statements]
        for chunk in response.text.splitlines():
            if not chunk.strip():
                continue
            payload = json.loads(chunk)
            if "error" in payload:
                raise InvalidInputError(f"InfluxDB at {mask(self.url)} rejected the query: {payload['error']}")
            for result in payload.get("results", []):
                if "error" in result:
                    if "database not found" in result["error"]:
                        return [[] for _ in statements]
                    raise InvalidInputError(f"InfluxDB at {mask(self.url)} rejected the query: {result['error']}")
                series = found[int(result.get("statement_id", 0))]
                for one in result.get("series", []):
                    key = (one.get("name"), tuple(sorted((one.get("tags") or {}).items())))
                    if key in series:
                        series[key]["values"].extend(one.get("values", []))
                    else:
                        series[key] = {"name": one.get("name"), "tags": one.get("tags") or {},
                                       "columns": one["columns"], "values": list(one.get("values", []))}
        return [list(series.values()) for series in found]

    def summarise(self, asset: str, sensors: list[str] | None, windows: list[tuple[datetime, datetime]],
                  measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Per window (start <= ts < end) and sensor: count, sum, min/max with their times, first/last with theirs.

        A selector (max, min, first, last) alone in a statement without GROUP BY time() returns the time of the
        point it selects, so each window is five statements, all sent in one request."""
        import pandas as pd

        bounds = check_windows(windows)
        m = _ident(measurement)
        statements = []
        for start, end in bounds:
            where = _where(asset, sensors, start, end)
            statements.append(f'SELECT count("value") AS "count", sum("value") AS "sum" FROM {m} WHERE {where} '
                              'GROUP BY "sensor"')
            statements += [f'SELECT {fn}("value") AS "{fn}" FROM {m} WHERE {where} GROUP BY "sensor"'
                           for fn in ("min", "max", "first", "last")]
        answers = self.query_statements(statements)
        rows: dict[tuple[int, str], dict] = {}
        for n, series_list in enumerate(answers):
            window, part = divmod(n, 5)
            for one in series_list:
                sensor = (one.get("tags") or {}).get("sensor", "")
                for values in one["values"]:
                    row = rows.setdefault((window, sensor), {"window": window, "sensor": sensor})
                    record = dict(zip(one["columns"], values))
                    if part == 0:
                        row.update(count=record["count"], sum=record["sum"])
                    else:
                        fn = ("min", "max", "first", "last")[part - 1]
                        row[fn], row[f"{fn}_ts"] = record[fn], pd.Timestamp(record["time"], unit="ns", tz="UTC")
        usable = [r for r in rows.values() if r.get("count")]
        return summary_frame(pd.DataFrame(usable) if usable else None)

    def latest(self, asset: str, sensors: list[str] | None = None, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Latest value of each sensor of an asset (all its sensors when sensors is None)."""
        q = (f'SELECT last("value") AS "value" FROM {_ident(measurement)} WHERE {_where(asset, sensors)} '
             'GROUP BY "sensor"')
        return latest_frame(self._frame(q, ["ts", "value"]))

    def range(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
              measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Raw points of one asset's sensors with start <= ts < end."""
        start_ts, end_ts = check_range(start, end)
        q = (f'SELECT "value" FROM {_ident(measurement)} WHERE {_where(asset, sensors, start_ts, end_ts)} '
             'GROUP BY "sensor"')
        return raw_frame(self._frame(q, ["ts", "value"]))

    def downsample(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
                   interval: timedelta, measurement: str = MEASUREMENT) -> "pd.DataFrame":
        """Per-interval mean/min/max/last/count of one asset's sensors with start <= ts < end (epoch-aligned buckets)."""
        start_ts, end_ts = check_range(start, end, interval)
        step_us = interval // timedelta(microseconds=1)
        q = (f'SELECT mean("value") AS "mean", min("value") AS "min", max("value") AS "max", '
             f'last("value") AS "last", count("value") AS "count" FROM {_ident(measurement)} '
             f'WHERE {_where(asset, sensors, start_ts, end_ts)} GROUP BY time({step_us}u), "sensor" fill(none)')
        return downsampled_frame(self._frame(q, ["ts", "mean", "min", "max", "last", "count"]))

    def count(self, asset: str | None = None, measurement: str = MEASUREMENT) -> int:
        """Number of stored points (of one asset, or all)."""
        where = f" WHERE {_where(asset, None)}" if asset is not None else ""
        series = self.query(f'SELECT count("value") FROM {_ident(measurement)}{where}')
        return int(sum(row[1] for s in series for row in s["values"] if row[1] is not None))

    def bounds(self, asset: str | None = None, measurement: str = MEASUREMENT) -> tuple[datetime, datetime] | None:
        """First and last timestamp stored (of one asset, or all), or None when empty."""
        import pandas as pd

        where = f" WHERE {_where(asset, None)}" if asset is not None else ""
        found = []
        for selector in ("first", "last"):
            series = self.query(f'SELECT {selector}("value") FROM {_ident(measurement)}{where}')
            values = [row[0] for s in series for row in s["values"]]
            if not values:
                return None
            found.append(pd.Timestamp(min(values) if selector == "first" else max(values), unit="ns", tz="UTC"))
        return found[0].to_pydatetime(), found[1].to_pydatetime()

    def _frame(self, influxql: str, columns: list[str]) -> "pd.DataFrame | None":
        """Run a query grouped by sensor and return one frame with a sensor column and times as UTC."""
        import pandas as pd

        parts = []
        for s in self.query(influxql):
            if not s["values"]:
                continue
            part = pd.DataFrame(s["values"], columns=columns)
            part["sensor"] = s["tags"].get("sensor", "")
            parts.append(part)
        if not parts:
            return None
        frame = pd.concat(parts, ignore_index=True)
        frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="ns", utc=True)
        return frame

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __repr__(self) -> str:
        return f"InfluxTimeSeries({mask(self.url)!r})"


# --- line protocol and InfluxQL quoting -----------------------------------------------------------------------

_MEASUREMENT_ESCAPES = str.maketrans({",": r"\,", " ": r"\ "})
_TAG_ESCAPES = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ "})


def escape_measurement(name: str) -> str:
    """Escape a measurement name for line protocol (commas and spaces)."""
    _check_line_safe(name, "measurement")
    return name.translate(_MEASUREMENT_ESCAPES)


def escape_tag(text: str) -> str:
    """Escape a tag key or value for line protocol (commas, equals signs and spaces)."""
    _check_line_safe(text, "tag")
    if text.endswith("\\"):
        # A trailing backslash would escape the separator that follows it: it cannot be stored faithfully.
        raise InvalidInputError(f"{text!r} ends with a backslash, which InfluxDB line protocol cannot carry in a tag")
    return text.translate(_TAG_ESCAPES)


def _check_line_safe(text: str, what: str) -> None:
    if not text:
        raise InvalidInputError(f"an empty {what} cannot be written to InfluxDB")
    if "\n" in text or "\r" in text:
        raise InvalidInputError(f"{what} {text!r} contains a line break, which InfluxDB line protocol cannot carry")


def to_lines(frame: "pd.DataFrame", measurement: str = MEASUREMENT) -> tuple[list[str], str]:
    """Turn a normalised points frame into line-protocol lines and the coarsest exact precision ('s'...'ns')."""
    lines, precision = _line_array(frame, measurement)
    return [line[:-1] for line in lines.to_pylist()], precision


def to_bodies(frame: "pd.DataFrame", measurement: str = MEASUREMENT,
              batch_lines: int = BATCH_LINES) -> tuple[list[bytes], str]:
    """Line-protocol request bodies of at most batch_lines points each, and their precision."""
    import numpy as np

    lines, precision = _line_array(frame, measurement)
    # Each line already ends with a newline, so a batch's body is one slice of the Arrow data buffer.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    data = lines.buffers()[2]
    bodies = []
    for start in range(0, len(lines), batch_lines):
        stop = min(start + batch_lines, len(lines))
        bodies.append(data[int(offsets[start]):int(offsets[stop])].to_pybytes())
    return bodies, precision


def _line_array(frame: "pd.DataFrame", measurement: str) -> tuple["pa.StringArray", str]:
    """Build every line (newline-terminated) with Arrow compute: ~3x faster than Python string formatting."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nanos = frame["ts"].astype("int64").to_numpy()
    precision, divisor = next((p, d) for p, d in _PRECISIONS if not (nanos % d).any())
    m = escape_measurement(measurement)
    # Escape each series key once, not once per point.
    keys = frame["asset"].astype(str) + "\x00" + frame["sensor"].astype(str)
    codes, uniques = keys.factorize()
    prefixes = []
    for key in uniques:
        asset, sensor = key.split("\x00", 1)
        prefixes.append(f"{m},asset={escape_tag(asset)},sensor={escape_tag(sensor)} value=")
    # Arrow prints doubles in their shortest round-trip form ('0.1', '3', '1e+20'): all valid line-protocol floats.
    lines = pc.binary_join_element_wise(
        pc.take(pa.array(prefixes, pa.string()), pa.array(codes)),
        pc.cast(pa.array(frame["value"].to_numpy(dtype="float64")), pa.string()),
        ",quality=",
        pc.cast(pa.array(frame["quality"].to_numpy().astype("int64")), pa.string()),
        "i ",
        pc.cast(pa.array(nanos // divisor), pa.string()),
        "\n",
        "",
    )
    return lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines, precision


def _ident(name: str) -> str:
    """Quote an InfluxQL identifier."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(text: str) -> str:
    """Quote an InfluxQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _where(asset: str | None, sensors: list[str] | None, start: "pd.Timestamp | None" = None,
           end: "pd.Timestamp | None" = None) -> str:
    clauses = []
    if asset is not None:
        clauses.append(f'"asset" = {_literal(asset)}')
    if sensors is not None:
        if isinstance(sensors, str):
            sensors = [sensors]
        # An empty list matches nothing: no sensor is ever stored with an empty name.
        clauses.append("(" + " OR ".join(f'"sensor" = {_literal(s)}' for s in sensors or [""]) + ")")
    if start is not None:
        clauses.append(f"time >= {start.value}")
    if end is not None:
        clauses.append(f"time < {end.value}")
    return " AND ".join(clauses) or "true"


def _host(hostname: str) -> str:
    return f"[{hostname}]" if ":" in hostname else hostname


def _error_text(response: "httpx.Response") -> str:
    try:
        data = response.json()
        if isinstance(data, dict) and data.get("error"):
            return str(data["error"])
    except ValueError:
        pass
    text = re.sub(r"\s+", " ", response.text).strip()
    return text[:300] or response.reason_phrase


def raw_post(url: str, bodies: list[bytes], precision: str, token: str | None = None) -> Callable[[], None]:
    """The benchmark's baseline: a bare httpx POST loop over ready-made line-protocol bodies (returns a callable)."""
    store = InfluxTimeSeries(url, token=token)

    def post() -> None:
        import httpx

        store._ensure_database()
        with httpx.Client(base_url=store.base_url, headers=store._http().headers, timeout=store.timeout) as client:
            for body in bodies:
                client.post("/write", params={"db": store.database, "precision": precision},
                            content=body).raise_for_status()
        store.close()

    return post
