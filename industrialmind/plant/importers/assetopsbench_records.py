"""AssetOpsBench records: work orders, events (work orders, alerts, anomalies) and failure modes and codes, read
from the sample CSVs into domain objects. Pure functions: files in, objects and skipped rows out."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from industrialmind.plant.importers._common import localize, read_csv_file, snake_case
from industrialmind.plant.importers.report import SkippedRow
from industrialmind.domain.model import Event, FailureMode, WorkOrder

SOURCE = "assetopsbench"
WORK_ORDERS_FILE = "all_wo_with_code_component_events.csv"
# Maximo-style work priority: 1 is the most urgent, 5 routine
_PRIORITY = {"1": "high", "2": "medium", "3": "medium", "4": "low", "5": "low"}
_SHORT_DATE = "%m/%d/%y %H:%M"  # '4/6/16 14:00' in the work orders, alerts and anomalies


def _read(file: Path) -> pd.DataFrame:
    return read_csv_file(file, "AssetOpsBench file", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _times(text: pd.Series, fmt: str, tz: str) -> pd.Series:
    """Parse naive local times with one format and convert them to UTC (NaT where a cell does not parse)."""
    return localize(pd.to_datetime(text.str.strip(), format=fmt, errors="coerce"), tz)


def parse_duration(text: str) -> float | None:
    """'3:00' (h:mm) or '40:00:00' (h:mm:ss) -> hours; None when empty or malformed."""
    parts = text.strip().split(":")
    if not text.strip() or len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    h, m = int(parts[0]), int(parts[1])
    s = int(parts[2]) if len(parts) == 3 else 0
    return h + m / 60 + s / 3600


def read_work_orders(folder: Path, tz: str, assets: dict[str, str]) -> tuple[list[WorkOrder], list[SkippedRow]]:
    """Work orders from all_wo_with_code_component_events.csv. assets maps the CMMS equipment id to our asset id.

    completed_at is actual_finish; created_at is actual_finish minus the job's duration; kind is preventive when
    the 'preventive' column is TRUE, else corrective; failure_code is the secondary code (its prefix is the primary
    code: MT010b belongs to MT010); every work order in the file is finished, so status is closed."""
    from datetime import timedelta

    file = folder / WORK_ORDERS_FILE
    rows = _read(file)
    finished = _times(rows["actual_finish"], _SHORT_DATE, tz)
    orders: list[WorkOrder] = []
    skipped: list[SkippedRow] = []
    for i, r in enumerate(rows.to_dict("records")):
        row = i + 2  # the header is row 1
        asset_id = assets.get(r["equipment_id"].strip())
        if not r["wo_id"].strip():
            skipped.append(SkippedRow(row=row, reason="empty wo_id", file=file.name))
            continue
        if asset_id is None:
            skipped.append(SkippedRow(row=row, reason=f"unknown equipment_id {r['equipment_id']!r}", file=file.name))
            continue
        done = finished.iloc[i]
        if pd.isna(done):
            skipped.append(SkippedRow(row=row, reason=f"unparseable actual_finish {r['actual_finish']!r}",
                                      file=file.name))
            continue
        done = done.to_pydatetime()
        hours = parse_duration(r["duration"])
        created = done - timedelta(hours=hours) if hours else done
        primary, secondary = r["primary_code_description"].strip(), r["secondary_code_description"].strip()
        labour = r["actual_labor_hours"].strip()
        details = [f"codes {r['primary_code']}/{r['secondary_code']}", f"work priority {r['work_priority'] or '?'}"]
        if r["duration"].strip():
            details.append(f"duration {r['duration'].strip()} h")
        if labour:
            details.append(f"labour {labour} h")
        orders.append(WorkOrder(
            id=r["wo_id"].strip(), asset_id=asset_id,
            title=f"{primary}: {secondary}" if secondary else primary,
            description=f"{r['wo_description'].strip()} ({'; '.join(details)})",
            priority=_PRIORITY.get(r["work_priority"].strip(), "medium"), status="closed",
            kind="preventive" if r["preventive"].strip().upper() == "TRUE" else "corrective",
            failure_code=r["secondary_code"].strip() or r["primary_code"].strip(),
            component=r["collection"].strip().replace("|", ", "),
            created_at=created, completed_at=done, source=SOURCE,
        ))
    return orders, skipped


def _alert_ends(folder: Path, tz: str) -> dict[tuple[str, str, object], object]:
    """(equipment id, rule id, start UTC) -> end UTC, from alert_events.csv."""
    file = folder / "alert_events.csv"
    if not file.is_file():
        return {}
    rows = _read(file)
    start, end = _times(rows["start_time"], _SHORT_DATE, tz), _times(rows["end_time"], _SHORT_DATE, tz)
    return {(e.strip(), r.strip(), s): x for e, r, s, x in zip(rows["equipment_id"], rows["rule_id"], start, end)
            if not (pd.isna(s) or pd.isna(x))}


def _anomaly_scores(folder: Path, tz: str) -> dict[tuple[str, str, object], tuple[float, str]]:
    """(equipment name lower-case, KPI, time UTC) -> (anomaly score, value and bounds text), from anomaly_events.csv."""
    file = folder / "anomaly_events.csv"
    if not file.is_file():
        return {}
    rows = _read(file)
    at = _times(rows["timestamp"], _SHORT_DATE, tz)
    out = {}
    for r, t in zip(rows.to_dict("records"), at):
        try:
            score = float(r["anomaly_score"])
        except ValueError:
            continue
        detail = f"value {r['value']}, bounds [{r['lower_bound']}, {r['upper_bound']}]"
        out[(r["asset_name"].strip().lower(), r["KPI"].strip(), t)] = (score, detail)
    return out


def read_events(folder: Path, tz: str, assets: dict[str, str]) -> tuple[list[Event], list[SkippedRow]]:
    """Events from event.csv (work orders, alerts, anomalies), with the alert's end from alert_events.csv and the
    anomaly's score from anomaly_events.csv. Ids are the file's own (WO..., al_..., an_...)."""
    file = folder / "event.csv"
    if not file.is_file():
        return [], []
    rows = _read(file)
    at = _times(rows["event_time"], "%Y-%m-%d %H:%M:%S", tz)
    ends, scores = _alert_ends(folder, tz), _anomaly_scores(folder, tz)
    events: list[Event] = []
    skipped: list[SkippedRow] = []
    for i, (r, start) in enumerate(zip(rows.to_dict("records"), at)):
        row = i + 2
        asset_id = assets.get(r["equipment_id"].strip())
        if asset_id is None:
            skipped.append(SkippedRow(row=row, reason=f"unknown equipment_id {r['equipment_id']!r}", file=file.name))
            continue
        if pd.isna(start):
            skipped.append(SkippedRow(row=row, reason=f"unparseable event_time {r['event_time']!r}", file=file.name))
            continue
        group, etype, text = r["event_group"].strip().upper(), r["event_type"].strip(), r["description"].strip()
        end, score, severity = None, None, "warning"
        if group == "WORK_ORDER":
            kind, severity = "work_order", "info"
            label = "preventive" if r["event_category"].strip().upper() == "PM" else "corrective"
            message = f"{label.capitalize()} work order {r['event_id'].strip()}: {etype} {text}"
        elif group == "ALERT":
            kind = "alert"
            end = ends.get((r["equipment_id"].strip(), etype, start))
            message = f"Alert {etype}: {text}"
        elif group == "ANOMALY":
            kind = "anomaly"
            m = re.match(r"KPI (.*?) (above upper bound|below lower bound|within range)", etype)
            if m and m.group(2) == "within range":
                severity = "info"
            found = scores.get((r["equipment_name"].strip().lower(), m.group(1), start)) if m else None
            message = text
            if found:
                score = found[0]
                message = f"{text} ({found[1]})"
        else:
            kind, message = snake_case(group) or "note", text
        if r["note"].strip():
            message += f" [note: {r['note'].strip()}]"
        events.append(Event(id=r["event_id"].strip(), asset_id=asset_id, kind=kind, severity=severity,
                            message=message, start=start.to_pydatetime(),
                            end=end.to_pydatetime() if end is not None else None, score=score, source=SOURCE))
    return events, skipped


def read_failure_modes(folder: Path) -> list[FailureMode]:
    """Failure modes of chillers, AHUs and HVAC from failure_mode.csv (failure_modes.yaml lists a subset of the same
    rows), plus one failure mode per primary failure code (failure_codes.csv), whose symptoms are its secondary codes,
    the alert rules and the anomaly KPIs mapped to it, and whose revealing sensors are the meters of those rules."""
    modes: list[FailureMode] = []
    file = folder / "failure_mode.csv"
    if file.is_file():
        seen: set[str] = set()
        for r in _read(file).to_dict("records"):
            asset_type = r["Equipment"].strip().lower()
            mode, mechanism = r["Failure Mode"].strip(), r["Degradation Mechanism"].strip()
            factors = r.get("Influencing Factors", "").strip()
            fid = f"{asset_type}-{snake_case(mode)}"
            n = 2
            while fid in seen:
                fid, n = f"{asset_type}-{snake_case(mode)}-{n}", n + 1
            seen.add(fid)
            modes.append(FailureMode(
                id=fid, name=f"{mode}: {mechanism.lower()}" if mechanism else mode, asset_type=asset_type,
                component=_component(mode),
                mechanism=mechanism + (f" (influencing factors: {factors.lower()})" if factors else ""),
                source=SOURCE,
                attributes={k: v for k, v in (("failure_mode", mode), ("cause", mechanism),
                                              ("influencing_factors", factors)) if v},
            ))
    modes.extend(_failure_codes(folder))
    return modes


def _component(mode: str) -> str:
    """The part a failure_mode.csv row names: 'Condenser: Water side' -> 'condenser', 'Compressor Overheating' ->
    'compressor', 'Refrigerant Leak' -> 'refrigerant circuit'; '' when the row names a condition, not a part."""
    part = mode.split(":")[0].strip().lower()
    if part.startswith("improper"):
        return ""
    if part.endswith(" leak"):
        return part.removesuffix(" leak") + " circuit"
    return part.removesuffix(" overheating")


def _failure_codes(folder: Path) -> list[FailureMode]:
    """One chiller failure mode per primary failure code, its symptoms and revealing meters from the mappings."""
    file = folder / "failure_codes.csv"
    if not file.is_file():
        return []
    codes: dict[str, dict] = {}
    for r in _read(file).to_dict("records"):
        code = r["primary_code"].strip()
        entry = codes.setdefault(code, {"name": r["primary_code_description"].strip(),
                                        "category": r["category"].strip(), "symptoms": [], "meters": []})
        if r["secondary_code"].strip():
            entry["symptoms"].append(f"{r['secondary_code'].strip()} {r['secondary_code_description'].strip()}")
    rule_meters: dict[str, list[str]] = {}
    if (folder / "alert_rule_meter_mapping.csv").is_file():
        for r in _read(folder / "alert_rule_meter_mapping.csv").to_dict("records"):
            rule_meters.setdefault(r["rule_id"].strip(), []).append(snake_case(r["meter"]))
    if (folder / "alert_rule_failure_code_mapping.csv").is_file():
        for r in _read(folder / "alert_rule_failure_code_mapping.csv").to_dict("records"):
            entry = codes.get(r["primary_code"].strip())
            if entry is not None:
                entry["symptoms"].append(f"alert {r['rule_id'].strip()}: {r['rule_name'].strip()}")
                entry["meters"].extend(rule_meters.get(r["rule_id"].strip(), []))
    if (folder / "anomaly_to_failure_code_mapping.csv").is_file():
        for r in _read(folder / "anomaly_to_failure_code_mapping.csv").to_dict("records"):
            entry = codes.get(r["primary_code"].strip())
            if entry is not None:
                entry["symptoms"].append(f"anomaly: {r['kpi_name'].strip()} {r['anomaly_type'].strip().lower()}")
    return [FailureMode(id=code, name=e["name"], asset_type="chiller", mechanism=e["category"],
                        symptoms=list(dict.fromkeys(e["symptoms"])), revealing_sensors=list(dict.fromkeys(e["meters"])),
                        source=f"{SOURCE}-failure-code",
                        attributes={"failure_code": code, "failure_mode": e["name"], "category": e["category"]})
            for code, e in codes.items()]
