"""Compound requests: two asks in one message give one tool call each in a single AIMessage, entities shared,
while fan-out over several assets and one-request questions are left alone; symptoms are the symptom words."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from industrialmind.agent._planner.compound import split_clauses, topic_words, with_borrowed_topic
from tests.agent._planner_fixtures import NOW


def _calls(model, text):
    return model.invoke([HumanMessage(text)]).tool_calls


def test_split_clauses_cuts_at_coordinating_conjunctions():
    """'and', 'plus', ';' and ', also' cut a message; 'or' (alternatives) does not."""
    assert split_clauses("why does M-201 overheat, and is there a procedure?") == [
        "why does m-201 overheat", "is there a procedure"]
    assert split_clauses("reasons for X; also what does the SOP say") == ["reasons for x", "what does the sop say"]
    assert split_clauses("alarms on P-101, P-102 or P-103") == ["alarms on p-101, p-102 or p-103"]


def test_borrowed_topic_fills_a_clause_that_only_frames_a_request():
    """'what does the manual say' takes the other clause's topic words; a clause with its own topic keeps it."""
    assert with_borrowed_topic("what does the manual say", ["manual"], [["causes", "cavitation"]]) == \
        "what does the cavitation"
    assert with_borrowed_topic("manual on seals", ["manual", "seals"], [["cavitation"]]) == "manual on seals"
    assert topic_words(["usually", "causes", "cavitation"]) == ["cavitation"]


def test_planner_compound_causes_and_manual_calls_both_tools(planner):
    """Causes AND what the manual says: failure_modes with the bare symptom plus a document search on it."""
    calls = _calls(planner, "what usually causes cavitation in a centrifugal pump and what does the manual say?")
    by_name = {c["name"]: c["args"] for c in calls}
    assert set(by_name) == {"failure_modes", "search_documents"}
    assert by_name["failure_modes"]["symptom"] == "cavitation"
    assert "cavitation" in by_name["search_documents"]["query"]


def test_planner_compound_shares_the_asset_with_a_clause_that_says_it(planner):
    """'describe FN-302 and list its work orders': the second clause's 'its' is FN-302."""
    calls = _calls(planner, "describe FN-302 and list its work orders")
    assert sorted((c["name"], c["args"].get("asset_id")) for c in calls) == [
        ("get_asset", "FN-302"), ("list_work_orders", "FN-302")]


def test_planner_compound_keeps_fan_out_and_single_requests(planner):
    """'compare A and B' still fans out one tool; 'who makes P-101 and what model is it' stays one request."""
    assert [c["name"] for c in _calls(planner, "compare P-101 and P-102 vibration")] == ["latest_readings"] * 2
    assert [c["name"] for c in _calls(planner, "who makes P-101 and what model is it")] == ["get_asset"]


def test_planner_symptom_drops_equipment_and_frame_words(planner):
    """The symptom argument is the symptom, not the kind of equipment or the words that frame the question."""
    calls = _calls(planner, "what usually causes cavitation in a centrifugal pump")
    assert calls[0]["name"] == "failure_modes" and calls[0]["args"]["symptom"] == "cavitation"


def test_planner_compound_noun_phrases_and_entity_only_pieces(planner):
    """'open work orders and mttr for P-201' asks two things (a confident noun phrase stands alone); 'are FN-301
    and FN-302 behaving normally' is one request fanned out (a piece that only names an asset is no request)."""
    calls = _calls(planner, "open work orders and mttr for P-201")
    assert sorted(c["name"] for c in calls) == ["list_work_orders", "work_order_kpis"]
    assert all(c["args"]["asset_id"] == "P-201" for c in calls)
    calls = _calls(planner, "are FN-301 and FN-302 behaving normally")
    assert sorted((c["name"], c["args"]["scope_id"]) for c in calls) == [
        ("detect_anomalies", "FN-301"), ("detect_anomalies", "FN-302")]


def test_planner_compound_then_splits_history_and_anomalies(planner):
    """'plot X since 6am then look for anomalies': the history keeps its time, the anomaly scan the asset."""
    calls = {c["name"]: c["args"] for c in _calls(planner, "plot M-101 current since 6am then look for anomalies")}
    assert calls["sensor_history"]["asset_id"] == "M-101" and calls["sensor_history"]["start"].startswith(
        "2026-11-26T06:00")
    assert calls["detect_anomalies"]["scope_id"] == "M-101"
