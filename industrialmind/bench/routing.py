"""Routing benchmark: the offline planner on the routing suite (tool and argument accuracy, groundedness, latency)
against a baseline measured in the same run: zero-shot nearest tool docstring (MiniLM similarity between the raw
question and each tool's description, no entity linking, no generated examples, no conversation)."""

from __future__ import annotations

import time
from typing import Any


def run(settings: Any, quick: bool = False, **options: Any) -> dict[str, Any]:
    """Run the suite (quick: the first 40 dev cases) with the planner and with the baseline."""
    from industrialmind.evals.runner import Suite, load_suite, plant_registry, run_suite

    suite = load_suite(options.get("suite"))
    _, _, plants = plant_registry(options.get("data"))
    cases = [c for c in suite.cases if c.plant in plants]
    if quick:
        cases = [c for c in cases if c.split == "dev"][:40]
    small = Suite(suite.now, cases, suite.path)
    report = run_suite(settings, small, tools="fake", data_dir=options.get("data"))
    baseline = _baseline(settings, cases)
    result = {k: report[k] for k in ("n", "tool_accuracy", "arg_accuracy", "groundedness", "p50_ms", "p95_ms")}
    result["splits"] = report["splits"]
    result["baseline"] = baseline
    result["tool_accuracy_ratio"] = round(report["tool_accuracy"] / baseline["tool_accuracy"], 2) \
        if baseline["tool_accuracy"] else None
    result["date"] = time.strftime("%Y-%m-%d")
    return result


def _baseline(settings: Any, cases: list[Any]) -> dict[str, Any]:
    """Zero-shot: the tool whose docstring is most similar to the last question; single-turn, no arguments."""
    import numpy as np

    from industrialmind.evals import metrics
    from industrialmind.knowledge.embeddings import get_embedder
    from industrialmind.tools import build_tools

    tools = [t for t in build_tools(settings) if t.name != "query_graph"]
    embedder = get_embedder(settings)
    docs = embedder.embed([f"{t.name.replace('_', ' ')}: {t.description}" for t in tools])
    hits, latencies = 0, []
    for case in cases:
        t0 = time.perf_counter()
        q = embedder.embed([case.turns[-1]])[0]
        best = tools[int(np.argmax(docs @ q))].name
        latencies.append((time.perf_counter() - t0) * 1000)
        calls = [{"name": best, "args": {}}]
        expect = case.expect
        if expect.get("clarify") or expect.get("refuse"):
            continue  # the baseline always calls a tool: a miss
        hits += metrics.tools_match(expect, calls, "tools")
    return {"tool_accuracy": round(hits / len(cases), 4) if cases else 0.0,
            "p50_ms": round(metrics.percentile(latencies, 50), 1), "p95_ms": round(metrics.percentile(latencies, 95), 1)}


def render(result: dict[str, Any]):
    """A table: planner vs the zero-shot baseline, with the accuracy ratio."""
    from rich.table import Table

    base = result["baseline"]
    table = Table(title=f"routing: offline planner vs zero-shot docstring baseline ({result['n']} cases)")
    for col in ("router", "tool acc", "arg acc", "grounded", "p50 ms", "p95 ms", "tool acc ratio"):
        table.add_column(col, justify="left" if col == "router" else "right")
    table.add_row("offline planner", f"{result['tool_accuracy']:.1%}", f"{result['arg_accuracy']:.1%}",
                  f"{result['groundedness']:.1%}", f"{result['p50_ms']:.0f}", f"{result['p95_ms']:.0f}",
                  f"{result['tool_accuracy_ratio']}x" if result["tool_accuracy_ratio"] else "-")
    table.add_row("nearest docstring", f"{base['tool_accuracy']:.1%}", "-", "-", f"{base['p50_ms']:.0f}",
                  f"{base['p95_ms']:.0f}", "1.0x")
    return table
