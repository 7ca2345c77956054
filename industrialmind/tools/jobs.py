"""Job tools: start retraining an anomaly model (an action: needs approval) and follow background jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolArgError, ToolContext, parse_time



def train_model(ctx: ToolContext,
                scope_id: Annotated[str, "asset id (or line id) whose anomaly model to (re)train"],
                start: Annotated[str | None, "training data start: ISO 8601 or relative like '7d'; default 7d"] = None,
                end: Annotated[str | None, "training data end: ISO 8601 or 'now'"] = None) -> dict[str, Any]:
    """ACTION (a person must approve it first): start a background job that (re)trains the anomaly model of an
    asset or line on a time range of data. Returns the job id to follow with job_status."""
    kind, scope, _ = ctx.scope(scope_id)
    now = ctx.now()
    t0 = parse_time(start, now, now - timedelta(days=7))
    t1 = parse_time(end, now, now)
    if t1 <= t0:
        raise ToolArgError("the training range ends before it starts", ["start earlier than end"])
    from industrialmind.models.jobs import start_training_job as backend

    job = backend(ctx.settings, scope, t0, t1)
    job_id = getattr(job, "id", None) or (job.get("id") or job.get("job_id") if isinstance(job, dict) else str(job))
    return jsonable({"summary": f"started training job {job_id} for {kind} {scope} on data from "
                                f"{t0:%Y-%m-%d %H:%M} to {t1:%Y-%m-%d %H:%M} UTC",
                     "job_id": job_id, "scope": {"kind": kind, "id": scope}, "time_range": {"start": t0, "end": t1},
                     "job": job if not isinstance(job, str) else None, "sources": ["records:jobs"]})


def job_status(ctx: ToolContext,
               job_id: Annotated[str | None, "job id; the most recent jobs if empty"] = None) -> dict[str, Any]:
    """State of a background job (training, import, scoring): status, progress and result, or the recent jobs
    when no id is given. Use it for 'is the training done', 'status of job ...'."""
    from industrialmind.models.jobs import job_status as backend

    if job_id:
        job = jsonable(backend(ctx.settings, str(job_id)))
        status = job.get("status", "?") if isinstance(job, dict) else str(job)
        progress = job.get("progress") if isinstance(job, dict) else None
        summary = f"job {job_id} is {status}" + (f" ({progress:.0%})" if isinstance(progress, (int, float)) else "")
        if isinstance(job, dict) and job.get("error"):
            summary += f": {job['error']}"
        return {"summary": summary, "job": job, "sources": ["records:jobs"]}
    jobs = jsonable(list(backend(ctx.settings, None) or [])[:10])
    if not jobs:
        return {"summary": "no background jobs recorded", "jobs": [], "sources": ["records:jobs"]}
    parts = ", ".join(f"{j.get('id')} {j.get('status')}" for j in jobs[:5] if isinstance(j, dict))
    return {"summary": f"{len(jobs)} recent job(s): {parts}", "jobs": jobs, "sources": ["records:jobs"]}


TOOLS = [train_model, job_status]
