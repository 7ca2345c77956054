"""`industrialmind simulate`, `status`, `assets` and `readings`: the demo plant's history and live stream, and
what the stores hold about the plant's assets. Wiring only: the work is in `plant/history.py` and
`plant/readings.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Optional

import typer

from industrialmind.plant.history import (LIVE_BROKER_WAIT_S, MAX_DAYS, backfill, catch_up, ensure_demo_data,
                                          summary)
from industrialmind.plant.readings import fmt_number, assets_data, readings_data, sparkline
from industrialmind.ui.terminal import render_summary

# --------------------------------------------------------------------------------------------------- commands
def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add `simulate`, `status`, `assets` and `readings`."""
    app.command("simulate")(simulate)
    app.command("status")(status)
    app.command("assets")(assets_cmd)
    app.command("readings")(readings_cmd)


def simulate(
    days: float = typer.Option(7.0, "--days", help="Days of history to simulate, ending at --end."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same history and faults."),
    end: str | None = typer.Option(None, "--end", help="End of the history (ISO 8601, UTC if naive); default now."),
    live: bool = typer.Option(False, "--live", help="After the backfill, keep streaming new readings to Kafka."),
    rate: float | None = typer.Option(None, "--rate", help="Live: readings published per second (default: "
                                         "every sensor once per simulated minute)."),
    speed: float = typer.Option(1.0, "--speed", help="Live: simulated seconds per wall-clock second."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Simulate the demo plant: write its history to the time-series store and its fault labels to the records store."""
    from industrialmind.console import console, emit_json, err_console, progress, settings
    from industrialmind.errors import InvalidInputError
    from industrialmind.timeutil import parse_when

    cfg = settings()
    end_at = parse_when(end) if end else None
    if not 0 < days <= MAX_DAYS:  # before the progress bar and before anything is written
        raise InvalidInputError(f"--days must be more than 0 and at most {MAX_DAYS} (ten years), got {days!r}")
    run_live = None
    if live:  # a bad --rate or --speed fails now, not after the whole backfill
        run_live = _live_runner()
        from industrialmind.pipeline.producer import sample_step

        sample_step(1, speed, rate)  # only checks the values here; run_live derives the real step
    cfg.ensure_home()
    with progress() as bar:
        task = bar.add_task(f"simulating {days:g} days (seed {seed})", total=None)
        result = backfill(cfg, days=days, seed=seed, end=end_at,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    if json_out:
        emit_json(result)
    else:
        console().print(
            f"wrote {result['points_written']:,} points of {result['series']} sensors, "
            f"{result['start']:%Y-%m-%d %H:%M} .. {result['end']:%Y-%m-%d %H:%M} UTC, and {result['fault_labels']} "
            f"fault labels ({', '.join(result['faults']) or 'none'}) in {result['seconds']} s "
            f"-> {result['timeseries_url']}", highlight=False)
    if run_live is not None:
        err = err_console()
        err.print("streaming live readings; Ctrl-C to stop")
        # a person is watching: say why nothing happens, and give up sooner than the services started by `up`
        run_live(cfg, seed=seed, rate=rate, speed=speed, broker_wait_s=LIVE_BROKER_WAIT_S,
                 on_retry=lambda message, _delay: err.print(f"simulate: {message}", highlight=False))


def _live_runner() -> Callable[..., Any]:
    from industrialmind.errors import IndustrialMindError

    try:
        from industrialmind.pipeline.producer import run_live
    except ModuleNotFoundError as exc:
        if exc.name != "industrialmind.pipeline.producer":
            raise
        raise IndustrialMindError("live streaming is not available in this build (industrialmind.pipeline.producer is "
                                  "missing): run `industrialmind simulate` without --live") from None
    return run_live


def status(
    once: bool = typer.Option(False, "--once", help="Print the summary once and exit."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary once as JSON and exit."),
    days: float = typer.Option(7.0, "--days", help="Days of history to simulate when the data home is empty."),
    seed: int = typer.Option(1, "--seed", help="Seed of the demo history (when it is first simulated)."),
    interval: float = typer.Option(5.0, "--interval", min=0.1, help="Seconds between refreshes of the live summary."),
) -> None:
    """Live plant summary: lines, key readings, faults in progress (simulates demo history if IM_HOME holds none)."""
    import time

    from industrialmind.console import console, emit_json, settings

    cfg = settings()
    info = ensure_demo_data(cfg, days=days, seed=seed, progress=not json_out)
    seed = int(info.get("seed", seed))
    catch_up(cfg, seed)
    if json_out:
        emit_json(summary(cfg, seed))
        return
    if once:
        console().print(render_summary(summary(cfg, seed)))
        return
    from rich.console import Group
    from rich.live import Live

    from industrialmind.errors import IndustrialMindError

    last = render_summary(summary(cfg, seed))
    try:
        with Live(last, console=console(), refresh_per_second=1, screen=False) as view:
            while True:
                time.sleep(max(0.5, interval))
                try:
                    catch_up(cfg, seed)  # new minutes since the last refresh become history
                    last = render_summary(summary(cfg, seed))
                    view.update(last)
                except IndustrialMindError as exc:
                    # e.g. another process holds the DuckDB file for a while: keep the last view, retry next time
                    view.update(Group(last, f"[yellow]refresh skipped:[/] {exc}"))
    except KeyboardInterrupt:
        console().print("stopped")


def assets_cmd(
    site: Optional[str] = typer.Option(None, "--site", help="Only assets of this site (e.g. DEMO, MAIN)."),
    line: Optional[str] = typer.Option(None, "--line", help="Only assets of this line."),
    asset_type: Optional[str] = typer.Option(None, "--type", help="Only assets of this type (centrifugal_pump...)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List registered assets: id, name, type, line, site and sensors with units."""
    from industrialmind.console import console, emit_json, settings

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

def readings_cmd(
    asset: str = typer.Argument(..., help="Asset id, e.g. P-101."),
    sensor: Optional[list[str]] = typer.Option(None, "--sensor", "-s", help="A sensor id (repeat for several)."),
    since: Optional[str] = typer.Option(None, "--since", help="Start: '2h', '7d', 'yesterday' or ISO 8601."),
    until: Optional[str] = typer.Option(None, "--until", help="End (default now): same forms as --since."),
    interval: Optional[str] = typer.Option(None, "--interval", help="Bucket width, e.g. 5m, 1h (default: auto)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show an asset's latest readings, or with --since a per-sensor summary and sparkline over a window."""
    from industrialmind.console import console, emit_json, settings

    data = readings_data(settings(), asset, sensor or None, since, until, interval)
    if json_out:
        emit_json(data)
        return
    console().print(_render_readings(data))


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
            normal = f"{fmt_number(r['normal_min'])} .. {fmt_number(r['normal_max'])}" \
                if r["normal_min"] is not None or r["normal_max"] is not None else ""
            style = {"high": "red", "low": "yellow", "no data": "dim"}.get(r["status"], "green")
            table.add_row(r["sensor"], fmt_number(r["value"]), r["unit"], normal, Text(r["status"], style=style),
                          f"{r['ts']:%m-%d %H:%M}" if r["ts"] else "-")
    else:
        step = timedelta(seconds=data["interval_s"])
        table = Table("sensor", "unit", "points", "min", "mean", "max", "last",
                      title=f"{data['asset']} {data['name']}: {data['start']:%Y-%m-%d %H:%M} .. "
                            f"{data['end']:%Y-%m-%d %H:%M} UTC")
        table.columns[0].overflow = "fold"
        for s in data["series"]:
            table.add_row(s["sensor"], s["unit"], f"{s['count']:,}", fmt_number(s["min"]), fmt_number(s["mean"]), fmt_number(s["max"]),
                          fmt_number(s["last"]))
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
