"""The small API the CLI and the UIs share over the compiled graph: ask one question, resume an approval, stream.

UIs stay thin: they translate these events (token, tool_start, tool_end, approval_request, answer) into widgets.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from industrialmind.config import Settings

CONFIRMATIONS = {"", "y", "yes", "ok", "okay", "approve", "approved", "confirm", "do it", "yes do it", "go ahead",
                 "yes please", "sure"}
DECLINES = {"n", "no", "cancel", "stop", "don't", "do not", "no thanks", "decline", "reject"}
RECURSION_LIMIT = 60  # graph super-steps per run; the plan step limit stops loops well before this


@dataclass
class AskResult:
    """One turn's outcome: the answer text, the tool calls made (and their results), any action awaiting
    approval, the thread and how long it took."""

    answer: str
    tool_calls: list[dict[str, Any]]
    tool_results: list[dict[str, Any]]
    pending_approval: dict[str, Any] | None
    thread_id: str
    latency_ms: float

    def to_json(self) -> dict[str, Any]:
        """The stable keys of `industrialmind ask --json`."""
        return {"answer": self.answer, "tool_calls": self.tool_calls, "pending_approval": self.pending_approval,
                "thread_id": self.thread_id, "latency_ms": round(self.latency_ms, 1)}


@dataclass
class AgentEvent:
    """A streamed event: type is token, tool_start, tool_end, approval_request or answer; data depends on it."""

    type: Literal["token", "tool_start", "tool_end", "approval_request", "answer"]
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of the event."""
        return asdict(self)


