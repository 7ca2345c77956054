"""The readings dataset: sensor points summarised over a window, through the time-series store's own query
(`summarise`: one DuckDB SQL statement, or InfluxQL selectors whose times are the points' own).

The registry says which series a query means (filters on asset, site, line, asset type and sensor); the store
summarises each asset's series per window (the whole window, or its day / week / month / year buckets, computed
in the site's time zone); figures over several series or buckets are combined here exactly: counts and sums add,
the mean is their ratio, an extreme keeps the earliest time it was reached, first and last keep theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from industrialmind.query.calendar import buckets, zone
from industrialmind.query.model import Query, query_error
from industrialmind.query.resolve import Plan, plan
from industrialmind.query.result import QueryResult
from industrialmind.query.sources import Snapshot
from industrialmind.query.words import number, scope, when

MAX_SERIES = 200
_FNS = ("count", "sum", "mean", "min", "max", "first", "last")
_STATS = ("count", "mean", "min", "min_time", "max", "max_time", "first", "first_time", "last", "last_time")


def run_readings(stores: Any, query: Query, now: datetime) -> QueryResult:
    """Summarise the readings a query names (see the module docstring)."""
    snap = Snapshot(stores.records())
    p = plan(snap, query, now)
    if p.agg is not None and p.agg.fn not in _FNS:
        raise query_error(f"{p.agg.fn} does not apply to readings: use " + ", ".join(_FNS), list(_FNS))
    if p.agg is not None and p.agg.field is not None and p.agg.field.name != "value":
        raise query_error(f"readings aggregate their value, not {p.agg.field.name}", ["value"])
    if p.grouping is not None and p.grouping.unit is None and p.grouping.name not in ("asset", "sensor"):
        raise query_error(f"readings group by asset, sensor or a time bucket, not {p.grouping.name}",
                          ["asset", "sensor", "day", "week", "month", "year"])
    series = _series(snap, p)
    store = stores.timeseries()
    start, end = _span(p, store, series)
    tz = zone(p.tz)
    windows = buckets(start, end, p.grouping.unit, tz) if p.grouping is not None and p.grouping.unit else \
        [("", start, end)]
    found: list[dict[str, Any]] = []
    by_asset: dict[str, list[str]] = {}
    for asset, sensor in series:
        by_asset.setdefault(asset.id, []).append(sensor.id)
    units = {(a.id, s.id): s.unit for a, s in series}
    for asset_id, sensor_ids in by_asset.items():
        frame = store.summarise(asset_id, sensor_ids, [(w[1], w[2]) for w in windows])
        for r in frame.to_dict("records"):
            found.append({"asset": asset_id, "sensor": r["sensor"], "bucket": windows[int(r["window"])][0],
                          "unit": units.get((asset_id, r["sensor"])), "count": int(r["count"]), "sum": r["sum"],
                          "min": r["min"], "min_time": _ts(r["min_ts"]), "max": r["max"], "max_time": _ts(r["max_ts"]),
                          "first": r["first"], "first_time": _ts(r["first_ts"]), "last": r["last"],
                          "last_time": _ts(r["last_ts"])})
    result = _shape(p, found, windows)
    result.count = sum(r["count"] for r in found)
    if result.count == 0:
        result.notes += _why_empty(p, store, series, start, end)
    unit_set = {units[(a.id, s.id)] for a, s in series if units.get((a.id, s.id))}
    result.unit = next(iter(unit_set)) if len(unit_set) == 1 else None
    if p.agg is not None and len(unit_set) > 1 and p.agg.fn in ("sum", "mean", "min", "max") and \
            (p.grouping is None or p.grouping.name != "sensor"):
        result.notes.append("the series have different units (" + ", ".join(sorted(unit_set)) + "): a figure "
                            "over all of them mixes them; group by sensor or filter one sensor")
    result.timezone = p.tz
    result.window = {"field": "time", "start": start, "end": end, "timezone": p.tz}
    result.sources = [f"timeseries:{a.id}/{s.id}" for a, s in series][:20]
    result.words = _words(p, series)
    result.headline = _headline(p, result)
    return result


def _ts(value: Any) -> datetime | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _series(snap: Snapshot, p: Plan) -> list[tuple[Any, Any]]:
    """The (asset, sensor) series the filters name."""
    place = [c for c in p.filters if c.field.name in ("asset", "site", "line", "asset_type")]
    sensor = [c for c in p.filters if c.field.name == "sensor"]
    other = [c for c in p.filters if c not in place and c not in sensor]
    if other:
        raise query_error("readings filter on asset, site, line, asset_type and sensor (and a window), not on "
                          + ", ".join(c.field.name for c in other), ["asset", "site", "line", "asset_type", "sensor"])
    if not place:
        raise query_error("say which readings: filter on an asset (or a site, line or asset type), e.g. "
                          "asset = 'CHILLER-6'", [a.id for a in snap.assets() if a.sensors][:20])
    assets = [a for a in snap.assets() if all(_holds(c, _place_value(a, c.field.name)) for c in place)]
    out = [(a, s) for a in assets for s in a.sensors if all(_holds(c, s.id) for c in sensor)]
    if not out:
        names = ", ".join(c.shown for c in place + sensor)
        wanted = sorted({s.id for a in assets for s in a.sensors})
        raise query_error(f"no sensor matches {names}" + (f"; their sensors: {', '.join(wanted[:20])}" if wanted
                                                           else "; those assets have no sensors"), wanted)
    if len(out) > MAX_SERIES:
        raise query_error(f"{len(out)} series match; at most {MAX_SERIES} at once: name the sensor or fewer assets",
                          [])
    return out


def _place_value(asset: Any, name: str) -> Any:
    return {"asset": asset.id, "site": asset.site_id, "line": asset.line_id, "asset_type": asset.type}[name]


def _holds(c: Any, value: Any) -> bool:
    values = c.value if isinstance(c.value, list) else [c.value]
    if c.op in ("eq", "in"):
        return value in values
    if c.op in ("ne", "not_in"):
        return value not in values
    text = str(value or "").lower()
    hit = any(str(v).lower() in text for v in values)
    return hit if c.op == "contains" else not hit


def _span(p: Plan, store: Any, series: list[tuple[Any, Any]]) -> tuple[datetime, datetime]:
    """The window's bounds; an open side is the stored data's own (first point, or just after the last)."""
    from datetime import timedelta

    low, high = (None, None)
    if p.window is not None:
        w = p.window
        low, high = w.value if w.op == "between" else ((w.value, None) if w.op == "ge" else (None, w.value))
    if low is None or high is None:
        found = [b for b in (store.bounds(a) for a in sorted({a.id for a, _ in series})) if b]
        if not found:
            raise query_error("no readings are stored for " + ", ".join(sorted({a.id for a, _ in series})), [])
        low = low or min(b[0] for b in found)
        high = high or max(b[1] for b in found) + timedelta(microseconds=1)
    if high <= low:
        raise query_error(f"the window ends ({high.isoformat()}) before it starts ({low.isoformat()})", [])
    return low, high


def _combine(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures of several series or buckets as one (see the module docstring)."""
    rows = [r for r in rows if r["count"]]
    if not rows:
        return {"count": 0, "sum": None, "mean": None, **{k: None for k in _STATS if k not in ("count", "mean")}}
    n = sum(r["count"] for r in rows)
    total = sum(r["sum"] for r in rows)
    lo = min(rows, key=lambda r: (r["min"], r["min_time"]))
    hi = max(rows, key=lambda r: (r["max"], -r["max_time"].timestamp()))
    first = min(rows, key=lambda r: r["first_time"])
    last = max(rows, key=lambda r: r["last_time"])
    return {"count": n, "sum": total, "mean": total / n, "min": lo["min"], "min_time": lo["min_time"],
            "max": hi["max"], "max_time": hi["max_time"], "first": first["first"], "first_time": first["first_time"],
            "last": last["last"], "last_time": last["last_time"]}


