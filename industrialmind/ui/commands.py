"""The UI commands: `web` (Chainlit chat + REST API on one port) and `tui` (the terminal app). One function each."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the UI commands to the CLI."""
    app.command("start")(start)
    app.command("web")(web)
    app.command("tui")(tui)


def web(host: str | None = typer.Option(None, "--host", help="Address to bind (default IM_WEB_HOST, 127.0.0.1)."),
        port: int | None = typer.Option(None, "--port", help="Port (default IM_WEB_PORT, 8000)."),
        llm: str | None = typer.Option(None, "--llm", help="Brain: offline, openai/<model>, ollama/<model>, "
                                                              "hf/<path>."),
        no_init: bool = typer.Option(False, "--no-init", help="Do not prepare the demo plant when IM_HOME is empty."),
        ) -> None:
    """Serve the web chat and its REST API (/api, docs at /api/docs) on one port; prints the URL."""
    from industrialmind.console import console, err_console, settings

    cfg = settings()
    if not no_init:
        from industrialmind.agent.brains import check_spec
        from industrialmind.setup import ensure_initialized

        check_spec(llm or cfg.llm)  # before minutes of preparing the demo plant
        ensure_initialized(cfg)
    from industrialmind.ui.api import serve

    def ready(url: str) -> None:
        auth = " · password required" if cfg.web_password is not None else ""
        auth += f" · trusted header {cfg.web_auth_header}" if cfg.web_auth_header else ""
        if not auth:  # Chainlit keeps history per user: without a login every browser shares the local user's
            auth = " · no login: every browser is the local user and shares its history"
        console().print(f"[bold]IndustrialMind web chat:[/] {url}/  [dim](REST API {url}/api, docs {url}/api/docs"
                        f"{auth})[/]", highlight=False, soft_wrap=True)
        err_console().print("[dim]Ctrl+C stops the server.[/]")

    serve(cfg, host=host, port=port, llm=llm, on_ready=ready)


def start(host: str | None = typer.Option(None, "--host", help="Address to bind (default IM_WEB_HOST, 127.0.0.1)."),
          port: int | None = typer.Option(None, "--port", help="Port (default IM_WEB_PORT, 8000)."),
          llm: str | None = typer.Option(None, "--llm", help="Brain: offline, openai/<model>, ollama/<model>, "
                                                                "hf/<path>."),
          ) -> None:
    """The main job: prepare the demo plant if needed (history, knowledge, models), show its state, open the web chat."""
    from industrialmind.console import console, err_console, settings
    from industrialmind.setup import MARKER, run_init

    cfg = settings()
    from industrialmind.agent.brains import check_spec

    check_spec(llm or cfg.llm)  # before minutes of preparing the demo plant
    if not (cfg.home / MARKER).exists():
        err_console().print(f"[dim]Preparing {cfg.home} with the demo plant (industrialmind init --demo)...[/]")
        for step in run_init(cfg, demo=True):
            if step["status"] != "done":
                err_console().print(f"[yellow]{step['step']}: {step['status']} ({step['detail']})[/]")
    from industrialmind.plant.history import catch_up, read_marker, summary
    from industrialmind.ui.terminal import render_summary

    marker = read_marker(cfg)
    if marker is not None:  # the demo history exists: bring it up to now and show where the plant stands
        seed = int(marker.get("seed", 1))
        catch_up(cfg, seed)
        console().print(render_summary(summary(cfg, seed)))
    web(host=host, port=port, llm=llm, no_init=True)


def tui(llm: str | None = typer.Option(None, "--llm", help="Brain: offline, openai/<model>, ollama/<model>, "
                                                             "hf/<path>."),
        thread: str | None = typer.Option(None, "--thread", help="Continue this conversation thread."),
        no_init: bool = typer.Option(False, "--no-init", help="Do not prepare the demo plant when IM_HOME is empty."),
        ) -> None:
    """Open the terminal app: chat, asset tree with readings, live trends, alarms (Ctrl+P for commands)."""
    from industrialmind.console import settings

    cfg = settings()
    if not no_init:
        from industrialmind.agent.brains import check_spec
        from industrialmind.setup import ensure_initialized

        check_spec(llm or cfg.llm)  # before minutes of preparing the demo plant
        ensure_initialized(cfg)
    from industrialmind.ui.tui import run_tui

    run_tui(cfg, llm=llm, thread_id=thread)
