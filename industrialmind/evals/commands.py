"""`industrialmind eval routing`: run a routing suite against a chat model and report accuracy and latency."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the `eval` command group."""
    app.add_typer(eval_app, name="eval")


eval_app = typer.Typer(help="Evaluate the agent: routing accuracy, arguments, groundedness, latency.",
                       no_args_is_help=True)


@eval_app.command("routing")
def routing_cmd(
    suite: Optional[Path] = typer.Option(None, "--suite", help="Suite file (YAML/JSONL); default: the bundled "
                                         "routing suite."),
    llm: str = typer.Option("offline", "--llm", envvar="IM_LLM", help="Chat model: offline, openai/<model>, "
                            "ollama/<model>, hf/<path>."),
    split: str = typer.Option("all", "--split", help="Cases to run: dev, heldout or all."),
    tools: str = typer.Option("fake", "--tools", help="Tool results: 'fake' (stand-in results, no data "
                              "needed) or 'real' (the project's tools on the configured stores)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Folder with the AssetOpsBench sample data "
                                        "(default: ../shared/data when present)."),
    via: str = typer.Option("model", "--via", help="'model': drive the chat model directly; 'graph': run "
                            "each turn through the agent's LangGraph graph (actions approved)."),
    min_tool_accuracy: Optional[float] = typer.Option(None, "--min-tool-accuracy",
                                                      help="Fail (exit 1) when tool accuracy is below this."),
    show_failures: bool = typer.Option(False, "--failures", help="List the cases that failed."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Run a routing suite: tool accuracy, argument accuracy, groundedness and latency p50/p95."""
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.errors import InvalidInputError
    from industrialmind.evals.runner import load_suite, run_suite

    if split not in ("dev", "heldout", "all"):
        raise InvalidInputError(f"unknown split {split!r}; valid: 'dev', 'heldout', 'all'")
    if via not in ("model", "graph"):
        raise InvalidInputError(f"unknown --via {via!r}; valid: 'model', 'graph'")
    if tools not in ("fake", "real"):
        raise InvalidInputError(f"unknown tools mode {tools!r}; valid: 'fake', 'real'")
    loaded = load_suite(suite)
    with progress() as bar:
        task = bar.add_task("routing cases", total=len(loaded.cases))
        report = run_suite(settings(), loaded, llm=llm, tools=tools, split=split, data_dir=data, via=via,
                           progress=lambda done, total: bar.update(task, completed=done, total=total))
    if json_out:
        emit_json(report if show_failures else {k: v for k, v in report.items() if k != "cases"})
    else:
        console().print(render(report, show_failures))
    if min_tool_accuracy is not None and report["tool_accuracy"] < min_tool_accuracy:
        from industrialmind.console import err_console

        err_console().print(f"tool accuracy was {report['tool_accuracy']:.3f}, should be above "
                            f"{min_tool_accuracy:.3f}")
        raise typer.Exit(1)


def render(report: dict, show_failures: bool = False):
    """A Rich table of the metrics per split (and the failed cases when asked)."""
    from rich.console import Group
    from rich.table import Table

    table = Table(title=f"routing eval: {report['llm']} ({report['tools']} tool results, via {report['via']})")
    for col in ("split", "n", "tool acc", "arg acc", "grounded", "p50 ms", "p95 ms"):
        table.add_column(col, justify="right" if col != "split" else "left")
    rows = [("all", report)] + list(report.get("splits", {}).items())
    for name, m in rows:
        table.add_row(name, str(m["n"]), f"{m['tool_accuracy']:.1%}", f"{m['arg_accuracy']:.1%}",
                      f"{m['groundedness']:.1%}", f"{m['p50_ms']:.0f}", f"{m['p95_ms']:.0f}")
    parts = [table]
    if report.get("skipped"):
        parts.append(f"skipped {len(report['skipped'])} case(s) whose plant data is absent")
    if show_failures:
        failed = Table("case", "question", "expected", "got", title="failed cases")
        for r in report.get("cases", []):
            if not r["tool_ok"] or (r["has_args"] and not r["args_ok"]) or r["grounded"] is False:
                got = "; ".join(f"{c['name']}({c['args']})" for c in r["tool_calls"]) or r["kind"]
                failed.add_row(r["id"], r["question"], str(r["expect"]), got)
        parts.append(failed)
    return Group(*parts)
