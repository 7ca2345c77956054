"""Training as a job recorded in the records store (queued -> running -> succeeded | failed, progress, MLflow run).

`start_training_job` records the job and, in the background mode, runs it in a detached process
(`industrialmind train --job ID`), so the job outlives the chat or command that started it. `run_training_job`
does the work: read history from the time-series store, skip labelled fault periods, fit, evaluate against the
fault labels, log to MLflow, register and promote.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from industrialmind.errors import InvalidInputError, ModelError, NotFoundError

JOB_KIND = "train"
DEFAULT_HISTORY = timedelta(days=7)


def start_training_job(settings, scope_id: str, start: datetime | None = None, end: datetime | None = None,
                       model: str = "conv_ae", background: bool = True, epochs: int | None = None) -> str:
    """Record a training job for an asset or line and start it; returns the job id (follow it with job_status)."""
    job_id = create_training_job(settings, scope_id, start, end, model, epochs)
    if background:
        log_dir = settings.ensure_home() / "logs"
        log_dir.mkdir(exist_ok=True)
        with open(log_dir / f"job-{job_id}.log", "ab") as log:
            # a new session: the job survives the terminal or chat process that started it
            subprocess.Popen([sys.executable, "-m", "industrialmind", "train", "--job", str(job_id)],
                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    else:
        run_training_job(settings, str(job_id))
    return str(job_id)


def create_training_job(settings, scope_id: str, start: datetime | None = None, end: datetime | None = None,
                        model: str = "conv_ae", epochs: int | None = None) -> str:
    """Validate the scope and model and record a queued training job; returns its id."""
    from industrialmind.models.detection import resolve_scope
    from industrialmind.models.training import MODEL_KINDS
    from industrialmind.stores.records import open_records

    if model not in MODEL_KINDS:
        from industrialmind.errors import did_you_mean

        raise InvalidInputError(f"unknown model {model!r}" + did_you_mean(model, MODEL_KINDS))
    records = open_records(settings.resolved.records)
    try:
        kind, assets = resolve_scope(records, scope_id)
        params = {"scope_id": scope_id, "scope_kind": kind, "assets": [a.id for a in assets], "model": model,
                  "start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
                  "epochs": epochs}
        job = records.create_job(JOB_KIND, params)
        return str(getattr(job, "id", job))
    finally:
        _close(records)


def job_status(settings, job_id: str | None = None) -> dict[str, Any] | list[dict[str, Any]]:
    """One job as a dict (id, kind, status, progress, params, result, error, times), or the recent jobs."""
    from industrialmind.stores.records import open_records

    records = open_records(settings.resolved.records)
    try:
        if job_id is None:
            return [_job_dict(j) for j in list(records.list_jobs())[:20]]
        job = records.get_job(job_id)
        if job is None:
            recent = [getattr(j, "id", "") for j in list(records.list_jobs())[:5]]
            raise NotFoundError(f"unknown job {job_id!r}" + (f"; recent jobs: {', '.join(recent)}" if recent else ""))
        return _job_dict(job)
    finally:
        _close(records)


def run_training_job(settings, job_id: str, on_progress=None) -> dict[str, Any]:
    """Run a recorded training job to the end, keeping its record up to date; returns its result."""
    from industrialmind.stores.records import open_records

    records = open_records(settings.resolved.records)
    try:
        job = records.get_job(job_id)
        if job is None:
            raise NotFoundError(f"unknown job {job_id!r}")
        params = dict(getattr(job, "params", None) or {})
        records.update_job(job_id, status="running", progress=0.0)
        assets = params.get("assets") or [params["scope_id"]]
        result: dict[str, Any] = {"assets": {}}
        try:
            for i, asset_id in enumerate(assets):
                def step(done: float, i=i, asset_id=asset_id) -> None:
                    records.update_job(job_id, progress=round((i + done) / len(assets), 3))
                    if on_progress:
                        on_progress((i + done) / len(assets), asset_id)

                result["assets"][asset_id] = train_asset(
                    settings, records, asset_id, _parse(params.get("start")), _parse(params.get("end")),
                    model=params.get("model", "conv_ae"), epochs=params.get("epochs"), on_step=step,
                    on_run=lambda run_id: records.update_job(job_id, mlflow_run_id=run_id))
            records.update_job(job_id, status="succeeded", progress=1.0, result=result)
        except Exception as exc:
            records.update_job(job_id, status="failed", error=str(exc), result=result)
            raise
        return result
    finally:
        _close(records)


def train_asset(settings, records, asset_id: str, start: datetime | None, end: datetime | None,
                model: str = "conv_ae", epochs: int | None = None, on_step=None, on_run=None) -> dict[str, Any]:
    """Train, evaluate, log, register and promote one asset's model; returns {version, run_id, metrics}."""
    import tempfile

    from industrialmind.models.detection import read_asset
    from industrialmind.models.registry import cache_bundle, log_and_register, start_run
    from industrialmind.models.scoring import Scorer
    from industrialmind.models.training import ModelConfig, fit_bundle
    from industrialmind.models.windows import period_of
    from industrialmind.stores.timeseries import open_timeseries

    asset = records.get_asset(asset_id)
    if asset is None:
        raise NotFoundError(f"unknown asset {asset_id!r}")
    sensors = [s.id for s in asset.sensors]
    store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        if end is None or start is None:
            bounds = store.bounds(asset_id)
            if bounds is None:
                raise InvalidInputError(f"no telemetry stored for asset {asset_id!r}; ingest or simulate some first")
            end = end or bounds[1] + timedelta(seconds=1)
            start = start or max(bounds[0], end - DEFAULT_HISTORY)
        period = min((s.sample_period_s for s in asset.sensors), default=60.0)
        frame = read_asset(store, asset_id, sensors, start, end, period)
    finally:
        _close(store)
    period = period_of(frame.index, period)
    labels = list(records.list_fault_labels(asset_id, start, end) or [])
    faulty = np.zeros(len(frame), dtype=bool)
    for lab in labels:
        faulty |= (frame.index >= lab.start) & (frame.index <= lab.end)
    present = [s for s in sensors if frame[s].notna().any()]
    if not present:
        raise InvalidInputError(f"asset {asset_id!r} has no usable readings between {start} and {end}")
    cfg = ModelConfig(kind=model, window=32, epochs=epochs or 30)
    run_id = start_run(settings, asset_id, {"model": model})
    if on_run:
        on_run(run_id)
    n_epochs = cfg.epochs

    def on_epoch(epoch: int, total: int, loss: float) -> None:
        if on_step:
            on_step(0.9 * epoch / max(total, 1))

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="im-train-") as tmp:
        fit = fit_bundle(frame.loc[~faulty, present].to_numpy(np.float32), present, Path(tmp), cfg, on_epoch,
                         extra_meta={"asset_id": asset_id, "period_s": period})
        scorer = Scorer.load(Path(tmp))
        evaluation = evaluate_on_labels(scorer, frame, labels)
        fit.meta.update(evaluation)
        metrics = {"threshold": fit.meta["threshold"], "train_seconds": time.perf_counter() - t0,
                   "epoch_seconds": float(np.mean(fit.epoch_seconds)) if fit.epoch_seconds else 0.0,
                   "epochs_run": len(fit.epoch_seconds), "train_steps": int((~faulty).sum()),
                   "onnx_parity_max_abs": fit.parity, **{k: v for k, v in evaluation.items() if v is not None}}
        params = {"kind": model, "window": cfg.window, "smooth": cfg.smooth, "epochs": n_epochs,
                  "threshold_rule": fit.meta["threshold_rule"], "sensors": ",".join(present), "start": start,
                  "end": end, "period_s": period}
        reg = log_and_register(settings, asset_id, Path(tmp), params, metrics, run_id=run_id)
        cache_bundle(settings, asset_id, reg["version"], Path(tmp))
    if on_step:
        on_step(1.0)
    return {"version": reg["version"], "run_id": reg["run_id"], "alias": reg["alias"], "metrics": metrics}


