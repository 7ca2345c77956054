"""Sensor data tools: latest readings and a sensor's history with statistics and a chart spec the UIs draw."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from industrialmind.jsonable import jsonable
from industrialmind.timeutil import round_step
from industrialmind.tools._context import (
    ToolArgError,
    ToolContext,
    ToolUnavailable,
    fmt,
    parse_duration,
    parse_time,
)

MAX_POINTS = 500  # a chart and a model's context both prefer a few hundred points to a million


def latest_readings(ctx: ToolContext,
                    asset_id: Annotated[str, "asset id such as 'P-101'"],
                    sensors: Annotated[list[str] | None, "sensor ids or words ('temp', 'vibration'); all if empty"] = None,
                    ) -> dict[str, Any]:
    """Current (latest) value of an asset's sensors, with units, timestamps and whether each is inside its normal
    range. Use it for 'what is X doing now', 'current temperature of X'."""
    asset = ctx.asset(asset_id)
    chosen = ctx.sensors(asset, sensors)
    if not chosen:
        raise ToolArgError(f"asset {asset.id!r} has no sensor matching {sensors!r}", [s.id for s in asset.sensors])
    frame = ctx.timeseries().latest(asset.id, [s.id for s in chosen])
    by_id = {s.id: s for s in chosen}
    readings = []
    for row in frame.itertuples(index=False):
        s = by_id.get(row.sensor)
        if s is None:
            continue
        value = float(row.value)
        low, high = s.normal_min, s.normal_max
        status = "normal"
        if low is not None and value < low:
            status = "low"
        elif high is not None and value > high:
            status = "high"
        readings.append({"sensor": s.id, "value": value, "unit": s.unit, "ts": row.ts, "status": status,
                         "normal_min": low, "normal_max": high})
    if not readings:
        return {"summary": f"no readings stored for {asset.id} ({', '.join(by_id)})", "asset_id": asset.id,
                "readings": [], "sources": [f"timeseries:{asset.id}"]}
    off = [r for r in readings if r["status"] != "normal"]
    parts = ", ".join(f"{r['sensor']} {fmt(r['value'], r['unit'])}" for r in readings[:6])
    summary = f"{asset.id} latest: {parts}" + ("" if len(readings) <= 6 else f" (+{len(readings) - 6} more)")
    summary += f"; {len(off)} outside normal range" if off else "; all within normal range"
    latest_ts = max(r["ts"] for r in readings)
    return jsonable({"summary": summary, "asset_id": asset.id, "as_of": latest_ts, "readings": readings,
                     "out_of_range": [r["sensor"] for r in off], "sources": [f"timeseries:{asset.id}"]})


def sensor_history(ctx: ToolContext,
                   asset_id: Annotated[str, "asset id such as 'P-101'"],
                   sensor: Annotated[str, "one sensor id or word ('vibration_de', 'temp', 'amps')"],
                   start: Annotated[str, "range start: ISO 8601 or relative like '24h' (24 hours ago)"] = "24h",
                   end: Annotated[str, "range end: ISO 8601 or 'now'"] = "now",
                   interval: Annotated[str | None, "bucket size like '5m', '1h'; chosen automatically if empty"] = None,
                   aggregate: Annotated[Literal["mean", "min", "max", "last"], "value per bucket"] = "mean",
                   ) -> dict[str, Any]:
    """History of one sensor of an asset over a time range: the series, statistics over the range (min, max,
    mean, last, with their times) and a chart spec to plot it (anomalous intervals shaded). Use it for trends,
    plots, 'how did X change', 'max temperature yesterday'."""
    asset = ctx.asset(asset_id)
    s = ctx.sensor(asset, sensor)
    now = ctx.now()
    t0 = parse_time(start, now, now - timedelta(hours=24))
    t1 = parse_time(end, now, now)
    if t1 <= t0:
        raise ToolArgError(f"the range ends ({t1.isoformat()}) before it starts ({t0.isoformat()})",
                           ["start earlier than end"])
    if aggregate not in ("mean", "min", "max", "last"):
        raise ToolArgError(f"unknown aggregate {aggregate!r}", ["mean", "min", "max", "last"])
    store = ctx.timeseries()
    span = t1 - t0
    step = parse_duration(interval) if interval else None
    if step is None and span.total_seconds() / max(s.sample_period_s, 1.0) > MAX_POINTS:
        step = round_step(span, MAX_POINTS)
    if step is not None:
        frame = store.downsample(asset.id, [s.id], t0, t1, step)
        frame = frame[frame["sensor"] == s.id] if "sensor" in frame else frame
        xs, ys = list(frame["ts"]), [float(v) for v in frame[aggregate]]
        stats = _stats_downsampled(frame)
    else:
        frame = store.range(asset.id, [s.id], t0, t1)
        frame = frame[frame["sensor"] == s.id] if "sensor" in frame else frame
        xs, ys = list(frame["ts"]), [float(v) for v in frame["value"]]
        stats = _stats_raw(xs, ys)
    stats = _exact_stats(store, asset.id, s.id, t0, t1) or stats
    time_range = {"start": t0, "end": t1}
    if not ys:
        return jsonable({"summary": f"no {s.id} data for {asset.id} between {t0:%Y-%m-%d %H:%M} and "
                                    f"{t1:%Y-%m-%d %H:%M} UTC", "asset_id": asset.id, "sensor": s.id, "unit": s.unit,
                         "time_range": time_range, "points": 0, "series": [], "stats": None,
                         "sources": [f"timeseries:{asset.id}/{s.id}"]})
    shaded = _anomalous_intervals(ctx, asset.id, s.id, t0, t1)
    chart = {"type": "line", "title": f"{asset.id} {s.name}", "x_title": "time (UTC)",
             "y_title": f"{s.name} ({s.unit})",
             "series": [{"name": f"{s.id} ({aggregate})" if step else s.id, "x": xs, "y": ys}],
             "normal_range": [s.normal_min, s.normal_max], "shapes": shaded}
    summary = (f"{asset.id} {s.id} from {t0:%Y-%m-%d %H:%M} to {t1:%Y-%m-%d %H:%M} UTC: "
               f"min {fmt(stats['min'], s.unit)}{_at(stats.get('min_ts'))}, "
               f"max {fmt(stats['max'], s.unit)}{_at(stats.get('max_ts'))}, "
               f"mean {fmt(stats['mean'], s.unit)}, last {fmt(stats['last'], s.unit)}")
    if shaded:
        summary += f"; {len(shaded)} anomalous interval(s)"
    return jsonable({"summary": summary, "asset_id": asset.id, "sensor": s.id, "unit": s.unit,
                     "time_range": time_range, "interval_s": step.total_seconds() if step else None,
                     "aggregate": aggregate if step else "raw", "points": len(ys), "stats": stats,
                     "series": [{"ts": x, "value": y} for x, y in zip(xs, ys)], "anomalous_intervals": shaded,
                     "chart": chart, "sources": [f"timeseries:{asset.id}/{s.id}"]})


def _at(ts: Any) -> str:
    return f" at {ts:%Y-%m-%d %H:%M}" if ts is not None and hasattr(ts, "strftime") else ""


def _exact_stats(store: Any, asset_id: str, sensor: str, t0: Any, t1: Any) -> dict[str, Any] | None:
    """Statistics over the whole range from the store's own summary (the time of an extreme is the point's, not
    its bucket's); None from a store without one, or with no points in the range."""
    summarise = getattr(store, "summarise", None)
    if summarise is None:
        return None
    frame = summarise(asset_id, [sensor], [(t0, t1)])
    if len(frame) == 0:
        return None
    r = frame.iloc[0]
    ts = {k: r[k].to_pydatetime() for k in ("min_ts", "max_ts", "first_ts", "last_ts")}
    return {"min": float(r["min"]), "min_ts": ts["min_ts"], "max": float(r["max"]), "max_ts": ts["max_ts"],
            "mean": float(r["sum"]) / int(r["count"]), "first": float(r["first"]), "first_ts": ts["first_ts"],
            "last": float(r["last"]), "last_ts": ts["last_ts"], "count": int(r["count"])}


