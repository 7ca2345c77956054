"""Robustness of the offline planner to engineers' own wording: topology, instrument, retraining, usual-fault,
misbehaviour and comparison phrasings, parameter choices named with their noun, quantities asked in other words,
questions that name nothing but entities, everyday how-to requests, and the router cache that follows its examples.
The phrasings here are our own, not the routing suite's."""

from __future__ import annotations

import random

import pytest
from langchain_core.messages import HumanMessage

from industrialmind.agent._planner import examples as examples_module
from industrialmind.agent._planner.arguments import names_only
from industrialmind.agent._planner.examples import quoted_examples
from industrialmind.agent._planner.framing import (
    _FLOW_SHAPES, ANOMALY, CAUSE, DESCRIBE, FLOW, frame_examples, frames_of, themes_of,
)
from industrialmind.agent._planner.intents import HELP, OUT_OF_SCOPE, cache_key, fit_to_entities, training_examples
from industrialmind.agent._planner.sensors import sensor_word_index
from industrialmind.agent._planner.specs import ToolSpec, mask_choices
from tests.agent._planner_fixtures import NOW


def _calls(model, text):
    return [(c["name"], c["args"]) for c in model.invoke([HumanMessage(text)]).tool_calls]


def _spec(name, description, params=None, required=()):
    return ToolSpec(name=name, description=description, params=params or {}, required=list(required))


# --- training material -----------------------------------------------------------------------------------------
def test_cache_key_changes_when_the_training_examples_change(monkeypatch):
    """A change to what the router learns from (here the out-of-scope pool) gives another cache key, so a stale
    router is never loaded."""
    specs = [_spec("get_thing", "Describe one asset. Use it for 'what is X'.", {"asset_id": {"type": "string"}})]

    class Embedder:
        name = "fake"

    def key():
        texts, labels, cues, classes = training_examples(specs, per_tool=20)
        return cache_key([texts, labels, cues, classes], Embedder())

    before = key()
    assert key() == before
    monkeypatch.setattr("industrialmind.agent._planner.intents._OUT_OF_SCOPE",
                        [*examples_module._OUT_OF_SCOPE, "how do i darn a sock"])
    assert key() != before


def test_quoted_examples_skip_apostrophes_inside_words():
    """An apostrophe in "group's" opens no quote, so the docstring's first quoted request is kept whole."""
    doc = "Each consumer group's lag. Use it for 'is data flowing', 'consumer lag'."
    assert quoted_examples(doc) == ["is data flowing", "consumer lag"]


def test_themes_of_reads_flow_description_and_anomaly_docstrings():
    """Docstrings about the process flow, about what equipment is, and about abnormal behaviour get their themes."""
    assert FLOW in themes_of("Assets connected in the process flow (upstream suppliers, downstream consumers).")
    assert DESCRIBE in themes_of("Describe one asset: make and model, components and sensors.")
    assert ANOMALY in themes_of("Score data and return anomalies. Use it for 'is anything abnormal'.")
    assert not themes_of("Maintenance KPIs over a period.") & {FLOW, DESCRIBE, ANOMALY}


def test_frame_examples_use_every_shape_before_repeating_one():
    """With as many examples as shapes, every shape of a theme appears once: none is left out by chance."""
    out = frame_examples({FLOW}, random.Random(3), n=len(_FLOW_SHAPES))
    assert len(out) == len(_FLOW_SHAPES)


def test_cause_frame_reads_usual_faults():
    """'common problems', 'typical faults' and 'known issues' ask for failure modes; 'any problems' alone does not."""
    for text in ("common problems with blowers", "typical faults of a gearbox", "known issues on the dryer"):
        assert CAUSE in frames_of(text)
    assert CAUSE not in frames_of("any problems on the dryer")


# --- linking and fitting -----------------------------------------------------------------------------------------
def test_mask_choices_drops_a_choice_named_with_its_parameter_noun():
    """'the alarms topic' is a topic argument: the value goes, the noun stays; 'alarms' alone is untouched."""
    specs = [_spec("stream_state", "State of topics.",
                   {"topic": {"type": "string", "description": "topic kind ('telemetry', 'alarms')"}})]
    assert mask_choices("message rate on the alarms topic", specs) == "message rate on the topic"
    assert mask_choices("topic telemetry lag", specs) == "topic lag"
    assert mask_choices("any alarms on P-101", specs) == "any alarms on P-101"


def test_sensor_word_index_ignores_weak_aliases():
    """A sensor alias such as 'output' is no sensor word on its own ('where does the output go'); its name is."""
    from industrialmind.domain.model import Asset, Sensor

    valve = Asset(id="V-9", name="Valve 9", type="control_valve", site_id="S", line_id="L",
                  sensors=[Sensor(id="command", name="Controller output", quantity="command", unit="%",
                                  aliases=["output", "demand"])])
    words = sensor_word_index([valve])
    assert "output" not in words and "demand" not in words
    assert words["controller output"] == "command"


