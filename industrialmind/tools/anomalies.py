"""Anomaly tools: run the trained anomaly models over a scope and time range; list recorded alarms and anomalies."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolContext, error, parse_time


def detect_anomalies(ctx: ToolContext,
                     scope_id: Annotated[str, "an asset id ('P-101'), a line id or a site id"],
                     start: Annotated[str | None, "range start: ISO 8601 or relative like '24h'; default 24h"] = None,
                     end: Annotated[str | None, "range end: ISO 8601 or 'now'; default now"] = None,
                     asset_type: Annotated[str | None, "only the assets of this kind in the scope, such as "
                                                       "'centrifugal_pump', 'motor'; every asset if empty"] = None,
                     ) -> dict[str, Any]:
    """Score sensor data with the trained anomaly models over an asset, a line or a whole site and return the
    anomalous intervals (asset, start, end, score, the sensors that contributed most). Use it for 'is anything
    abnormal', 'any anomalies on line 2', 'is P-101 behaving normally'."""
    # (assets without a model are checked against their normal ranges by the models room; the docstring stays as
    # it is because the offline planner's router is trained on it)
    kind, scope, assets = ctx.scope(scope_id)
    if asset_type:  # 'which pump on line 1 is in the worst shape': the pumps of the line, not all its assets
        types = sorted({a.type for a in assets})
        wanted = asset_type.lower().replace(" ", "_")
        match = [t for t in types if t == wanted or wanted in t or t.rstrip("s") == wanted.rstrip("s")]
        if not match:
            return error(f"no asset of type {asset_type!r} on {kind} {scope}; the types there are "
                         + ", ".join(types), types)
        assets = [a for a in assets if a.type in match]
    now = ctx.now()
    t0 = parse_time(start, now, now - timedelta(hours=24))
    t1 = parse_time(end, now, now)
    from industrialmind.models.detection import detect_anomalies as backend

    kept = {a.id for a in assets}
    raw = backend(ctx.settings, scope, t0, t1, asset_ids=kept if asset_type else None)
    found = raw.get("anomalies", raw.get("intervals", [])) if isinstance(raw, dict) else list(raw or [])
    found = jsonable(found)
    found.sort(key=lambda a: -(a.get("score") or 0) if isinstance(a, dict) else 0)
    per_asset: dict[str, int] = {}
    for a in found:
        if isinstance(a, dict):
            per_asset[a.get("asset_id", scope)] = per_asset.get(a.get("asset_id", scope), 0) + 1
    span = f"{t0:%Y-%m-%d %H:%M} to {t1:%Y-%m-%d %H:%M} UTC"
    if asset_type:
        what = f"the {len(assets)} {asset_type} asset(s) of {kind} {scope} ({', '.join(sorted(kept))})"
        top = found[0] if found and isinstance(found[0], dict) else {}
        summary = (f"{len(found)} anomalous interval(s) on {what} from {span}; strongest on "
                   f"{top.get('asset_id', scope)} (score {top.get('score', 'n/a')})" if found
                   else f"no anomalies on {what} from {span}")
    elif isinstance(raw, dict) and raw.get("summary"):
        summary = raw["summary"]  # the models room writes it from the scores, thresholds and drivers
    elif found:
        top = found[0] if isinstance(found[0], dict) else {}
        summary = (f"{len(found)} anomalous interval(s) on {kind} {scope} from {span} across {len(per_asset)} "
                   f"asset(s); strongest on {top.get('asset_id', scope)} (score {top.get('score', 'n/a')})")
    else:
        summary = f"no anomalies on {kind} {scope} ({len(assets)} asset(s)) from {span}"
    extra = {k: v for k, v in raw.items() if k in ("assets", "unscored", "unchecked")} if isinstance(raw, dict) else {}
    return jsonable({"summary": summary, "scope": {"kind": kind, "id": scope, "assets": [a.id for a in assets],
                               **({"asset_type": asset_type} if asset_type else {})},
                     "time_range": {"start": t0, "end": t1}, "anomalies": found, "count": len(found),
                     "per_asset": per_asset, **extra, "sources": [f"anomaly-models:{scope}"]})


def alarms(ctx: ToolContext,
           scope_id: Annotated[str | None, "asset, line or site id; every asset if empty"] = None,
           since: Annotated[str | None, "only events starting after this: ISO 8601 or relative like '24h'; "
                                        "default 7d"] = None) -> dict[str, Any]:
    """Alarms, alerts and detected anomalies recorded for an asset, line or site since a time, newest first, with
    severity and message. Use it for 'any alarms', 'what went off overnight', 'recent events on P-101'."""
    now = ctx.now()
    t0 = parse_time(since, now, now - timedelta(days=7))
    if scope_id:
        kind, scope, assets = ctx.scope(scope_id)
    else:
        kind, scope, assets = "all", "all", ctx.assets()
    ids = {a.id for a in assets}
    kinds = ["alarm", "alert", "anomaly"]
    events = ctx.records().list_events(asset_ids=None if scope == "all" else sorted(ids), kind=kinds, since=t0)
    # events overlapping the window count, including ones that started earlier and are still going on
    rows = [e for e in events if e.asset_id in ids and e.kind in kinds and (e.end is None or e.end >= t0
                                                                            or e.start >= t0)]
    rows.sort(key=lambda e: e.start, reverse=True)
    out = [{"event_id": e.id, "asset_id": e.asset_id, "kind": e.kind, "severity": e.severity, "message": e.message,
            "start": e.start, "end": e.end, "sensors": e.sensors, "score": e.score} for e in rows[:100]]
    crit = sum(1 for e in rows if e.severity == "critical")
    if rows:
        summary = (f"{len(rows)} alarm/anomaly event(s) on {scope} since {t0:%Y-%m-%d %H:%M} UTC ({crit} critical); "
                   f"latest: {rows[0].asset_id} {rows[0].message or rows[0].kind} at {rows[0].start:%Y-%m-%d %H:%M}")
    else:
        summary = f"no alarms or anomalies on {scope} since {t0:%Y-%m-%d %H:%M} UTC"
    return jsonable({"summary": summary, "scope": {"kind": kind, "id": scope}, "since": t0, "count": len(rows),
                     "critical": crit, "events": out, "sources": ["records:events"]})


TOOLS = [detect_anomalies, alarms]
