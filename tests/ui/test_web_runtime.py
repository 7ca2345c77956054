"""The web runtime: turns run in a worker thread with events forwarded to asyncio; unknown brains are refused."""

from __future__ import annotations

import asyncio
import threading

import pytest

from industrialmind.agent.runner import AgentEvent
from industrialmind.config import get_settings
from industrialmind.ui._web_runtime import WebRuntime


class _GatedAssistant:
    """Yields one event, then waits for the event loop to set a gate before yielding the next."""

    def __init__(self) -> None:
        self.gate = threading.Event()

    def stream(self, question, thread_id, approved=None):
        yield AgentEvent("token", {"text": "first"})
        if not self.gate.wait(timeout=30):
            raise AssertionError("the event loop never ran while the turn was in progress")
        yield AgentEvent("answer", {"text": "done", "thread_id": thread_id})


def test_runtime_stream_runs_the_turn_off_the_event_loop():
    """While a turn is in progress the event loop keeps running: a coroutine releases the gate the worker waits on."""
    runtime = WebRuntime(get_settings())
    fake = _GatedAssistant()
    runtime._assistants["offline"] = fake  # type: ignore[assignment]

    async def scenario() -> list[str]:
        seen = []
        async for event in runtime.stream("hi", "t1"):
            seen.append(event.type)
            if event.type == "token":
                await asyncio.sleep(0)
                fake.gate.set()  # only reachable if the loop is free while the worker waits
        return seen

    assert asyncio.run(scenario()) == ["token", "answer"]


def test_runtime_stream_raises_the_worker_error_in_the_handler():
    """An error inside the turn reaches the awaiting handler instead of being lost in the worker thread."""
    from industrialmind.errors import InvalidInputError

    class Broken:
        def stream(self, *args, **kwargs):
            raise InvalidInputError("thread 'x' has no action waiting for approval")
            yield  # pragma: no cover

    runtime = WebRuntime(get_settings())
    runtime._assistants["offline"] = Broken()  # type: ignore[assignment]

    async def scenario() -> None:
        async for _ in runtime.stream(None, "x", approved=True):
            pass

    with pytest.raises(InvalidInputError, match="no action waiting"):
        asyncio.run(scenario())


def test_runtime_rejects_an_unknown_brain_with_the_valid_ones():
    """Asking for a brain the server does not offer names the ones it does."""
    from industrialmind.errors import ConfigError

    runtime = WebRuntime(get_settings())
    with pytest.raises(ConfigError, match="unknown brain 'gpt-9'.*'offline'"):
        runtime.assistant("gpt-9")
