"""Scoring one routed turn against a case's expectation, and the suite's aggregate metrics."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timezone
from typing import Any

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CITATION = re.compile(r"\[\d+\]")
TIME_TOLERANCE_S = 120.0


def outcome_kind(tool_calls: list[dict[str, Any]], planner_tag: str | None, content: str = "") -> str:
    """'tools', 'clarify' or 'refuse'; for brains that tag nothing (LLMs), a reply ending in '?' asks back."""
    if tool_calls:
        return "tools"
    if planner_tag in ("clarify", "refused"):
        return "clarify" if planner_tag == "clarify" else "refuse"
    return "clarify" if content.strip().endswith("?") else "answer"


def tools_match(expect: dict[str, Any], tool_calls: list[dict[str, Any]], kind: str) -> bool:
    """True when the turn did what the case expects: the same multiset of tool names, or a clarification/refusal."""
    if expect.get("clarify"):
        return kind == "clarify"
    if expect.get("refuse"):
        return kind in ("refuse", "answer") and not tool_calls
    got = Counter(c["name"] for c in tool_calls)
    options = expect.get("any_of") or [expect.get("tools") or [c["name"] for c in expect.get("calls", [])]]
    return any(got == Counter(opt) for opt in options)


def args_match(expect: dict[str, Any], tool_calls: list[dict[str, Any]], now: datetime) -> bool:
    """True when every expected key argument is there: `args` on every call, `calls` matched one to one."""
    if expect.get("calls"):
        remaining = list(tool_calls)
        for want in expect["calls"]:
            hit = next((c for c in remaining if c["name"] == want["name"]
                        and _args_ok(want.get("args") or {}, c.get("args") or {}, now)), None)
            if hit is None:
                return False
            remaining.remove(hit)
        return True
    wanted = expect.get("args") or {}
    return bool(tool_calls) and all(_args_ok(wanted, c.get("args") or {}, now) for c in tool_calls)


def has_arg_expectation(expect: dict[str, Any]) -> bool:
    """Whether a case checks arguments at all."""
    return bool(expect.get("args") or any(c.get("args") for c in expect.get("calls", [])))


def judge(expect: dict[str, Any], tool_calls: list[dict[str, Any]], planner_tag: str | None, answer: str,
          now: datetime) -> dict[str, Any]:
    """Score one turn against a case: its kind, whether the tools match, whether the case checks arguments, and
    whether they match (only when the tools do)."""
    kind = outcome_kind(tool_calls, planner_tag, answer if not tool_calls else "")
    tool_ok = tools_match(expect, tool_calls, kind)
    has_args = has_arg_expectation(expect)
    return {"kind": kind, "tool_ok": tool_ok, "has_args": has_args,
            "args_ok": tool_ok and has_args and args_match(expect, tool_calls, now)}


def _args_ok(wanted: dict[str, Any], got: dict[str, Any], now: datetime) -> bool:
    return all(_value_ok(key, value, got.get(key), now) for key, value in wanted.items())


def _value_ok(key: str, want: Any, got: Any, now: datetime) -> bool:
    if want == "*":  # present, any value
        return got not in (None, "", [])
    if want is None:  # absent
        return got in (None, "", [])
    if got is None:
        return False
    if key in ("start", "end", "since", "until"):
        return _time_ok(str(want), str(got), now)
    if key in ("sensor", "sensors"):
        gots = got if isinstance(got, list) else [got]
        wants = want if isinstance(want, list) else [want]
        return all(any(_sensor_ok(w, g) for g in gots) for w in wants)
    if isinstance(want, dict) and "contains" in want:
        return all(w.lower() in str(got).lower() for w in _listify(want["contains"]))
    if isinstance(want, list):
        return [str(x).lower() for x in want] == [str(x).lower() for x in (got if isinstance(got, list) else [got])]
    return str(want).lower() == str(got).lower()


def _listify(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _sensor_ok(want: str, got: str) -> bool:
    from industrialmind.domain.vocabulary import canonical_quantity

    w, g = want.lower(), str(got).lower()
    if w == g or w in g:
        return True
    canon = canonical_quantity(w)
    return bool(canon and canon in g)


def _time_ok(want: str, got: str, now: datetime) -> bool:
    try:
        w = datetime.fromisoformat(want.replace("Z", "+00:00"))
        g = datetime.fromisoformat(got.replace("Z", "+00:00"))
    except ValueError:
        return want.strip().lower() == got.strip().lower()
    if w.tzinfo is None:
        w = w.replace(tzinfo=timezone.utc)
    if g.tzinfo is None:
        g = g.replace(tzinfo=timezone.utc)
    return abs((w - g).total_seconds()) <= TIME_TOLERANCE_S


def grounded(answer: str, results: list[dict[str, Any]]) -> bool:
    """True when every number in the answer appears in the tool results (citation markers like [1] aside)."""
    said = set(_NUMBER.findall(_CITATION.sub(" ", answer)))
    if not said:
        return True
    known = set(_NUMBER.findall(json.dumps(results, default=str, ensure_ascii=False)))
    return said <= known


def ungrounded_numbers(answer: str, results: list[dict[str, Any]]) -> list[str]:
    """The numbers of an answer that no tool result contains (for reports)."""
    said = set(_NUMBER.findall(_CITATION.sub(" ", answer)))
    known = set(_NUMBER.findall(json.dumps(results, default=str, ensure_ascii=False)))
    return sorted(said - known)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate metrics over scored cases."""
    n = len(rows)
    with_args = [r for r in rows if r["has_args"]]
    answered = [r for r in rows if r["grounded"] is not None]
    latencies = [ms for r in rows for ms in r["latency_ms"]]
    return {
        "n": n,
        "tool_accuracy": round(sum(r["tool_ok"] for r in rows) / n, 4) if n else 0.0,
        "arg_accuracy": round(sum(r["args_ok"] for r in with_args) / len(with_args), 4) if with_args else 0.0,
        "groundedness": round(sum(r["grounded"] for r in answered) / len(answered), 4) if answered else 1.0,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "n_args": len(with_args),
        "n_answers": len(answered),
    }
