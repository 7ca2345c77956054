"""The demo plant's history: simulate it into the stores on first run, extend it up to now, and summarise it.

`ensure_demo_data(settings)` is the reusable first-run step: when the data home holds no telemetry it simulates a
week of demo history into the time-series store and saves the plant and the fault labels in the records store.
`summary(settings)` is the plant at a glance that `start` and `status` print.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from industrialmind.config import Settings
    from industrialmind.domain.model import Plant

MARKER = "demo_history.json"  # in IM_HOME: the seed and window of the simulated history
WRITE_CHUNK = timedelta(days=1)  # one store write per simulated day (about 325k points)
KEY_READINGS: list[tuple[str, list[str]]] = [
    ("P-101", ["flow", "discharge_pressure", "vibration_de", "bearing_temp"]),
    ("M-101", ["current", "winding_temp"]),
    ("C-201", ["flow", "discharge_temp", "vibration"]),
    ("HX-201", ["hot_out_temp", "cold_in_temp", "differential_pressure"]),
    ("FN-301", ["airflow", "vibration"]),
    ("CH-901", ["chw_supply_temp", "power"]),
]
Progress = Callable[[int, int], None]


def _now_minute() -> datetime:
    from industrialmind.timeutil import now_utc

    return now_utc().replace(second=0, microsecond=0)


def _open_records(settings: Settings):
    """The records store of the settings (the plant and its fault labels are saved there)."""
    from industrialmind.stores.records import open_records

    return open_records(settings.resolved.records)


def _close(*stores: Any) -> None:
    for store in stores:
        if store is not None and hasattr(store, "close"):
            store.close()


def read_marker(settings: Settings) -> dict[str, Any] | None:
    """The seed and window of the simulated demo history in IM_HOME, or None."""
    path = settings.home / MARKER
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_marker(settings: Settings, seed: int, start: datetime, end: datetime) -> None:
    old = read_marker(settings) or {}
    if old.get("seed") == seed and old.get("start"):
        start = min(start, datetime.fromisoformat(old["start"]))
    settings.ensure_home()
    (settings.home / MARKER).write_text(json.dumps({"site": "DEMO", "seed": seed, "start": start.isoformat(),
                                                    "end": end.isoformat()}, indent=2))


LIVE_BROKER_WAIT_S = 20.0  # `simulate --live` gives up on an unreachable broker after this long
MAX_DAYS = 3650  # ten years of history is already ~1e9 points; more is a typo


def backfill(settings: Settings, days: float = 7.0, seed: int = 1, end: datetime | None = None,
             progress: Progress | None = None, plant: Plant | None = None) -> dict[str, Any]:
    """Simulate [end - days, end) into the time-series store; save the plant and the fault labels to the records store.

    Idempotent: values do not depend on the window, and the store keys points by (asset, sensor, ts), so a re-run
    (or an overlapping run) rewrites the same points. Returns a summary (points, labels, window, URLs).
    """
    import time

    from industrialmind.errors import InvalidInputError
    from industrialmind.plant.demo import demo_plant
    from industrialmind.domain.model import utc
    from industrialmind.plant.simulator import Simulator
    from industrialmind.stores.timeseries import mask, open_timeseries

    if not 0 < days <= MAX_DAYS:  # also refuses NaN
        raise InvalidInputError(f"--days must be more than 0 and at most {MAX_DAYS} (ten years), got {days!r}")
    plant = plant or demo_plant()
    end = utc(end) if end is not None else _now_minute()
    try:
        start = end - timedelta(days=days)
    except OverflowError:  # an --end in year 1
        raise InvalidInputError(f"--end {end.isoformat()} minus {days:g} days falls before year 1: give a later "
                                "--end or fewer --days") from None
    sim = Simulator(plant, seed=seed)
    total = max(1, -(-int((end - start).total_seconds()) // int(WRITE_CHUNK.total_seconds())))
    began = time.perf_counter()
    written = generated = 0
    ts_store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    records = None
    try:
        if progress:
            progress(0, total)
        for i, frame in enumerate(sim.iter_chunks(start, end, chunk=WRITE_CHUNK), start=1):
            generated += len(frame)
            written += ts_store.write(frame)
            if progress:
                progress(i, total)
        labels = sim.fault_labels(start, end)
        records = _open_records(settings)
        if records is not None:
            records.save_plant(plant)
            records.replace_fault_labels(_labels_for_store(settings, sim, start, end), source="simulator")
    finally:
        _close(ts_store, records)
    _write_marker(settings, seed, start, end)
    return {
        "site": plant.site.id, "seed": seed, "start": start, "end": end, "days": days,
        "series": sim.sensor_count, "points_generated": generated, "points_written": written,
        "fault_labels": len(labels), "faults": sorted({lb.fault for lb in labels}),
        "timeseries_url": mask(settings.resolved.timeseries), "records_url": mask(settings.resolved.records),
        "records_saved": records is not None, "seconds": round(time.perf_counter() - began, 2),
    }


def _labels_for_store(settings: Settings, sim, start: datetime, end: datetime):
    """Labels of the whole simulated history (this run joined with earlier runs of the same seed)."""
    old = read_marker(settings) or {}
    if old.get("seed") == sim.seed and old.get("start") and old.get("end"):
        start = min(start, datetime.fromisoformat(old["start"]))
        end = max(end, datetime.fromisoformat(old["end"]))
    return sim.fault_labels(start, end)


def ensure_demo_data(settings: Settings, days: float = 7, seed: int = 1,
                     progress: bool | Progress = True) -> dict[str, Any]:
    """Simulate `days` of demo history when the time-series store holds none; a no-op (but a summary) otherwise.

    progress: True shows a Rich bar on stderr, False nothing, a callable gets (done, total).
    """
    from industrialmind.stores.timeseries import open_timeseries

    settings.ensure_home()
    store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        existing = store.count(asset="P-101")
    finally:
        _close(store)
    if existing:
        marker = read_marker(settings) or {}
        return {"simulated": False, "points": existing, "seed": marker.get("seed", seed)}
    if callable(progress):
        summary = backfill(settings, days=days, seed=seed, progress=progress)
    elif progress:
        from industrialmind.console import progress as bar_factory

        with bar_factory() as bar:
            task = bar.add_task(f"simulating {days:g} days of demo history", total=None)
            summary = backfill(settings, days=days, seed=seed,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
    else:
        summary = backfill(settings, days=days, seed=seed)
    return {"simulated": True, **summary}


def catch_up(settings: Settings, seed: int, now: datetime | None = None, max_gap: timedelta = timedelta(days=7)) -> int:
    """Extend the demo history from its last point up to now (at most max_gap); return the points written."""
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator
    from industrialmind.stores.timeseries import open_timeseries

    now = now or _now_minute()
    store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        bounds = store.bounds(asset="P-101")
        if bounds is None:
            return 0
        start = max(bounds[1] + timedelta(seconds=1), now - max_gap)
        if start >= now:
            return 0
        if now - start > timedelta(hours=1):
            from industrialmind.console import err_console

            err_console().print(f"[dim]adding {(now - start) / timedelta(hours=1):.0f} h of demo history up to now...[/]")
        sim = Simulator(demo_plant(), seed=seed)
        written = sum(store.write(frame) for frame in sim.iter_chunks(start, now, chunk=WRITE_CHUNK))
    finally:
        _close(store)
    if written:
        records = _open_records(settings)
        try:
            if records is not None:
                records.replace_fault_labels(_labels_for_store(settings, sim, start, now), source="simulator")
        finally:
            _close(records)
        _write_marker(settings, seed, start, now)
    return written


def summary(settings: Settings, seed: int = 1) -> dict[str, Any]:
    """The demo plant at a glance: lines, counts, history bounds, key assets' latest readings, active faults."""
    from industrialmind.plant.demo import demo_plant
    from industrialmind.stores.timeseries import open_timeseries

    plant = demo_plant()
    store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        bounds = store.bounds(asset="P-101")
        readings = []
        for asset_id, sensors in KEY_READINGS:
            asset = plant.asset(asset_id)
            latest = store.latest(asset_id, sensors)
            by_sensor = {row.sensor: row for row in latest.itertuples()}
            for sid in sensors:
                s = asset.sensor(sid)
                row = by_sensor.get(sid)
                value = None if row is None else float(row.value)
                status = "no data" if value is None else (
                    "high" if s.normal_max is not None and value > s.normal_max else
                    "low" if s.normal_min is not None and value < s.normal_min else "normal")
                readings.append({"asset": asset_id, "asset_name": asset.name, "sensor": sid, "value": value,
                                 "unit": s.unit, "ts": None if row is None else row.ts.to_pydatetime(),
                                 "normal_min": s.normal_min, "normal_max": s.normal_max, "status": status})
    finally:
        _close(store)
    at = bounds[1] if bounds else None
    faults = []
    if at is not None:
        for label in _active_labels(settings, plant, seed, at):
            done = (at - label.start) / (label.end - label.start)
            faults.append({"asset": label.asset_id, "fault": label.fault, "start": label.start, "end": label.end,
                           "progress": round(done, 3), "sensors": label.sensors})
    lines = [{"id": ln.id, "name": ln.name,
              "assets": sum(a.line_id == ln.id for a in plant.assets),
              "sensors": sum(len(a.sensors) for a in plant.assets if a.line_id == ln.id)} for ln in plant.lines]
    return {
        "site": {"id": plant.site.id, "name": plant.site.name},
        "lines": lines, "assets": len(plant.assets), "asset_types": len({a.type for a in plant.assets}),
        "sensors": plant.sensor_count, "seed": seed,
        "history": None if bounds is None else {"start": bounds[0], "end": bounds[1]},
        "readings": readings, "active_faults": faults,
    }


def _active_labels(settings: Settings, plant: Plant, seed: int, at: datetime):
    """Simulator faults in progress at `at`: from the records store's labels, else recomputed from the seed."""
    from industrialmind.plant.simulator import Simulator

    records = _open_records(settings)
    if records is None:
        return Simulator(plant, seed=seed).active_faults(at)
    try:
        ids = [a.id for a in plant.assets]
        labels = records.list_fault_labels(ids, start=at, end=at + timedelta(seconds=1))
    finally:
        _close(records)
    return [lb for lb in labels if lb.source == "simulator" and lb.start <= at < lb.end]