def _pick(stats: dict[str, Any], fn: str) -> tuple[Any, datetime | None]:
    return stats.get(fn), stats.get(f"{fn}_time")


def _shape(p: Plan, found: list[dict[str, Any]], windows: list[tuple[str, datetime, datetime]]) -> QueryResult:
    result = QueryResult(dataset="readings", shape=p.shape, rows=[], count=0)
    fn = p.agg.fn if p.agg is not None else None
    result.fn, result.field = fn, "value" if fn else None
    if p.shape == "rows" or (p.shape == "groups" and fn is None):
        keys = sorted({(r["asset"], r["sensor"]) for r in found})
        rows = []
        for asset, sensor in keys:
            for label, _, _ in windows:
                part = [r for r in found if (r["asset"], r["sensor"], r["bucket"]) == (asset, sensor, label)]
                if not part and label == "":
                    continue
                unit = part[0]["unit"] if part else None
                stats = _combine(part)
                rows.append({"asset": asset, "sensor": sensor, **({"bucket": label} if label else {}), "unit": unit,
                             **{k: stats[k] for k in _STATS}})
        result.rows = rows[:p.limit]
        result.more = len(rows) - len(result.rows)
        result.columns = list(rows[0]) if rows else ["asset", "sensor", *_STATS]
        return result
    if p.shape == "value":
        stats = _combine(found)
        value, at = _pick(stats, fn)
        result.value, result.value_time = value, at if fn in ("min", "max", "first", "last") else None
        series = {(r["asset"], r["sensor"]) for r in found}
        row = {"value": value, **({"time": at} if result.value_time else {}), "count": stats["count"]}
        if len(series) == 1:
            asset, sensor = next(iter(series))
            row = {"asset": asset, "sensor": sensor, **row}
        elif fn in ("min", "max", "first", "last") and value is not None:
            held = [r for r in found if r.get(f"{fn}_time") == at and r.get(fn) == value]
            if held:
                row = {"asset": held[0]["asset"], "sensor": held[0]["sensor"], **row}
        result.rows = [row]
        result.columns = list(row)
        return result
    g = p.grouping
    key = g.name
    labels = [w[0] for w in windows] if g.unit else sorted({r[key] for r in found})
    groups = []
    for label in labels:
        part = [r for r in found if (r["bucket"] if g.unit else r[key]) == label]
        stats = _combine(part)
        value, at = _pick(stats, fn)
        groups.append({key: label, "value": value, **({"time": at} if fn in ("min", "max", "first", "last") else {}),
                       "count": stats["count"]})
    if p.order_by_value:
        filled = sorted((r for r in groups if r["value"] is not None), key=lambda r: str(r[key]))
        filled.sort(key=lambda r: r["value"], reverse=p.descending)
        groups = filled + [r for r in groups if r["value"] is None]
    elif p.descending:
        groups.reverse()
    result.group_by = key
    result.groups = len(groups)
    result.rows = groups[:p.limit]
    result.more = len(groups) - len(result.rows)
    result.columns = list(groups[0]) if groups else [key, "value", "count"]
    if result.more:
        result.notes.append(f"{result.groups:,} {key} groups: showing {len(result.rows)}, {result.more:,} more")
    return result


