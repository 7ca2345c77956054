"""The `industrialmind` command: one Typer app, the entry point for every job, and nothing else imports it.

Each room adds its commands in `industrialmind/<room>/commands.py` with `register(app, import_app)` (see
COMMAND_MODULES): module-level command functions (or a module-level Typer group) attached by name. This file keeps
the house's own commands (`config`, `version`, `doctor`) and turns expected failures into one line and exit code 2.
`industrialmind --help` imports no heavy library: command modules import their SDKs inside the command functions.
"""

from __future__ import annotations

import importlib

import typer

from industrialmind.console import console, emit_json, err_console, settings
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

COMMAND_MODULES = [
    "industrialmind.plant.commands",
    "industrialmind.plant.importers.commands",
    "industrialmind.pipeline.commands",
    "industrialmind.knowledge.commands",
    "industrialmind.models.commands",
    "industrialmind.agent.commands",
    "industrialmind.ui.commands",
    "industrialmind.evals.commands",
    "industrialmind.finetune.commands",
    "industrialmind.bench.commands",
]


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


def version_cmd() -> None:
    """Print the version."""
    from industrialmind import __version__

    typer.echo(__version__)


def doctor_cmd(json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """Check that every configured backend is reachable: one line each; exit code 1 when one is not."""
    from industrialmind.doctor import run_checks

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


def _register() -> None:
    app.command("config")(config_cmd)
    app.command("version")(version_cmd)
    app.command("doctor")(doctor_cmd)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app, import_app)


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
