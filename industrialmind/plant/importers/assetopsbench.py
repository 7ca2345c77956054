"""AssetOpsBench (IBM): a real building plant, site MAIN, with 11 chillers, Chiller 6's sensor history (June 2020,
15 min), 4,249 work orders (2010-2023), 6,256 events, failure modes and failure codes; plus its IoT scenario assets
(a metro air compressor, a hydraulic pump rig, a motor's vibration) under a second site, IOT.

Time zone: the files carry naive local times. The CouchDB export of Chiller 6 gives the same readings both as naive
local time (.json) and as epoch seconds (.jsonl), 4 hours apart in June: the plant keeps US Eastern time, so every
naive time of the building plant is read as America/New_York and stored in UTC.

The parsing functions here are pure (files in, domain objects and frames out); `import_assetopsbench` writes them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.plant.importers._common import (
    batched,
    check_timezone,
    close_quietly,
    estimate_range,
    infer_quantity_unit,
    localize,
    open_stores,
    save_plant_merged,
    snake_case,
    wide_to_points,
    write_points,
)
from industrialmind.plant.importers.assetopsbench_records import (
    read_events,
    read_failure_modes,
    read_work_orders,
)
from industrialmind.plant.importers.report import ImportReport, ProgressFn, SkippedRow, no_progress
from industrialmind.domain.model import Asset, Component, Line, Plant, Sensor, Site

if TYPE_CHECKING:
    import pandas as pd

    from industrialmind.config import Settings

SITE_ID = "MAIN"
SITE_TZ = "America/New_York"
LINE_ID = "MAIN-CHILLER-PLANT"
WORK_ORDERS_FILE = "all_wo_with_code_component_events.csv"
SENSOR_FILES = ("chiller6_june2020_sensordata_couchdb.jsonl", "chiller6_june2020_sensordata_couchdb.json")
_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
# sensors of Chiller 6 that meter.csv does not describe: (component, quantity, unit, description)
_EXTRA_SENSORS = {
    "supply_temperature": ("evaporator", "temperature", "°F", "chilled water supply (leaving) temperature"),
    "setpoint_temperature": ("control system", "temperature", "°F", "chilled water supply temperature setpoint"),
    "schedule": ("control system", "state", "", "operating schedule signal"),
    "run_status": ("chiller", "state", "", "run status signal"),
}
_METER_UNITS = {"amps": "A", "C or F": "°F", "l/min": "l/min", "bar": "bar", "%": "%", "kW/ton": "kW/ton",
                "ton": "ton", "kW": "kW", "n/a": ""}
_METER_QUANTITIES = {"temperature": "temperature", "temperature difference": "temperature", "flow rate": "flow",
                     "current": "current", "pressure": "pressure", "pressure difference": "differential_pressure",
                     "mode": "state", "flag": "state"}


def find_sample_data(path: Path) -> Path:
    """The folder holding the AssetOpsBench sample files: path itself or its sample_data/ child."""
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"folder {str(path)!r} does not exist: pass the AssetOpsBench sample_data folder")
    for candidate in (path, path / "sample_data"):
        if (candidate / WORK_ORDERS_FILE).is_file():
            return candidate
    seen = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))[:10] if path.is_dir() else []
    raise InvalidInputError(f"no AssetOpsBench sample data in {str(path)!r}: expected {WORK_ORDERS_FILE!r} there or in "
                            f"sample_data/; found {seen}")


def read_csv(file: Path) -> pd.DataFrame:
    """Read one of the sample CSVs as text (a BOM and empty cells kept as '')."""
    from industrialmind.plant.importers._common import read_csv_file

    return read_csv_file(file, "AssetOpsBench file", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def chiller_asset_id(equipment_name: str, equipment_id: str) -> str:
    """The id an engineer recognises: 'Chiller 6' -> 'CHILLER-6'; other names fall back to the CMMS id."""
    m = re.fullmatch(r"\s*chiller\s*#?\s*(\d+)\s*", equipment_name, flags=re.IGNORECASE)
    return f"CHILLER-{int(m.group(1))}" if m else equipment_id.strip()


def chiller_aliases(number: int, equipment_id: str) -> list[str]:
    """What people call chiller n: 'Chiller 6', 'CH6', 'CH-6', 'chiller six', and its CMMS id 'CWC04006'."""
    aliases = [f"Chiller {number}", f"CH{number}", f"CH-{number}", f"Chiller #{number}"]
    if number < len(_NUMBER_WORDS):
        aliases.append(f"chiller {_NUMBER_WORDS[number]}")
    return aliases + [equipment_id]


def read_components(folder: Path) -> list[Component]:
    """A chiller's maintainable parts from component.csv (the 'chiller' row itself excluded)."""
    file = folder / "component.csv"
    if not file.is_file():
        return []
    rows = read_csv(file)
    return [Component(id=snake_case(r["component"]), name=r["component"].capitalize(), kind=r["component"])
            for r in rows.to_dict("records") if r["equipment"] == "chiller" and r["component"] != "chiller"]