def test_registry_links_a_speed_asked_as_how_fast_it_turns(registry):
    """'how fast is AG-201 spinning' asks for its speed; 'how fast is ingestion' names no sensor."""
    assert "speed" in registry.link("how fast is AG-201 spinning", NOW).sensors
    assert registry.link("how fast is ingestion", NOW).sensors == []


def test_names_only_is_true_when_a_question_names_only_entities(registry):
    """'pressure across P-102' names an asset and a sensor and nothing else; 'pressure alarms on P-102' says more."""
    assert names_only(registry.link("pressure across P-102", NOW), registry)
    assert names_only(registry.link("vibration on the pump on line 1", NOW), registry)
    assert not names_only(registry.link("pressure alarms on P-102", NOW), registry)


def test_fit_to_entities_keeps_the_out_of_scope_share(registry):
    """Fitting tools to the entities moves probability between tools only; out of scope and help keep theirs."""
    specs = [_spec("read_now", "Current value.", {"asset_id": {}, "sensors": {}}),
             _spec("flow_graph", "Process flow.", {"asset_id": {}})]
    ranked = [("flow_graph", 0.5), (OUT_OF_SCOPE, 0.3), ("read_now", 0.15), (HELP, 0.05)]
    ents = registry.link("flow through P-901", NOW)
    fitted = dict(fit_to_entities(ranked, specs, ents, "flow through P-901", None, names_only(ents, registry)))
    assert fitted[OUT_OF_SCOPE] == pytest.approx(0.3) and fitted[HELP] == pytest.approx(0.05)
    assert fitted["read_now"] > fitted["flow_graph"]
    assert sum(fitted.values()) == pytest.approx(1.0)


# --- routing ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,tool,args", [
    ("what gets fed by TK-101", "related_assets", {"asset_id": "TK-101"}),
    ("which transmitters are fitted on M-201", "get_asset", {"asset_id": "M-201"}),
    ("please re-fit the baseline for C-201 on the past week", "train_model", {"scope_id": "C-201"}),
    ("recalibrate the anomaly detector for line 2", "train_model", {"scope_id": "L2"}),
    ("known issues with compressors", "failure_modes", {"asset_type": "compressor"}),
    ("is FN-301 misbehaving", "detect_anomalies", {"scope_id": "FN-301"}),
    ("how fast is M-201 spinning", "latest_readings", {"asset_id": "M-201", "sensors": ["speed"]}),
])
def test_planner_routes_engineers_wording(planner, text, tool, args):
    """Topology, instrument, retraining, usual-fault, misbehaviour and speed questions in our own words reach the
    tool that answers them, with its key arguments."""
    calls = _calls(planner, text)
    assert [name for name, _ in calls] == [tool]
    assert args.items() <= calls[0][1].items()


def test_planner_compares_two_assets_by_their_readings(planner):
    """'M-101 versus M-102' reads each one's current values."""
    assert _calls(planner, "M-101 versus M-102") == [("latest_readings", {"asset_id": "M-101"}),
                                                     ("latest_readings", {"asset_id": "M-102"})]


def test_planner_reads_a_topic_choice_as_an_argument(planner):
    """'the telemetry topic' picks the topic of a stream question instead of pulling the question elsewhere."""
    assert _calls(planner, "what's the message rate on the telemetry topic") == [
        ("stream_status", {"topic": "telemetry"})]


def test_planner_reads_a_bare_sensor_mention_as_a_reading(planner):
    """'pressure across P-102' names an asset and a sensor only: its current reading, not the process flow."""
    calls = _calls(planner, "pressure across P-102")
    assert [name for name, _ in calls] == ["latest_readings"] and calls[0][1]["asset_id"] == "P-102"


def test_planner_refuses_a_kitchen_how_to(planner):
    """'how do I ...' about cooking is out of scope even though 'how do I' asks for a document."""
    reply = planner.invoke([HumanMessage("what's the best way to roast a chicken")])
    assert not reply.tool_calls and reply.response_metadata.get("planner") == "refused"
    reply = planner.invoke([HumanMessage("how do I brine a turkey")])
    assert not reply.tool_calls and reply.response_metadata.get("planner") == "refused"


def test_router_lexicon_paraphrases_docstrings_not_the_pools(monkeypatch):
    """The thesaurus adds engineers' words to a tool's own words only: 'an essay about history' in the out-of-scope
    pool does not make 'trend' an out-of-scope word."""
    import numpy as np

    from industrialmind.agent._planner.intents import IntentRouter

    class Embedder:
        name = "hash"

        def embed(self, texts):
            rows = [np.random.default_rng(abs(hash(t)) % (1 << 32)).normal(size=8) for t in texts]
            return np.asarray([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    monkeypatch.setattr("industrialmind.agent._planner.intents._OUT_OF_SCOPE", ["write an essay about history"])
    specs = [_spec("series", "History of one sensor of an asset.", {"asset_id": {}, "sensor": {}})]
    router = IntentRouter.build(specs, Embedder(), None, per_tool=10)
    trend = router._lex_index["trend"]
    assert trend[router.classes.index("series")] > 0 and trend[router.classes.index(OUT_OF_SCOPE)] == 0
