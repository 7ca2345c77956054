"""Benchmarks: each module `industrialmind/bench/<name>.py` offers run(settings, **options) -> dict and render(result).

This package's own functions list them (`available`), run several in turn (`run_all`) and save their figures with
when and where they were measured (`save_result`); `industrialmind bench` is their command.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def available() -> list[str]:
    """Names of the benchmarks present in this installation."""
    import industrialmind.bench as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")
                  and m.name != "commands")


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
    from industrialmind.console import settings
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
