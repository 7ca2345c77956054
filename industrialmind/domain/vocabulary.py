"""Words people use for sensors and quantities: synonyms that map to the demo plant's sensor ids and quantities.

Used by the entity linker ("P-101 temp", "vib on the feed pump", "how many amps is M-201 drawing?") and by the
importers to map foreign column names onto our quantities.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from industrialmind.domain.model import Asset, Sensor

# quantity or sensor-id word -> the words and abbreviations people use for it
sensor_synonyms: dict[str, list[str]] = {
    "temperature": ["temp", "temps", "temperature", "temperatures", "degc", "°c", "deg", "hot", "heat"],
    "vibration": ["vib", "vibs", "vibration", "vibrations", "velocity", "mm/s", "shaking", "rms vibration"],
    "current": ["amps", "amp", "amperage", "current", "motor current", "load current", "a"],
    "pressure": ["press", "pressure", "psi", "bar", "barg", "head"],
    "differential_pressure": ["dp", "delta p", "differential pressure", "pressure drop", "delta-p", "d/p"],
    "flow": ["flow", "flowrate", "flow rate", "throughput", "m3/h", "gpm", "rate"],
    "airflow": ["airflow", "air flow", "air volume", "cfm"],
    "speed": ["speed", "rpm", "revs", "rotational speed"],
    "power": ["power", "kw", "kilowatts", "consumption", "energy use"],
    "level": ["level", "lvl", "tank level", "fill", "inventory"],
    "position": ["position", "pos", "opening", "valve position", "travel", "% open"],
    "command": ["command", "setpoint", "demand", "output", "controller output"],
    "torque": ["torque", "load torque"],
    "load": ["load", "belt load", "tph", "t/h", "loading"],
    "bearing_temp": ["bearing temp", "bearing temperature", "brg temp"],
    "winding_temp": ["winding temp", "winding temperature", "stator temp", "stator temperature"],
    "discharge_pressure": ["discharge pressure", "outlet pressure", "disch press", "dp out"],
    "suction_pressure": ["suction pressure", "inlet pressure", "suct press", "npsh"],
    "discharge_temp": ["discharge temp", "discharge temperature", "outlet temp"],
    "oil_pressure": ["oil pressure", "lube oil pressure", "lube pressure"],
    "oil_temp": ["oil temp", "oil temperature", "lube oil temp"],
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace("_", " "))


def canonical_quantity(word: str) -> str | None:
    """Return the canonical quantity or sensor word for a user's word ('amps' -> 'current'), or None if unknown."""
    w = _norm(word)
    # sensor-id-level words first: 'bearing temp' is more specific than 'temp'
    for canonical in sorted(sensor_synonyms, key=lambda k: -len(k)):
        if w == _norm(canonical) or w in (_norm(s) for s in sensor_synonyms[canonical]):
            return canonical
    return None


def match_sensors(asset: "Asset", word: str) -> list["Sensor"]:
    """The sensors of an asset a word names: its id in any spelling, name or alias first; else the canonical
    quantity or sensor word ('temp', 'amps') as an id, a quantity or a part of an id. Empty when none matches."""
    w = str(word).strip().lower()
    key = re.sub(r"[^a-z0-9]", "", w)
    exact = [s for s in asset.sensors if s.id.lower() == w or re.sub(r"[^a-z0-9]", "", s.id.lower()) == key
             or s.name.lower() == w or w in (x.lower() for x in s.aliases)]
    if exact:
        return exact
    canon = canonical_quantity(w) or w
    by_id = [s for s in asset.sensors if s.id == canon]
    if by_id:
        return by_id
    return [s for s in asset.sensors if s.quantity == canon or canon in s.id.split("_")]


def _words(text: str) -> str:
    """Lowercase, dashes/underscores/quotes unified, spaces squeezed: how a sensor word is compared."""
    text = str(text).lower().replace("_", " ").replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip()


def preferred_sensor(sensors: list["Sensor"]) -> "Sensor":
    """Of several sensors a word names, the one people mean: the drive end bearing, the usual first look; else the
    first listed."""
    for s in sensors:
        if s.id.endswith("_de"):
            return s
    return sensors[0]


def resolve_sensor(asset: "Asset", word: str) -> "Sensor | None":
    """The one sensor of an asset a word means, the one linker the tools, the planner and the query layer share:
    its id, name or alias in any spelling; else the canonical quantity or sensor word ('vibration' ->
    vibration_de, 'temp' -> bearing_temp) as an id, then a quantity or a part of an id (the drive end preferred);
    else a close spelling of a sensor's name. None when nothing is close."""
    w = _words(word)
    for s in asset.sensors:
        if _words(s.id) == w or _words(s.name) == w or w in (_words(x) for x in s.aliases):
            return s
    canon = _words(canonical_quantity(w) or w)
    for s in asset.sensors:
        if _words(s.id) == canon:
            return s
    by_quantity = [s for s in asset.sensors if _words(s.quantity) == canon]
    if by_quantity:
        return preferred_sensor(by_quantity)
    parts = [s for s in asset.sensors if canon in _words(s.id).split() or canon in _words(s.name)]
    if parts:
        return preferred_sensor(parts)
    from rapidfuzz import fuzz, process

    found = process.extractOne(w, {s.id: _words(s.name) for s in asset.sensors}, scorer=fuzz.WRatio)
    if found and found[1] >= 80:
        return next(s for s in asset.sensors if s.id == found[2])
    return None
