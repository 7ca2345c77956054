"""The failure_modes tool given a symptom: matching modes first and only them (stems, synonyms, the mode's name,
symptoms, mechanism and revealing sensors; words of the equipment type never match), saying so in the summary."""

from __future__ import annotations

from industrialmind.knowledge import retrieval
from industrialmind.tools.knowledge import match_symptom
from tests.tools.test_tools import tools  # noqa: F401

MODES = [
    {"id": "pump.bearing_wear", "name": "centrifugal pump bearing wear", "mechanism": "bearing fatigue",
     "symptoms": ["rising overall vibration at the drive end", "audible noise"],
     "revealing_sensors": ["vibration_de", "bearing_temp"]},
    {"id": "pump.cavitation", "name": "centrifugal pump cavitation",
     "mechanism": "NPSH available below NPSH required: vapour bubbles collapse on the impeller",
     "symptoms": ["suction pressure drop", "crackling sound like gravel"], "revealing_sensors": ["suction_pressure"]},
    {"id": "pump.overheating", "name": "centrifugal pump overheating", "mechanism": "seal faces heat up",
     "symptoms": ["rising bearing temperature", "low flow"], "revealing_sensors": ["bearing_temp"]},
    {"id": "pump.dropout", "name": "centrifugal pump dropout", "mechanism": "lost communication",
     "symptoms": ["missing readings"], "revealing_sensors": ["vibration_de", "bearing_temp", "flow"]},
]


def test_match_symptom_keeps_only_matching_modes():
    """'cavitating' matches only cavitation (by stem), never every mode through 'centrifugal' in their names."""
    found = match_symptom(MODES, "cavitating centrifugal", "centrifugal_pump")
    assert [m["id"] for m in found] == ["pump.cavitation"] and found[0]["symptom_match"] > 0


def test_match_symptom_uses_synonyms_and_ranks_best_first():
    """'running hot' reaches overheating through the temperature/heat synonyms, ahead of weaker matches."""
    found = match_symptom(MODES, "running hot", "centrifugal_pump")
    assert found[0]["id"] == "pump.overheating"
    assert "pump.dropout" not in [m["id"] for m in found]  # a sensor listed by a sensor-fault mode only ranks


def test_match_symptom_empty_when_nothing_matches():
    """A symptom no mode speaks of matches none."""
    assert match_symptom(MODES, "smells of burnt toast", "centrifugal_pump") == []


def test_failure_modes_tool_filters_by_symptom_and_says_so(tools, monkeypatch):  # noqa: F811
    """The tool returns the matching modes only and its summary says how many of all matched; with no match it
    lists them all and says none matched."""
    monkeypatch.setattr(retrieval, "failure_modes", lambda settings, **kw: [dict(m) for m in MODES])
    out = tools["failure_modes"].invoke({"asset_type": "centrifugal_pump", "symptom": "cavitation"})
    assert [m["id"] for m in out["failure_modes"]] == ["pump.cavitation"]
    assert "matching 'cavitation' (of 4)" in out["summary"]
    out = tools["failure_modes"].invoke({"asset_type": "centrifugal_pump", "symptom": "burnt toast"})
    assert out["count"] == 4 and "none matches 'burnt toast'" in out["summary"]
