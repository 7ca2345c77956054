"""`industrialmind up`: the local stack as child processes (broker if needed, live simulator, ingest, scorer) with a
status line, stopped in order on Ctrl-C, SIGTERM or after a duration.

Children run in their own sessions with their output in `<IM_HOME>/logs/<name>.log`, so the terminal shows only
the status line; on shutdown the simulator stops first (nothing new is produced), then ingest and the scorer
write and commit what they hold; a child that does not stop within its grace period is killed. A bundled broker
this command started is stopped last; one that was already running is left running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from industrialmind.stores.streams import INGEST_GROUP

GRACE_S = 15.0


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    log: Path
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    exit_code: int | None = None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.proc is not None and self.proc.poll() is None


@dataclass
class StackStatus:
    """One sample of the stack's state for the status line."""

    elapsed_s: float
    produced: int
    produce_rate: float
    written: int
    write_rate: float
    lag: int | None
    children: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """The one-line rendering."""
        kids = " ".join(f"{k}:{v}" for k, v in self.children.items())
        lag = "?" if self.lag is None else f"{self.lag:,}"
        return (f"{self.elapsed_s:6.0f} s | published {self.produced:,} ({self.produce_rate:,.0f}/s) | "
                f"stored {self.written:,} ({self.write_rate:,.0f}/s) | lag {lag} | {kids}")


