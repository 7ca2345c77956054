"""What the stores hold about the plant's assets, as JSON-able dicts: the registered assets (`assets_data`) and an
asset's latest readings or a per-sensor summary over a window (`readings_data`); `industrialmind assets` and
`readings`, the REST API and the TUI print them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from industrialmind.config import Settings

SPARK = "▁▂▃▄▅▆▇█"
TARGET_BUCKETS = 48


def assets_data(settings: "Settings", site: str | None = None, line: str | None = None,
                asset_type: str | None = None) -> list[dict[str, Any]]:
    """The registered assets as dicts (id, name, type, line, site, criticality, sensors with units)."""
    from industrialmind.errors import InvalidInputError, did_you_mean
    from industrialmind.stores.records import open_records

    records = open_records(settings.resolved.records)
    try:
        found = records.list_assets(site_id=site, line_id=line, asset_type=asset_type)
        if not found and (site or line or asset_type):
            everything = records.list_assets()
            for flag, value, valid in (("--site", site, {a.site_id for a in everything}),
                                       ("--line", line, {a.line_id for a in everything if a.line_id}),
                                       ("--type", asset_type, {a.type for a in everything})):
                if value is not None and value not in valid:
                    hint = did_you_mean(value, valid) if valid else "; the registry is empty"
                    raise InvalidInputError(f"unknown {flag[2:]} {value!r}" + hint)
    finally:
        records.close()
    return [{
        "id": a.id, "name": a.name, "type": a.type, "line": a.line_id, "site": a.site_id,
        "criticality": a.criticality,
        "sensors": [{"id": s.id, "name": s.name, "quantity": s.quantity, "unit": s.unit} for s in a.sensors],
    } for a in found]


def readings_data(settings: "Settings", asset_id: str, sensors: list[str] | None = None, since: str | None = None,
                  until: str | None = None, interval: str | None = None, now: datetime | None = None) -> dict:
    """Latest values (no since) or a downsampled summary per sensor over [since, until) as a JSON-able dict."""
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    records = open_records(settings.resolved.records)
    try:
        asset = records.get_asset(asset_id)
    finally:
        records.close()
    chosen = [asset.sensor(s) for s in sensors] if sensors else list(asset.sensors)
    ids = [s.id for s in chosen]
    store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        if since is None and until is None and interval is None:
            return _latest(store, asset, chosen, ids)
        return _summary(store, asset, chosen, ids, since, until, interval, now)
    finally:
        store.close()


def _status(sensor, value: float | None) -> str:
    if value is None:
        return "no data"
    if sensor.normal_max is not None and value > sensor.normal_max:
        return "high"
    if sensor.normal_min is not None and value < sensor.normal_min:
        return "low"
    return "normal"


def _latest(store, asset, chosen, ids) -> dict:
    from industrialmind.timeutil import now_utc

    frame = store.latest(asset.id, ids).set_index("sensor") if ids else None
    now = now_utc()
    rows = []
    for s in chosen:
        have = frame is not None and s.id in frame.index
        value = float(frame.at[s.id, "value"]) if have else None
        ts = frame.at[s.id, "ts"].to_pydatetime() if have else None
        rows.append({"sensor": s.id, "name": s.name, "unit": s.unit, "value": value, "ts": ts,
                     "age_s": round((now - ts).total_seconds(), 1) if ts else None,
                     "normal_min": s.normal_min, "normal_max": s.normal_max, "status": _status(s, value)})
    return {"asset": asset.id, "name": asset.name, "mode": "latest", "readings": rows,
            "note": _note(store, asset.id) if all(r["value"] is None for r in rows) else ""}


def choose_interval(start: datetime, end: datetime, target: int = TARGET_BUCKETS) -> timedelta:
    """A round bucket width giving at most about `target` buckets over [start, end)."""
    from industrialmind.timeutil import round_step

    return round_step(end - start, target)


def _summary(store, asset, chosen, ids, since, until, interval, now) -> dict:
    from industrialmind.timeutil import parse_interval, parse_range

    start, end = parse_range(since, until, now=now)
    step = parse_interval(interval) if interval else choose_interval(start, end)
    frame = store.downsample(asset.id, ids, start, end, step)
    series = []
    for s in chosen:
        part = frame[frame["sensor"] == s.id]
        buckets = [{"ts": r.ts.to_pydatetime(), "mean": float(r.mean), "min": float(r.min), "max": float(r.max),
                    "last": float(r.last), "count": int(r.count)} for r in part.itertuples(index=False)]
        count = int(part["count"].sum())
        summary = {"sensor": s.id, "name": s.name, "unit": s.unit, "count": count,
                   "min": float(part["min"].min()) if count else None,
                   "mean": float((part["mean"] * part["count"]).sum() / count) if count else None,
                   "max": float(part["max"].max()) if count else None,
                   "last": buckets[-1]["last"] if buckets else None,
                   "last_bucket": buckets[-1]["ts"] if buckets else None,
                   "normal_min": s.normal_min, "normal_max": s.normal_max,
                   "buckets": buckets}
        series.append(summary)
    return {"asset": asset.id, "name": asset.name, "mode": "range", "start": start, "end": end,
            "interval_s": step.total_seconds(), "series": series,
            "note": _note(store, asset.id) if all(x["count"] == 0 for x in series) else ""}


def _note(store, asset_id: str) -> str:
    bounds = store.bounds(asset_id)
    if bounds is None:
        return (f"no telemetry is stored for {asset_id}; run `industrialmind simulate` or an import, or check "
                "IM_TIMESERIES_URL")
    return (f"no telemetry in this window; {asset_id}'s data spans {bounds[0]:%Y-%m-%d %H:%M} .. "
            f"{bounds[1]:%Y-%m-%d %H:%M} UTC")


def sparkline(values: list[float]) -> str:
    """A one-line chart of values with block characters."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        return SPARK[3] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, int((v - lo) / (hi - lo) * len(SPARK)))] for v in values)


def fmt_number(value: float | None) -> str:
    """A reading as a table shows it: 4 significant digits, thousands separated when large, "-" when missing."""
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"


# --------------------------------------------------------------------------------------------------- commands
