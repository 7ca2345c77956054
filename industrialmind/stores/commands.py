"""Read commands over the stores: `industrialmind assets`, `industrialmind readings ASSET`, `industrialmind doctor`.

Heavy libraries (pandas, duckdb, sqlalchemy) are imported inside the commands so `industrialmind --help` stays fast.
The command bodies are plain functions (`assets_data`, `readings_data`) that return JSON-able dicts; the Typer
commands print them as JSON or Rich tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Optional

import typer

if TYPE_CHECKING:
    from industrialmind.config import Settings

SPARK = "▁▂▃▄▅▆▇█"
NICE_INTERVALS_S = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800]
TARGET_BUCKETS = 48


# --------------------------------------------------------------------------------------------------- library
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
    span = (end - start).total_seconds()
    for seconds in NICE_INTERVALS_S:
        if span / seconds <= target:
            return timedelta(seconds=seconds)
    return timedelta(seconds=NICE_INTERVALS_S[-1] * max(1, round(span / NICE_INTERVALS_S[-1] / target)))


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


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"


# --------------------------------------------------------------------------------------------------- commands
def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the `assets`, `readings` and `doctor` commands."""

    @app.command("assets")
    def assets_cmd(
        site: Optional[str] = typer.Option(None, "--site", help="Only assets of this site (e.g. DEMO, MAIN)."),
        line: Optional[str] = typer.Option(None, "--line", help="Only assets of this line."),
        asset_type: Optional[str] = typer.Option(None, "--type", help="Only assets of this type (centrifugal_pump...)."),
        json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    ) -> None:
        """List registered assets: id, name, type, line, site and sensors with units."""
        from industrialmind.cli import console, emit_json, settings

        rows = assets_data(settings(), site, line, asset_type)
        if json_out:
            emit_json({"assets": rows, "count": len(rows)})
            return
        if not rows:
            console().print("No assets registered: run `industrialmind simulate` (demo plant) or an "
                            "`industrialmind import`.")
            return
        from rich.table import Table

        table = Table("id", "name", "type", "line", "site", "sensors (unit)", title=f"{len(rows)} assets")
        table.columns[0].no_wrap = True
        table.columns[-1].ratio = 3
        for r in rows:
            sensors = ", ".join(f"{s['id']} ({s['unit']})" for s in r["sensors"])
            table.add_row(r["id"], r["name"], r["type"], r["line"] or "", r["site"], sensors)
        console().print(table)

    @app.command("readings")
    def readings_cmd(
        asset: str = typer.Argument(..., help="Asset id, e.g. P-101."),
        sensor: Optional[list[str]] = typer.Option(None, "--sensor", "-s", help="A sensor id (repeat for several)."),
        since: Optional[str] = typer.Option(None, "--since", help="Start: '2h', '7d', 'yesterday' or ISO 8601."),
        until: Optional[str] = typer.Option(None, "--until", help="End (default now): same forms as --since."),
        interval: Optional[str] = typer.Option(None, "--interval", help="Bucket width, e.g. 5m, 1h (default: auto)."),
        json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    ) -> None:
        """Show an asset's latest readings, or with --since a per-sensor summary and sparkline over a window."""
        from industrialmind.cli import console, emit_json, settings

        data = readings_data(settings(), asset, sensor or None, since, until, interval)
        if json_out:
            emit_json(data)
            return
        console().print(_render_readings(data))

    @app.command("doctor")
    def doctor_cmd(json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
        """Check that every configured backend is reachable: one line each; exit code 1 when one is not."""
        from industrialmind.cli import console, emit_json, settings
        from industrialmind.stores._doctor import run_checks

        checks = run_checks(settings())
        ok = all(c.ok for c in checks)
        if json_out:
            emit_json({"ok": ok, "checks": [c.as_dict() for c in checks]})
        else:
            out = console()
            for c in checks:
                mark = "[green]ok[/]  " if c.ok else "[bold red]FAIL[/]"
                out.print(f"{mark} {c.name:<12} {c.url}  {c.detail}", highlight=False, soft_wrap=True)
        if not ok:
            raise typer.Exit(1)


def _render_readings(data: dict):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if data["mode"] == "latest":
        table = Table("sensor", "value", "unit", "normal", "status", "time (UTC)",
                      title=f"{data['asset']} {data['name']}: latest readings")
        table.columns[-1].no_wrap = True
        table.columns[0].overflow = "fold"  # long sensor ids have no spaces to wrap at: fold, never cut
        for r in data["readings"]:
            normal = f"{_fmt(r['normal_min'])} .. {_fmt(r['normal_max'])}" \
                if r["normal_min"] is not None or r["normal_max"] is not None else ""
            style = {"high": "red", "low": "yellow", "no data": "dim"}.get(r["status"], "green")
            table.add_row(r["sensor"], _fmt(r["value"]), r["unit"], normal, Text(r["status"], style=style),
                          f"{r['ts']:%m-%d %H:%M}" if r["ts"] else "-")
    else:
        step = timedelta(seconds=data["interval_s"])
        table = Table("sensor", "unit", "points", "min", "mean", "max", "last",
                      title=f"{data['asset']} {data['name']}: {data['start']:%Y-%m-%d %H:%M} .. "
                            f"{data['end']:%Y-%m-%d %H:%M} UTC")
        table.columns[0].overflow = "fold"
        for s in data["series"]:
            table.add_row(s["sensor"], s["unit"], f"{s['count']:,}", _fmt(s["min"]), _fmt(s["mean"]), _fmt(s["max"]),
                          _fmt(s["last"]))
        # Sparklines get their own lines: in a table column they would be cut on an 80-column terminal.
        trend = Table("sensor", f"mean per {step}", box=None, title="trend", title_justify="left")
        for s in data["series"]:
            if s["buckets"]:
                trend.add_row(s["sensor"], sparkline([b["mean"] for b in s["buckets"]]))
        table = Group(table, trend) if trend.row_count else table
    parts = [table]
    if data.get("note"):
        parts.append(Text(data["note"], style="yellow"))
    return Group(*parts)