def scorer_available() -> bool:
    """Whether this installation can run the streaming scorer (`score` needs ONNX Runtime, the models extra)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def plan_children(settings, speed: float, rate: float | None, seed: int, workers: int, scorer: bool,
                  log_dir: Path) -> list[Child]:
    """The processes `up` starts, in start order."""
    py = sys.executable
    cli = [py, "-m", "industrialmind"]
    live = [py, "-m", "industrialmind.pipeline.producer", "--seed", str(seed), "--speed", str(speed)]
    if rate is not None:
        live += ["--rate", str(rate)]
    children = [Child("simulator", live, log_dir / "simulator.log")]
    for i in range(workers):
        name = "ingest" if workers == 1 else f"ingest{i + 1}"
        children.append(Child(name, [*cli, "ingest"], log_dir / f"{name}.log"))
    if scorer:
        children.append(Child("scorer", [*cli, "score"], log_dir / "scorer.log"))
    return children


class Stack:
    """Starts, watches and stops the children of `industrialmind up`."""

    def __init__(self, settings, children: list[Child], bootstrap: str, started_broker: bool) -> None:
        self.settings = settings
        self.children = children
        self.bootstrap = bootstrap
        self.started_broker = started_broker
        self.stop_event = threading.Event()
        self._t0 = time.monotonic()
        self._prev: tuple[float, int, int] | None = None

    def start(self) -> None:
        """Start every child (in its own session, output to its log file)."""
        env = dict(os.environ)
        env["IM_KAFKA_BOOTSTRAP"] = self.bootstrap
        env["IM_HOME"] = str(self.settings.home)
        env.setdefault("PYTHONUNBUFFERED", "1")
        for child in self.children:
            child.log.parent.mkdir(parents=True, exist_ok=True)
            with open(child.log, "ab") as out:
                child.proc = subprocess.Popen(child.argv, stdin=subprocess.DEVNULL, stdout=out,
                                              stderr=subprocess.STDOUT, env=env, start_new_session=True)
            child.started_at = time.monotonic()

    def _ingest_written(self) -> int:
        total = 0
        run_dir = Path(self.settings.home) / "run"
        for child in self.children:
            if not child.name.startswith("ingest") or child.proc is None:
                continue
            try:
                total += int(json.loads((run_dir / f"ingest-{child.proc.pid}.json").read_text())["written"])
            except (OSError, ValueError, KeyError):
                pass
        return total

    def sample(self, streams) -> StackStatus:
        """Measure published and stored points, rates and the ingest group's lag."""
        produced, lag = 0, None
        try:
            topic = streams.topic("telemetry")
            ends = streams.end_offsets(topic, timeout=3.0)
            produced = sum(ends.values())
            rows = streams.lag(INGEST_GROUP, topic, ends=ends)
            lag = sum(r.lag for r in rows)
        except Exception:  # noqa: BLE001 - the status line must survive a broker hiccup
            pass
        written = self._ingest_written()
        now = time.monotonic()
        prate = wrate = 0.0
        if self._prev is not None:
            dt = max(now - self._prev[0], 1e-6)
            prate, wrate = (produced - self._prev[1]) / dt, (written - self._prev[2]) / dt
        self._prev = (now, produced, written)
        kids = {}
        for c in self.children:
            code = c.proc.poll() if c.proc else None
            kids[c.name] = "up" if code is None else f"exit {code}"
        return StackStatus(now - self._t0, produced, max(prate, 0.0), written, max(wrate, 0.0), lag, kids)

    def all_exited(self) -> bool:
        """Whether every child has exited."""
        return all(not c.running for c in self.children)

    def stop(self) -> dict[str, int | None]:
        """Stop the children in order (simulator first), each with a grace period; return their exit codes.

        A bundled broker this stack started keeps running until `stop_broker`.
        """
        order = sorted(self.children, key=lambda c: 0 if c.name == "simulator" else 1)
        for child in order:
            if child.running:
                try:
                    # SIGINT, as Ctrl-C would: every child command treats it as "finish and stop".
                    os.kill(child.proc.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
            if child.name == "simulator" and child.proc is not None:
                _wait(child, GRACE_S)
        for child in order:
            if child.proc is not None:
                _wait(child, GRACE_S)
                child.exit_code = child.proc.returncode
        return {c.name: c.exit_code for c in self.children}

    def stop_broker(self) -> bool:
        """Stop the bundled broker if this stack started it; True when it did."""
        if not self.started_broker:
            return False
        from industrialmind.stores.broker import stop_broker

        return stop_broker(self.settings.home) is not None


def _wait(child: Child, grace: float) -> None:
    try:
        child.proc.wait(grace)
    except subprocess.TimeoutExpired:
        child.proc.kill()
        child.proc.wait()


def run_stack(settings, speed: float = 1.0, rate: float | None = None, seed: int = 1, workers: int = 1,
              scorer: bool | None = None, duration: float | None = None, interval: float = 2.0,
              on_status: Callable[[StackStatus], None] | None = None,
              stop_event: threading.Event | None = None) -> dict[str, Any]:
    """Run the stack until stop_event is set, duration passes or every child exited; return a summary."""
    from industrialmind.stores.broker import ensure_broker
    from industrialmind.stores.streams import Streams

    settings.ensure_home()
    started_broker = False
    if settings.kafka_bootstrap:
        bootstrap = settings.kafka_bootstrap
    else:
        info, started_broker = ensure_broker(settings.home)
        bootstrap = info.bootstrap
    streams = Streams(bootstrap, settings.kafka_topic_prefix)
    streams.wait_until_reachable(max_wait_s=30.0)
    streams.ensure_topics()
    use_scorer = scorer_available() if scorer is None else scorer
    children = plan_children(settings, speed, rate, seed, workers, use_scorer, Path(settings.home) / "logs")
    stack = Stack(settings, children, bootstrap, started_broker)
    stop_event = stop_event or stack.stop_event
    last: StackStatus | None = None
    stack.start()
    started = time.monotonic()
    try:
        while not stop_event.is_set():
            if duration is not None and time.monotonic() - started >= duration:
                break
            if stack.all_exited():
                break
            last = stack.sample(streams)
            if on_status is not None:
                on_status(last)
            stop_event.wait(interval)
    finally:
        codes = stack.stop()
        try:
            final = stack.sample(streams)
        finally:
            stack.stop_broker()
    result: dict[str, Any] = {
        "bootstrap": bootstrap, "started_broker": started_broker, "seconds": round(time.monotonic() - started, 2),
        "children": {c.name: {"argv": c.argv[1:], "exit_code": codes[c.name], "log": str(c.log)} for c in children},
        "scorer": use_scorer,
    }
    if final is not None:
        result.update(published=final.produced, stored=final.written, lag=final.lag)
    return result
