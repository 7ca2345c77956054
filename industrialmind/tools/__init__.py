"""The agent's tools: plain typed functions, one module per domain, wrapped as LangChain tools by build_tools().

Contract (the offline planner, the evals and the UIs rely on it):
- Names and arguments are the canonical ones of issue 6 (find_assets, get_asset, latest_readings, sensor_history,
  detect_anomalies, alarms, failure_modes, related_assets, search_documents, stream_status, tail_stream,
  list_work_orders, work_order_kpis, create_work_order, train_model, job_status, query_graph), with list_sites
  and query_data (counts, aggregates and rankings over any dataset, issue 13). The function's docstring is what
  the model reads; each argument carries an Annotated description.
- Every result is a JSON-able dict with at least `summary` (one line written from the data, numbers with their
  units) plus the structured data (units, time ranges, and `sources` where there are any).
- A bad argument or a missing backend never raises: the result is {"error": "...", "valid": [...], "summary": ...},
  naming the closest valid choices ("unknown asset 'P-1O1'; did you mean 'P-101'?").
- Times are ISO 8601 strings or relative ('24h', '7d', 'now'), always UTC.
- ACTION_TOOLS change the world and always wait for a person's approval in the graph.
- In the graph, a ToolMessage's content is the result as JSON text and its `artifact` is the result dict.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolArgError, ToolContext, ToolUnavailable, error

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

    from industrialmind.config import Settings

ACTION_TOOLS = {"create_work_order", "train_model"}
# query_graph is for LLM brains: the offline planner never calls it
TOOL_MODULES = ("assets", "timeseries", "anomalies", "knowledge", "streams", "workorders", "jobs", "analytics",
                "graph")


def tool_functions() -> list[Callable[..., dict]]:
    """The plain tool functions (first parameter `ctx`), in a stable order."""
    import importlib

    funcs: list[Callable[..., dict]] = []
    for name in TOOL_MODULES:
        funcs.extend(importlib.import_module(f"industrialmind.tools.{name}").TOOLS)
    return funcs


def call_tool(func: Callable[..., dict], ctx: ToolContext, **kwargs: Any) -> dict[str, Any]:
    """Run one tool function with the error conventions: bad arguments and missing backends become error dicts."""
    from industrialmind.errors import IndustrialMindError

    try:
        result = func(ctx, **kwargs)
    except ToolArgError as exc:
        return error(str(exc), exc.valid)
    except ToolUnavailable as exc:
        return error(f"{func.__name__} cannot run: {exc}", [])
    except IndustrialMindError as exc:  # another room's message: lift its suggestions into `valid`
        return error(str(exc), _suggestions(str(exc)))
    except TypeError as exc:  # the model sent an argument the function does not take
        params = [p for p in inspect.signature(func).parameters if p != "ctx"]
        return error(f"bad arguments for {func.__name__}: {exc}", params)
    return jsonable(result)


def _suggestions(message: str) -> list[str]:
    """The quoted choices after 'did you mean' / 'valid choices:' / 'valid:' in an error message."""
    import re

    match = re.search(r"(did you mean|valid choices:|valid:|recent jobs:)(.*)$", message)
    return re.findall(r"'([^']+)'", match.group(2)) if match else []


def bind(func: Callable[..., dict], ctx: ToolContext) -> BaseTool:
    """Wrap one tool function as a LangChain StructuredTool whose schema hides `ctx`."""
    from langchain_core.tools import StructuredTool
    from langchain_core.tools.base import create_schema_from_function

    schema = create_schema_from_function(func.__name__, func, filter_args=["ctx"])

    @functools.wraps(func)
    def run(**kwargs: Any) -> dict[str, Any]:
        return call_tool(func, ctx, **kwargs)

    return StructuredTool.from_function(func=run, name=func.__name__, description=inspect.getdoc(func) or "",
                                        args_schema=schema)


def build_tools(settings: Settings, ctx: ToolContext | None = None) -> list[BaseTool]:
    """Every tool as a LangChain tool sharing one ToolContext (stores are opened lazily and cached there)."""
    ctx = ctx or ToolContext(settings)
    tools = [bind(f, ctx) for f in tool_functions()]
    for t in tools:
        t.metadata = {**(t.metadata or {}), "action": t.name in ACTION_TOOLS, "context": ctx}
    return tools


__all__ = ["ACTION_TOOLS", "ToolContext", "ToolUnavailable", "build_tools", "call_tool", "tool_functions"]
