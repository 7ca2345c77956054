"""Conversation memory read back from the messages themselves (the graph's checkpointer keeps them), so the
planner stays stateless: the last assets, sensor, time range, tool and results, and a pending clarification.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence

# what the planner writes in AIMessage.additional_kwargs when it asks back, so the next turn can resume
CLARIFY_KEY = "planner_clarify"


@dataclass
class ToolOutcome:
    """One tool call of an earlier turn and its result (None until its ToolMessage arrives)."""

    name: str
    args: dict[str, Any]
    call_id: str
    result: dict[str, Any] | None = None


@dataclass
class Context:
    """What earlier turns established."""

    assets: list[str] = field(default_factory=list)
    scope: str | None = None
    sensor: str | None = None
    time_args: dict[str, str] = field(default_factory=dict)
    last_tool: str | None = None
    last_outcomes: list[ToolOutcome] = field(default_factory=list)
    previous_question: str | None = None
    clarify: dict[str, Any] | None = None
    job_id: str | None = None
    job_pending: bool = False  # the latest tool turn started a job: a short follow-up most likely asks about it

    @property
    def has_history(self) -> bool:
        """True when an earlier turn called a tool or asked back."""
        return bool(self.last_tool or self.clarify)


def result_of(message: Any) -> dict[str, Any]:
    """The result dict of a ToolMessage: its artifact when the graph set one, else its JSON content."""
    artifact = getattr(message, "artifact", None)
    if isinstance(artifact, dict):
        return artifact
    content = message.content
    if isinstance(content, list):
        content = "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    try:
        value = json.loads(content)
    except (TypeError, ValueError):
        return {"summary": str(content)}
    return value if isinstance(value, dict) else {"summary": str(content), "value": value}


def read_context(messages: Sequence[Any]) -> Context:
    """Walk the messages before the current question and keep what later turns may refer to."""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    ctx = Context()
    outcomes: dict[str, ToolOutcome] = {}
    for msg in messages:
        if isinstance(msg, HumanMessage):
            ctx.previous_question = _text(msg)
            ctx.clarify = None
        elif isinstance(msg, AIMessage):
            if msg.tool_calls:
                turn = [ToolOutcome(c["name"], dict(c.get("args") or {}), c.get("id") or "") for c in msg.tool_calls]
                ctx.last_outcomes = turn
                ctx.job_pending = False
                ctx.last_tool = turn[0].name
                for o in turn:
                    outcomes[o.call_id] = o
                _remember_args(ctx, turn)
            else:
                ctx.clarify = (msg.additional_kwargs or {}).get(CLARIFY_KEY)
        elif isinstance(msg, ToolMessage):
            o = outcomes.get(msg.tool_call_id)
            if o is not None:
                o.result = result_of(msg)
                res = o.result
                job = res.get("job_id") or (res["job"].get("id") or res["job"].get("job_id")
                                            if isinstance(res.get("job"), dict) else None)
                if job:
                    ctx.job_id = str(job)
                    # a job started (a call that took a job id looked one up instead)
                    ctx.job_pending = not any(k.endswith("job_id") for k in o.args)
    return ctx


def _remember_args(ctx: Context, turn: list[ToolOutcome]) -> None:
    assets = []
    for o in turn:
        a = o.args.get("asset_id") or o.args.get("scope_id")
        if a and a not in assets:
            assets.append(a)
        if o.args.get("sensor"):
            ctx.sensor = o.args["sensor"]
        elif o.args.get("sensors"):
            ctx.sensor = o.args["sensors"][0]
        times = {k: v for k, v in o.args.items() if k in ("start", "end", "since") and v}
        if times:
            ctx.time_args = times
    if assets:
        ctx.assets = assets
        ctx.scope = assets[0]


def _text(msg: Any) -> str:
    content = msg.content
    if isinstance(content, list):
        return " ".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return str(content)
