"""SKAB (Skoltech Anomaly Benchmark): one water-pump testbed, 8 sensors at 1 Hz, 35 experiment files.

Modelled as ONE asset, SKAB-PUMP, of site SKAB, with one continuous sensor history: the experiment files are
windows over the same testbed's database (where two files overlap in time, their readings are identical), so the
testbed is what an engineer asks about ("how did the SKAB pump's vibration change during the cavitation run?").
Each file becomes an 'experiment' event (its time window and what was done), each contiguous run of anomaly=1 a
FaultLabel (source 'skab', the fault named after the experiment) and each changepoint=1 row a 'changepoint' event.

Time zone: the files hold naive times of the database in Moscow (Skoltech); they are read as Europe/Moscow
(UTC+3, no summer time since 2014) and stored in UTC. `tz` overrides this.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.plant.importers._common import (
    check_timezone,
    close_quietly,
    estimate_range,
    localize,
    open_stores,
    read_csv_file,
    save_plant_merged,
    snake_case,
    wide_to_points,
    write_points,
)
from industrialmind.plant.importers.report import ImportReport, ProgressFn, SkippedRow, no_progress
from industrialmind.domain.model import Asset, Component, Event, FaultLabel, Line, Plant, Sensor, Site

if TYPE_CHECKING:
    import pandas as pd

    from industrialmind.config import Settings

SITE_ID = "SKAB"
ASSET_ID = "SKAB-PUMP"
SITE_TZ = "Europe/Moscow"
SOURCE = "skab"
TIME_COLUMN = "datetime"
LABEL_COLUMNS = ("anomaly", "changepoint")
# column -> (quantity, unit, what it measures), from the SKAB README
SENSORS = {
    "Accelerometer1RMS": ("vibration", "g", "vibration acceleration RMS, accelerometer 1"),
    "Accelerometer2RMS": ("vibration", "g", "vibration acceleration RMS, accelerometer 2"),
    "Current": ("current", "A", "motor current"),
    "Pressure": ("pressure", "bar", "loop pressure after the pump"),
    "Temperature": ("temperature", "°C", "motor body temperature"),
    "Thermocouple": ("temperature", "°C", "fluid temperature in the loop"),
    "Voltage": ("voltage", "V", "motor voltage"),
    "Volume Flow RateRMS": ("flow", "l/min", "circulation flow rate in the loop"),
}
# experiment folder (and file for other/) -> (fault name, what the experiment did), from SKAB data/README.md
_OTHER = {
    1: ("fluid_leak", "simulated fluid leaks and fluid additions"),
    2: ("fluid_leak", "simulated fluid leaks and fluid additions"),
    3: ("fluid_leak", "simulated fluid leaks and fluid additions"),
    4: ("fluid_leak", "simulated fluid leaks and fluid additions"),
    5: ("rotor_imbalance", "rotor imbalance, sharp onset"),
    6: ("rotor_imbalance", "rotor imbalance, linear growth"),
    7: ("rotor_imbalance", "rotor imbalance, step"),
    8: ("rotor_imbalance", "rotor imbalance, Dirac-delta-like"),
    9: ("rotor_imbalance", "rotor imbalance, exponential growth"),
    10: ("water_level_increase", "slow increase of the amount of water in the circuit"),
    11: ("water_level_increase", "sudden increase of the amount of water in the circuit"),
    12: ("cavitation", "draining water from the tank until cavitation"),
    13: ("cavitation", "two-phase flow supplied to the pump inlet (cavitation)"),
    14: ("high_fluid_temperature", "water supply of increased temperature"),
}
_GROUPS = {
    "valve1": ("valve_closed_inlet", "closing the valve at the flow inlet to the pump"),
    "valve2": ("valve_closed_outlet", "closing the valve at the outlet of the flow from the pump"),
    "anomaly-free": ("none", "normal operation, no anomaly"),
}


def experiment(file: Path) -> tuple[str, str, str]:
    """(run name 'valve1/3', fault name, description) of one SKAB file, from its folder and number."""
    group, stem = file.parent.name, file.stem
    name = f"{group}/{stem}" if group != stem else stem
    if group == "other" and stem.isdigit() and int(stem) in _OTHER:
        return (name, *_OTHER[int(stem)])
    return (name, *_GROUPS.get(group, ("anomaly", f"experiment {name}")))


def find_files(path: Path) -> list[Path]:
    """The SKAB CSV files under path (the repository, its data/ folder or one group folder), in a stable order."""
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"folder {str(path)!r} does not exist: pass the SKAB folder (with data/valve1, ...)")
    if not path.is_dir():
        raise InvalidInputError(f"{str(path)!r} is a file: pass the SKAB folder (with data/valve1, ...), not one "
                                "of its files (`industrialmind import csv` reads a single CSV)")
    files = sorted(p for p in path.rglob("*.csv") if p.is_file())
    if not files:
        raise InvalidInputError(f"no SKAB CSV files under {str(path)!r}: expected data/valve1/*.csv and the like")
    return files


def read_file(file: Path, tz: str = SITE_TZ) -> tuple[pd.DataFrame, list[SkippedRow]]:
    """One SKAB file -> (frame with ts in UTC, one column per sensor id, and anomaly/changepoint; skipped rows).
    A row whose time or any value does not parse is skipped; the others are kept."""
    import pandas as pd

    raw = read_csv_file(file, "SKAB file", sep=";", dtype=str, keep_default_na=False)
    run = experiment(file)[0]
    missing = [c for c in (TIME_COLUMN, *SENSORS) if c not in raw.columns]
    if missing:
        raise InvalidInputError(f"SKAB file {str(file)!r} lacks columns {missing}; its header is {list(raw.columns)}")
    ts = localize(pd.to_datetime(raw[TIME_COLUMN].str.strip(), format="%Y-%m-%d %H:%M:%S", errors="coerce"), tz)
    frame = pd.DataFrame({"ts": ts})
    reasons = pd.Series("", index=raw.index)
    reasons[ts.isna()] = "unparseable datetime " + raw[TIME_COLUMN][ts.isna()].map(repr)
    for column in (*SENSORS, *[c for c in LABEL_COLUMNS if c in raw.columns]):
        text = raw[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & (text != "") & (reasons == "")
        reasons[bad] = f"column {column!r}: " + text[bad].map(repr) + " is not a number"
        frame[snake_case(column) if column in SENSORS else column] = values
    skipped = [SkippedRow(row=i + 2, reason=r, file=f"{run}.csv") for i, r in enumerate(reasons) if r]
    return frame[(reasons == "").to_numpy()].reset_index(drop=True), skipped


def segments(ts: pd.Series, flags: pd.Series) -> list[tuple]:
    """Contiguous runs of flag == 1 as (first ts, last ts) pairs."""
    runs, start, last = [], None, None
    for t, f in zip(ts, flags.fillna(0).astype(int)):
        if f == 1 and start is None:
            start = t
        if f != 1 and start is not None:
            runs.append((start, last))
            start = None
        last = t
    if start is not None:
        runs.append((start, last))
    return runs


def read_skab(path: Path, tz: str = SITE_TZ, progress: ProgressFn | None = None):
    """All SKAB files -> (Plant of site SKAB, wide frame of the testbed's history, labels, events, skipped rows)."""
    import pandas as pd

    progress = progress or no_progress
    files = find_files(path)
    frames, labels, events, skipped = [], [], [], []
    for n, file in enumerate(files):
        frame, rows = read_file(file, tz)
        skipped.extend(rows)
        run, fault, description = experiment(file)
        rid = snake_case(run)
        if len(frame):
            events.append(Event(id=f"skab-run-{rid}", asset_id=ASSET_ID, kind="experiment", severity="info",
                                message=f"SKAB experiment {run}: {description}",
                                start=frame["ts"].iloc[0].to_pydatetime(), end=frame["ts"].iloc[-1].to_pydatetime(),
                                source=SOURCE))
        if "anomaly" in frame:
            for start, end in (segments(frame["ts"], frame["anomaly"])):
                labels.append(FaultLabel(asset_id=ASSET_ID, fault=fault, start=start.to_pydatetime(),
                                         end=end.to_pydatetime(), source=SOURCE))
        if "changepoint" in frame:
            for k, t in enumerate(frame["ts"][frame["changepoint"].fillna(0) == 1]):
                events.append(Event(id=f"skab-cp-{rid}-{k + 1}", asset_id=ASSET_ID, kind="changepoint",
                                    severity="info", message=f"SKAB changepoint {k + 1} of experiment {run} ({fault})",
                                    start=t.to_pydatetime(), source=SOURCE))
        frames.append(frame)
        progress("reading SKAB files", n + 1, len(files))
    wide = pd.concat(frames, ignore_index=True).sort_values("ts", kind="stable")
    # overlapping experiment windows repeat the same database rows: keep each instant once
    wide = wide.drop_duplicates("ts", keep="first").reset_index(drop=True)
    return testbed_plant(wide, tz), wide, labels, events, skipped


def testbed_plant(wide: pd.DataFrame, tz: str = SITE_TZ) -> Plant:
    """Site SKAB with its one testbed asset and 8 sensors (normal ranges from the anomaly-free rows when labelled)."""
    normal = wide[wide["anomaly"].fillna(0) == 0] if "anomaly" in wide else wide
    sensors = []
    for column, (quantity, unit, what) in SENSORS.items():
        sid = snake_case(column)
        lo, hi = estimate_range(normal[sid])
        sensors.append(Sensor(id=sid, name=what[0].upper() + what[1:], quantity=quantity, unit=unit, normal_min=lo,
                              normal_max=hi, sample_period_s=1.0, aliases=[column]))
    site = Site(id=SITE_ID, name="SKAB testbed", timezone=tz,
                description="Skoltech Anomaly Benchmark water-circulation testbed (Moscow): a pump driven by an "
                            "electric motor, valves, a tank and a loop.")
    line = Line(id="SKAB-LOOP", name="Testbed water loop", site_id=SITE_ID, aliases=["SKAB loop"])
    asset = Asset(id=ASSET_ID, name="SKAB testbed pump", type="centrifugal_pump", site_id=SITE_ID,
                  line_id="SKAB-LOOP", criticality="C", aliases=["SKAB pump", "SKAB", "testbed pump", "water pump"],
                  description="Water pump with its motor on the SKAB testbed; 35 experiments (valve closures, "
                              "leaks, rotor imbalance, cavitation, hot water) in 2020.",
                  components=[Component(id=c, name=c.capitalize(), kind=c) for c in ("pump", "motor", "valve")],
                  sensors=sensors)
    return Plant(site=site, lines=[line], assets=[asset])


def merge_labels(records, labels: list[FaultLabel], events: list[Event]) -> list[FaultLabel]:
    """The labels to store under source 'skab': the new ones, plus stored ones outside the time windows of the
    files imported now, so importing data/valve1 then data/valve2 keeps both, and a re-import replaces its own."""
    windows = [(e.start, e.end) for e in events if e.kind == "experiment"]
    kept = [lb for lb in records.list_fault_labels(ASSET_ID) if lb.source == SOURCE
            and not any(lb.start <= w_end and lb.end >= w_start for w_start, w_end in windows)]
    return kept + labels


def import_skab(settings: Settings, path: Path | str, progress: ProgressFn | None = None,
                tz: str = SITE_TZ) -> ImportReport:
    """Import SKAB into the stores: the testbed asset, its 1 Hz history, experiment and changepoint events, and the
    anomaly segments as fault labels (source 'skab', replaced as a whole on re-import, so nothing duplicates)."""
    progress = progress or no_progress
    tz = check_timezone(tz)
    plant, wide, labels, events, skipped = read_skab(Path(path), tz, progress)
    report = ImportReport(source=SOURCE, site_id=SITE_ID, skipped=skipped, assets=[ASSET_ID])
    report.notes.append(f"naive times read as {tz} and stored in UTC")
    report.add("files", len({e.id for e in events if e.kind == "experiment"}))
    points = wide_to_points(wide, ASSET_ID, {s.id: s.id for s in plant.assets[0].sensors})
    report.add("sites", 1)
    report.add("assets", 1)
    report.add("sensors", plant.sensor_count)
    ts_store, records = open_stores(settings)
    try:
        save_plant_merged(records, plant)
        write_points(ts_store, points, report, progress, "SKAB sensor points")
        records.upsert_events(events)
        report.add("events", len(events))
        records.replace_fault_labels(merge_labels(records, labels, events), SOURCE)
        report.add("fault_labels", len(labels))
    finally:
        close_quietly(records, ts_store)
    return report
