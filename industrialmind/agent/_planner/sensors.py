"""Sensor words: the words that name a quantity or a sensor (the plant vocabulary's synonyms, every sensor id, name
and alias of the registry), and which sensor of one asset a word means. Words: lexicon/sensors.yaml."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from industrialmind.agent._planner.lexicon import table
from industrialmind.agent._planner.text import norm

if TYPE_CHECKING:
    from industrialmind.domain.model import Asset

_SENSORS = table("sensors")
# Synonyms too short or too common to mean a sensor on their own ("a", "rate of failure", "load the data").
WEAK_SENSOR_WORDS = frozenset(_SENSORS["weak"])

# Questions that ask for a quantity without naming it: 'how fast is the agitator turning' asks for its speed.
QUANTITY_QUESTIONS = [(re.compile(q["pattern"]), q["quantity"]) for q in _SENSORS["asked"]]


def quantities_asked(text: str, known: dict[str, str]) -> list[str]:
    """The quantities a (normalised) question asks for in other words, among those the sensor words know."""
    return [q for pattern, q in QUANTITY_QUESTIONS if q in known and pattern.search(text)]


def sensor_word_index(assets: Iterable["Asset"]) -> dict[str, str]:
    """Every sensor word -> the canonical quantity or the sensor id it names."""
    from industrialmind.domain.vocabulary import sensor_synonyms

    out: dict[str, str] = {}
    for canonical, words in sensor_synonyms.items():
        for w in [canonical, *words]:
            w = norm(w)
            if len(w) > 1 and w not in WEAK_SENSOR_WORDS:
                out.setdefault(w, canonical)
    word_owner: dict[str, set[str]] = {}
    for a in assets:
        for s in a.sensors:
            for w in {s.id, s.name, *s.aliases}:
                w = norm(w)
                if w in WEAK_SENSOR_WORDS and w not in (norm(s.id), norm(s.name)):
                    continue  # an alias such as 'output' or 'rate' names this sensor only next to it
                if len(w) > 2 and not w.isdigit():
                    out.setdefault(w, s.id)
                    short = re.sub(r"\btemperature\b", "temp", re.sub(r"\bpressure\b", "press", w))
                    out.setdefault(short, s.id)
                    out.setdefault(re.sub(r"\btemperature\b", "temp", w), s.id)
            for part in norm(s.id).split():
                word_owner.setdefault(part, set()).add(s.id)
    # a word of a sensor id that belongs to one sensor only names it ('efficiency', 'tonnage')
    for part, owners in word_owner.items():
        if len(owners) == 1 and len(part) >= 5 and part not in out:
            out[part] = next(iter(owners))
    return out


def resolve_sensor(asset: "Asset", word: str) -> str | None:
    """The id of an asset's sensor a word means ('vibration' -> 'vibration_de', 'temp' -> 'bearing_temp'), by the
    one sensor linker the tools share (`domain.vocabulary.resolve_sensor`)."""
    from industrialmind.domain.vocabulary import resolve_sensor as link

    found = link(asset, word)
    return None if found is None else found.id
