"""`industrialmind chat`, `ask` and `init`: the terminal front ends of the agent and the first-run setup."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from typing import Any

import typer

from industrialmind.cli import console, emit_json, err_console, progress, settings

MARKER = ".initialized"
# The setup steps of the other rooms, in order: (label, module, function). Each is called with settings and, when
# it takes one, a `progress(...)` callback.
INIT_STEPS: list[tuple[str, str, str]] = [
    ("demo plant history and fault labels", "industrialmind.plant.commands", "ensure_demo_data"),
    ("knowledge graph and document index", "industrialmind.knowledge.build", "build_knowledge"),
    ("anomaly models for the demo plant", "industrialmind.agent.commands", "train_demo_models"),
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


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add chat, ask and init to the CLI."""
    app.command("chat")(chat)
    app.command("ask")(ask)
    app.command("init")(init)


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


def init(demo: bool = typer.Option(True, "--demo/--empty", help="Demo data, knowledge and models, or an empty home."),
         json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """Prepare IM_HOME: demo history and labels, knowledge graph, document index and anomaly models."""
    cfg = settings()
    steps = run_init(cfg, demo=demo)
    if json_out:
        emit_json({"home": str(cfg.home), "demo": demo, "steps": steps})
        return
    for step in steps:
        mark = "[green]done[/]" if step["status"] == "done" else f"[yellow]{step['status']}[/] {step['detail']}"
        console().print(f"{step['step']}: {mark}")
    console().print(f"IM_HOME ready at {cfg.home}")


def _assistant(llm: str | None) -> Any:
    from industrialmind.agent import models
    from industrialmind.agent.runner import Assistant

    cfg = settings()
    models.check_spec(llm or cfg.llm)  # a typo in --llm must not wait for the demo plant to be prepared
    ensure_initialized(cfg)
    return Assistant(cfg, llm=models.make_chat_model(llm or cfg.llm, cfg))


def ask(question: str = typer.Argument(..., help="The question, in plain words."),
        thread: str | None = typer.Option(None, "--thread", help="Continue this conversation thread."),
        approve: bool = typer.Option(False, "--approve", help="Run actions (work orders, training) without asking."),
        llm: str | None = typer.Option(None, "--llm", help="Brain: offline, openai/<model>, ollama/<model>, hf/<path>."),
        json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """Ask one question (non-interactive); an action only runs with --approve, else it waits under pending_approval."""
    if not question.strip():  # before the brain is loaded: an empty turn would only get an empty answer
        from industrialmind.errors import InvalidInputError

        raise InvalidInputError("the question is empty: ask in plain words, e.g. "
                                "`industrialmind ask \"status of P-101\"`")
    with _assistant(llm) as assistant:
        result = assistant.ask(question, thread_id=thread, approve=approve)
    if json_out:
        emit_json(result.to_json())
        return
    out = console()
    from rich.markdown import Markdown

    for call in result.tool_calls:
        out.print(f"[dim]-> {_call_text(call)}[/]", highlight=False)
    for item in result.tool_results:
        table = result_table(item["result"], width=out.width)
        if table is not None:
            out.print(table)
    if result.pending_approval:
        out.print(f"[bold yellow]Needs approval:[/] {result.pending_approval['question']}", highlight=False)
        out.print(f"[dim]Run again with --approve --thread {result.thread_id}, or answer in "
                  f"`industrialmind chat --thread {result.thread_id}`.[/]")
    else:
        out.print(Markdown(result.answer))
    out.print(f"[dim]thread {result.thread_id} · {result.latency_ms:.0f} ms[/]")


def chat(llm: str | None = typer.Option(None, "--llm", help="Brain: offline, openai/<model>, ollama/<model>, hf/<path>."),
         thread: str | None = typer.Option(None, "--thread", help="Resume this conversation thread.")) -> None:
    """Chat in the terminal: streamed answers, tool calls shown compactly, approval prompts for actions."""
    from rich.prompt import Confirm

    from industrialmind.agent.runner import new_thread_id

    out = console()
    thread_id = thread or new_thread_id()
    with _assistant(llm) as assistant:
        out.print(f"[bold]IndustrialMind[/] · thread {thread_id} · /new starts a thread, /exit leaves", highlight=False)
        pending = assistant.pending(thread_id)
        events = assistant.stream(None, thread_id, approved=Confirm.ask(pending["question"])) if pending else iter(())
        while True:
            _render(out, events, assistant, thread_id)
            try:
                question = out.input("[bold cyan]you> [/]").strip()
            except EOFError:
                break
            if question in ("/exit", "/quit", "exit", "quit"):
                break
            if question == "/new":
                thread_id = new_thread_id()
                out.print(f"[dim]new thread {thread_id}[/]")
                events = iter(())
                continue
            events = assistant.stream(question, thread_id) if question else iter(())


def _render(out: Any, events: Any, assistant: Any, thread_id: str) -> None:
    from rich.prompt import Confirm

    started = False
    request = None
    for event in events:
        if event.type == "token":
            if not started:
                out.print("[bold green]assistant>[/] ", end="")
                started = True
            out.print(event.data["text"], end="", highlight=False, markup=False)
        elif event.type == "tool_start":
            if started:
                out.print()
                started = False
            out.print(f"[dim]-> {_call_text(event.data)}[/]", highlight=False)
        elif event.type == "tool_end":
            result = event.data.get("result") or {}
            colour = "red" if isinstance(result, dict) and "error" in result else "dim"
            summary = result.get("summary", "") if isinstance(result, dict) else str(result)
            out.print(f"[{colour}]   {summary}[/]", highlight=False, markup=True)
            table = result_table(result, width=out.width)
            if table is not None:
                out.print(table)
        elif event.type == "approval_request":
            if started:
                out.print()
                started = False
            request = event.data  # asked once the run has stopped and its checkpoint is written
        elif event.type == "answer":
            if started:
                out.print()
            out.print(f"[dim]{event.data.get('latency_ms', 0):.0f} ms[/]")
    if request is not None:
        approved = Confirm.ask(f"[bold yellow]Approve?[/] {request['question']}")
        _render(out, assistant.stream(None, thread_id, approved=approved), assistant, thread_id)


def _call_text(call: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in (call.get("args") or {}).items())
    return f"{call['name']}({args})"


_TABLE_KEYS = ("assets", "readings", "work_orders", "events", "anomalies", "failure_modes", "passages", "rows", "jobs",
               "topics", "messages")
# The few most informative fields per kind of result, in order; other kinds rank their fields by _PRIORITY.
_KIND_COLUMNS = {
    "failure_modes": ("name", "symptoms", "rpn", "recommended_action"),
    "passages": ("cite", "text"),
    "readings": ("sensor", "sensor_id", "value", "unit", "status", "quality", "time", "ts"),
    "work_orders": ("id", "wo_id", "asset_id", "status", "priority", "title", "created_at", "opened_at"),
    "events": ("time", "ts", "asset_id", "sensor", "severity", "priority", "message", "kind"),
    "anomalies": ("asset_id", "sensor", "start", "end", "score", "severity"),
    "assets": ("asset_id", "id", "name", "type", "steps", "line_id", "status"),
    "jobs": ("job_id", "id", "kind", "status", "progress", "started_at"),
}
_PRIORITY = ("asset_id", "id", "name", "sensor", "topic", "title", "status", "value", "unit", "severity", "priority",
             "score", "time", "ts", "start", "end", "type", "kind", "message", "text", "description")
_CELL_CHARS = 60  # a cell never wraps into a paragraph: long text ends in an ellipsis
_MIN_COLUMNS = 2


def result_table(result: Any, max_rows: int = 10, width: int = 80) -> Any:
    """A compact Rich table for a tool result that holds a list of records (assets, readings, work orders...):
    the few most informative columns of that kind of result that fit `width` characters, one line per row (long
    text cut with an ellipsis), at most max_rows rows and an 'N more' line; None when the result has no records."""
    if not isinstance(result, dict):
        return None
    for key in _TABLE_KEYS:
        rows = result.get(key)
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
            return _compact_table(key, rows, max_rows, width)
    return None


def _compact_table(key: str, rows: list[dict[str, Any]], max_rows: int, width: int) -> Any:
    from rich.table import Table

    shown = rows[:max_rows]
    fields = list(dict.fromkeys(k for r in shown for k in r if _cell(r.get(k))))
    wanted = [c for c in _KIND_COLUMNS.get(key, ()) if c in fields]
    # a kind with its own columns shows only those; others rank their fields
    rest = [] if len(wanted) >= _MIN_COLUMNS else sorted(
        (c for c in fields if c not in wanted and not isinstance(shown[0].get(c), dict)),
        key=lambda c: (_PRIORITY.index(c) if c in _PRIORITY else len(_PRIORITY), fields.index(c)))
    cells = {c: [_cell(r.get(c)) for r in shown] for c in [*wanted, *rest]}
    if "text" in cells:  # 'Title | body' passages: the title is in the citation column
        cells["text"] = [v.split(" | ", 1)[1] if " | " in v[:120] else v for v in cells["text"]]
    natural = {c: max(len(c), *(len(v) for v in vals)) for c, vals in cells.items()}
    columns: list[str] = []
    used = 1  # the table's left border
    for c in [*wanted, *rest]:
        need = min(natural[c], 24 if len(columns) < _MIN_COLUMNS else _CELL_CHARS) + 3
        if len(columns) >= _MIN_COLUMNS and (used + need > width or len(columns) >= 5):
            break
        columns.append(c)
        used += need
    widths = _fit_widths(columns, natural, width)
    table = Table(title=key.replace("_", " "), title_justify="left", show_lines=False)
    for c in columns:
        numeric = all(_is_number(r.get(c)) for r in shown)
        table.add_column(_short(c.replace("_", " "), widths[c]), no_wrap=True, overflow="ellipsis",
                         justify="right" if numeric else "left", max_width=widths[c])
    for r_i in range(len(shown)):
        table.add_row(*[_short(cells[c][r_i], widths[c]) for c in columns])
    if len(rows) > max_rows:
        table.caption = f"{len(rows) - max_rows} more"
        table.caption_justify = "left"
    return table


def _fit_widths(columns: list[str], natural: dict[str, int], width: int) -> dict[str, int]:
    """Column widths that fit `width` with the borders and padding: short columns keep their width, long ones share
    what is left in proportion to their natural width (never under 6 characters)."""
    budget = max(width - (len(columns) + 1) - 2 * len(columns), 6 * len(columns))
    want = {c: min(natural[c], _CELL_CHARS) for c in columns}
    if sum(want.values()) <= budget:
        return want
    fixed = {c: w for c, w in want.items() if w <= 10}
    flexible = [c for c in columns if c not in fixed]
    left = budget - sum(fixed.values())
    total = sum(want[c] for c in flexible) or 1
    out = dict(fixed)
    for c in flexible:
        out[c] = max(6, left * want[c] // total)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _short(text: str, limit: int = _CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value if not isinstance(v, (dict, list)))
    if isinstance(value, dict):
        return ""
    text = "" if value is None else " ".join(str(value).split())
    # ISO timestamps: minutes are enough in a table
    if len(text) >= 19 and text[4] == "-" and text[10] in "T " and text[13] == ":":
        return text[:10] + " " + text[11:16]
    return text
