"""The `industrialmind` command: one Typer app, the entry point for every job.

Each room registers its own commands from `industrialmind/<room>/commands.py` (see COMMAND_MODULES), so this file
stays small and `industrialmind --help` imports no heavy library: command modules import their SDKs inside the
command functions.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import typer

from industrialmind.errors import IndustrialMindError

app = typer.Typer(
    name="industrialmind",
    help="IndustrialMind: an assistant for plant operations and maintenance.\n\n"
    "Start with `industrialmind start` (the demo plant, no servers needed); `industrialmind config` shows settings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
import_app = typer.Typer(help="Import real plant data (AssetOpsBench, SKAB, any CSV, an FMEA).", no_args_is_help=True)
app.add_typer(import_app, name="import")

# Rooms add their commands here; a module that is missing (a room not built yet) is skipped.
COMMAND_MODULES = [
    "industrialmind.plant.commands",
    "industrialmind.plant.importers.commands",
    "industrialmind.stores.commands",
    "industrialmind.stores.stream_commands",
    "industrialmind.knowledge.commands",
    "industrialmind.models.commands",
    "industrialmind.agent.commands",
    "industrialmind.ui.commands",
    "industrialmind.evals.commands",
    "industrialmind.finetune.commands",
    "industrialmind.bench.commands",
]


def settings():
    """Read the settings once per command (environment IM_*)."""
    from industrialmind.config import get_settings

    current = get_settings()
    _configure_logging(current.log_level)
    return current


def _configure_logging(level: str) -> None:
    """Send the project's own loggers (industrialmind.*) to stderr at IM_LOG_LEVEL; once per process."""
    import logging

    logger = logging.getLogger("industrialmind")
    if not any(getattr(h, "_im_handler", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler._im_handler = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


def emit_json(data: Any) -> None:
    """Print data as JSON with stable keys (datetimes as ISO 8601 UTC)."""
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default, sort_keys=False) + "\n")


def _json_default(value: Any) -> Any:
    from datetime import datetime, timedelta

    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def console():
    """A Rich console on stdout."""
    from rich.console import Console

    return Console()


def err_console():
    """A Rich console on stderr (for progress and messages that must not pollute --json output)."""
    from rich.console import Console

    return Console(stderr=True)


def progress():
    """A Rich progress bar on stderr for long work."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console(), transient=False)


@app.command("config")
def config_cmd(json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """Show the effective settings (environment IM_*), secrets masked."""
    rows = settings().describe()
    if json_out:
        emit_json({r["name"]: {"env": r["env"], "value": r["value"]} for r in rows})
        return
    from rich.table import Table

    table = Table("variable", "value", "meaning", title="IndustrialMind settings")
    for r in rows:
        table.add_row(r["env"], r["value"], r["description"])
    console().print(table)


@app.command("version")
def version_cmd() -> None:
    """Print the version."""
    from industrialmind import __version__

    typer.echo(__version__)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app, import_app)


_register()


def main() -> None:
    """Console entry point: run the app and turn expected failures into one line and exit code 2."""
    try:
        # without standalone mode click returns (not raises) the code of a `typer.Exit(1)`: pass it on
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except IndustrialMindError as exc:
        from rich.markup import escape

        err_console().print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        err_console().print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:  # usage errors (unknown option, bad value): typer >= 0.20 vendors its own click
        import click

        if isinstance(exc, typer.Exit | click.exceptions.Exit):
            raise SystemExit(exc.exit_code) from None
        if isinstance(exc, typer.Abort | click.exceptions.Abort):
            raise SystemExit(1) from None
        if isinstance(exc, typer.TyperException | click.ClickException) and hasattr(exc, "format_message"):
            # the same one-line form as every other error, with the help of the command that was misused
            from rich.markup import escape

            ctx = getattr(exc, "ctx", None)
            sub = ctx.command_path[len(ctx.find_root().command_path):].strip() if ctx is not None else ""
            command = " ".join(["industrialmind", *sub.split()])
            err_console().print(f"[bold red]error:[/] {escape(exc.format_message())} (see `{command} --help`)",
                                highlight=False, soft_wrap=True)
            raise SystemExit(getattr(exc, "exit_code", 2) or 2) from None
        raise


if __name__ == "__main__":
    main()