def read_chillers(folder: Path) -> list[Asset]:
    """The chillers named in the work orders and events, one Asset each (sensors are added by read_chiller6)."""
    seen: dict[str, str] = {}
    for name in (WORK_ORDERS_FILE, "event.csv"):
        file = folder / name
        if file.is_file():
            frame = read_csv(file)[["equipment_id", "equipment_name"]].drop_duplicates()
            for r in frame.to_dict("records"):
                seen.setdefault(r["equipment_id"].strip(), r["equipment_name"].strip())
    components = read_components(folder)
    assets = []
    for equipment_id, name in seen.items():
        if not equipment_id:
            continue
        asset_id = chiller_asset_id(name, equipment_id)
        number = int(asset_id.split("-")[1]) if asset_id.startswith("CHILLER-") else None
        assets.append(Asset(
            id=asset_id, name=name, type="chiller", site_id=SITE_ID, line_id=LINE_ID,
            criticality="A", description=f"Water-cooled chiller of the central plant (CMMS id {equipment_id}).",
            aliases=chiller_aliases(number, equipment_id) if number is not None else [name],
            components=[c.model_copy() for c in components], attributes={"equipment_id": equipment_id},
        ))
    return sorted(assets, key=lambda a: (len(a.id), a.id))


def _meters(folder: Path) -> dict[str, dict[str, str]]:
    """meter.csv rows keyed by the meter name as a sensor id."""
    file = folder / "meter.csv"
    if not file.is_file():
        return {}
    return {snake_case(r["meter"]): r for r in read_csv(file).to_dict("records")}


def read_chiller6(folder: Path, tz: str = SITE_TZ) -> tuple[pd.DataFrame, list[Sensor], list[SkippedRow]]:
    """Chiller 6's June 2020 history: a wide frame (ts in UTC + one column per sensor id), its sensors and the
    rows skipped. Reads the .jsonl (epoch seconds, unambiguous) or else the .json (naive local times in tz)."""
    import pandas as pd

    file = next((folder / n for n in SENSOR_FILES if (folder / n).is_file()), None)
    if file is None:
        return pd.DataFrame({"ts": pd.Series(dtype="datetime64[ns, UTC]")}), [], []
    if file.suffix == ".jsonl":
        raw = pd.read_json(file, lines=True, dtype=False, convert_dates=False)
        ts = pd.to_datetime(pd.to_numeric(raw["timestamp"], errors="coerce"), unit="s", utc=True)
    else:
        raw = pd.read_json(file, dtype=False, convert_dates=False)
        ts = localize(pd.to_datetime(raw["timestamp"], errors="coerce", format="ISO8601"), tz)
    # the export mixes 'condenser_water_flow' with 'Chiller 6 Run Status': strip the asset name, snake_case the rest
    rename = {c: snake_case(re.sub(r"^chiller\s*6\s+", "", c, flags=re.IGNORECASE)) for c in raw.columns
              if c not in ("asset_id", "timestamp", "_id", "_rev")}
    values = raw[list(rename)].rename(columns=rename).apply(pd.to_numeric, errors="coerce")
    skipped = []
    bad_ts = ts.isna().to_numpy()
    empty = values.isna().all(axis=1).to_numpy()
    for i in range(len(raw)):
        if bad_ts[i]:
            skipped.append(SkippedRow(row=i + 1, reason=f"unparseable timestamp {raw['timestamp'].iloc[i]!r}",
                                      file=file.name))
        elif empty[i]:
            skipped.append(SkippedRow(row=i + 1, reason="no sensor values", file=file.name))
    keep = ~(bad_ts | empty)
    wide = values[keep].copy()
    wide.insert(0, "ts", ts[keep].to_numpy())
    wide = wide.reset_index(drop=True)
    meters = _meters(folder)
    period = 900.0
    sensors = []
    for sid in rename.values():
        lo, hi = estimate_range(wide[sid])
        meter = meters.get(sid)
        if meter is not None:
            unit = _METER_UNITS.get(meter["unit"], meter["unit"])
            quantity = _METER_QUANTITIES.get(meter["measurement"]) or infer_quantity_unit(sid)[0]
            component, description = meter["component"], meter["description"]
        elif sid in _EXTRA_SENSORS:
            component, quantity, unit, description = _EXTRA_SENSORS[sid]
        else:
            quantity, unit = infer_quantity_unit(sid)
            component, description = "", ""
        name = sid.replace("_percent_", " % ").replace("_", " ").capitalize()
        sensors.append(Sensor(id=sid, name=name, quantity=quantity, unit=unit, normal_min=lo, normal_max=hi,
                              sample_period_s=period, component=component or None,
                              aliases=[description] if description else []))
    return wide, sensors, skipped


