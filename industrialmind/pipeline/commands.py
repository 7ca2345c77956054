"""The live pipeline's commands: `ingest`, `up`, `streams`, `broker` and `score` (heavy imports stay inside
the functions)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add `ingest`, `up`, `streams`, `broker` and `score`."""
    app.command("ingest")(ingest_cmd)
    app.command("up")(up_cmd)
    app.command("streams")(streams_cmd)
    app.command("broker")(broker_cmd)
    app.command("score")(score_cmd)


def _install_stop_handlers(stop) -> None:
    """First SIGINT/SIGTERM: stop gracefully; a second one: stop now."""
    import signal

    def handler(signum, _frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def ingest_cmd(
    group: str = typer.Option("im-ingest", "--group", help="Consumer group id; processes in one group share the "
                              "partitions."),
    batch_size: int = typer.Option(200_000, "--batch-size", help="Most messages written per batch."),
    batch_wait: float = typer.Option(0.25, "--batch-wait", min=0, help="Most seconds a message waits before its batch is "
                                     "written."),
    hold_store: bool = typer.Option(False, "--hold-store", help="Keep the DuckDB file open (fastest; one ingest "
                                    "process only, and readers of that file wait until it stops)."),
    pipeline: bool = typer.Option(True, "--pipeline/--no-pipeline", help="Write one batch while consuming the next."),
    broker_wait: float | None = typer.Option(None, "--broker-wait", min=0, help="Give up after S seconds when the broker "
                                                "is unreachable at start (default: keep retrying)."),
    session_timeout: float = typer.Option(10.0, "--session-timeout", help="Seconds after which the group gives a "
                                          "silent (crashed) member's partitions to the others."),
    max_messages: int | None = typer.Option(None, "--max-messages", min=1, help="Stop after N messages."),
    idle_exit: float | None = typer.Option(None, "--idle-exit", min=0, help="Stop after S seconds without messages (counted from the partition assignment)."),
    json_out: bool = typer.Option(False, "--json", help="Print the run's counters as JSON when it stops."),
) -> None:
    """Consume telemetry into the time-series store (at least once, idempotent); Ctrl-C or SIGTERM stops cleanly."""
    import os
    import threading
    import time
    from pathlib import Path

    from industrialmind.console import emit_json, err_console, settings
    from industrialmind.pipeline.ingest import IngestWorker

    cfg = settings()
    cfg.ensure_home()
    out = err_console()
    stop = threading.Event()
    _install_stop_handlers(stop)
    state = {"last": 0.0}

    def say(text: str) -> None:
        out.print(f"ingest: {text}", highlight=False, soft_wrap=True)

    def on_batch(report) -> None:
        now = time.monotonic()
        if now - state["last"] >= 10.0:
            state["last"] = now
            s = worker.stats
            say(f"{s.written:,} points written, {s.rejected:,} rejected, {s.batches:,} batches, "
                f"partitions {s.assigned}")

    session_ms = max(int(session_timeout * 1000), 1000)
    worker = IngestWorker(cfg, group=group, batch_size=batch_size, batch_wait_s=batch_wait, hold_store=hold_store,
                          pipeline=pipeline, stop=stop, on_batch=on_batch, broker_wait_s=broker_wait,
                          stats_path=Path(cfg.home) / "run" / f"ingest-{os.getpid()}.json", on_message=say,
                          consumer_overrides={"session.timeout.ms": session_ms,
                                              "heartbeat.interval.ms": max(min(1000, session_ms // 3), 100)})
    say(f"group {group!r} -> {cfg.resolved.timeseries} (Ctrl-C to stop)")
    stats = worker.run(max_messages=max_messages, idle_exit_s=idle_exit)
    say(f"stopped: {stats.written:,} points written, {stats.rejected:,} rejected, {stats.commits:,} commits")
    if json_out:
        emit_json(stats.as_dict())


def up_cmd(
    speed: float = typer.Option(1.0, "--speed", help="Simulated seconds per wall-clock second (60: an hour a minute)."),
    rate: float | None = typer.Option(None, "--rate", help="Target points published per second (sets the sample "
                                         "step; default every sensor once per simulated minute)."),
    seed: int = typer.Option(1, "--seed", help="Simulator seed."),
    workers: int = typer.Option(1, "--workers", help="Ingest processes in the consumer group."),
    scorer: bool | None = typer.Option(None, "--scorer/--no-scorer", help="Start the streaming scorer (default: "
                                          "when the `score` command exists)."),
    duration: float | None = typer.Option(None, "--duration", min=0, help="Stop after S seconds (default: Ctrl-C)."),
    interval: float = typer.Option(2.0, "--interval", min=0.1, help="Seconds between status updates."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary when the stack stops."),
) -> None:
    """Start the local stack: the broker if needed, the live simulator, ingest and the scorer; Ctrl-C stops it all."""
    import threading

    from industrialmind.console import emit_json, err_console, settings
    from industrialmind.errors import InvalidInputError
    from industrialmind.pipeline.stack import run_stack

    if workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {workers!r}")
    from industrialmind.pipeline.producer import sample_step

    sample_step(1, speed, rate)  # a bad --speed/--rate fails here, not in the simulator child after the start
    cfg = settings()
    stop = threading.Event()
    _install_stop_handlers(stop)
    out = err_console()
    live = None
    if out.is_terminal:
        from rich.live import Live
        from rich.text import Text

        live = Live(Text("starting..."), console=out, transient=False, refresh_per_second=4)
        live.start()

    def on_status(status) -> None:
        if live is not None:
            from rich.text import Text

            live.update(Text(status.line()))
        else:
            out.print(status.line(), highlight=False, soft_wrap=True)

    try:
        result = run_stack(cfg, speed=speed, rate=rate, seed=seed, workers=workers, scorer=scorer,
                           duration=duration, interval=interval, on_status=on_status, stop_event=stop)
    finally:
        if live is not None:
            live.stop()
    codes = ", ".join(f"{k} {v['exit_code']}" for k, v in result["children"].items())
    out.print(f"stopped ({codes}); published {result.get('published', 0):,}, stored {result.get('stored', 0):,}, "
              f"logs in {cfg.home / 'logs'}", highlight=False)
    if json_out:
        emit_json(result)


def streams_cmd(
    interval: float = typer.Option(1.0, "--interval", min=0.0, help="Seconds between the two samples that give the "
                                   "rates; 0: counts and lag only, no rates (answers at once)."),
    group: list[str] | None = typer.Option(None, "--group", help="Only these consumer groups (repeatable)."),
    tail: str | None = typer.Option(None, "--tail", help="Show the last messages of a topic instead: telemetry, "
                                       "alarms or deadletter."),
    asset: str | None = typer.Option(None, "--asset", help="With --tail: only messages keyed by this asset."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="With --tail: how many messages."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Topics, message rates and consumer-group lag per partition (or, with --tail, a topic's last messages)."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.errors import BackendUnavailableError
    from industrialmind.stores.broker import running_broker
    from industrialmind.stores.streams import Streams

    cfg = settings()
    if not cfg.kafka_bootstrap and running_broker(cfg.home) is None:
        raise BackendUnavailableError("no Kafka broker: the bundled broker is not running for this IM_HOME "
                                      "(start the stack with `industrialmind up` or `industrialmind broker start`), "
                                      "and IM_KAFKA_BOOTSTRAP is not set")
    streams = Streams.from_settings(cfg)
    streams.check()
    if tail is not None:
        rows = streams.tail(tail, asset=asset, limit=limit)
        if json_out:
            emit_json({"topic": streams.topic(tail), "asset": asset, "messages": rows})
            return
        from rich.table import Table

        table = Table("partition", "offset", "time", "key", "value", title=f"tail of {streams.topic(tail)}")
        for r in rows:
            value = r["value"] if isinstance(r["value"], str) else __import__("json").dumps(r["value"])
            if r["headers"]:
                value += "  " + " ".join(f"{k}={v}" for k, v in r["headers"].items())
            table.add_row(str(r["partition"]), str(r["offset"]), r["timestamp"] or "", r["key"] or "", value)
        console().print(table)
        return
    status = streams.status(interval=interval, groups=group or None)
    if json_out:
        emit_json(status)
        return
    from rich.table import Table

    c = console()
    topics = Table("topic", "partitions", "messages", "rate /s", title=f"topics on {status['bootstrap']}")
    for t in status["topics"]:
        topics.add_row(t["topic"], str(t["partitions"]), f"{t['messages']:,}",
                       f"{t['rate_per_s']:,.1f}" if t["rate_per_s"] is not None else "")
    c.print(topics)
    lag = Table("group", "topic", "partition", "committed", "end", "lag", title="consumer-group lag")
    for g in status["groups"]:
        for p in g["partitions"]:
            lag.add_row(g["group"], g["topic"], str(p["partition"]),
                        "" if p["committed"] is None else f"{p['committed']:,}", f"{p['end']:,}", f"{p['lag']:,}")
    c.print(lag if status["groups"] else "no consumer group has committed offsets on these topics yet")


def broker_cmd(
    action: str = typer.Argument("status", help="start, stop or status"),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """The bundled Kafka broker (Tansu, memory storage) of this IM_HOME: start, stop or status."""
    from dataclasses import asdict

    from industrialmind.console import console, emit_json, settings
    from industrialmind.errors import InvalidInputError, did_you_mean
    from industrialmind.stores.broker import ensure_broker, running_broker, stop_broker

    actions = ("start", "stop", "status")
    if action not in actions:
        raise InvalidInputError(f"unknown broker action {action!r}" + did_you_mean(action, actions))
    cfg = settings()
    cfg.ensure_home()
    if action == "start":
        info, started = ensure_broker(cfg.home)
        result = {"state": "started" if started else "running", **asdict(info), "bootstrap": info.bootstrap}
    elif action == "stop":
        info = stop_broker(cfg.home)
        result = {"state": "stopped" if info else "not running", **(asdict(info) if info else {})}
    else:
        info = running_broker(cfg.home)
        result = {"state": "running" if info else "not running", **(asdict(info) if info else {})}
        if info:
            result["bootstrap"] = info.bootstrap
    if cfg.kafka_bootstrap:
        result["note"] = f"IM_KAFKA_BOOTSTRAP={cfg.kafka_bootstrap} is set: commands use that broker, not this one"
    if json_out:
        emit_json(result)
    else:
        where = f" on {result['bootstrap']} (pid {result['pid']})" if "bootstrap" in result else ""
        console().print(f"bundled broker: {result['state']}{where}" + (f"; {result['note']}" if "note" in result
                                                                         else ""), highlight=False)


def score_cmd(
    duration: float | None = typer.Option(None, "--duration", min=0, help="Stop after S seconds (default: run "
                                                                      "until interrupted)."),
    group: str = typer.Option("im-scorer", "--group", help="Consumer group id."),
    json_out: bool = typer.Option(False, "--json", help="Print the run's counters as JSON at the end."),
) -> None:
    """The streaming scorer: consume telemetry, score each asset's windows, publish alarms with hysteresis."""
    from industrialmind.console import console, emit_json, err_console, settings
    from industrialmind.pipeline.scorer import run_scorer

    def on_alarm(alarm) -> None:
        err_console().print(f"{alarm.state} {alarm.asset_id} score {alarm.score:.3g} "
                            f"(threshold {alarm.threshold:.3g}) {', '.join(alarm.sensors)}", highlight=False)

    stats = run_scorer(settings(), duration=duration, group=group, on_alarm=on_alarm)
    if json_out:
        emit_json(stats)
    else:
        console().print(stats)