class Assistant:
    """The compiled graph with its checkpointer and tools for one Settings: the object every front end holds."""

    def __init__(self, settings: Settings, llm: BaseChatModel | None = None, checkpointer: Any = None) -> None:
        from industrialmind.agent.graph import build_graph, open_checkpointer

        self.settings = settings
        self.checkpointer = checkpointer if checkpointer is not None else open_checkpointer(settings)
        self.graph = build_graph(settings, llm=llm, checkpointer=self.checkpointer)

    def _config(self, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": RECURSION_LIMIT}

    def pending(self, thread_id: str) -> dict[str, Any] | None:
        """The approval request a thread is waiting on, or None."""
        snapshot = self.graph.get_state(self._config(thread_id))
        for intr in getattr(snapshot, "interrupts", ()) or ():
            if isinstance(intr.value, dict) and intr.value.get("type") == "approval":
                return intr.value
        return None

    def ask(self, question: str, thread_id: str | None = None, approve: bool = False) -> AskResult:
        """One turn: run the question to an answer or to an approval request (approved at once when approve)."""
        thread_id = thread_id or new_thread_id()
        started = time.perf_counter()
        config = self._config(thread_id)
        if self.pending(thread_id) is not None:
            reply = " ".join(question.lower().strip(" .!").split())
            if reply in CONFIRMATIONS or reply in DECLINES:
                # "yes" (with approve) or "no" answers the waiting action; it is not a new question
                return self.resume(thread_id, approved=approve and reply in CONFIRMATIONS)
            # any other question on a thread waiting for approval answers it: yes with approve, otherwise no
            self.graph.invoke(_resume(approve), config)
        start_index = len(self._messages(thread_id))
        self.graph.invoke({"messages": [HumanMessage(content=question)], "steps": 0}, config)
        while approve and self.pending(thread_id) is not None:
            self.graph.invoke(_resume(True), config)
        return self._result(thread_id, start_index, started)

    def resume(self, thread_id: str, approved: bool, note: str = "") -> AskResult:
        """Answer a thread's pending approval (approved or not) and run the turn on to its end."""
        started = time.perf_counter()
        if self.pending(thread_id) is None:
            from industrialmind.errors import InvalidInputError

            raise InvalidInputError(f"thread {thread_id!r} has no action waiting for approval")
        start_index = self._turn_start(thread_id)
        self.graph.invoke(_resume(approved, note), self._config(thread_id))
        return self._result(thread_id, start_index, started)

    def stream(self, question: str | None, thread_id: str, approved: bool | None = None) -> Iterator[AgentEvent]:
        """Stream one turn's events; question=None with approved=True/False resumes a pending approval instead."""
        if question is None:
            if approved is None:
                raise ValueError("stream() needs a question, or approved=True/False to resume")
            payload: Any = _resume(approved)
        else:
            if self.pending(thread_id) is not None:
                self.graph.invoke(_resume(bool(approved)), self._config(thread_id))
            payload = {"messages": [HumanMessage(content=question)], "steps": 0}
        started = time.perf_counter()
        streamed_ids: set[str] = set()
        requests: list[AgentEvent] = []
        for mode, chunk in self.graph.stream(payload, self._config(thread_id), stream_mode=["messages", "updates"]):
            if mode == "messages":
                message, meta = chunk
                if meta.get("langgraph_node") == "plan" and isinstance(message, AIMessageChunk) and message.content:
                    streamed_ids.add(message.id or "")
                    yield AgentEvent("token", {"text": _text(message.content)})
                continue
            for node, update in chunk.items():
                if node == "__interrupt__":
                    # held back until the run has stopped and checkpointed, so a front end may resume at once
                    requests.extend(AgentEvent("approval_request", {**intr.value, "thread_id": thread_id})
                                    for intr in update)
                    continue
                for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                    if isinstance(message, AIMessage):
                        if message.content and (message.id or "") not in streamed_ids:
                            yield AgentEvent("token", {"text": _text(message.content)})
                        for call in message.tool_calls:
                            yield AgentEvent("tool_start", {"id": call["id"], "name": call["name"],
                                                            "args": call["args"]})
                    elif isinstance(message, ToolMessage):
                        yield AgentEvent("tool_end", {"id": message.tool_call_id, "name": message.name,
                                                      "result": _artifact(message)})
        yield from requests
        if self.pending(thread_id) is None:
            messages = self._messages(thread_id)
            answer = _text(messages[-1].content) if messages and isinstance(messages[-1], AIMessage) else ""
            yield AgentEvent("answer", {"text": answer, "thread_id": thread_id,
                                        "latency_ms": round((time.perf_counter() - started) * 1000, 1)})

    def history(self, thread_id: str) -> list[dict[str, Any]]:
        """The thread's messages as simple dicts (role, content, tool calls) for UIs that reopen a thread."""
        out = []
        for m in self._messages(thread_id):
            out.append({"role": m.type, "content": _text(m.content),
                        "tool_calls": [{"name": c["name"], "args": c["args"]} for c in getattr(m, "tool_calls", [])],
                        "result": _artifact(m) if isinstance(m, ToolMessage) else None})
        return out

    def close(self) -> None:
        """Close the tool stores and the checkpointer's connection."""
        ctx = getattr(self.graph, "tool_context", None)
        if ctx is not None:
            ctx.close()
        conn = getattr(self.checkpointer, "conn", None)
        if conn is not None and hasattr(conn, "close"):
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------------------------
    def _messages(self, thread_id: str) -> list:
        snapshot = self.graph.get_state(self._config(thread_id))
        return list((snapshot.values or {}).get("messages", []))

    def _turn_start(self, thread_id: str) -> int:
        messages = self._messages(thread_id)
        for i in range(len(messages) - 1, -1, -1):
            if isinstance(messages[i], HumanMessage):
                return i
        return 0

    def _result(self, thread_id: str, start_index: int, started: float) -> AskResult:
        messages = self._messages(thread_id)[start_index:]
        calls, results = [], []
        by_id: dict[str, dict[str, Any]] = {}
        for m in messages:
            if isinstance(m, AIMessage):
                for c in m.tool_calls:
                    entry = {"name": c["name"], "args": c["args"]}
                    calls.append(entry)
                    by_id[c["id"]] = entry
            elif isinstance(m, ToolMessage):
                call = by_id.get(m.tool_call_id, {"name": m.name, "args": {}})
                results.append({"name": call["name"], "args": call["args"], "result": _artifact(m)})
        pending = self.pending(thread_id)
        answer = ""
        if pending is None and messages and isinstance(messages[-1], AIMessage):
            answer = _text(messages[-1].content)
        elif pending is not None:
            answer = "Waiting for approval: " + pending.get("question", "")
        return AskResult(answer=answer, tool_calls=calls, tool_results=results, pending_approval=pending,
                         thread_id=thread_id, latency_ms=(time.perf_counter() - started) * 1000)


def new_thread_id() -> str:
    """A fresh conversation id."""
    return uuid.uuid4().hex[:12]


def _resume(approved: bool, note: str = "") -> Any:
    from langgraph.types import Command

    return Command(resume={"approved": approved, "note": note})


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def _artifact(message: ToolMessage) -> Any:
    if isinstance(message.artifact, dict):
        return message.artifact
    import json

    try:
        return json.loads(message.content) if isinstance(message.content, str) else message.content
    except ValueError:
        return {"summary": message.content}
