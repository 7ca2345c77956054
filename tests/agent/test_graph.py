"""The agent graph driven by scripted chat models: tool call -> result -> answer, approvals (approved, declined,
across a process restart), tool errors returned to the model, unknown tools, the step limit and streamed events."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from industrialmind.agent.runner import Assistant
from industrialmind.agent.testing import FunctionChatModel, ScriptedChatModel, tool_call
from industrialmind.config import get_settings
from tests.tools.fakes import FakeRecords, install

REPO = Path(__file__).resolve().parents[2]
WO_ARGS = {"asset_id": "P-101", "title": "Inspect DE bearing", "description": "vibration 9.5 mm/s",
           "priority": "high"}


def _assistant(model, checkpointer=None) -> Assistant:
    return Assistant(get_settings(), llm=model, checkpointer=checkpointer or InMemorySaver())


def test_graph_tool_call_result_answer(monkeypatch):
    """A tool call runs, its result reaches the model as a ToolMessage, and the model's text is the answer."""
    install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("latest_readings", {"asset_id": "P-101", "sensors": ["temp"]})]),
        "P-101 bearing temperature is 60 degC."])
    result = _assistant(model).ask("what's P-101 temp rn")
    assert result.answer == "P-101 bearing temperature is 60 degC."
    assert result.tool_calls == [{"name": "latest_readings", "args": {"asset_id": "P-101", "sensors": ["temp"]}}]
    assert result.tool_results[0]["result"]["readings"][0]["value"] == 60.0
    seen = model.calls[1][-1]
    assert isinstance(seen, ToolMessage) and json.loads(seen.content)["readings"][0]["unit"] == "degC"
    assert model.bound_tools and "query_graph" in model.bound_tools
    assert result.pending_approval is None


def test_graph_action_waits_then_runs_when_approved(monkeypatch):
    """An action interrupts with exactly what will run; nothing is created until the resume approves it."""
    records, _ = install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS, id="call_wo")]),
        "Created work order WO-100."])
    assistant = _assistant(model)
    first = assistant.ask("open a work order for the P-101 bearing", thread_id="t1")
    assert first.pending_approval["actions"] == [{"id": "call_wo", "name": "create_work_order", "args": WO_ARGS,
                                                  "text": "create_work_order(asset_id='P-101', title='Inspect DE "
                                                          "bearing', description='vibration 9.5 mm/s', "
                                                          "priority='high')"}]
    assert records.created == {}
    second = assistant.resume("t1", approved=True)
    assert list(records.created) == ["call_wo"]
    assert second.answer == "Created work order WO-100."
    assert second.tool_results[0]["result"]["work_order_id"] == "WO-100"


def test_graph_declined_action_is_not_run(monkeypatch):
    """A declined action never runs; the model is told it was declined and answers accordingly."""
    records, _ = install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]), "Understood, nothing created."])
    assistant = _assistant(model)
    assistant.ask("open a work order", thread_id="t2")
    result = assistant.resume("t2", approved=False)
    assert records.created == {}
    assert result.tool_results[0]["result"]["declined"] is True
    assert "declined" in model.calls[1][-1].content


def test_graph_ask_with_approve_runs_action(monkeypatch):
    """ask(approve=True) approves the action at once (the --approve flag)."""
    records, _ = install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]), "Done."])
    result = _assistant(model).ask("open a work order", approve=True)
    assert result.pending_approval is None and len(records.created) == 1 and result.answer == "Done."


def test_graph_tool_error_goes_back_to_model(monkeypatch):
    """A bad asset id becomes an error ToolMessage the model reads and recovers from; nothing crashes."""
    install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("get_asset", {"asset_id": "P-1O1"})]),
        AIMessage(content="", tool_calls=[tool_call("get_asset", {"asset_id": "P-101"})]),
        "P-101 is Feed pump A."])
    result = _assistant(model).ask("tell me about P-1O1")
    error = model.calls[1][-1]
    assert error.status == "error" and "did you mean 'P-101'" in error.content
    assert result.answer == "P-101 is Feed pump A."


def test_graph_unknown_tool_and_crashing_tool_are_errors(monkeypatch):
    """An invented tool name and a tool that raises both come back to the model as errors."""
    install(monkeypatch)
    from industrialmind.tools import _context

    monkeypatch.setattr(_context.ToolContext, "timeseries", lambda self: 1 / 0)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("plot_everything", {}),
                                          tool_call("latest_readings", {"asset_id": "P-101"})]),
        "Sorry, I could not read the data."])
    result = _assistant(model).ask("plot")
    unknown, crashed = (r["result"] for r in result.tool_results)
    assert unknown["error"] == "unknown tool 'plot_everything'" and "find_assets" in unknown["valid"]
    assert "ZeroDivisionError" in crashed["error"]
    assert result.answer == "Sorry, I could not read the data."


def test_graph_step_limit_ends_loop_honestly(monkeypatch):
    """A model that keeps calling tools is stopped by the step limit with a message saying it is incomplete."""
    install(monkeypatch)
    model = FunctionChatModel(lambda messages, tools: AIMessage(
        content="", tool_calls=[tool_call("find_assets", {"query": "pump"})]))
    result = _assistant(model).ask("loop forever")
    assert result.answer.startswith("I stopped after 8 planning steps")
    assert "asset(s) match" in result.answer
    assert len(result.tool_calls) == 8


