"""`industrialmind bench NAME [--json]`: the one entry point for every benchmark of the project."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Optional

import typer


def available() -> list[str]:
    """Names of the benchmarks present in this installation."""
    import industrialmind.bench as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")
                  and m.name != "commands")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the `bench` command."""

    @app.command("bench")
    def bench_cmd(
        name: str = typer.Argument(..., help="Benchmark to run: storage, ingest, retrieval, scoring, skab, routing..."),
        data: Optional[Path] = typer.Option(None, "--data", help="Data folder, for benchmarks that read one (skab)."),
        quick: bool = typer.Option(False, "--quick", help="A smaller, faster run (for smoke tests)."),
        json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    ) -> None:
        """Run one benchmark and print a table with ratios against a baseline measured in the same run."""
        from industrialmind.cli import console, emit_json, settings
        from industrialmind.errors import InvalidInputError, did_you_mean

        names = available()
        if name not in names:
            raise InvalidInputError(f"unknown benchmark {name!r}" + did_you_mean(name, names))
        module = importlib.import_module(f"industrialmind.bench.{name}")
        options = {"quick": quick}
        if data is not None:
            options["data"] = data
        result = module.run(settings(), **options)
        if json_out:
            emit_json(result)
        else:
            console().print(module.render(result))
