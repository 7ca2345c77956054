"""The agent's state: the conversation (checkpointed per thread), the step count of the current turn and the last
approval decision."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class AgentState(TypedDict, total=False):
    """What the graph carries between nodes and across turns of one thread."""

    messages: Annotated[list[AnyMessage], add_messages]
    # plan calls in the current turn; the runner resets it to 0 with every new question
    steps: int
    # the person's decision on the pending actions: {"approved": bool, "ids": [tool call ids], "note": str}
    approval: dict[str, Any] | None
