"""The simulator's process model: each asset type's sensors as functions of load, thermal lag and ambient.

Every function returns positions inside the sensor's normal range (0 = normal_min, 1 = normal_max) for a block of
assets of one type, shape (T, k). The simulator turns positions into engineering values, adds noise and faults.
Inputs:
- g: the asset's load in [0, 1] (a motor gets the load of the machine it drives);
- gl: the same load seen through a thermal lag (temperatures follow load with a delay of tens of minutes);
- a: ambient temperature anomaly, about -1 (cool night) to +1 (hot afternoon), shape (T, 1);
- lvl: position of the feeding tank's level (pumps: suction head), 0.5 where none.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Positions = dict[str, np.ndarray]
Model = Callable[..., Positions]


def pump(g, gl, a, lvl, **_) -> Positions:
    """Fixed-speed centrifugal pump throttled by a valve: more flow, lower head (pump curve), more friction loss."""
    return {
        "flow": 0.1 + 0.8 * g,
        "discharge_pressure": 0.75 - 0.4 * g,
        "suction_pressure": 0.65 - 0.3 * g * g + 0.35 * (lvl - 0.5),
        "vibration_de": 0.2 + 0.25 * g,
        "vibration_nde": 0.2 + 0.2 * g,
        "bearing_temp": 0.25 + 0.35 * gl + 0.12 * a,
    }


def motor(g, gl, a, **_) -> Positions:
    """Induction motor: current and power follow the driven load; slip grows with load; the winding heats with lag."""
    load = g ** 1.3
    return {
        "current": 0.1 + 0.8 * load,
        "power": 0.1 + 0.8 * load,
        "winding_temp": 0.2 + 0.5 * gl ** 1.3 + 0.12 * a,
        "vibration": 0.2 + 0.2 * g,
        "speed": 0.75 - 0.5 * g,
    }


def compressor(g, gl, a, **_) -> Positions:
    """Variable-speed screw compressor holding discharge pressure; flow and heat follow demand."""
    return {
        "flow": 0.1 + 0.8 * g,
        "suction_pressure": 0.6 - 0.3 * g,
        "discharge_pressure": 0.5 + 0.0 * g,
        "discharge_temp": 0.25 + 0.35 * gl + 0.15 * a,
        "vibration": 0.2 + 0.25 * g,
        "bearing_temp": 0.25 + 0.35 * gl + 0.1 * a,
        "oil_pressure": 0.5 - 0.05 * g,
        "oil_temp": 0.3 + 0.3 * gl + 0.15 * a,
    }


def fan(g, gl, a, **_) -> Positions:
    """Centrifugal fan on a drive: airflow follows speed, pressure follows speed squared (fan laws)."""
    return {
        "speed": 0.15 + 0.7 * g,
        "airflow": 0.1 + 0.8 * g,
        "differential_pressure": 0.1 + 0.8 * g * g,
        "vibration": 0.2 + 0.2 * g,
        "bearing_temp": 0.25 + 0.3 * gl + 0.15 * a,
    }


def blower(g, gl, a, **_) -> Positions:
    """Positive-displacement blower: pressure and discharge temperature rise with the conveying load."""
    return {
        "airflow": 0.1 + 0.8 * g,
        "discharge_pressure": 0.2 + 0.6 * g,
        "discharge_temp": 0.2 + 0.4 * gl + 0.2 * a,
        "vibration": 0.2 + 0.25 * g,
        "bearing_temp": 0.25 + 0.3 * gl + 0.15 * a,
    }


def heat_exchanger(g, gl, a, lo, hi, **_) -> Positions:
    """Counter-current exchanger: outlet temperatures from each side's effectiveness, pressure drop ~ flow^2."""
    span = {k: hi[k] - lo[k] for k in lo}
    mid = {k: (lo[k] + hi[k]) / 2 for k in lo}
    cold_in = lo["cold_in_temp"] + span["cold_in_temp"] * (0.5 + 0.35 * a)
    hot_in = lo["hot_in_temp"] + span["hot_in_temp"] * (0.5 + 0.3 * (gl - 0.5))
    # design effectiveness of each side from the normal ranges; more throughput, less time to exchange heat
    lift = mid["hot_in_temp"] - mid["cold_in_temp"]
    eps_hot = (mid["hot_in_temp"] - mid["hot_out_temp"]) / lift
    eps_cold = (mid["cold_out_temp"] - mid["cold_in_temp"]) / lift
    derate = 1.05 - 0.1 * g
    hot_out = hot_in - eps_hot * derate * (hot_in - cold_in)
    cold_out = cold_in + eps_cold * derate * (hot_in - cold_in)

    def pos(name, value):
        return (value - lo[name]) / span[name]

    return {
        "hot_in_temp": pos("hot_in_temp", hot_in),
        "hot_out_temp": pos("hot_out_temp", hot_out),
        "cold_in_temp": pos("cold_in_temp", cold_in),
        "cold_out_temp": pos("cold_out_temp", cold_out),
        "flow": 0.1 + 0.8 * g,
        "differential_pressure": 0.1 + 0.8 * g * g,
    }


