"""Injected faults: what each fault does to which sensors, and the automatic schedule of faults over time.

A fault's effect is expressed in units of the sensor's normal span (normal_max - normal_min) and unfolds along the
episode's progress r in [0, 1): bearing wear accelerates (r^3), fouling grows linearly, cavitation and
misalignment set in quickly (step). The automatic schedule is a pure function of the seed and a fixed epoch, so
any window asks for the same faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

from industrialmind.plant import _signals
from industrialmind.domain.model import FaultLabel, Plant, utc

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SLOT = timedelta(hours=12)  # at most one automatic fault starts per slot
FAULT_PROBABILITY = 0.38  # per slot: about five faults a week

SENSOR_FAULTS = ("sensor_drift", "stuck_sensor", "dropout")

# (sensor id, shape, magnitude in normal spans, noise multiplier)
Effect = tuple[str, str, float, float]
EFFECTS: dict[str, dict[str, list[Effect]]] = {
    "centrifugal_pump": {
        "bearing_wear": [("vibration_de", "cube", 2.4, 2.5), ("vibration_nde", "cube", 1.1, 1.5),
                         ("bearing_temp", "quad", 0.7, 1.0)],
        "cavitation": [("suction_pressure", "step", -0.5, 2.0), ("flow", "step", -0.12, 5.0),
                       ("vibration_de", "step", 0.9, 4.0), ("vibration_nde", "step", 0.4, 2.0),
                       ("discharge_pressure", "step", -0.15, 3.0)],
        "misalignment": [("vibration_de", "step", 1.1, 1.5), ("vibration_nde", "step", 0.9, 1.5),
                         ("bearing_temp", "lin", 0.35, 1.0)],
        "overheating": [("bearing_temp", "quad", 1.1, 1.0), ("flow", "step", -0.2, 1.0)],
    },
    "motor": {
        "bearing_wear": [("vibration", "cube", 2.2, 2.0), ("winding_temp", "quad", 0.25, 1.0)],
        "overheating": [("winding_temp", "quad", 1.1, 1.0), ("current", "lin", 0.15, 1.0), ("power", "lin", 0.12, 1.0)],
        "misalignment": [("vibration", "step", 1.0, 1.5), ("current", "lin", 0.08, 1.0), ("power", "lin", 0.06, 1.0)],
    },
    "compressor": {
        "bearing_wear": [("vibration", "cube", 2.0, 2.0), ("bearing_temp", "quad", 0.7, 1.0)],
        "overheating": [("discharge_temp", "quad", 1.0, 1.0), ("oil_temp", "quad", 1.1, 1.0),
                        ("bearing_temp", "quad", 0.5, 1.0)],
        "fouling": [("flow", "lin", -0.35, 1.0), ("discharge_temp", "lin", 0.6, 1.0)],
        "misalignment": [("vibration", "step", 1.0, 1.5), ("bearing_temp", "lin", 0.3, 1.0)],
    },
    "fan": {
        "bearing_wear": [("vibration", "cube", 2.0, 2.0), ("bearing_temp", "quad", 0.7, 1.0)],
        "fouling": [("vibration", "lin", 1.0, 1.3), ("airflow", "lin", -0.35, 1.0),
                    ("differential_pressure", "lin", -0.3, 1.0)],
        "misalignment": [("vibration", "step", 0.9, 1.5), ("speed", "lin", -0.1, 1.0)],
    },
    "blower": {
        "bearing_wear": [("vibration", "cube", 2.0, 2.0), ("bearing_temp", "quad", 0.7, 1.0)],
        "overheating": [("discharge_temp", "quad", 1.0, 1.0), ("discharge_pressure", "lin", 0.4, 1.0)],
        "fouling": [("airflow", "lin", -0.4, 1.0), ("discharge_temp", "lin", 0.4, 1.0)],
    },
    "heat_exchanger": {
        # the approach (hot out - cold in) widens, the cold side picks up less heat, the pressure drop grows
        "fouling": [("hot_out_temp", "lin", 0.9, 1.0), ("cold_out_temp", "lin", -0.5, 1.0),
                    ("differential_pressure", "quad", 1.2, 1.0)],
        "overheating": [("hot_out_temp", "quad", 1.3, 1.0), ("flow", "step", -0.4, 1.0)],
    },
    "valve": {
        # stiction: the stem lags the controller output and hunts
        "fouling": [("position", "lin", -0.3, 6.0)],
    },
    "tank": {
        "overheating": [("temperature", "quad", 1.0, 1.0), ("pressure", "quad", 0.8, 1.0)],
    },
    "conveyor": {
        "bearing_wear": [("vibration", "cube", 2.0, 2.0), ("bearing_temp", "quad", 0.7, 1.0)],
        "misalignment": [("vibration", "step", 0.8, 1.5), ("load", "lin", -0.1, 2.0)],
    },
    "agitator": {
        "bearing_wear": [("vibration", "cube", 2.0, 2.0), ("gearbox_temp", "quad", 0.6, 1.0)],
        "overheating": [("gearbox_temp", "quad", 1.1, 1.0), ("torque", "lin", 0.2, 1.0)],
        "misalignment": [("vibration", "step", 0.9, 1.5), ("torque", "lin", 0.1, 1.0)],
    },
    "chiller": {
        "fouling": [("condenser_pressure", "lin", 0.9, 1.0), ("power", "lin", 0.6, 1.0)],
        "overheating": [("chw_supply_temp", "quad", 1.5, 1.0), ("power", "lin", 0.4, 1.0)],
    },
}

# (weight in the automatic schedule, shortest and longest duration in hours)
KINDS: dict[str, tuple[float, float, float]] = {
    "bearing_wear": (0.18, 48.0, 144.0),
    "cavitation": (0.11, 3.0, 18.0),
    "misalignment": (0.10, 24.0, 96.0),
    "fouling": (0.13, 72.0, 168.0),
    "overheating": (0.12, 4.0, 36.0),
    "sensor_drift": (0.12, 24.0, 120.0),
    "stuck_sensor": (0.12, 2.0, 24.0),
    "dropout": (0.12, 0.5, 8.0),
}
MAX_DURATION = timedelta(hours=max(hi for _, _, hi in KINDS.values()))


def shape(name: str, r: np.ndarray) -> np.ndarray:
    """How a fault's effect grows with the episode's progress r in [0, 1]."""
    if name == "lin":
        return r
    if name == "quad":
        return r * r
    if name == "cube":
        return r * r * r
    if name == "step":  # sets in over the first tenth of the episode, then holds
        return np.minimum(1.0, r / 0.1)
    raise ValueError(f"unknown fault shape {name!r}")


def faults_for(asset_type: str) -> list[str]:
    """Fault kinds the simulator can inject on an asset type (machine faults first, then instrument faults)."""
    return [*EFFECTS.get(asset_type, {}), *SENSOR_FAULTS]


class FaultSpec(BaseModel):
    """A fault to inject: on which asset, which kind, when; sensors only for instrument faults (default: one)."""

    model_config = ConfigDict(extra="forbid")

    asset_id: str
    fault: str
    start: datetime
    end: datetime
    sensors: list[str] | None = None
    severity: float = 1.0

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return utc(value)


@dataclass(frozen=True)
class Episode:
    """A resolved fault: a FaultSpec checked against the plant, with its affected sensors and a sign."""

    asset_id: str
    fault: str
    start: datetime
    end: datetime
    sensors: tuple[str, ...]
    severity: float
    sign: float = 1.0  # direction of a sensor drift

    def label(self) -> FaultLabel:
        """The ground-truth label of this episode."""
        return FaultLabel(asset_id=self.asset_id, fault=self.fault, start=self.start, end=self.end,
                          sensors=list(self.sensors), severity=round(self.severity, 3), source="simulator")


def resolve(plant: Plant, spec: FaultSpec, seed: int) -> Episode:
    """Check a FaultSpec against the plant and turn it into an Episode (bad asset, fault or sensor: a clear error)."""
    from industrialmind.errors import InvalidInputError, did_you_mean

    asset = plant.asset(spec.asset_id)
    valid = faults_for(asset.type)
    if spec.fault not in valid:
        raise InvalidInputError(f"fault {spec.fault!r} cannot be injected on {asset.id} ({asset.type})"
                                + did_you_mean(spec.fault, valid))
    if spec.end <= spec.start:
        raise InvalidInputError(f"fault on {asset.id}: end {spec.end.isoformat()} is not after start {spec.start.isoformat()}")
    if spec.fault in SENSOR_FAULTS:
        sensors = tuple(spec.sensors) if spec.sensors else (asset.sensors[0].id,)
        for s in sensors:
            asset.sensor(s)  # raises NotFoundError naming the asset's sensors
    else:
        sensors = tuple(sid for sid, *_ in EFFECTS[asset.type][spec.fault] if any(s.id == sid for s in asset.sensors))
    sign = 1.0 if _signals.key(seed, "drift-sign", asset.id, spec.start.isoformat()) % 2 else -1.0
    return Episode(asset.id, spec.fault, spec.start, spec.end, sensors, spec.severity, sign)


def _minutes(td_hours: float) -> timedelta:
    return timedelta(minutes=max(1, round(td_hours * 60)))


def _candidate(plant: Plant, seed: int, slot: int, eligible: dict[str, list]) -> Episode | None:
    """The raw fault candidate of one schedule slot, or None (a pure function of seed and slot)."""
    u = _signals.uniform(np.array([_signals.key(seed, "schedule", i) for i in range(8)], dtype=np.uint64),
                         np.array([slot]))[0]
    if u[0] >= FAULT_PROBABILITY:
        return None
    kinds = list(KINDS)
    weights = np.array([KINDS[k][0] for k in kinds])
    kind = kinds[int(np.searchsorted(np.cumsum(weights) / weights.sum(), u[1], side="right"))]
    assets = eligible[kind]
    asset = assets[min(int(u[2] * len(assets)), len(assets) - 1)]
    _, lo, hi = KINDS[kind]
    start = EPOCH + slot * SLOT + _minutes(u[3] * SLOT.total_seconds() / 3600.0)
    end = start + _minutes(lo + (hi - lo) * u[4])
    severity = 0.85 + 0.4 * u[5]
    if kind in SENSOR_FAULTS:
        ids = [s.id for s in asset.sensors]
        if kind == "dropout" and u[6] < 0.5:
            sensors = tuple(ids)  # the asset's gateway lost communication: every sensor goes
        else:
            sensors = (ids[min(int(u[6] * len(ids)), len(ids) - 1)],)
    else:
        sensors = tuple(sid for sid, *_ in EFFECTS[asset.type][kind] if any(s.id == sid for s in asset.sensors))
    sign = 1.0 if u[7] < 0.5 else -1.0
    return Episode(asset.id, kind, start, end, sensors, float(severity), sign)


def _slot(when: datetime) -> int:
    return int((when - EPOCH) // SLOT)


def schedule(plant: Plant, seed: int, start: datetime, end: datetime) -> list[Episode]:
    """Automatic faults overlapping [start, end): several a week, diverse kinds and assets, window-independent.

    A candidate is dropped when an earlier raw candidate on the same asset overlaps it; the rule looks only at
    raw candidates (never at what was dropped), so the answer does not depend on where the window begins.
    """
    start, end = utc(start), utc(end)
    eligible = {k: [a for a in plant.assets if k in faults_for(a.type)] for k in KINDS}
    lookback = int(MAX_DURATION // SLOT) + 2
    first, last = _slot(start - MAX_DURATION) - 1, _slot(end) + 1
    raw = {k: _candidate(plant, seed, k, eligible) for k in range(first - lookback, last + 1)}
    episodes = []
    for k in range(first, last + 1):
        ep = raw[k]
        if ep is None or ep.end <= start or ep.start >= end:
            continue
        clash = any(o is not None and o.asset_id == ep.asset_id and o.end > ep.start
                    for o in (raw.get(j) for j in range(k - lookback, k)))
        if not clash:
            episodes.append(ep)
    return episodes
