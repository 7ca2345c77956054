"""AssetOpsBench IoT scenario assets (its pumps/ folder) as site IOT: a metro train's air compressor (MetroPT, hourly
means), a hydraulic pump test rig (one row per 60 s load cycle, dated one cycle per day) and a motor's raw
vibration (one second at 4,096 Hz). They are not part of the building plant, so they get their own site.

Their timestamps are naive and largely synthetic (the hydraulic rig's dates run to 2028): they are read as UTC."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from industrialmind.plant.importers._common import (
    estimate_range,
    infer_quantity_unit,
    sample_period_s,
    snake_case,
    wide_to_points,
)
from industrialmind.plant.importers.report import SkippedRow
from industrialmind.domain.model import Asset, Plant, Sensor, Site

if TYPE_CHECKING:
    import pandas as pd

SITE_ID = "IOT"
# file -> (asset id, name, type, aliases, description)
PUMP_ASSETS = {
    "metro_pump_1.json": ("MP-1", "Metro pump 1", "compressor", ["mp_1", "metro pump", "metro compressor", "MP1"],
                          "Air production unit compressor of a metro train (MetroPT), hourly means."),
    "hydraulic_pump_1.json": ("HP-1", "Hydraulic pump 1", "hydraulic_pump", ["hyd_1", "hydraulic pump", "HP1"],
                              "Hydraulic test rig: one row per 60 s load cycle (cycle means), one cycle per day."),
    "motor_01.json": ("MOTOR-01", "Motor 01", "motor", ["Motor_01", "motor 1", "M-01"],
                      "Electric motor, raw vibration signal: one second sampled at 4,096 Hz."),
}
_SKIP_COLUMNS = {"asset_id", "timestamp", "cycle", "_id", "_rev"}


def sensor_id(column: str) -> str:
    """A tag name without its unit and rate suffixes: 'PS1_Pressure_bar_100Hz' -> 'ps1_pressure'."""
    sid = snake_case(column)
    sid = re.sub(r"_\d+hz$", "", sid)
    sid = re.sub(r"_(bar|c|a|w|kw|percent|l_per_min|mm_per_s)$", "", sid)
    return sid


def read_pump_file(file: Path, asset_id: str) -> tuple[pd.DataFrame, list[Sensor], list[SkippedRow]]:
    """One pumps/ JSON file -> (wide frame with ts in UTC and one column per sensor id, sensors, skipped rows)."""
    import pandas as pd

    raw = pd.DataFrame(json.loads(file.read_text()))
    ts = pd.to_datetime(raw["timestamp"], errors="coerce", format="ISO8601").dt.tz_localize("UTC")
    columns = {c: sensor_id(c) for c in raw.columns if c not in _SKIP_COLUMNS}
    # empty strings mark gaps in the metro file: they become missing values, not zeros
    values = raw[list(columns)].rename(columns=columns).apply(pd.to_numeric, errors="coerce")
    bad_ts, empty = ts.isna().to_numpy(), values.isna().all(axis=1).to_numpy()
    skipped = [SkippedRow(row=i + 1, reason=("unparseable timestamp " + repr(raw["timestamp"].iloc[i])) if bad_ts[i]
                          else "no sensor values", file=file.name)
               for i in range(len(raw)) if bad_ts[i] or empty[i]]
    keep = ~(bad_ts | empty)
    wide = values[keep].reset_index(drop=True)
    wide.insert(0, "ts", ts[keep].to_numpy())
    period = sample_period_s(wide["ts"])
    sensors = []
    for column, sid in columns.items():
        quantity, unit = infer_quantity_unit(column)
        rate = re.search(r"(\d+)Hz$", column)
        name = sid.replace("_", " ").capitalize() + (f" ({rate.group(1)} Hz signal, cycle mean)" if rate else "")
        lo, hi = estimate_range(wide[sid])
        sensors.append(Sensor(id=sid, name=name, quantity=quantity, unit=unit, normal_min=lo, normal_max=hi,
                              sample_period_s=period, aliases=[column]))
    return wide, sensors, skipped


def read_pumps(folder: Path) -> tuple[Plant, dict[str, pd.DataFrame], list[SkippedRow]]:
    """Every known file of the pumps/ folder -> (site IOT as a Plant, points frame per asset id, skipped rows)."""
    site = Site(id=SITE_ID, name="AssetOpsBench IoT assets",
                description="Scenario assets of IBM AssetOpsBench: a metro air compressor, a hydraulic pump rig and "
                            "a motor.", timezone="UTC")
    assets, points, skipped = [], {}, []
    for file_name, (asset_id, name, kind, aliases, description) in PUMP_ASSETS.items():
        file = folder / file_name
        if not file.is_file():
            continue
        wide, sensors, rows = read_pump_file(file, asset_id)
        skipped.extend(rows)
        assets.append(Asset(id=asset_id, name=name, type=kind, site_id=SITE_ID, description=description,
                            aliases=aliases, sensors=sensors, attributes={"source_file": file_name}))
        points[asset_id] = wide_to_points(wide, asset_id, {s.id: s.id for s in sensors})
    return Plant(site=site, assets=assets), points, skipped
