"""First-run setup: `industrialmind init` and what `start`, `chat`, `ask`, `web` and `tui` prepare on an empty
IM_HOME (the demo plant's history and fault labels, the knowledge graph and document index, an anomaly model per
demo asset). Each step is a room's own function; this module runs them in order with progress bars on stderr.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from typing import Any

from industrialmind.console import err_console, progress

MARKER = ".initialized"
# The setup steps of the other rooms, in order: (label, module, function). Each is called with settings and, when
# it takes one, a `progress(...)` callback.
INIT_STEPS: list[tuple[str, str, str]] = [
    ("demo plant history and fault labels", "industrialmind.plant.history", "ensure_demo_data"),
    ("knowledge graph and document index", "industrialmind.knowledge.build", "build_knowledge"),
    ("anomaly models for the demo plant", "industrialmind.setup", "train_demo_models"),
]
# Every demo asset with sensors gets a model (PCA T2 + Q fits in ~0.02 s; registering it in MLflow is most of the
# ~0.5 s per asset), so `detect_anomalies` scores the whole plant by model; `train_model` retrains with an autoencoder
DEMO_MODEL_KIND = "pca"


def train_demo_models(cfg: Any, progress: Callable[..., None] | None = None) -> dict[str, Any]:
    """Train and promote a PCA anomaly model for every registered asset with sensors that has none yet, through the
    models room's recorded training jobs (the same path as `train_model`); an asset that cannot be trained (no
    readings) is listed under "failed" and left to the limit check, not a reason to stop."""
    from industrialmind.errors import IndustrialMindError
    from industrialmind.models.jobs import create_training_job, run_training_job
    from industrialmind.models.registry import promoted_assets
    from industrialmind.stores.records import open_records

    records = open_records(cfg.resolved.records)
    try:
        with_sensors = [a.id for a in records.list_assets() if a.sensors]
    finally:
        getattr(records, "close", lambda: None)()
    have = promoted_assets(cfg)
    todo = [a for a in with_sensors if a not in have]
    trained: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for i, asset_id in enumerate(todo):
        if progress:
            progress(asset_id, i, len(todo))
        job_id = create_training_job(cfg, asset_id, model=DEMO_MODEL_KIND)
        try:
            trained[asset_id] = run_training_job(cfg, job_id)
        except IndustrialMindError as exc:
            failed[asset_id] = str(exc)
    if progress:
        progress("done", len(todo), len(todo))
    return {"trained": sorted(trained), "already": sorted(set(with_sensors) & have), "failed": failed}


def run_init(cfg: Any, demo: bool = True) -> list[dict[str, str]]:
    """Prepare IM_HOME: with demo, every setup step of the other rooms in order, with progress bars on stderr."""
    home = cfg.ensure_home()
    done: list[dict[str, str]] = []
    if demo:
        with progress() as bar:
            for label, module, name in INIT_STEPS:
                fn = getattr(importlib.import_module(module), name)
                task = bar.add_task(label, total=None)

                def update(*args: Any, _task: int = task, _label: str = label) -> None:
                    # rooms report (done, total) or (stage, done, total): take the numbers, show the stage
                    numbers = [a for a in args if isinstance(a, (int, float))]
                    stage = next((a for a in args if isinstance(a, str)), "")
                    done_n, total = (numbers + [0, 0])[:2] if len(numbers) >= 2 else (numbers[0] if numbers else 0, None)
                    bar.update(_task, completed=done_n, total=total or None,
                               description=f"{_label}: {stage}" if stage else _label)

                kwargs = {"progress": update} if "progress" in inspect.signature(fn).parameters else {}
                fn(cfg, **kwargs)
                bar.update(task, completed=1 if bar.tasks[task].total is None else bar.tasks[task].total,
                           total=bar.tasks[task].total or 1)
                done.append({"step": label, "status": "done", "detail": ""})
    (home / MARKER).write_text(json.dumps({"demo": demo, "steps": done}, indent=2))
    return done


def ensure_initialized(cfg: Any) -> None:
    """Run `init --demo` when IM_HOME is empty, so a new user's first chat just works."""
    home = cfg.home
    if home.exists() and any(home.iterdir()):
        return
    err_console().print(f"[dim]{home} is empty: preparing the demo plant (industrialmind init --demo)...[/]")
    for step in run_init(cfg, demo=True):
        if step["status"] != "done":
            err_console().print(f"[yellow]{step['step']}: {step['status']} ({step['detail']})[/]")
