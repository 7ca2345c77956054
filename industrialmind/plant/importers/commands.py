"""`industrialmind import assetopsbench|skab|csv`: load real plant data into the stores, with a progress bar and a
summary of what was imported and which rows were skipped and why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from industrialmind.plant.importers.report import ImportReport

SHOWN_SKIPPED = 20  # skipped rows listed in the human summary; --json lists them all

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the import report as JSON (counts, skipped rows, notes).")]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the importers to the `import` command group."""
    import_app.command("assetopsbench")(assetopsbench_cmd)
    import_app.command("skab")(skab_cmd)
    import_app.command("csv")(csv_cmd)


def assetopsbench_cmd(
    directory: Annotated[Path, typer.Argument(help="AssetOpsBench folder (with sample_data/ and pumps/) or sample_data/.")],
    tz: Annotated[str, typer.Option("--tz", help="Zone of the files' naive times (the plant's own).")] = "America/New_York",
    json_out: JsonFlag = False,
) -> None:
    """Import the AssetOpsBench building plant (site MAIN: 11 chillers, Chiller 6 history, work orders, events,
    failure modes and codes) and its pumps/ assets (site IOT)."""
    from industrialmind.plant.importers.assetopsbench import import_assetopsbench

    _run(lambda s, p: import_assetopsbench(s, directory, progress=p, tz=tz), json_out)


def skab_cmd(
    directory: Annotated[Path, typer.Argument(help="SKAB folder (the repository, its data/ folder or one group).")],
    tz: Annotated[str, typer.Option("--tz", help="Zone of the files' naive times (the testbed's).")] = "Europe/Moscow",
    json_out: JsonFlag = False,
) -> None:
    """Import SKAB as site SKAB: the testbed pump SKAB-PUMP, its 1 Hz history, experiments and fault labels."""
    from industrialmind.plant.importers.skab import import_skab

    _run(lambda s, p: import_skab(s, directory, progress=p, tz=tz), json_out)


def csv_cmd(
    file: Annotated[Path, typer.Argument(help="CSV file of readings (',' ';' or tab separated, one header row).")],
    asset: Annotated[str, typer.Option("--asset", help="Asset the readings belong to (created if unknown).")],
    timestamp_col: Annotated[str | None, typer.Option("--timestamp-col", help="Timestamp column (default: detect).")]
    = None,
    site: Annotated[str, typer.Option("--site", help="Site of a new asset.")] = "CSV",
    sensor_cols: Annotated[list[str] | None, typer.Option(
        "--sensor-cols", help="Sensor columns, repeated or comma-separated (default: every numeric column).")] = None,
    tz: Annotated[str, typer.Option("--tz", help="Zone of naive timestamps, e.g. 'Europe/Berlin'.")] = "UTC",
    json_out: JsonFlag = False,
) -> None:
    """Import one CSV of sensor readings for an asset; bad rows are skipped and reported, the rest imported."""
    from industrialmind.plant.importers.csv_import import import_csv

    columns = [c.strip() for item in (sensor_cols or []) for c in item.split(",") if c.strip()] or None
    _run(lambda s, p: import_csv(s, file, asset, timestamp_col=timestamp_col, site=site, sensor_cols=columns,
                                 tz=tz, progress=p), json_out)


def _run(job: Callable, json_out: bool) -> None:
    """Run an import with a progress bar on stderr, then print its summary (or JSON)."""
    from industrialmind.console import emit_json, progress, settings

    bar = progress()
    tasks: dict[str, int] = {}

    def advance(task: str, done: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total or None)
        bar.update(tasks[task], completed=done, total=total or None)

    with bar:
        try:
            report = job(settings(), advance)
        except BaseException:
            bar.live.transient = True  # a failed import leaves its one error line, not a half-filled bar
            raise
    if json_out:
        emit_json(report.model_dump(mode="json"))
    else:
        render(report)


def render(report: ImportReport) -> None:
    """Print the human summary: counts, assets, notes, and the skipped rows with their reasons."""
    from rich.table import Table

    from industrialmind.console import console

    out = console()
    table = Table("kind", "imported", title=f"{report.source} import into site {report.site_id}")
    for kind, n in report.counts.items():
        table.add_row(kind.replace("_", " "), f"{n:,}")
    table.add_row("rows skipped", f"{len(report.skipped):,}")
    out.print(table)
    if report.assets:
        shown = ", ".join(report.assets[:15]) + (f" (+{len(report.assets) - 15} more)" if len(report.assets) > 15 else "")
        out.print(f"assets: {shown}", highlight=False)
    for note in report.notes:
        out.print(f"note: {note}", highlight=False)
    if report.ignored_columns:
        out.print("ignored (non-numeric) columns: " + ", ".join(report.ignored_columns), highlight=False)
    for line in skipped_lines(report)[:SHOWN_SKIPPED]:
        out.print(line, highlight=False)
    if len(skipped_lines(report)) > SHOWN_SKIPPED:
        out.print(f"... and more skipped rows ({len(report.skipped)} in all; --json lists each)")


def skipped_lines(report: ImportReport) -> list[str]:
    """One line per skipped row, except that many rows of one file with the same reason share one line."""
    groups: dict[tuple[str, str], list[int]] = {}
    for s in report.skipped:
        groups.setdefault((s.file, s.reason), []).append(s.row)
    lines = []
    for (file, reason), rows in groups.items():
        where = f"{file} " if file else ""
        if len(rows) <= 3:
            lines.extend(f"skipped {where}row {r}: {reason}" for r in rows)
        else:
            shown = ", ".join(map(str, rows[:8])) + (", ..." if len(rows) > 8 else "")
            lines.append(f"skipped {len(rows)} rows of {where}({reason}): rows {shown}")
    return lines