def test_graph_steps_reset_each_turn(monkeypatch):
    """The step counter starts again with every question, so a long thread is not cut short."""
    install(monkeypatch)
    script = []
    for _ in range(3):
        script += [AIMessage(content="", tool_calls=[tool_call("find_assets", {})]) for _ in range(5)] + ["ok"]
    assistant = _assistant(ScriptedChatModel(responses=script))
    answers = [assistant.ask(q, thread_id="t").answer for q in ("a", "b", "c")]
    assert answers == ["ok", "ok", "ok"]


def test_graph_stream_event_order(monkeypatch):
    """stream() yields tool_start, tool_end, then tokens and the answer; an action yields approval_request."""
    install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("get_asset", {"asset_id": "P-101"})]),
        "P-101 is Feed pump A.",
        AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)])])
    assistant = _assistant(model)
    events = list(assistant.stream("what is P-101", "s1"))
    kinds = [e.type for e in events]
    assert kinds[:2] == ["tool_start", "tool_end"] and kinds[-1] == "answer"
    assert "".join(e.data["text"] for e in events if e.type == "token") == "P-101 is Feed pump A."
    assert events[-1].data["text"] == "P-101 is Feed pump A."
    events = list(assistant.stream("open a work order", "s1"))
    assert events[-1].type == "approval_request" and events[-1].data["actions"][0]["name"] == "create_work_order"


def test_graph_history_is_per_thread(monkeypatch):
    """A follow-up in the same thread sees the earlier turn; another thread does not."""
    install(monkeypatch)
    seen = []
    model = FunctionChatModel(lambda messages, tools: seen.append(len(messages)) or "ok")
    assistant = _assistant(model)
    assistant.ask("first", thread_id="a")
    assistant.ask("second", thread_id="a")
    assistant.ask("other", thread_id="b")
    assert seen == [2, 4, 2]  # system + human; system + 2 earlier + human; a fresh thread


_PROCESS = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import pytest
    from langchain_core.messages import AIMessage
    from industrialmind.agent.runner import Assistant
    from industrialmind.agent.testing import ScriptedChatModel, tool_call
    from industrialmind.config import get_settings
    from tests.tools.fakes import FakeRecords, install

    mp = pytest.MonkeyPatch()
    settings = get_settings()
    install(mp, records=FakeRecords(settings.home / "records.json"))
    step = sys.argv[1]
    if step == "ask":
        model = ScriptedChatModel(responses=[AIMessage(content="", tool_calls=[
            tool_call("create_work_order", json.loads(sys.argv[2]), id="call_restart")])])
        result = Assistant(settings, llm=model).ask("open a work order", thread_id="restart")
    else:
        model = ScriptedChatModel(responses=["Created."])
        result = Assistant(settings, llm=model).resume("restart", approved=True)
    print(json.dumps({**result.to_json(), "results": result.tool_results}))
""")


@pytest.mark.slow  # a second Python process resumes the thread
def test_graph_approval_resumes_after_process_restart(im_home):
    """A thread interrupted for approval in one process is resumed in another through the SQLite checkpointer."""
    im_home.mkdir(parents=True, exist_ok=True)
    script = im_home / "run.py"
    script.write_text(_PROCESS)

    def run(*args: str) -> dict:
        done = subprocess.run([sys.executable, str(script), *args], cwd=REPO, capture_output=True, text=True, check=False,
                              timeout=120, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = run("ask", json.dumps(WO_ARGS))
    assert first["pending_approval"]["actions"][0]["id"] == "call_restart"
    assert not (im_home / "records.json").exists()
    assert (im_home / "checkpoints.db").exists()
    second = run("resume")
    assert second["answer"] == "Created." and second["pending_approval"] is None
    assert second["results"][0]["result"]["work_order_id"] == "WO-100"
    assert list(FakeRecords(im_home / "records.json").created) == ["call_restart"]


def test_graph_yes_on_pending_thread_only_resumes(monkeypatch):
    """'yes' with approve on a thread waiting for approval runs the action and is not asked as a new question;
    'no' declines it."""
    records, _ = install(monkeypatch)
    model = ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]), "Created.",
        AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]), "Not created."])
    assistant = _assistant(model)
    assistant.ask("open a work order", thread_id="y")
    assert assistant.ask("yes", thread_id="y", approve=True).answer == "Created."
    assistant.ask("open another", thread_id="y")
    assert assistant.ask("no", thread_id="y", approve=True).answer == "Not created."
    assert len(records.created) == 1 and len(model.calls) == 4


def test_langgraph_json_points_at_lazily_built_graph(monkeypatch):
    """langgraph.json names agent/graph.py:graph, which is built on first access (not at import) as a compiled
    graph with the plan, approve, act and answer nodes."""
    import importlib

    spec = json.loads((REPO / "langgraph.json").read_text())
    path, _, attr = spec["graphs"]["industrialmind"].partition(":")
    assert (REPO / path).exists() and attr == "graph"
    monkeypatch.setenv("IM_LLM", "openai/tiny")
    monkeypatch.setenv("IM_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    module = importlib.reload(importlib.import_module("industrialmind.agent.graph"))
    assert "graph" not in vars(module)
    compiled = module.graph
    assert {"plan", "approve", "act", "answer"} <= set(compiled.get_graph().nodes)
    vars(module).pop("graph")
