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
        from industrialmind.cli import console, emit_json, settings
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
            module = importlib.import_module(f"industrialmind.bench.{name}")
            result = module.run(settings(), **options)
            emit_json(result) if json_out else console().print(module.render(result))
        else:
            result = run_all(names, options, None if json_out else console())
            if json_out:
                emit_json(result)
        if save is not None:
            save_result(save, name, result)


def save_result(path: Path, name: str, result: dict) -> Path:
    """Write a benchmark's figures with when and where they were measured; written whole or not at all."""
    import json
    import os
    import platform
    from datetime import datetime, timezone

    record = {"benchmark": name, "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"host": platform.node(), "cpus": os.cpu_count(), "processor": platform.processor()
                          or platform.machine(), "python": platform.python_version(),
                          "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None},
              "result": result}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str))
    tmp.replace(path)
    return path


def run_all(names: list[str], options: dict, out=None) -> dict:
    """Run each benchmark in turn; one that cannot run (its data or server is missing) is reported as skipped with
    the reason instead of stopping the others. Prints each table to `out` (a rich console) as it finishes."""
    from industrialmind.cli import settings
    from industrialmind.errors import IndustrialMindError

    results: dict = {}
    for name in names:
        module = importlib.import_module(f"industrialmind.bench.{name}")
        if out is not None:
            out.rule(f"bench {name}")
        # --data names the SKAB folder in an `all` run; the other benchmarks find their own data
        opts = options if name == "skab" else {k: v for k, v in options.items() if k != "data"}
        try:
            results[name] = module.run(settings(), **opts)
        except IndustrialMindError as exc:
            results[name] = {"skipped": str(exc)}
            if out is not None:
                out.print(f"[yellow]skipped:[/] {exc}")
            continue
        if out is not None:
            out.print(module.render(results[name]))
    return results
