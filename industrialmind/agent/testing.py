"""Test doubles shipped in the package: chat models that bind tools and answer from a script or a function.

LangChain's own fake chat models raise in bind_tools, so these subclass BaseChatModel directly. Both stream their
text word by word (so UIs and stream tests see tokens) and give every tool call an id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr


def tool_call(name: str, args: dict[str, Any] | None = None, id: str | None = None) -> dict[str, Any]:
    """A tool call dict as AIMessage(tool_calls=[...]) expects it."""
    return {"name": name, "args": dict(args or {}), "id": id or f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


def _as_message(value: BaseMessage | str | dict) -> AIMessage:
    if isinstance(value, AIMessage):
        msg = value
    elif isinstance(value, str):
        msg = AIMessage(content=value)
    elif isinstance(value, dict):  # {"content": ..., "tool_calls": [...]}
        msg = AIMessage(content=value.get("content", ""), tool_calls=value.get("tool_calls", []))
    else:
        raise TypeError(f"a fake model must answer with an AIMessage, str or dict, not {type(value).__name__}")
    if msg.tool_calls and any(not c.get("id") for c in msg.tool_calls):
        msg = msg.model_copy(update={"tool_calls": [tool_call(c["name"], c["args"], c.get("id"))
                                                    for c in msg.tool_calls]})
    return msg


class _FakeChatModel(BaseChatModel):
    """Shared plumbing: bind_tools records the tool names, calls are recorded, text streams word by word."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    bound_tools: list[str] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> _FakeChatModel:
        """Remember the tools' names (the fakes do not call them; they answer with tool calls)."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        self.bound_tools = [convert_to_openai_tool(t)["function"]["name"] for t in tools]
        return self

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        raise NotImplementedError

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        self.calls.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self.calls.append(list(messages))
        msg = self._next(messages)
        text = msg.content if isinstance(msg.content, str) else json.dumps(msg.content)
        words = text.split(" ") if text else []
        for i, word in enumerate(words):
            piece = word if i == len(words) - 1 else word + " "
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece, id=msg.id))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        if msg.tool_calls:
            yield ChatGenerationChunk(message=AIMessageChunk(content="", id=msg.id, tool_call_chunks=[
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i, "type": "tool_call_chunk"}
                for i, c in enumerate(msg.tool_calls)]))


class ScriptedChatModel(_FakeChatModel):
    """Answers with the given responses in order (AIMessage, text, or {"content", "tool_calls"}); raises when the
    script runs out, so a test notices an unexpected extra call."""

    responses: list[Any] = Field(default_factory=list)
    _index: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        if self._index >= len(self.responses):
            raise AssertionError(f"ScriptedChatModel ran out of responses after {len(self.responses)} call(s)")
        value = self.responses[self._index]
        self._index += 1
        return _as_message(value)


class FunctionChatModel(_FakeChatModel):
    """Answers with fn(messages, bound_tool_names) -> AIMessage | str | dict: for tests that react to the input."""

    fn: Callable[[list[BaseMessage], list[str]], Any]

    def __init__(self, fn: Callable[[list[BaseMessage], list[str]], Any], **kwargs: Any) -> None:
        super().__init__(fn=fn, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "function"

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        return _as_message(self.fn(list(messages), list(self.bound_tools)))


__all__ = ["FunctionChatModel", "ScriptedChatModel", "tool_call"]
