"""CLI commands of the anomaly models: train, detect and models (the streaming scorer's `score` is the pipeline's).

Heavy libraries (numpy, pandas, torch, onnxruntime, mlflow) are imported inside the command functions only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None

    from industrialmind.errors import InvalidInputError

    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{name} {value!r} is not an ISO 8601 time (e.g. 2026-11-20T00:00:00Z)") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _scope(asset: str | None, line: str | None) -> str:
    from industrialmind.errors import InvalidInputError

    if bool(asset) == bool(line):
        raise InvalidInputError("give exactly one of --asset ID or --line ID")
    return asset or line  # type: ignore[return-value]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add train, detect and models."""
    app.command("train")(train_cmd)
    app.command("detect")(detect_cmd)
    app.command("models")(models_cmd)


def train_cmd(
    asset: str | None = typer.Option(None, "--asset", help="Asset id to train a model for."),
    line: str | None = typer.Option(None, "--line", help="Line id: one model per asset on the line."),
    start: str | None = typer.Option(None, "--start", help="Training data start (ISO 8601; default: 7 days "
                                                              "before the latest data)."),
    end: str | None = typer.Option(None, "--end", help="Training data end (ISO 8601; default: latest data)."),
    model: str = typer.Option("conv_ae", "--model", help="conv_ae, lstm_ae or pca."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Training epochs (default 30, early stopping)."),
    wait: bool = typer.Option(True, "--wait/--background", help="Wait for the job, or run it in the background."),
    job: str | None = typer.Option(None, "--job", help="Run an already recorded job (used by --background)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Train, evaluate, register (MLflow) and promote anomaly models, as a job recorded in the records store."""
    from industrialmind.console import console, emit_json, err_console, progress, settings
    from industrialmind.models.jobs import (
        create_training_job,
        job_status,
        run_training_job,
        start_training_job,
    )

    s = settings()
    if job is not None:
        result = run_training_job(s, job)
        if json_out:
            emit_json(job_status(s, job))
        else:
            console().print(f"job {job} succeeded: {result}")
        return
    scope = _scope(asset, line)
    if not wait:
        job_id = start_training_job(s, scope, _when(start, "--start"), _when(end, "--end"), model,
                                    background=True, epochs=epochs)
        if json_out:
            emit_json({"job_id": job_id, "status": "queued"})
        else:
            console().print(f"started training job {job_id}; follow it with `industrialmind models --json` "
                            f"or ask the assistant for its status")
        return
    # run in this process with a progress bar: record the job first, then run it
    job_id = create_training_job(s, scope, _when(start, "--start"), _when(end, "--end"), model, epochs)
    with progress() as bar:
        task = bar.add_task(f"training {scope}", total=100)

        def on_progress(done: float, asset_id: str) -> None:
            bar.update(task, completed=round(100 * done), description=f"training {asset_id}")

        result = run_training_job(s, job_id, on_progress)
    if json_out:
        emit_json({"job_id": job_id, **result})
        return
    from rich.table import Table

    table = Table("asset", "version", "recall", "false alarms", "threshold", "parity", "s/epoch",
                  title=f"training job {job_id}")
    for asset_id, r in result["assets"].items():
        m = r["metrics"]
        table.add_row(asset_id, str(r["version"]), _fmt(m.get("eval_recall")),
                      _fmt(m.get("eval_false_alarm_rate")), _fmt(m.get("threshold")),
                      _fmt(m.get("onnx_parity_max_abs"), ".1e"), _fmt(m.get("epoch_seconds")))
    console().print(table)
    err_console().print("promoted as alias 'production'")

def detect_cmd(
    asset: str | None = typer.Option(None, "--asset", help="Asset id."),
    line: str | None = typer.Option(None, "--line", help="Line or site id."),
    start: str | None = typer.Option(None, "--start", help="Range start (ISO 8601; default 24 h before end)."),
    end: str | None = typer.Option(None, "--end", help="Range end (ISO 8601; default now)."),
    csv: Path | None = typer.Option(None, "--csv", help="Score any CSV instead of the stores."),
    timestamp_col: str | None = typer.Option(None, "--timestamp-col", help="CSV timestamp column."),
    train_rows: int | None = typer.Option(None, "--train-rows", help="CSV: fit on the first N rows."),
    train_until: str | None = typer.Option(None, "--train-until", help="CSV: fit on rows before this time."),
    model: str = typer.Option("sensor_z", "--model", help="CSV only: sensor_z (default: per-series z-scores, "
                                                          "best on SKAB), pca, conv_ae or lstm_ae."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Find anomalous intervals with the promoted models (ONNX Runtime), or in any CSV."""
    from industrialmind.console import console, emit_json, settings

    if csv is not None:
        from industrialmind.models.detection import detect_csv

        result = detect_csv(csv, timestamp_col, train_rows, _when(train_until, "--train-until"), model)
        rows = [dict(r, asset_id="") for r in result["intervals"]]
    else:
        from industrialmind.models.detection import detect_anomalies

        result = detect_anomalies(settings(), _scope(asset, line), _when(start, "--start"), _when(end, "--end"))
        rows = result["anomalies"]
    if json_out:
        emit_json(result)
        return
    from rich.table import Table

    # a CSV has no assets and one method: those columns would only take width from the sensors
    per_asset = csv is None
    head = ("asset", "start", "end", "method") if per_asset else ("start", "end")
    table = Table(*head, "peak score", "threshold", "top sensors / finding", title=result["summary"])
    for r in rows:
        # a limit-check episode says what it saw in words; a model interval shows its sensors' shares
        finding = r.get("detail") or ", ".join(f"{t['sensor']} {t['contribution']:.0%}" for t in r["top_sensors"])
        fmt = "%Y-%m-%d %H:%M" if per_asset else "%Y-%m-%d %H:%M:%S"  # a user's CSV may be sampled per second
        when = [r[k].strftime(fmt) if hasattr(r[k], "year") else str(r[k]) for k in ("start", "end")]
        cells = [r.get("asset_id", ""), *when, r.get("method", "model")] if per_asset else when
        table.add_row(*cells, f"{r['peak_score']:.3g}", f"{r['threshold']:.3g}", finding)
    console().print(table)

def models_cmd(json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """Registered anomaly models: versions, aliases and metrics (MLflow)."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.models.registry import list_models

    models = list_models(settings())
    if json_out:
        emit_json({"models": models})
        return
    from rich.table import Table

    table = Table("asset", "version", "aliases", "kind", "recall", "false alarms", "parity",
                  title="anomaly models")
    for m in models:
        for v in m["versions"]:
            met = v["metrics"]
            table.add_row(m["asset_id"], str(v["version"]), ",".join(v["aliases"]), v["kind"],
                          _fmt(met.get("eval_recall")), _fmt(met.get("eval_false_alarm_rate")),
                          _fmt(met.get("onnx_parity_max_abs"), ".1e"))
    console().print(table)


def _fmt(value, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)
