"""The offline planner as a chat model: tool-call shape, routing, fan-out, clarification, refusal, follow-ups,
and answers written only from tool results."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from industrialmind.agent.planner import OfflinePlanner
from industrialmind.evals.metrics import grounded
from tests.agent._planner_fixtures import NOW


def _calls(model, *turns):
    return model.invoke([HumanMessage(t) if isinstance(t, str) else t for t in turns]).tool_calls


def _run(model, text, results_by_tool):
    """One turn: plan, answer each call with a canned result, then the final answer."""
    messages = [HumanMessage(text)]
    reply = model.invoke(messages)
    messages.append(reply)
    results = []
    for call in reply.tool_calls:
        result = results_by_tool[call["name"]]
        results.append(result)
        messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"], name=call["name"]))
    return reply, model.invoke(messages).content, results


def test_planner_bind_tools_answers_with_tool_calls_like_an_llm(planner):
    """bind_tools returns a chat model whose reply is an AIMessage with well-formed tool_calls."""
    reply = planner.invoke([HumanMessage("what's P-101 doing rn")])
    assert isinstance(reply, AIMessage) and reply.content == ""
    call = reply.tool_calls[0]
    assert call["name"] == "latest_readings" and call["args"] == {"asset_id": "P-101"}
    assert call["id"].startswith("call_") and call["type"] == "tool_call"


def test_planner_accepts_positional_settings(planner_settings):
    """The chat-model factory builds it as OfflinePlanner(settings)."""
    assert OfflinePlanner(planner_settings).settings is planner_settings


def test_planner_routes_a_small_set_by_meaning(planner):
    """Paraphrased questions reach the right tools with the right key arguments."""
    assert _calls(planner, "p101 vib last 2 days")[0]["args"] == {
        "asset_id": "P-101", "sensor": "vibration_de", "start": "2026-11-24T10:00:00+00:00"}
    assert _calls(planner, "is anything abnormal on line 2?")[0]["name"] == "detect_anomalies"
    assert _calls(planner, "what usually causes cavitation in pumps")[0]["name"] == "failure_modes"
    assert _calls(planner, "what does the manual say about replacing the mechanical seal")[0]["name"] == \
        "search_documents"
    assert _calls(planner, "whats downstream of V-101")[0]["args"] == {"asset_id": "V-101",
                                                                       "direction": "downstream"}
    assert _calls(planner, "work orders for chiller 13")[0]["args"]["asset_id"] == "CHILLER-13"


def test_planner_fans_out_over_several_assets(planner):
    """'compare A and B ...' calls the tool once per asset."""
    calls = _calls(planner, "P-101 vs P-102 flow over the last day")
    assert [c["name"] for c in calls] == ["sensor_history", "sensor_history"]
    assert [c["args"]["asset_id"] for c in calls] == ["P-101", "P-102"]


def test_planner_asks_back_when_the_asset_is_ambiguous(planner):
    """An ambiguous asset gets a question naming the candidates and no tool call."""
    reply = planner.invoke([HumanMessage("what's the feed pump doing")])
    assert reply.tool_calls == [] and reply.content.endswith("?")
    assert "P-101" in reply.content and "P-102" in reply.content


def test_planner_resumes_the_question_after_the_user_picks(planner):
    """After it asks which pump, the reply 'B' runs the original question for feed pump B."""
    question = HumanMessage("what's the feed pump doing")
    asked = planner.invoke([question])
    calls = _calls(planner, question, asked, HumanMessage("B"))
    assert calls[0]["name"] == "latest_readings" and calls[0]["args"]["asset_id"] == "P-102"


def test_planner_refuses_out_of_scope_politely(planner):
    """Out-of-scope requests get a refusal that says what it can do, and no tool call."""
    reply = planner.invoke([HumanMessage("what's the weather like tomorrow")])
    assert reply.tool_calls == []
    assert "outside" in reply.content and "work orders" in reply.content


def test_planner_follow_up_reuses_the_asset_and_the_tool(planner):
    """'and its temperature?' asks the previous tool again about the previous asset with the new sensor."""
    first = HumanMessage("what's P-101 doing")
    plan = planner.invoke([first])
    result = ToolMessage(json.dumps({"summary": "P-101 latest: flow 41.2 m3/h"}), tool_call_id=plan.tool_calls[0]["id"])
    answer = planner.invoke([first, plan, result])
    calls = _calls(planner, first, plan, result, answer, HumanMessage("and its temperature?"))
    assert calls[0]["name"] == "latest_readings"
    assert calls[0]["args"] == {"asset_id": "P-101", "sensors": ["bearing_temp"]}


def test_planner_opens_a_work_order_for_that(planner):
    """'open a work order for that' targets the asset of the previous turn and carries its evidence."""
    first = HumanMessage("P-101 bearing temp last 24h")
    plan = planner.invoke([first])
    evidence = {"summary": "P-101 bearing_temp from 2026-11-25 10:00 to 2026-11-26 10:00 UTC: max 81.5 °C"}
    result = ToolMessage(json.dumps(evidence), tool_call_id=plan.tool_calls[0]["id"])
    answer = planner.invoke([first, plan, result])
    calls = _calls(planner, first, plan, result, answer, HumanMessage("open a work order for that"))
    assert calls[0]["name"] == "create_work_order"
    assert calls[0]["args"]["asset_id"] == "P-101" and "81.5" in calls[0]["args"]["description"]


def test_planner_answer_quotes_only_numbers_from_tool_results(planner):
    """The final answer's numbers all appear in the tool results."""
    results = {"latest_readings": {"summary": "P-101 latest: flow 41.2 m3/h, bearing_temp 63.5 °C",
                                   "readings": [{"sensor": "flow", "value": 41.2}]}}
    _, answer, used = _run(planner, "what's P-101 doing rn", results)
    assert "41.2" in answer and "63.5" in answer
    assert grounded(answer, used)
    assert not grounded(answer + " about 99.9 units", used)


def test_planner_answer_cites_documents(planner):
    """Answers from document search quote the passage and cite its source."""
    results = {"search_documents": {"summary": "1 passage(s) for 'seal'", "sources": ["Pump manual p.12"],
                                    "passages": [{"text": "Replace the seal after isolating the pump.",
                                                  "citation": "Pump manual p.12"}]}}
    _, answer, _ = _run(planner, "what does the manual say about replacing the mechanical seal", results)
    assert "Replace the seal" in answer and "[1] Pump manual p.12" in answer


def test_planner_reports_tool_errors_with_valid_choices(planner):
    """A tool error reaches the user with the valid choices it named."""
    results = {"latest_readings": {"error": "unknown asset 'P-999'", "valid": ["P-901", "P-101"],
                                   "summary": "unknown asset 'P-999'"}}
    reply, answer, _ = _run(planner, "what is P-999 doing right now", results)
    assert reply.tool_calls[0]["args"]["asset_id"] == "P-999"
    assert "unknown asset 'P-999'" in answer and "P-901" in answer


def test_planner_router_is_cached_under_the_data_home(planner, planner_settings):
    """The trained router is saved under IM_HOME, keyed by what it is trained on, and reloaded by the next bind."""
    files = list((planner_settings.home / "cache" / "planner").glob("router-*.npz"))
    assert files
    again = OfflinePlanner(planner_settings, now=NOW, assets=planner._registry.assets.values(),
                           examples_per_tool=planner.examples_per_tool).bind_tools(planner._tools)
    assert again.router().classes == planner.router().classes