def evaluate_on_labels(scorer, frame, labels) -> dict[str, float | None]:
    """Recall of labelled fault episodes (an episode counts when an interval overlaps it) and false-alarm rate
    (share of unlabelled steps inside intervals) of a bundle on a frame; None when there is nothing to measure."""
    from industrialmind.models.scoring import find_intervals, flags_from_intervals

    scored = scorer.score(frame[scorer.sensors].to_numpy(np.float32))
    flags = flags_from_intervals(len(frame), find_intervals(scored.scores, scored.threshold,
                                                            float(scorer.meta.get("off_ratio", 0.8)))).astype(bool)
    faulty = np.zeros(len(frame), dtype=bool)
    hits = 0
    for lab in labels:
        inside = (frame.index >= lab.start) & (frame.index <= lab.end)
        faulty |= inside
        hits += bool((flags & inside).any())
    normal = ~faulty
    return {"eval_episodes": float(len(labels)),
            "eval_recall": hits / len(labels) if labels else None,
            "eval_false_alarm_rate": float(flags[normal].mean()) if normal.any() else None}


def _job_dict(job) -> dict[str, Any]:
    if isinstance(job, dict):
        return job
    if hasattr(job, "model_dump"):
        return job.model_dump(mode="json")
    return {k: getattr(job, k) for k in ("id", "kind", "status", "progress", "params", "result", "error",
                                         "mlflow_run_id", "created_at", "updated_at") if hasattr(job, k)}


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _close(obj) -> None:
    close = getattr(obj, "close", None)
    if callable(close):
        close()


__all__ = ["ModelError", "job_status", "run_training_job", "start_training_job", "train_asset"]
