"""`industrialmind bench NAME [--json]`: the one entry point for every benchmark of the project."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from industrialmind.bench import available, run_all, save_result


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the `bench` command."""
    app.command("bench")(bench_cmd)


def bench_cmd(
    name: str = typer.Argument(..., help="Benchmark to run: storage, ingest, retrieval, scoring, skab, routing, "
                                         "or 'all' (each in turn)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data folder, for benchmarks that read one (skab; "
                                                              "with 'all', the SKAB folder)."),
    quick: bool = typer.Option(False, "--quick", help="A smaller, faster run (for smoke tests)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    save: Optional[Path] = typer.Option(None, "--save", help="Also write the JSON figures to this file (with "
                                                             "the date and machine they were measured on)."),
) -> None:
    """Run one benchmark and print a table with ratios against a baseline measured in the same run."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.errors import InvalidInputError, did_you_mean

    names = available()
    if name != "all" and name not in names:
        raise InvalidInputError(f"unknown benchmark {name!r}" + did_you_mean(name, names + ["all"]))
    if save is not None and save.is_dir():  # checked before a run of minutes whose figures it would lose
        raise InvalidInputError(f"--save {str(save)!r} is a folder; give a file path such as "
                                f"'{save / (name + '.json')}'")
    options = {"quick": quick}
    if data is not None:
        options["data"] = data
    if name != "all":
        import importlib

        module = importlib.import_module(f"industrialmind.bench.{name}")
        result = module.run(settings(), **options)
        emit_json(result) if json_out else console().print(module.render(result))
    else:
        result = run_all(names, options, None if json_out else console())
        if json_out:
            emit_json(result)
    if save is not None:
        save_result(save, name, result)
