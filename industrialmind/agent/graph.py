"""The agent: one LangGraph graph whatever the brain.

plan (chat model with the tools bound) -> approve (interrupt before any action tool) -> act (run the tools; errors
go back to the model) -> plan ... -> answer. A step limit ends loops with an honest message. The module-level
`graph` (for langgraph.json / LangGraph Studio) is built on first access, so importing this module is cheap.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage, SystemMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from industrialmind.agent.prompts import DECLINED_MESSAGE, STEP_LIMIT_MESSAGE, system_prompt
from industrialmind.agent.state import AgentState
from industrialmind.tools import ACTION_TOOLS, ToolContext, build_tools

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

    from industrialmind.config import Settings

MAX_STEPS = 8  # plan calls per turn; enough for a fan-out over a few assets, low enough to stop a loop quickly


def build_graph(settings: Settings | None = None, llm: BaseChatModel | None = None, checkpointer: Any = None,
                tools: list[BaseTool] | None = None, max_steps: int = MAX_STEPS, ctx: ToolContext | None = None):
    """Compile the agent graph for these settings; llm defaults to settings.llm, tools to every tool."""
    from industrialmind.config import get_settings

    settings = settings or get_settings()
    ctx = ctx or ToolContext(settings)
    tools = tools if tools is not None else build_tools(settings, ctx)
    if llm is None:
        from industrialmind.agent.brains import make_chat_model

        llm = make_chat_model(settings.llm, settings)
    from industrialmind.agent.brains import invoke_chat

    by_name = {t.name: t for t in tools}
    model = llm.bind_tools(tools)

    def plan(state: AgentState) -> dict[str, Any]:
        """Ask the model for the next step: tool calls, or the answer."""
        steps = state.get("steps", 0)
        if steps >= max_steps:
            return {"messages": [AIMessage(content=_step_limit_answer(state, steps))], "steps": steps}
        messages = [SystemMessage(content=system_prompt(ctx.now())), *state["messages"]]
        reply = invoke_chat(model, messages, llm)
        return {"messages": [reply], "steps": steps + 1, "approval": None}

    def route(state: AgentState) -> Literal["approve", "act", "answer"]:
        """Tool calls go to act, through approve when one of them is an action; text is the answer."""
        last = state["messages"][-1]
        calls = getattr(last, "tool_calls", None) or []
        if not calls:
            return "answer"
        return "approve" if any(c["name"] in ACTION_TOOLS for c in calls) else "act"

    def approve(state: AgentState) -> dict[str, Any]:
        """Pause for a person: show exactly which actions will run, resume with {"approved": bool}."""
        calls = [c for c in state["messages"][-1].tool_calls if c["name"] in ACTION_TOOLS]
        decision = interrupt({
            "type": "approval",
            "question": "Run " + ", ".join(describe_call(c) for c in calls) + "?",
            "actions": [{"id": c["id"], "name": c["name"], "args": c["args"], "text": describe_call(c)}
                        for c in calls],
        })
        approved = bool(decision.get("approved")) if isinstance(decision, dict) else bool(decision)
        note = decision.get("note", "") if isinstance(decision, dict) else ""
        return {"approval": {"approved": approved, "ids": [c["id"] for c in calls], "note": note}}

    def act(state: AgentState) -> dict[str, Any]:
        """Run the last message's tool calls in order; errors and declined actions become ToolMessages."""
        approval = state.get("approval") or {}
        out = []
        for call in state["messages"][-1].tool_calls:
            name, args = call["name"], call.get("args") or {}
            if name in ACTION_TOOLS and not (approval.get("approved") and call["id"] in approval.get("ids", [])):
                result = {"error": DECLINED_MESSAGE.format(name=name, args=json.dumps(args)), "declined": True,
                          "valid": [], "summary": f"{name} was declined by the person and not run"}
            elif name not in by_name:
                result = {"error": f"unknown tool {name!r}", "valid": sorted(by_name),
                          "summary": f"there is no tool named {name!r}"}
            else:
                with ctx.lock:
                    ctx.current_call_id = call["id"]
                    try:
                        result = by_name[name].invoke(args)
                    except Exception as exc:  # noqa: BLE001 - a failing tool must not end the conversation
                        result = {"error": f"{name} failed: {type(exc).__name__}: {exc}", "valid": [],
                                  "summary": f"{name} failed"}
                    finally:
                        ctx.current_call_id = None
            if not isinstance(result, dict):
                result = {"summary": str(result), "value": result}
            out.append(ToolMessage(content=json.dumps(result, default=str), tool_call_id=call["id"], name=name,
                                   artifact=result, status="error" if "error" in result else "success"))
        return {"messages": out}

    def answer(state: AgentState) -> dict[str, Any]:
        """The turn ends on the model's text answer (kept as the last message)."""
        return {"steps": 0}

    builder = StateGraph(AgentState)
    builder.add_node("plan", plan)
    builder.add_node("approve", approve)
    builder.add_node("act", act)
    builder.add_node("answer", answer)
    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", route, ["approve", "act", "answer"])
    builder.add_edge("approve", "act")
    builder.add_edge("act", "plan")
    builder.add_edge("answer", END)
    compiled = builder.compile(checkpointer=checkpointer, name="industrialmind")
    compiled.tool_context = ctx  # type: ignore[attr-defined] - the runner closes the stores with it
    return compiled


