"""Questions about which equipment is in the worst health or needs attention first: the health frame cue, lines
linked next to time phrases, lines the plant does not have, superlatives before a kind of equipment, symptoms
without ranking words, the answer's ranking from the tool's own intervals, and routing of our own phrasings
(not the routing suite's)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from industrialmind.agent._planner.answers import compose, rank_by_peak_score
from industrialmind.agent._planner.arguments import fill
from industrialmind.agent._planner.context import Context, ToolOutcome
from industrialmind.agent._planner.framing import HEALTH, frame_cues
from industrialmind.agent._planner.specs import ToolSpec
from industrialmind.agent._planner.timeparse import parse_time_range
from tests.agent._planner_fixtures import NOW


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _calls(model, *messages):
    return [(c["name"], c["args"]) for c in model.invoke(list(messages)).tool_calls]


# --- time phrases ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,start", [
    ("on line 2 since 6", "2026-11-26T06:00"),  # said at 10:00: 6 in the morning
    ("since 9 on line 1", "2026-11-26T09:00"),
    ("line 2 since 11", "2026-11-25T23:00"),  # 11 am is still to come: 11 pm yesterday
])
def test_parse_time_range_reads_a_bare_hour_after_since_as_the_latest_such_hour(text, start):
    """'since 6' is the latest past time the clock read 6 (am or pm), not ignored."""
    found = parse_time_range(text, NOW)
    assert found is not None and found.start == _utc(start) and found.end is None


@pytest.mark.parametrize("text,start,end", [
    ("line 3 at 4pm", "2026-11-25T15:30", "2026-11-25T16:30"),  # 4pm is still to come today: yesterday's
    ("around 9am on line 1", "2026-11-26T08:30", "2026-11-26T09:30"),
    ("line 2 at 16:00 yesterday", "2026-11-25T15:30", "2026-11-25T16:30"),
])
def test_parse_time_range_reads_a_clock_time_as_the_hour_around_it(text, start, end):
    """'at 4pm' becomes the hour around the latest 4pm (or around 4pm of the day named)."""
    found = parse_time_range(text, NOW)
    assert found is not None and (found.start, found.end) == (_utc(start), _utc(end))


@pytest.mark.parametrize("text", ["top 3 at 4", "since 2019", "line 3 at 4"])
def test_parse_time_range_leaves_bare_numbers_alone(text):
    """A number without am/pm or minutes after 'at', or a year after 'since', is not read as a clock time."""
    assert parse_time_range(text, NOW) is None


# --- entities --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,line,start", [
    ("anything i should worry about on line 2 this morning", "L2", "2026-11-26T06:00"),
    ("line 2 since 6", "L2", "2026-11-26T06:00"),
    ("what happened on line 3 at 4pm", "L3", "2026-11-25T15:30"),
    ("line 1 in the last 4 hours", "L1", "2026-11-26T06:00"),
])
def test_link_keeps_the_line_next_to_a_time_phrase(registry, text, line, start):
    """A line followed by a time phrase is linked as the line, and the time is read too."""
    ents = registry.link(text, NOW)
    assert ents.lines == [line]
    assert ents.time is not None and ents.time.start == _utc(start)


def test_link_records_a_line_the_plant_does_not_have(registry):
    """'line 4' in a plant with lines 1-3 and utilities is kept as an unknown line, not dropped."""
    ents = registry.link("anything i should worry about on line 4 this morning", NOW)
    assert ents.lines == [] and ents.unknown_lines == ["line 4"]
    assert ents.time is not None and ents.time.start == _utc("2026-11-26T06:00")


@pytest.mark.parametrize("text", ["what's the sickest pump on line 1", "which is the worst pump on line 1",
                                  "which is the unhealthiest motor on line 2", "the most worn motor on line 2"])
def test_link_reads_a_superlative_before_a_kind_as_the_kind(registry, text):
    """'the sickest pump' ranks the pumps: a kind of equipment, not one pump to ask back about."""
    ents = registry.link(text, NOW)
    assert ents.ambiguous == [] and ents.assets == []
    assert ents.asset_types


# --- frames and arguments --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["which pump is in the worst shape", "what's the riskiest machine on line 2",
                                  "rank the motors by health", "what needs attention first",
                                  "anything i should worry about", "which fan is healthiest",
                                  "which compressor is most likely to fail", "the most problematic motor",
                                  "which machine should we fix first"])
def test_frame_cues_mark_health_ranking(text):
    """Words that rank equipment by condition set the health cue."""
    assert frame_cues(text)[HEALTH] == 1.0


@pytest.mark.parametrize("text", ["what pumps are on line 1", "what equipment is on line 3",
                                  "why is p-101 vibration high", "is p-101 behaving normally"])
def test_frame_cues_leave_other_questions_without_the_health_cue(text):
    """Listing equipment, asking why or asking about one asset sets no health cue."""
    assert frame_cues(text)[HEALTH] == 0.0


def test_fill_symptom_leaves_out_ranking_and_place_words(registry):
    """The symptom of 'what could make the riskiest machine on line 2 vibrate' is the symptom word only."""
    spec = ToolSpec(name="failure_modes", description="Failure modes and their causes.",
                    params={"asset_type": {"type": "string"}, "symptom": {"type": "string"}})
    text = "what could make the riskiest machine on line 2 vibrate"
    args = fill(spec, registry.link(text, NOW), Context(), registry, text, NOW, False, None)
    assert args.get("symptom") == "vibrate"


def test_fill_symptom_is_empty_when_only_ranking_words_are_left(registry):
    """'which machine looks worst on line 2' names no symptom, so none is sent."""
    spec = ToolSpec(name="failure_modes", description="Failure modes and their causes.",
                    params={"symptom": {"type": "string"}})
    text = "which machine looks worst on line 2 in the worst shape"
    assert "symptom" not in fill(spec, registry.link(text, NOW), Context(), registry, text, NOW, False, None)


# --- answers ---------------------------------------------------------------------------------------------------
_INTERVALS = [
    {"asset_id": "P-101", "score": 3.0, "threshold": 2.0, "top_sensors": [{"sensor": "vibration_de"}]},
    {"asset_id": "M-101", "score": 4.0, "threshold": 4.0, "top_sensors": [{"sensor": "winding_temp"}]},
    {"asset_id": "P-101", "score": 2.5, "threshold": 2.0, "top_sensors": [{"sensor": "bearing_temp"}]},
    {"asset_id": "HX-101", "score": 1.2, "threshold": 1.0, "method": "limits", "top_sensors": ["outlet_temp"]},
]


def test_rank_by_peak_score_orders_assets_by_their_peak_over_their_threshold():
    """P-101 (peak 3.0 over threshold 2.0) ranks above HX-101 (1.2 over 1.0) and M-101 (4.0 over 4.0)."""
    lines = rank_by_peak_score(_INTERVALS, {"P-101": 2, "M-101": 1, "HX-101": 1})
    assert [re.search(r"\d\. ([A-Z]+-\d+)", ln).group(1) for ln in lines] == ["P-101", "HX-101", "M-101"]
    assert "peak score 3.0 (threshold 2.0), 2 interval(s), driven by vibration_de, bearing_temp" in lines[0]


def test_rank_by_peak_score_says_nothing_for_one_asset():
    """One asset with intervals needs no ranking: the summary names it."""
    assert rank_by_peak_score(_INTERVALS[:1]) == []


def test_compose_ranks_detected_anomalies_with_numbers_from_the_result_only():
    """Every number in an anomaly answer appears in the tool result it was written from."""
    result = {"summary": "4 anomalous interval(s) on line L1", "anomalies": _INTERVALS, "count": 4,
              "per_asset": {"P-101": 2, "M-101": 1, "HX-101": 1}}
    text = compose([ToolOutcome("detect_anomalies", {"scope_id": "L1"}, "c1", result)])
    said = set(re.findall(r"\d+(?:\.\d+)?", re.sub(r"\b[A-Z]+-\d+\b|\b\d\. ", " ", text)))
    assert said and said <= set(re.findall(r"\d+(?:\.\d+)?", json.dumps(result)))
    assert text.index("P-101") < text.index("M-101")


# --- routing -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,scope", [
    ("which pump on line 3 is in the worst shape", "L3"),
    ("rank the pumps on line 3 by health", "L3"),
    ("what's the riskiest machine on line 2", "L2"),
    ("which pump on line 3 looks worst and why", "L3"),
    ("which asset on line 1 needs attention first", "L1"),
    ("which motor on line 1 is most at risk", "L1"),
    ("what's in the worst condition on line 2", "L2"),
    ("what should I be worried about on the dryer line", "L3"),
    ("which fan on line 3 is closest to failing", "L3"),
    ("what's the sickest pump on line 1", "L1"),
    ("give me a health ranking of line 2", "L2"),
    ("is there anything on line 1 I need to keep an eye on", "L1"),
])
def test_planner_routes_health_ranking_to_anomaly_detection_on_the_scope(planner, text, scope):
    """Asking which equipment is in the worst health checks the anomaly scores of the line named."""
    calls = _calls(planner, HumanMessage(text))
    assert [(n, a.get("scope_id")) for n, a in calls] == [("detect_anomalies", scope)]


@pytest.mark.parametrize("text,scope,start", [
    ("anything I should worry about on line 2 this morning", "L2", "2026-11-26T06:00:00+00:00"),
    ("which unit on line 3 is the biggest concern since 6", "L3", "2026-11-26T06:00:00+00:00"),
])
def test_planner_health_question_keeps_both_line_and_time(planner, text, scope, start):
    """A health question with a line and a time phrase checks that line from that time."""
    calls = _calls(planner, HumanMessage(text))
    assert calls == [("detect_anomalies", {"scope_id": scope, "start": start})]


@pytest.mark.parametrize("text,tool", [
    ("what pumps are on line 1", "find_assets"),
    ("list the pumps on line 3", "find_assets"),
    ("what equipment is on line 3", "find_assets"),
    ("what causes cavitation in a pump", "failure_modes"),
])
def test_planner_keeps_listing_and_causes_apart_from_health_ranking(planner, text, tool):
    """Listing the equipment of a line, or asking a cause, is not a health ranking."""
    assert [n for n, _ in _calls(planner, HumanMessage(text))] == [tool]


def test_planner_never_builds_a_symptom_from_ranking_words(planner):
    """Whatever tool a ranking question goes to, no symptom argument is made of 'riskiest machine line'."""
    for text in ("what's the riskiest machine on line 2", "which pump on line 3 looks worst and why"):
        for _, args in _calls(planner, HumanMessage(text)):
            assert not re.search(r"riskiest|machine|line|worst|looks", str(args.get("symptom", "")))


def test_planner_asks_back_about_a_line_the_plant_does_not_have(planner):
    """'line 4' is not quietly widened to the whole site: the planner names the lines there are and asks."""
    reply = planner.invoke([HumanMessage("anything I should worry about on line 4 this morning")])
    assert reply.tool_calls == []
    assert "line 4" in reply.content and "L1" in reply.content and "U1" in reply.content


def test_planner_resumes_on_the_line_the_user_picks(planner):
    """After asking which line, the reply 'line 2' runs the original question on L2, time kept."""
    question = HumanMessage("anything I should worry about on line 4 this morning")
    asked = planner.invoke([question])
    calls = _calls(planner, question, asked, HumanMessage("line 2"))
    assert calls == [("detect_anomalies", {"scope_id": "L2", "start": "2026-11-26T06:00:00+00:00"})]


def test_planner_answer_for_a_ranking_lists_assets_worst_first(planner):
    """The answer to a health ranking lists the assets by their peak over threshold, from the tool result."""
    question = HumanMessage("which asset on line 1 needs attention first")
    plan = planner.invoke([question])
    result = ToolMessage(json.dumps({"summary": "4 anomalous interval(s) on line L1", "anomalies": _INTERVALS}),
                         tool_call_id=plan.tool_calls[0]["id"])
    answer = planner.invoke([question, plan, result]).content
    assert isinstance(plan, AIMessage) and answer.index("1. P-101") < answer.index("3. M-101")


@pytest.mark.parametrize("text,scope,kind", [
    ("which pump on line 1 is in the worst shape", "L1", "centrifugal_pump"),
    ("which motor on line 2 is most at risk", "L2", "motor"),
    ("which compressor is healthiest", "DEMO", "compressor"),
])
def test_planner_narrows_a_health_ranking_to_the_kind_named(planner, text, scope, kind):
    """A ranking of one kind of equipment checks only that kind in the scope (the tool's asset_type)."""
    calls = dict(_calls(planner, HumanMessage(text)))
    assert calls["detect_anomalies"]["asset_type"] == kind
    assert calls["detect_anomalies"]["scope_id"] == scope


def test_planner_sends_no_kind_when_the_ranking_names_none(planner):
    """'which asset on line 1 needs attention first' checks the whole line."""
    calls = _calls(planner, HumanMessage("which asset on line 1 needs attention first"))
    assert calls == [("detect_anomalies", {"scope_id": "L1"})]