def _stats_raw(xs: list, ys: list[float]) -> dict[str, Any]:
    if not ys:
        return {}
    i_min = min(range(len(ys)), key=ys.__getitem__)
    i_max = max(range(len(ys)), key=ys.__getitem__)
    return {"min": ys[i_min], "min_ts": xs[i_min], "max": ys[i_max], "max_ts": xs[i_max],
            "mean": sum(ys) / len(ys), "last": ys[-1], "last_ts": xs[-1], "count": len(ys)}


def _stats_downsampled(frame: Any) -> dict[str, Any]:
    if len(frame) == 0:
        return {}
    i_min, i_max = frame["min"].astype(float).idxmin(), frame["max"].astype(float).idxmax()
    counts = frame["count"].astype(float)
    mean = float((frame["mean"].astype(float) * counts).sum() / max(counts.sum(), 1.0))
    return {"min": float(frame.loc[i_min, "min"]), "min_ts": frame.loc[i_min, "ts"],
            "max": float(frame.loc[i_max, "max"]), "max_ts": frame.loc[i_max, "ts"], "mean": mean,
            "last": float(frame["last"].iloc[-1]), "last_ts": frame["ts"].iloc[-1], "count": int(counts.sum())}


def _anomalous_intervals(ctx: ToolContext, asset_id: str, sensor: str, t0, t1) -> list[dict[str, Any]]:
    """Anomaly and alarm events overlapping the range, as chart shapes; none when the records store is unavailable
    (the chart of readings is still worth showing without its shading)."""
    from industrialmind.errors import IndustrialMindError

    try:
        events = ctx.records().list_events(asset_id=asset_id, kind=("anomaly", "alarm", "alert"), since=t0, until=t1)
    except (ToolUnavailable, IndustrialMindError):
        return []
    shapes = []
    for e in events:
        if e.sensors and sensor not in e.sensors:
            continue
        e_end = e.end or t1
        if e.start < t1 and e_end > t0:
            shapes.append({"start": max(e.start, t0), "end": min(e_end, t1), "label": e.message or e.kind,
                           "kind": e.kind, "severity": e.severity})
    return shapes


TOOLS = [latest_readings, sensor_history]
