"""`industrialmind eval routing` and `eval analytics`: run a suite against a chat model and report accuracy and
latency (the work is in evals/runner.py and evals/analytics.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the `eval` command group."""
    app.add_typer(eval_app, name="eval")


eval_app = typer.Typer(help="Evaluate the agent: routing accuracy, arguments, groundedness, analytics answers, "
                       "latency.",
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


@eval_app.command("analytics")
def analytics_cmd(
    suite: Optional[Path] = typer.Option(None, "--suite", help="Suite file (YAML); default: the bundled analytics "
                                         "suite."),
    llm: str = typer.Option("offline", "--llm", envvar="IM_LLM", help="Chat model: offline, openai/<model>, "
                            "ollama/<model>, hf/<path>."),
    split: str = typer.Option("all", "--split", help="Cases to run: dev, heldout or all."),
    data: Optional[Path] = typer.Option(None, "--data", help="Folder holding assetopsbench/ and fmea/ (default: "
                                        "../shared/data when present); the cases of absent plants are skipped."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Prepare the eval's data home again even when it is "
                                 "up to date."),
    min_accuracy: Optional[float] = typer.Option(None, "--min-accuracy",
                                                 help="Fail (exit 1) when exact-answer accuracy is below this."),
    show_failures: bool = typer.Option(False, "--failures", help="List the cases that failed."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Ask an analytics suite through the agent and grade the answers: exact-answer accuracy, latency p50/p95."""
    from industrialmind.agent.brains import check_spec
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.errors import InvalidInputError
    from industrialmind.evals.analytics import load_suite, run_analytics

    if split not in ("dev", "heldout", "all"):
        raise InvalidInputError(f"unknown split {split!r}; valid: 'dev', 'heldout', 'all'")
    check_spec(llm)  # a typo in --llm must not wait for the eval's data home to be prepared
    if min_accuracy is not None and not 0 <= min_accuracy <= 1:
        raise InvalidInputError(f"--min-accuracy is a fraction between 0 and 1, got {min_accuracy}")
    cases = load_suite(suite)
    with progress() as bar:
        task = bar.add_task("analytics", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, description=f"analytics: {what}", completed=done, total=total or None)

        report = run_analytics(settings(), cases, llm=llm, split=split, data_dir=data, rebuild=rebuild,
                               progress=update, suite=str(suite) if suite else "")
    if json_out:
        emit_json(report if show_failures else {k: v for k, v in report.items() if k != "cases"})
    else:
        console().print(render_analytics(report, show_failures))
    if min_accuracy is not None and report["accuracy"] < min_accuracy:
        from industrialmind.console import err_console

        err_console().print(f"accuracy was {report['accuracy']:.3f}, should be above {min_accuracy:.3f}")
        raise typer.Exit(1)


def render_analytics(report: dict, show_failures: bool = False):
    """Rich tables: accuracy and latency per split, accuracy per family (and the failed cases when asked)."""
    from rich.console import Group
    from rich.table import Table

    table = Table(title=f"analytics eval: {report['llm']}")
    for col in ("split", "n", "correct", "accuracy", "p50 ms", "p95 ms"):
        table.add_column(col, justify="right" if col != "split" else "left")
    for name, m in [("all", report)] + list(report.get("splits", {}).items()):
        table.add_row(name, str(m["n"]), str(m["correct"]), f"{m['accuracy']:.1%}", f"{m['p50_ms']:.0f}",
                      f"{m['p95_ms']:.0f}")
    families = Table("family", "n", "accuracy", title="per family")
    for name, m in report.get("families", {}).items():
        families.add_row(name, str(m["n"]), f"{m['accuracy']:.1%}")
    parts: list = [table, families]
    if report.get("skipped"):
        parts.append(f"skipped {len(report['skipped'])} case(s) whose data is absent")
    if show_failures:
        failed = Table("case", "question", "missing", "answer", title="failed cases")
        for r in report.get("cases", []):
            if not r["ok"]:
                failed.add_row(r["id"], r["question"], "; ".join(r["missing"]),
                               (r["error"] or r["answer"])[:200])
        parts.append(failed)
    return Group(*parts)
