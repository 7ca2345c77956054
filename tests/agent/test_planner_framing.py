"""Request frames (cause, documents), the maintenance thesaurus, the pending-job dialogue state, and how the
planner routes with them."""

from __future__ import annotations

import json
import random

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from industrialmind.agent._planner.context import read_context
from industrialmind.agent._planner.framing import (
    CAUSE, DOCS, FLOW, NOW, frame_examples, frames_of, paraphrase, synonym_text, themes_of, with_synonyms,
)
from tests.agent._planner_fixtures import NOW as CLOCK


def test_frames_of_reads_causal_framing():
    """'why', 'root cause' and 'what could make' put a request in the cause frame."""
    for text in ("why is the fan so loud", "root cause of the trip", "what could make a seal leak"):
        assert CAUSE in frames_of(text)
    assert CAUSE not in frames_of("show vibration on the fan")


def test_frames_of_reads_document_nouns_and_how_to():
    """Document nouns (SOP, checklist, handbook) and 'how do I' put a request in the document frame."""
    for text in ("sop for draining the tank", "any checklist for lockout", "how do i bleed the line",
                 "handbook section on couplings"):
        assert DOCS in frames_of(text)
    assert DOCS not in frames_of("current flow on the pump")


def test_themes_of_reads_a_tool_docstring():
    """A docstring about manuals and procedures serves the document frame; one about causes the cause frame."""
    assert DOCS in themes_of("Search manuals, procedures and reports.")
    assert CAUSE in themes_of("Failure modes of an asset. Use it for 'what usually causes X'.")
    assert NOW in themes_of("Current (latest) value of an asset's sensors.")
    assert FLOW in themes_of("Assets connected to one asset in the process flow (upstream, downstream).")
    assert not themes_of("Maintenance KPIs over a period: backlog and MTTR.")


def test_paraphrase_swaps_a_thesaurus_word():
    """A docstring phrase gets variants in engineers' words ('procedures' -> an SOP-like noun)."""
    variants = paraphrase("search manuals and procedures", random.Random(0), n=3)
    assert variants and all(v != "search manuals and procedures" for v in variants)
    assert "sop" in synonym_text("procedure")


def test_frame_examples_only_for_a_themed_tool():
    """A tool without a theme gets no frame paraphrases; a causal tool gets causal ones."""
    rng = random.Random(0)
    assert frame_examples(set(), rng) == []
    assert all(CAUSE in frames_of(t) for t in frame_examples({CAUSE}, rng, n=10))


def test_with_synonyms_adds_engineers_verbs():
    """'refit' asks to retrain and 'raise' to create."""
    assert {"refit", "raise"} <= with_synonyms({"retrain", "create"})


def test_read_context_marks_a_started_job_as_pending():
    """A tool result with a job id from a call that took none leaves a pending job; a later tool turn clears it."""
    start = AIMessage("", tool_calls=[{"name": "train_model", "args": {"scope_id": "P-101"}, "id": "c1"}])
    done = ToolMessage(json.dumps({"job_id": "job-1"}), tool_call_id="c1", name="train_model")
    ctx = read_context([HumanMessage("retrain"), start, done])
    assert ctx.job_pending and ctx.job_id == "job-1"
    later = AIMessage("", tool_calls=[{"name": "alarms", "args": {}, "id": "c2"}])
    assert not read_context([HumanMessage("retrain"), start, done, HumanMessage("alarms?"), later]).job_pending


def _follow_up(model, first, second):
    messages = [HumanMessage(first)]
    reply = model.invoke(messages)
    messages.append(reply)
    for call in reply.tool_calls:
        result = {"summary": "started job job-7", "job_id": "job-7"} if "train" in call["name"] else {"summary": "ok"}
        messages.append(ToolMessage(json.dumps(result), tool_call_id=call["id"], name=call["name"]))
    messages.append(model.invoke(messages))
    messages.append(HumanMessage(second))
    return model.invoke(messages).tool_calls


def test_planner_routes_a_cause_named_with_a_sensor_to_failure_modes(planner):
    """'why ... <sensor word>' asks for causes, not for the reading."""
    calls = planner.invoke([HumanMessage("why does the circulation pump keep losing discharge pressure")]).tool_calls
    assert [c["name"] for c in calls] == ["failure_modes"] and calls[0]["args"]["asset_id"] == "P-201"


def test_planner_routes_a_document_noun_to_search_without_asking(planner):
    """An SOP question naming an ambiguous kind of equipment searches the documents instead of asking which."""
    calls = planner.invoke([HumanMessage("is there an sop for draining the pump casing")]).tool_calls
    assert [c["name"] for c in calls] == ["search_documents"]


def test_planner_follow_up_after_a_started_job_asks_its_status(planner):
    """A short follow-up right after a training job started asks about that job."""
    calls = _follow_up(planner, "retrain the model for P-201", "finished?")
    assert [c["name"] for c in calls] == ["job_status"]


def test_planner_fills_the_kind_from_a_kind_word_used_as_a_modifier(planner):
    """'pump seal leaks' names no one pump: a tool that takes a kind of equipment gets the pumps' kind."""
    calls = planner.invoke([HumanMessage("typical causes of pump seal leaks")]).tool_calls
    assert [c["name"] for c in calls] == ["failure_modes"]
    assert calls[0]["args"].get("asset_type") == "centrifugal_pump"
