"""Words people use for sensors and quantities: synonyms that map to the demo plant's sensor ids and quantities.

Used by the entity linker ("P-101 temp", "vib on the feed pump", "how many amps is M-201 drawing?") and by the
importers to map foreign column names onto our quantities.
"""

from __future__ import annotations

import re

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
