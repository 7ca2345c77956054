"""Entity linking of the offline planner: ids in any spelling, aliases, fuzzy names, chillers, types, sensors."""

from __future__ import annotations

import pytest

from tests.agent._planner_fixtures import NOW


@pytest.mark.parametrize("text", ["p101 readings", "P 101 now", "what's P-101 doing", "P_101 flow", "P-1O1 status"])
def test_registry_links_id_spellings(registry, text):
    """Ids written in lower case, with a space or underscore, or with a letter O for a zero link to P-101."""
    assert registry.link(text, NOW).assets == ["P-101"]


def test_registry_links_aliases_and_typos_in_names(registry):
    """Aliases link exactly and names with a typo link by fuzzy match."""
    assert registry.link("what is the feed pump on line 1 doing", NOW).assets == ["P-101"]
    assert registry.link("feed pmup B amps", NOW).assets == ["P-102"]
    assert registry.link("readings of the off-gas compressor", NOW).assets == ["C-201"]


@pytest.mark.parametrize("text,expected", [("Chiller 13 work orders", "CHILLER-13"), ("CH6 supply temp", "CHILLER-6"),
                                           ("chiller six tonnage", "CHILLER-6"), ("latest from CWC04006", "CHILLER-6"),
                                           ("chiller9 alarms", "CHILLER-9")])
def test_registry_links_imported_chillers(registry, text, expected):
    """Chillers of an imported plant link by their ids, names, short names, number words and CMMS ids."""
    assert registry.link(text, NOW).assets == [expected]


def test_registry_unknown_id_is_passed_on(registry):
    """An id-like word of a known prefix that names no asset is kept, so the tool can suggest close ids."""
    ents = registry.link("P-999 flow", NOW)
    assert ents.assets == [] and ents.unknown_ids == ["P-999"]


def test_registry_marks_ambiguous_equipment(registry):
    """'the pump on line 1' names three pumps: the mention is ambiguous, with the line's pumps as candidates."""
    ents = registry.link("vibration on the pump on line 1", NOW)
    assert ents.assets == []
    assert ents.ambiguous[0].candidates == ["P-101", "P-102", "P-103"]
    assert ents.lines == ["L1"]


def test_registry_reads_plural_types_as_kinds(registry):
    """'pumps' and 'a chiller' are kinds of equipment, not one asset."""
    assert registry.link("what causes cavitation in pumps", NOW).asset_types == ["pump"]
    ents = registry.link("failure modes of a chiller", NOW)
    assert ents.ambiguous == [] and "chiller" in ents.asset_types


@pytest.mark.parametrize("text,word", [("M-201 amps", "current"), ("P-101 vib", "vibration"),
                                       ("P-101 bearing temp", "bearing_temp"), ("vibraton on FN-301", "vibration"),
                                       ("chiller 6 tonnage", "tonnage")])
def test_registry_finds_sensor_words(registry, text, word):
    """Sensor synonyms, sensor ids, typos and id words of imported sensors are recognised."""
    assert registry.link(text, NOW).sensors[0] == word


def test_registry_resolves_sensor_words_per_asset(registry):
    """A sensor word resolves to the sensor id of a given asset (drive end first for pump vibration)."""
    assert registry.resolve_sensor("P-101", "vibration") == "vibration_de"
    assert registry.resolve_sensor("M-201", "amps") == "current"
    assert registry.resolve_sensor("CHILLER-6", "supply temp") == "supply_temperature"


def test_registry_reads_priorities_only_in_context(registry):
    """'urgent' and 'high priority' are priorities; 'high vibration' is not."""
    assert registry.link("open an urgent work order", NOW).priority == "urgent"
    assert registry.link("raise a high priority ticket for P-101", NOW).priority == "high"
    assert registry.link("P-101 has high vibration", NOW).priority is None


def test_registry_masks_entities_for_the_classifier(registry):
    """Asset mentions and times become slot words, so the classifier reads intent words only."""
    masked = registry.link("what's P-101 doing rn", NOW).masked
    assert "p-101" not in masked and "X" in masked.split() and "right now" in masked