def _series_of(result: QueryResult) -> list[tuple[str, str]]:
    return [tuple(x.split("/", 1)) for x in (s.removeprefix("timeseries:") for s in result.sources)]


def _why_empty(p: Plan, store: Any, series: list[tuple[Any, Any]], start: datetime, end: datetime) -> list[str]:
    notes = []
    for asset_id in sorted({a.id for a, _ in series}):
        bounds = store.bounds(asset_id)
        if bounds:
            notes.append(f"no readings of {asset_id} from {when(start)} to {when(end)}; its readings run from "
                         f"{when(bounds[0])} to {when(bounds[1])}")
        else:
            notes.append(f"no readings of {asset_id} are stored")
    return notes


def _words(p: Plan, series: list[tuple[Any, Any]]) -> str:
    what = ", ".join(f"{a.id}/{s.id}" for a, s in series[:6]) + (f" (+{len(series) - 6} more)" if len(series) > 6
                                                                  else "")
    head = f"readings of {what}" + (f", {p.window_text}" if p.window_text else "")
    fn = p.agg.fn if p.agg is not None else "count, mean, min, max, first, last"
    by = f" per {p.grouping.name}" if p.grouping is not None else ""
    return f"{head}: {fn}{by}"


def _headline(p: Plan, result: QueryResult) -> str:
    unit = result.unit
    where = scope(p)
    if result.count == 0:
        return f"0 readings {where}".strip()
    if result.shape == "value":
        row = result.rows[0]
        if "sensor" in row and len({(a, s) for a, s in _series_of(result)}) <= 1:
            # one series: say it by name, with the window, instead of repeating the filters that picked it
            text = f"{result.fn} {row['sensor']} of {row['asset']}" + (f", {p.window_text}" if p.window_text else "")
        else:
            text = f"{result.fn} of readings {where}".strip()
            if "sensor" in row:
                text += f" ({row['asset']} {row['sensor']})"
        text += f": {number(result.value, unit if result.fn != 'count' else None)}"
        if result.value_time is not None:
            text += f" at {when(result.value_time)}"
        return text + f" ({number(result.count)} readings)"
    if result.shape == "groups" and result.fn:
        shown = ", ".join(f"{r[result.group_by]} {number(r['value'], unit if result.fn != 'count' else None)}"
                          + (f" at {when(r['time'])}" if r.get("time") else "") for r in result.rows[:6])
        rest = len(result.rows) - 6 + result.more
        return f"{result.fn} of readings {where} per {result.group_by}: {shown}" + \
            (f" (+{rest} more)" if rest > 0 else "")
    parts = []
    for r in result.rows[:4]:
        label = f"{r['asset']} {r['sensor']}" + (f" {r['bucket']}" if r.get("bucket") else "")
        u = r.get("unit")
        if not r["count"]:
            parts.append(f"{label}: no readings")
            continue
        parts.append(f"{label}: mean {number(r['mean'], u)}, min {number(r['min'], u)} at {when(r['min_time'])}, "
                     f"max {number(r['max'], u)} at {when(r['max_time'])}, last {number(r['last'], u)} "
                     f"({number(r['count'])} readings)")
    more = len(result.rows) - 4 + result.more
    return f"readings {where}: ".replace("readings : ", "readings: ") + "; ".join(parts) + \
        (f" (+{more} more)" if more > 0 else "")