def valve(g, **_) -> Positions:
    """Control valve: opens with demand; the pressure it drops shrinks as it opens."""
    command = 0.15 + 0.7 * g
    return {
        "command": command,
        "position": command,
        "upstream_pressure": 0.5 - 0.3 * (g - 0.5),
        "downstream_pressure": 0.5 + 0.3 * (g - 0.5),
    }


def tank(g, gl, a, own_lvl, **_) -> Positions:
    """Vessel: level wanders with inflow/outflow imbalance; contents temperature follows the process and ambient."""
    return {
        "level": own_lvl,
        "temperature": 0.5 + 0.15 * a + 0.25 * (gl - 0.5),
        "pressure": 0.5 + 0.2 * (g - 0.5),
    }


def conveyor(g, gl, a, **_) -> Positions:
    """Belt conveyor: load follows the line; belt speed droops slightly under load."""
    return {
        "speed": 0.6 - 0.1 * g,
        "load": 0.1 + 0.8 * g,
        "vibration": 0.2 + 0.25 * g,
        "bearing_temp": 0.25 + 0.3 * gl + 0.15 * a,
    }


def agitator(g, gl, a, **_) -> Positions:
    """Fixed-speed agitator: torque follows the batch's viscosity, which tracks the line's load."""
    return {
        "speed": 0.5 + 0.0 * g,
        "torque": 0.2 + 0.6 * g,
        "vibration": 0.2 + 0.2 * g,
        "gearbox_temp": 0.25 + 0.35 * gl + 0.12 * a,
    }


def chiller(g, gl, a, **_) -> Positions:
    """Centrifugal chiller: cooling load sets the chilled-water delta-T; condenser conditions follow ambient."""
    return {
        "cooling_load": 0.1 + 0.8 * g,
        "chw_supply_temp": 0.5 + 0.0 * g,
        "chw_return_temp": 0.2 + 0.6 * g,
        "condenser_water_temp": 0.5 + 0.4 * a,
        "condenser_pressure": 0.3 + 0.3 * g + 0.3 * a,
        "evaporator_pressure": 0.5 - 0.1 * (g - 0.5),
        "power": 0.15 + 0.55 * g + 0.15 * a,
    }


MODELS: dict[str, Model] = {
    "centrifugal_pump": pump, "motor": motor, "compressor": compressor, "fan": fan, "blower": blower,
    "heat_exchanger": heat_exchanger, "valve": valve, "tank": tank, "conveyor": conveyor, "agitator": agitator,
    "chiller": chiller,
}


def generic(g, gl, a, sensor_ids, quantities, **_) -> Positions:
    """Fallback for asset types without a model (imported plants): quantities follow load plausibly."""
    out = {}
    for sid, quantity in zip(sensor_ids, quantities):
        if quantity == "temperature":
            out[sid] = 0.3 + 0.3 * gl + 0.12 * a
        elif quantity in ("level", "speed", "position"):
            out[sid] = 0.5 + 0.0 * g
        else:
            out[sid] = 0.1 + 0.8 * g
    return out

# measurement noise, as a fraction of the normal span (one standard deviation)
NOISE = {"flow": 0.025, "pressure": 0.012, "temperature": 0.006, "vibration": 0.04, "current": 0.015,
         "power": 0.015, "speed": 0.02, "level": 0.004, "position": 0.004, "command": 0.003, "torque": 0.02,
         "load": 0.03}
DEFAULT_NOISE = 0.015