def read_chiller_plant(folder: Path, tz: str = SITE_TZ) -> tuple[Plant, pd.DataFrame, list[SkippedRow]]:
    """Site MAIN as a Plant (chillers, their components, Chiller 6's sensors, failure modes), Chiller 6's wide
    sensor frame and the sensor rows skipped."""
    site = Site(id=SITE_ID, name="AssetOpsBench building plant",
                description="A real building's central chiller plant (IBM AssetOpsBench sample data).", timezone=tz)
    line = Line(id=LINE_ID, name="Chiller plant", site_id=SITE_ID, area="central utility plant",
                description="The chillers that cool the building's chilled-water loop.", aliases=["chillers"])
    assets = read_chillers(folder)
    wide, sensors, skipped = read_chiller6(folder, tz)
    for asset in assets:
        if asset.id == "CHILLER-6":
            asset.sensors = sensors
    plant = Plant(site=site, lines=[line], assets=assets, failure_modes=read_failure_modes(folder))
    return plant, wide, skipped


def import_assetopsbench(settings: Settings, path: Path | str, progress: ProgressFn | None = None,
                         tz: str = SITE_TZ, pumps: bool = True) -> ImportReport:
    """Import the AssetOpsBench sample data (and its pumps/ folder beside it) into the stores and the registry.
    Idempotent: records are upserted by id and points keyed by (asset, sensor, ts), so a re-run duplicates nothing."""
    progress = progress or no_progress
    tz = check_timezone(tz)
    folder = find_sample_data(Path(path))
    report = ImportReport(source="assetopsbench", site_id=SITE_ID)
    report.notes.append(f"naive times read as {tz} (the site's local time) and stored in UTC")
    progress("reading files", 0, 4)
    plant, wide, skipped = read_chiller_plant(folder, tz)
    report.skipped.extend(skipped)
    progress("reading files", 1, 4)
    work_orders, skipped = read_work_orders(folder, tz, {a.attributes["equipment_id"]: a.id for a in plant.assets})
    report.skipped.extend(skipped)
    progress("reading files", 2, 4)
    events, skipped = read_events(folder, tz, {a.attributes["equipment_id"]: a.id for a in plant.assets})
    report.skipped.extend(skipped)
    progress("reading files", 3, 4)
    pump_plant, pump_points = None, {}
    pumps_dir = folder.parent / "pumps"
    if pumps and pumps_dir.is_dir():
        from industrialmind.plant.importers.assetopsbench_pumps import read_pumps

        pump_plant, pump_points, skipped = read_pumps(pumps_dir)
        report.skipped.extend(skipped)
    progress("reading files", 4, 4)

    report.add("sites", 1 + (pump_plant is not None))
    report.add("lines", len(plant.lines))
    report.add("assets", len(plant.assets) + (len(pump_plant.assets) if pump_plant is not None else 0))
    report.add("sensors", plant.sensor_count + (pump_plant.sensor_count if pump_plant is not None else 0))
    report.add("failure_modes", len(plant.failure_modes))
    report.assets.extend(a.id for a in plant.assets + (pump_plant.assets if pump_plant is not None else []))
    chiller6 = next((a for a in plant.assets if a.id == "CHILLER-6"), None)
    points = wide_to_points(wide, "CHILLER-6", {s.id: s.id for s in chiller6.sensors}) if chiller6 else None
    ts_store, records = open_stores(settings)
    try:
        save_plant_merged(records, plant)
        if points is not None:
            write_points(ts_store, points, report, progress, "Chiller 6 sensor points")
        for i, batch in enumerate(batched(work_orders, 500)):
            records.upsert_work_orders(batch)
            progress("work orders", min((i + 1) * 500, len(work_orders)), len(work_orders))
        report.add("work_orders", len(work_orders))
        for i, batch in enumerate(batched(events, 1000)):
            records.upsert_events(batch)
            progress("events", min((i + 1) * 1000, len(events)), len(events))
        report.add("events", len(events))
        if pump_plant is not None:
            save_plant_merged(records, pump_plant)
            for asset_id, frame in pump_points.items():
                write_points(ts_store, frame, report, progress, f"{asset_id} sensor points")
            report.notes.append(f"pumps/ imported as site {pump_plant.site.id!r}: "
                                + ", ".join(a.id for a in pump_plant.assets))
    finally:
        close_quietly(records, ts_store)
    return report
