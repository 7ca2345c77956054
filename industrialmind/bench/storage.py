"""`industrialmind bench storage`: simulator backfill, time-series write rates and downsampled-query latency.

Every figure comes with a baseline measured in the same run, and the ratio ours / baseline:
- simulator: generating the demo plant's telemetry vs building the same frame (every series) from random numbers;
- backfill: simulate + write into DuckDB through the store vs simulate alone;
- DuckDB write: the store's idempotent write (delete keys + insert) vs a plain DuckDB INSERT from Arrow into a
  table without a key; a replay of the same points (every key replaced) is reported against the same baseline;
- DuckDB downsample: one asset, all its sensors, the whole window at 1 h, through the store (a connection per call,
  as readers in other processes need) vs the same SQL on a held connection over the raw table;
- InfluxDB write (when IM_TEST_INFLUX_URL or an influxdb:// IM_TIMESERIES_URL is set): the store's write from a
  frame vs a bare httpx POST loop of the same ready-made line-protocol bodies, each into its own fresh database;
- InfluxDB downsample: the store's query (parsed into a frame) vs the bare HTTP query.

Data: 30 days x 150 sensors at one minute (6.48M points; --quick: 2 days), the first 150 series of the demo plant.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SENSORS = 150
DAYS, QUICK_DAYS = 30, 2
QUERY_REPEATS = 7
START = datetime(2026, 10, 1, tzinfo=timezone.utc)


def run(settings, quick: bool = False, influx_url: str | None = None, days: float | None = None,
        **options: Any) -> dict[str, Any]:
    """Run the storage benchmark and return its figures (rows with value, baseline and ratio)."""
    from industrialmind.console import progress

    days = days or (QUICK_DAYS if quick else DAYS)
    end = START + timedelta(days=days)
    rows: list[dict[str, Any]] = []
    with progress() as bar, tempfile.TemporaryDirectory(prefix="im-bench-storage-") as tmp:
        task = bar.add_task("simulating", total=None)
        sim, frames, sim_s, full_points = _simulate(START, end)
        base_s = _synthetic_frames(sim, START, end)
        points = sum(len(f) for f in frames)
        rows.append(_row("simulator: generate demo plant telemetry", full_points / sim_s, "points/s",
                         "random numbers in the same frame", full_points / base_s))
        bar.update(task, description="DuckDB writes")
        duck = _duckdb(Path(tmp), frames, START, end)
        rows.append(_row("backfill: simulate + DuckDB store write", points / (sim_s * points / full_points
                                                                             + duck["write_s"]),
                         "points/s", "simulate alone", points / (sim_s * points / full_points)))
        rows.append(_row("DuckDB write (idempotent)", points / duck["write_s"], "points/s",
                         "plain INSERT from Arrow, no key", points / duck["raw_s"]))
        rows.append(_row("DuckDB replay (every key replaced)", points / duck["rewrite_s"], "points/s",
                         "plain INSERT from Arrow, no key", points / duck["raw_s"]))
        rows.append(_row(f"DuckDB downsample {duck['query']}", duck["query_ms"], "ms",
                         "same SQL, held connection, raw table", duck["raw_query_ms"], lower_is_better=True))
        rows.append(_row("DuckDB downsample, held store connection", duck["held_query_ms"], "ms",
                         "same SQL, held connection, raw table", duck["raw_query_ms"], lower_is_better=True))
        url = influx_url or os.environ.get("IM_TEST_INFLUX_URL") or (
            settings.timeseries_url if settings.timeseries_url.startswith("influxdb") else "")
        influx_note = ""
        if url:
            bar.update(task, description="InfluxDB writes")
            token = settings.influx_token.get_secret_value() if settings.influx_token else None
            influx = _influx(url, token, frames, START, end)
            rows.append(_row("InfluxDB write (frame -> line protocol)", points / influx["write_s"], "points/s",
                             "bare POST of ready-made line protocol", points / influx["raw_s"]))
            rows.append(_row(f"InfluxDB downsample {duck['query']}", influx["query_ms"], "ms",
                             "same InfluxQL, bare HTTP", influx["raw_query_ms"], lower_is_better=True))
        else:
            influx_note = "InfluxDB skipped: set IM_TEST_INFLUX_URL (or an influxdb:// IM_TIMESERIES_URL)"
        bar.update(task, description="done")
    return {
        "benchmark": "storage", "date": datetime.now(timezone.utc).date().isoformat(), "quick": quick,
        "days": days, "sensors": SENSORS, "points": points, "resolution": "1min",
        "results": rows, "note": influx_note,
    }


def _row(metric: str, value: float, unit: str, baseline: str, baseline_value: float,
         lower_is_better: bool = False) -> dict[str, Any]:
    digits = 1 if unit == "ms" else 0
    return {"metric": metric, "unit": unit, "value": round(value, digits), "baseline": baseline,
            "baseline_value": round(baseline_value, digits), "ratio": round(value / baseline_value, 3),
            "lower_is_better": lower_is_better}


def _simulate(start: datetime, end: datetime):
    """Generate the demo plant day by day; keep the first SENSORS series of each day."""
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator

    sim = Simulator(demo_plant(), seed=1)
    keep = set(zip(sim.series_asset[:SENSORS], sim.series_sensor[:SENSORS], strict=True))
    frames, total, spent = [], 0, 0.0
    a = start
    while a < end:
        b = min(a + timedelta(days=1), end)
        t0 = time.perf_counter()
        frame = sim.generate(a, b)
        spent += time.perf_counter() - t0
        total += len(frame)
        per_series = frame["asset"] + "\x00" + frame["sensor"]
        mask = per_series.isin({f"{x}\x00{y}" for x, y in keep})
        frames.append(frame[mask].reset_index(drop=True))
        a = b
    return sim, frames, spent, total


def _synthetic_frames(sim, start: datetime, end: datetime) -> float:
    """Time building the simulator's frames (every series, same layout and dtypes) from random numbers instead of
    physics: the floor any generator pays for a long points frame."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    spent = 0.0
    a = start
    while a < end:
        b = min(a + timedelta(days=1), end)
        t0 = time.perf_counter()
        steps = int((b - a).total_seconds() // 60)
        ts = pd.date_range(a, periods=steps, freq="1min")
        s = sim.sensor_count
        pd.DataFrame({
            "asset": pd.array(np.tile(sim.series_asset, steps), dtype="str"),
            "sensor": pd.array(np.tile(sim.series_sensor, steps), dtype="str"),
            "ts": np.repeat(ts.values, s),
            "value": rng.normal(size=steps * s),
            "quality": np.zeros(steps * s, dtype="int8"),
        })
        spent += time.perf_counter() - t0
        a = b
    return spent


def _one_asset(frames) -> str:
    counts = frames[0]["asset"].value_counts()
    return str(counts.index[0])  # the asset with the most sensors in the set


def _median_ms(fn, repeats: int = QUERY_REPEATS) -> float:
    fn()  # warm the OS page cache: every figure is a warm one
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _duckdb(tmp: Path, frames, start: datetime, end: datetime) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa

    from industrialmind.stores.timeseries import normalise_points, open_timeseries

    # Baseline: the same rows, straight from Arrow into a table with no key and no deletes.
    raw_path = tmp / "raw.duckdb"
    con = duckdb.connect(str(raw_path))
    con.execute("CREATE TABLE points (measurement VARCHAR, asset VARCHAR, sensor VARCHAR, ts TIMESTAMP, "
                "value DOUBLE, quality TINYINT)")
    tables = []
    for f in frames:
        n = normalise_points(f)
        tables.append(pa.table({"measurement": pa.array(["telemetry"] * len(n)), "asset": n["asset"].to_numpy(),
                                "sensor": n["sensor"].to_numpy(),
                                "ts": pa.Array.from_pandas(n["ts"]).cast(pa.timestamp("us", tz="UTC"))
                                .cast(pa.timestamp("us")),
                                "value": n["value"].to_numpy(), "quality": n["quality"].to_numpy()}))
    t0 = time.perf_counter()
    for table in tables:
        con.register("staging", table)
        con.execute("INSERT INTO points SELECT * FROM staging")
        con.unregister("staging")
    con.execute("CHECKPOINT")
    raw_s = time.perf_counter() - t0

    path = tmp / "store.duckdb"
    store = open_timeseries(f"duckdb:///{path}")
    t0 = time.perf_counter()
    for f in frames:
        store.write(f)
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for f in frames:
        store.write(f)
    rewrite_s = time.perf_counter() - t0

    asset = _one_asset(frames)
    step = timedelta(hours=1)
    query = f"({asset}, all sensors, {(end - start).days} d at 1 h)"
    store_ms = _median_ms(lambda: store.downsample(asset, None, start, end, step))
    sql = ("SELECT make_timestamp((epoch_us(ts) // 3600000000) * 3600000000) AS ts, sensor, avg(value), min(value), "
           "max(value), arg_max(value, ts), count(*) FROM points WHERE measurement = 'telemetry' AND asset = ? "
           "AND ts >= ? AND ts < ? GROUP BY ALL ORDER BY sensor, ts")
    params = [asset, start.replace(tzinfo=None), end.replace(tzinfo=None)]
    raw_ms = _median_ms(lambda: con.execute(sql, params).df())
    con.close()
    held = open_timeseries(f"duckdb:///{path}", keep_open=True)
    held_ms = _median_ms(lambda: held.downsample(asset, None, start, end, step))
    held.close()
    return {"raw_s": raw_s, "write_s": write_s, "rewrite_s": rewrite_s, "query": query, "query_ms": store_ms,
            "raw_query_ms": raw_ms, "held_query_ms": held_ms}


def _influx(url: str, token: str | None, frames, start: datetime, end: datetime) -> dict[str, Any]:
    import httpx

    from industrialmind.stores._influx import raw_post, to_bodies
    from industrialmind.stores.timeseries import normalise_points, open_timeseries

    base = url.rsplit("/", 1)[0]
    run_id = uuid.uuid4().hex[:8]
    raw_url, ours_url = f"{base}/im_bench_raw_{run_id}", f"{base}/im_bench_{run_id}"
    prepared = [to_bodies(normalise_points(f)) for f in frames]
    posts = [raw_post(raw_url, bodies, precision, token) for bodies, precision in prepared]
    t0 = time.perf_counter()
    for post in posts:
        post()
    raw_s = time.perf_counter() - t0

    store = open_timeseries(ours_url, token=token)
    try:
        t0 = time.perf_counter()
        for f in frames:
            store.write(f)
        write_s = time.perf_counter() - t0
        asset = _one_asset(frames)
        step = timedelta(hours=1)
        query_ms = _median_ms(lambda: store.downsample(asset, None, start, end, step))
        influxql = (f'SELECT mean("value"), min("value"), max("value"), last("value"), count("value") FROM "telemetry" '
                    f"WHERE \"asset\" = '{asset}' AND time >= {int(start.timestamp() * 1e9)} AND "
                    f"time < {int(end.timestamp() * 1e9)} GROUP BY time(1h), \"sensor\" fill(none)")
        client = httpx.Client(base_url=store.base_url, headers=store._http().headers, timeout=60)
        raw_query_ms = _median_ms(lambda: client.post("/query", data={"q": influxql, "db": store.database,
                                                                      "epoch": "ns"}).raise_for_status())
        client.close()
    finally:
        for name in (store.database, raw_url.rsplit("/", 1)[1]):
            try:
                store.query(f'DROP DATABASE "{name}"')
            except Exception:  # noqa: BLE001 - cleanup is best effort; the figures are already measured
                pass
        store.close()
    return {"raw_s": raw_s, "write_s": write_s, "query_ms": query_ms, "raw_query_ms": raw_query_ms}


def render(result: dict[str, Any]):
    """A table of each figure next to its baseline (measured in the same run) and the ratio ours / baseline."""
    from rich.table import Table

    table = Table("metric (vs baseline)", "ours", "baseline", "ratio",
                  title=f"storage: {result['days']:g} d x {result['sensors']} sensors at 1 min = "
                        f"{result['points']:,} points ({result['date']})",
                  caption="ratio = ours / baseline; rates: higher is better, latencies: lower is better"
                          + (f"\n{result['note']}" if result.get("note") else ""))
    for r in result["results"]:
        fmt = (lambda v: f"{v:,.1f} ms") if r["unit"] == "ms" else (lambda v: f"{v:,.0f}/s")
        table.add_row(f"{r['metric']}\n[dim]vs {r['baseline']}[/]", fmt(r["value"]), fmt(r["baseline_value"]),
                      f"{r['ratio']:.2f}")
    return table
