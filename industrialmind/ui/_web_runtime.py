"""The web server's runtime: one Assistant per brain, turns run in worker threads, events forwarded to asyncio.

The runner (industrialmind.agent.runner) is synchronous; the Chainlit handlers and the REST API are async. A turn
runs in a worker thread and its events cross into the event loop through an asyncio queue, so the loop never
blocks while the agent thinks. Turns are serialised by one lock: the embedded stores (DuckDB, Ladybug) are
single-writer, and a 2-core machine gains nothing from running two planners at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from industrialmind.agent.runner import AgentEvent, Assistant
    from industrialmind.config import Settings

_DONE = object()


class WebRuntime:
    """What the web process holds: its settings, the default brain, and the Assistants built so far (one per brain,
    sharing one checkpointer so a thread can switch brains)."""

    def __init__(self, settings: Settings, llm: str | None = None) -> None:
        self.settings = settings
        self.default_llm = llm or settings.llm
        self._assistants: dict[str, Assistant] = {}
        self._build_lock = threading.Lock()
        self.turn_lock = threading.Lock()
        self._warming = False
        self._checkpointer: Any = None
        self._checkpointer_lock = threading.Lock()

    def brains(self) -> list[str]:
        """The brains a person may pick: the configured one and the offline planner (always available)."""
        out = [self.default_llm]
        for extra in (self.settings.llm, "offline"):
            if extra not in out:
                out.append(extra)
        return out

    def assistant(self, llm: str | None = None) -> Assistant:
        """The Assistant for a brain, built on first use (blocking: call it from a worker thread)."""
        from industrialmind.errors import ConfigError, did_you_mean

        llm = llm or self.default_llm
        if llm not in self.brains():
            raise ConfigError(f"unknown brain {llm!r}" + did_you_mean(llm, self.brains()))
        with self._build_lock:
            if llm not in self._assistants:
                from industrialmind.agent.brains import make_chat_model
                from industrialmind.agent.runner import Assistant

                self._assistants[llm] = Assistant(self.settings, llm=make_chat_model(llm, self.settings),
                                                  checkpointer=self.checkpointer())
            return self._assistants[llm]

    def warm_up_in_background(self) -> None:
        """Start warm_up once in a daemon thread (the first person to open the chat triggers it)."""
        with self._build_lock:
            if self._warming:
                return
            self._warming = True
        threading.Thread(target=self.warm_up, name="warm-up", daemon=True).start()

    def warm_up(self) -> None:
        """Build the default brain's Assistant now and, for the offline planner, train or load its router, so the
        first question does not pay for it (blocking: the server calls it in a background thread)."""
        import logging

        try:
            self.assistant()
            if self.default_llm == "offline":
                from industrialmind.agent.brains import make_chat_model
                from industrialmind.tools import build_tools

                # the router is cached under IM_HOME by tool specs: the graph's own copy then loads it from disk
                planner = make_chat_model("offline", self.settings)
                planner.bind_tools(build_tools(self.settings)).warm_up()
        except Exception:
            logging.getLogger(__name__).warning("warm-up failed", exc_info=True)

    def run(self, fn: Callable[[Assistant], Any], llm: str | None = None) -> Any:
        """Run fn(assistant) under the turn lock (blocking)."""
        assistant = self.assistant(llm)
        with self.turn_lock:
            return fn(assistant)

    async def call(self, fn: Callable[[Assistant], Any], llm: str | None = None) -> Any:
        """Run fn(assistant) in a worker thread under the turn lock, without blocking the event loop."""
        return await asyncio.to_thread(self.run, fn, llm)

    async def stream(self, question: str | None, thread_id: str, approved: bool | None = None,
                     llm: str | None = None) -> AsyncIterator[AgentEvent]:
        """The runner's events for one turn (or a resumed approval), produced in a worker thread."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop closed (the browser left, the server stops): nobody is listening
                pass

        def produce() -> None:
            try:
                assistant = self.assistant(llm)
                with self.turn_lock:
                    for event in assistant.stream(question, thread_id, approved=approved):
                        put(event)
            except BaseException as exc:  # noqa: BLE001 - the handler shows it; the worker must not die silently
                put(exc)
            finally:
                put(_DONE)

        worker = threading.Thread(target=produce, name=f"turn-{thread_id}", daemon=True)
        worker.start()
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item

    def checkpointer(self) -> Any:
        """The checkpointer every Assistant of this process shares (opened on first use; cheap, unlike a brain)."""
        # its own lock: opening it must not wait while a brain is being built under _build_lock
        with self._checkpointer_lock:
            if self._checkpointer is None:
                from industrialmind.agent.graph import open_checkpointer

                self._checkpointer = open_checkpointer(self.settings)
            return self._checkpointer

    def close(self) -> None:
        """Close every Assistant (stores and checkpointer)."""
        for assistant in self._assistants.values():
            assistant.close()  # closes the shared checkpointer's connection too
        self._assistants.clear()
        conn = getattr(self._checkpointer, "conn", None)
        if conn is not None and hasattr(conn, "close"):
            conn.close()
        self._checkpointer = None


_RUNTIME: list[WebRuntime] = []  # set once by the server at start; Chainlit loads web.py as a plain module


def install(runtime: WebRuntime) -> WebRuntime:
    """Make runtime the one the Chainlit handlers and the API use in this process."""
    _RUNTIME[:] = [runtime]
    return runtime


def current() -> WebRuntime:
    """The installed runtime; one is made from the environment's settings when the app was started otherwise
    (for example by `chainlit run industrialmind/ui/web.py`)."""
    if not _RUNTIME:
        from industrialmind.config import get_settings

        install(WebRuntime(get_settings()))
    return _RUNTIME[0]
