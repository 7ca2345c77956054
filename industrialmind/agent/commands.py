"""`industrialmind chat`, `ask` and `init`: wiring only. The turns are rendered by `ui/terminal.py`; the first-run
setup is `industrialmind/setup.py`.
"""

from __future__ import annotations

from typing import Any

import typer

from industrialmind.console import console, emit_json, settings
from industrialmind.setup import ensure_initialized, run_init
from industrialmind.ui.terminal import call_text, render_turn, result_table


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add chat, ask and init to the CLI."""
    app.command("chat")(chat)
    app.command("ask")(ask)
    app.command("init")(init)


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
    from industrialmind.agent import brains
    from industrialmind.agent.runner import Assistant

    cfg = settings()
    brains.check_spec(llm or cfg.llm)  # a typo in --llm must not wait for the demo plant to be prepared
    ensure_initialized(cfg)
    return Assistant(cfg, llm=brains.make_chat_model(llm or cfg.llm, cfg))


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
        out.print(f"[dim]-> {call_text(call)}[/]", highlight=False)
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
            render_turn(out, events, assistant, thread_id)
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
