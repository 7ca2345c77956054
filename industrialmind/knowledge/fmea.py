"""FMEA tables -> failure modes: the real mining-truck FMEA CSV (subsystem, component, sub-component, failure mode,
effect, cause, S/O/D, RPN, recommended action) and any FMEA with those columns.

Each row becomes one FailureMode with a stable id `fmea:<file stem>:r<row>` (row = 1-based data row), so quality
sets and citations can name rows; the row is also indexed as a passage for retrieval. The file's own columns are
kept as written in the mode's `attributes` (what `industrialmind.query` filters and counts on).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from industrialmind.errors import InvalidInputError
from industrialmind.domain.model import FailureMode

FMEA_ASSET_TYPE = "haul_truck"

# canonical field -> accepted header spellings (lower-case, without punctuation)
_COLUMNS = {
    "subsystem": ("subsystem", "system"),
    "component": ("component", "item"),
    "sub_component": ("subcomponent", "part"),
    "mode": ("potentialfailuremode", "failuremode", "mode"),
    "effect": ("potentialeffectsoffailure", "potentialeffectoffailure", "effect", "effects"),
    "severity": ("severity", "sev", "s"),
    "cause": ("potentialcausesoffailure", "potentialcauseoffailure", "cause", "causes"),
    "occurrence": ("occurrence", "occ", "o"),
    "controls": ("currentcontrols", "controls"),
    "detection": ("detection", "det", "d"),
    "rpn": ("rpn",),
    "action": ("recommendedaction", "recommendedactions", "action"),
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z]", "", header.lower())


def _int(value: str) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def fmea_prefix(path: Path) -> str:
    """The id prefix of a file's rows: 'fmea:<stem>'."""
    return "fmea:" + re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower()).strip("_")


def read_fmea(path: Path | str, asset_type: str = FMEA_ASSET_TYPE) -> list[FailureMode]:
    """Read an FMEA CSV into failure modes (one per row); raises InvalidInputError naming missing columns."""
    import io

    from industrialmind.plant.importers.csv_import import read_text

    path = Path(path)
    text = read_text(path, what="FMEA file")  # clear errors for a missing, empty, binary or non-UTF-8 file
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        headers = {_key(h): h for h in (reader.fieldnames or [])}
        columns = {field: next((headers[a] for a in aliases if a in headers), None)
                   for field, aliases in _COLUMNS.items()}
        missing = [f for f in ("mode", "cause", "effect") if columns[f] is None]
        if missing:
            raise InvalidInputError(f"{path.name}: missing FMEA column(s) {missing}; found {reader.fieldnames}")
        prefix = fmea_prefix(path)
        modes = []
        for row_no, row in enumerate(reader, start=1):
            get = {f: (row.get(c) or "").strip() if c else "" for f, c in columns.items()}
            if not get["mode"]:
                continue
            parts = [p for p in (get["subsystem"], get["component"], get["sub_component"]) if p]
            where = get["sub_component"] or get["component"] or get["subsystem"]
            effects = [e.strip() for e in re.split(r",|;", get["effect"]) if e.strip()]
            severity, occurrence, detection = _int(get["severity"]), _int(get["occurrence"]), _int(get["detection"])
            # the file's own columns, as written: `component` below joins three of them, `recommended_action`
            # falls back to the controls, and the file's RPN may differ from S x O x D
            own = {"subsystem": get["subsystem"], "component": get["component"], "sub_component": get["sub_component"],
                   "failure_mode": get["mode"], "effect": get["effect"], "cause": get["cause"],
                   "controls": get["controls"], "recommended_action": get["action"]}
            if (rpn := _int(get["rpn"])) is not None:
                own["rpn"] = rpn
            modes.append(FailureMode(
                id=f"{prefix}:r{row_no}", name=f"{where}: {get['mode']}".strip(": "), asset_type=asset_type,
                component=" / ".join(parts), mechanism=get["cause"], symptoms=effects,
                revealing_sensors=[], recommended_action=get["action"] or get["controls"],
                severity=severity, occurrence=occurrence, detection=detection, source=prefix, attributes=own))
    except csv.Error as exc:  # a stray carriage return inside an unquoted field
        raise InvalidInputError(f"FMEA file {str(path)!r} cannot be read as CSV ({exc}): expected a header row "
                                "(failure mode, cause, effect, ...) and comma-separated rows") from None
    if not modes:  # importing it would only delete the modes a previous import of this file wrote
        raise InvalidInputError(f"FMEA file {str(path)!r} has a header but no row with a failure mode in column "
                                f"{columns['mode']!r}: nothing to import")
    return modes


def failure_mode_text(mode: FailureMode) -> str:
    """A failure mode as a self-contained passage (what retrieval indexes and cites)."""
    lines = [f"Failure mode: {mode.name} ({mode.asset_type.replace('_', ' ')})"]
    if mode.component:
        lines.append(f"Component: {mode.component}")
    if mode.mechanism:
        lines.append(f"Cause / mechanism: {mode.mechanism}")
    if mode.symptoms:
        lines.append("Effects / symptoms: " + "; ".join(mode.symptoms))
    if mode.revealing_sensors:
        lines.append("Revealed by sensors: " + ", ".join(mode.revealing_sensors))
    if mode.recommended_action:
        lines.append(f"Recommended action: {mode.recommended_action}")
    risk = [f"{k}={v}" for k, v in (("S", mode.severity), ("O", mode.occurrence), ("D", mode.detection)) if v]
    if risk:
        rpn = (mode.severity or 0) * (mode.occurrence or 0) * (mode.detection or 0)
        lines.append("Risk: " + ", ".join(risk) + (f", RPN={rpn}" if rpn else ""))
    return "\n".join(lines)