def describe_call(call: dict[str, Any]) -> str:
    """One line a person can approve: name(arg='value', ...)."""
    args = ", ".join(f"{k}={v!r}" for k, v in (call.get("args") or {}).items())
    return f"{call['name']}({args})"


def _step_limit_answer(state: AgentState, steps: int) -> str:
    findings = []
    for m in reversed(state["messages"]):
        if isinstance(m, ToolMessage):
            result = m.artifact if isinstance(m.artifact, dict) else {}
            findings.append(str(result.get("summary") or m.content)[:200])
        elif m.type == "human":
            break
    text = "; ".join(reversed(findings[:5])) or "nothing"
    return STEP_LIMIT_MESSAGE.format(steps=steps, findings=text)


def open_checkpointer(settings: Settings) -> Any:
    """SqliteSaver under IM_HOME by default; PostgresSaver when IM_CHECKPOINT_URL is a PostgreSQL URL."""
    from industrialmind.errors import BackendUnavailableError, ConfigError

    url = settings.resolved.checkpoint
    if url.startswith("sqlite:///"):
        import sqlite3
        from pathlib import Path

        from langgraph.checkpoint.sqlite import SqliteSaver

        from industrialmind.config import ensure_parent

        path = Path(url[len("sqlite:///"):])
        ensure_parent(path, "IM_CHECKPOINT_URL")
        # the CLI and UIs share one saver across threads (Chainlit, Textual workers); SqliteSaver locks itself
        return SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        try:
            conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        except psycopg.OperationalError as exc:
            from industrialmind.config import mask_url

            # the URL's password stays hidden, and psycopg's hint on a second line joins the first
            raise BackendUnavailableError(f"cannot reach the checkpoint database {mask_url(url)!r}: "
                                          f"{' '.join(str(exc).split())}; check IM_CHECKPOINT_URL") from None
        saver = PostgresSaver(conn)
        saver.setup()
        return saver
    if url in ("memory", "memory://"):
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver()
    raise ConfigError(f"unknown checkpoint URL {url!r}; valid forms: 'sqlite:///path.db', "
                      "'postgresql://user:pass@host:5432/db', 'memory://'")


def __getattr__(name: str) -> Any:
    # LangGraph Studio reads `graph` from this module; build it on first access, not at import
    if name == "graph":
        compiled = build_graph()
        globals()["graph"] = compiled
        return compiled
    raise AttributeError(name)
