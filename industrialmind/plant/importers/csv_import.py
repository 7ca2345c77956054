"""Import any CSV of sensor readings for one asset: the delimiter (',' ';' tab), the timestamp column and the numeric
sensor columns are detected; bad rows are skipped and reported by row number (the header is row 1) and reason, the
rest imported. Naive timestamps are read in `tz` (UTC unless told) and stored in UTC. Re-running duplicates nothing:
points are keyed by (asset, sensor, ts) and a sensor already on the asset is not added twice.

`parse_csv` is pure (a file in, a frame and what was found out); `import_csv` writes it to the stores.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from industrialmind.errors import InvalidInputError, NotFoundError, did_you_mean
from industrialmind.plant.importers._common import (
    check_timezone,
    close_quietly,
    estimate_range,
    infer_quantity_unit,
    localize,
    open_stores,
    sample_period_s,
    snake_case,
    wide_to_points,
    write_points,
)
from industrialmind.plant.importers.report import ImportReport, ProgressFn, SkippedRow, no_progress

if TYPE_CHECKING:
    import pandas as pd

    from industrialmind.config import Settings
    from industrialmind.domain.model import Sensor

DELIMITERS = (",", ";", "\t")
NA_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a"}
_TIME_NAME = re.compile(r"time|date|^ts$|^t$|stamp|epoch|unix|zeit|fecha|datum|^when$", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{4}-\d{2}-\d{2}T")
_AWARE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SAMPLE = 50  # values looked at to decide whether a column holds times or numbers


@dataclass
class ParsedCsv:
    """What parse_csv found: the readings (ts in UTC + one column per sensor column) and how it read the file."""

    frame: pd.DataFrame
    timestamp_col: str
    sensor_cols: list[str]
    delimiter: str
    ignored_columns: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    rows: int = 0  # data rows in the file (header excluded)


def read_text(file: Path, what: str = "CSV file") -> str:
    """The file's text (UTF-8 with or without BOM, else Latin-1), or a clear error when missing, empty or binary."""
    file = Path(file).expanduser()
    if not file.exists():
        near = [p.name for p in file.parent.glob("*.csv")] if file.parent.is_dir() else []
        hint = did_you_mean(file.name, near) if near else ""
        raise NotFoundError(f"{what} {str(file)!r} does not exist" + (hint if "did you mean" in hint else ""))
    if not file.is_file():
        raise InvalidInputError(f"{str(file)!r} is not a file: pass a CSV file")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():
        raise InvalidInputError(f"{what} {str(file)!r} is empty: expected a header row and data rows")
    if _looks_binary(raw[:8192]):
        raise InvalidInputError(f"{what} {str(file)!r} is binary, not text: expected a CSV file (a header row, then "
                                "rows separated by ',', ';' or tab)")
    return text


def _looks_binary(head: bytes) -> bool:
    """True for bytes no CSV holds: a NUL, or many control characters (an archive, an image, a spreadsheet)."""
    if b"\x00" in head:
        return True
    control = sum(b < 32 and b not in (9, 10, 13) for b in head)
    return control > max(2, len(head) // 100)


def detect_delimiter(text: str) -> str:
    """The delimiter among ',' ';' tab that splits the header into the most columns and keeps the next lines at
    the same width (so ';' wins over the decimal commas of '1,5;2,5')."""
    lines = [ln for ln in text.splitlines()[:21] if ln.strip()]
    best, best_key = ",", (-1.0, 0)
    for d in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=d))
        width = len(rows[0])
        if width < 2:
            continue
        same = sum(len(r) == width for r in rows[1:]) / max(1, len(rows) - 1)
        key = (same, width)
        if key > best_key:
            best, best_key = d, key
    return best


def _numbers(text: pd.Series, decimal_comma: bool) -> pd.Series:
    """Parse numbers (NaN where a cell is not one); with decimal_comma, '1,5' also reads as 1.5."""
    import pandas as pd

    values = pd.to_numeric(text, errors="coerce")
    if decimal_comma:
        retry = values.isna() & text.str.fullmatch(r"[+-]?\d+,\d+([eE][+-]?\d+)?")
        if retry.any():
            values[retry] = pd.to_numeric(text[retry].str.replace(",", ".", regex=False), errors="coerce")
    return values


def parse_times(text: pd.Series, tz: str, epoch: bool = False) -> pd.Series:
    """Parse timestamps to UTC (NaT where a cell does not parse). ISO 8601 first, then other date-like spellings
    ('01/02/2024 10:00'); naive values are local time in tz, values with an offset keep it. With epoch, numbers
    are Unix times (s, ms, us or ns by magnitude)."""
    import pandas as pd

    text = text.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if epoch:
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().any():
            big = numbers.abs().max()
            unit = "ns" if big > 1e17 else "us" if big > 1e14 else "ms" if big > 1e11 else "s"
            out[numbers.notna()] = pd.to_datetime(numbers[numbers.notna()], unit=unit, utc=True)
            return out
    aware = text.str.contains(_AWARE) & text.str.contains(r"\d{4}")
    for mask, is_aware in ((~aware, False), (aware, True)):
        if not mask.any():
            continue
        part = text[mask]
        parsed = pd.to_datetime(part, format="ISO8601", errors="coerce", utc=is_aware)
        rest = parsed.isna() & part.str.contains(_DATE_LIKE)
        if rest.any():
            parsed = parsed.astype(object)
            parsed[rest] = pd.to_datetime(part[rest], format="mixed", errors="coerce", utc=is_aware)
            parsed = pd.to_datetime(parsed, utc=is_aware)
        # a bare number is never a timestamp here: ISO parsing would take '2024' for a year
        parsed[~part.str.contains(r"[-/:.T ]")] = pd.NaT
        out[mask] = parsed if is_aware else localize(parsed, tz)
    return out


def _present(text: pd.Series) -> pd.Series:
    """Cells that hold something (not empty, not an NA token)."""
    return ~text.str.strip().str.lower().isin(NA_TOKENS)


def _pick_column(name: str, header: list[str], what: str, file: Path) -> str:
    """The header column a user named (exact, else case-insensitive), or an error naming the closest columns."""
    if name in header:
        return name
    folded = {h.lower(): h for h in header}
    if name.strip().lower() in folded:
        return folded[name.strip().lower()]
    raise InvalidInputError(f"{what} {name!r} is not in the header of {str(file)!r}" + did_you_mean(name, header))


def _detect_time_column(table: pd.DataFrame, header: list[str], tz: str, file: Path) -> str:
    """The first column whose sampled values mostly parse as timestamps (time-like names are tried first)."""
    ordered = sorted(header, key=lambda h: 0 if _TIME_NAME.search(h) else 1)
    for column in ordered:
        values = table[column][_present(table[column])].head(_SAMPLE)
        if values.empty:
            continue
        parsed = parse_times(values, tz, epoch=bool(_TIME_NAME.search(column)))
        if parsed.notna().mean() >= 0.8:
            return column
    raise InvalidInputError(f"no timestamp column found in {str(file)!r}: columns seen: "
                            + ", ".join(repr(h) for h in header) + "; name one with --timestamp-col")


def parse_csv(file: Path | str, timestamp_col: str | None = None, sensor_cols: list[str] | None = None,
              tz: str = "UTC") -> ParsedCsv:
    """Read a CSV of readings: detect its delimiter, timestamp column and numeric sensor columns, and return the
    good rows (ts in UTC) with every skipped row's number and reason."""
    import pandas as pd

    file = Path(file).expanduser()
    tz = check_timezone(tz)
    text = read_text(file)
    delimiter = detect_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:  # a stray carriage return or NUL inside a field
        raise InvalidInputError(f"CSV file {str(file)!r} cannot be read as CSV ({exc}): expected a header row, then "
                                "rows separated by ',', ';' or tab") from None
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(records[0])]
    index_cols = {h for h, raw in zip(header, records[0]) if raw.strip().lower() in ("", "index", "unnamed: 0")}
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # a repeated name gets a suffix, so each column stays addressable
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            header[i] = f"{h}_{seen[h]}"
    if len(header) < 2:
        raise InvalidInputError(f"CSV file {str(file)!r} has one column ({header[0]!r}): expected a timestamp column "
                                "and at least one sensor column separated by ',', ';' or tab")
    skipped: list[SkippedRow] = []
    good_rows, numbers = [], []
    for i, fields in enumerate(records[1:]):
        row = i + 2
        if not any(f.strip() for f in fields):
            if fields or row < len(records):  # a blank line inside the file; the trailing newline is no row
                skipped.append(SkippedRow(row=row, reason="empty row", file=file.name))
            continue
        if len(fields) != len(header):
            skipped.append(SkippedRow(row=row, reason=f"expected {len(header)} fields, found {len(fields)}",
                                      file=file.name))
            continue
        good_rows.append(fields)
        numbers.append(row)
    if not good_rows and not skipped:
        raise InvalidInputError(f"CSV file {str(file)!r} has a header ({', '.join(header)}) but no data rows")
    table = pd.DataFrame(good_rows, columns=header, dtype=str)
    table.index = numbers
    if timestamp_col:
        ts_col = _pick_column(timestamp_col, header, "timestamp column", file)
    elif table.empty:
        ts_col = next((h for h in header if _TIME_NAME.search(h)), header[0])
    else:
        ts_col = _detect_time_column(table, header, tz, file)
    decimal_comma = delimiter != ","
    ignored: list[str] = []
    if sensor_cols:
        columns = [_pick_column(c, header, "sensor column", file) for c in sensor_cols]
        if ts_col in columns:
            raise InvalidInputError(f"column {ts_col!r} is the timestamp column; it cannot also be a sensor column")
    else:
        columns = []
        for column in header:
            if column == ts_col:
                continue
            if column in index_cols:  # a row index written by pandas or a spreadsheet is no sensor
                ignored.append(column)
                continue
            present = table[column][_present(table[column])]
            share = _numbers(present.str.strip(), decimal_comma).notna().mean() if len(present) else 0.0
            (columns if share > 0.5 else ignored).append(column)
        if not columns:
            raise InvalidInputError(f"CSV file {str(file)!r} has no numeric sensor column: columns seen: "
                                    + ", ".join(repr(h) for h in header) + f" (timestamp column {ts_col!r})")
    frame = pd.DataFrame(index=table.index)
    ts_text = table[ts_col] if len(table) else pd.Series(dtype=str)
    frame["ts"] = parse_times(ts_text, tz, epoch=bool(_TIME_NAME.search(ts_col))) if len(table) else \
        pd.Series(dtype="datetime64[ns, UTC]")
    reasons: dict[int, list[str]] = {}
    for row in table.index[frame["ts"].isna().to_numpy()]:
        value = ts_text[row].strip()
        reasons[row] = [f"unparseable timestamp {value!r} in column {ts_col!r}" if value
                        else f"empty timestamp in column {ts_col!r}"]
    for column in columns:
        cells = table[column].str.strip()
        present = _present(cells)
        values = _numbers(cells.where(present, ""), decimal_comma)
        values[~present] = float("nan")
        for row in table.index[(present & values.isna()).to_numpy()]:
            reasons.setdefault(row, []).append(f"column {column!r}: {table.at[row, column].strip()!r} is not a number")
        for row in table.index[(values.abs() == math.inf).to_numpy()]:
            reasons.setdefault(row, []).append(f"column {column!r}: {table.at[row, column].strip()!r} is not finite")
            values[row] = float("nan")
        frame[column] = values
    empty = frame[columns].isna().all(axis=1)
    for row in frame.index[empty.to_numpy()]:
        reasons.setdefault(row, ["no sensor values"])
    for row, why in reasons.items():
        skipped.append(SkippedRow(row=row, reason="; ".join(why), file=file.name))
    frame = frame.drop(index=list(reasons))
    # rows that repeat an instant: the later row is the correction, the earlier one is reported
    dup = frame["ts"].duplicated(keep="last")
    if dup.any():
        last_row = {t: r for r, t in zip(frame.index, frame["ts"])}
        for row, t in zip(frame.index[dup.to_numpy()], frame["ts"][dup]):
            skipped.append(SkippedRow(row=row, reason=f"same timestamp as row {last_row[t]}, which is kept",
                                      file=file.name))
        frame = frame[~dup.to_numpy()]
    skipped.sort(key=lambda s: s.row)
    if frame.empty:
        shown = "; ".join(f"row {s.row}: {s.reason}" for s in skipped[:3])
        raise InvalidInputError(f"no row of {str(file)!r} could be imported ({len(skipped)} skipped; {shown})")
    return ParsedCsv(frame=frame, timestamp_col=ts_col, sensor_cols=columns, delimiter=delimiter,
                     ignored_columns=ignored, skipped=skipped, rows=len(records) - 1)


def csv_sensors(parsed: ParsedCsv) -> list[Sensor]:
    """One Sensor per sensor column, named after the column in snake_case, quantity and unit guessed from the
    name, normal range from the data's 1st-99th percentiles, sample period from the median time step."""
    from industrialmind.domain.model import Sensor

    period = sample_period_s(parsed.frame["ts"])
    sensors, used = [], set()
    for column in parsed.sensor_cols:
        quantity, unit = infer_quantity_unit(column)
        lo, hi = estimate_range(parsed.frame[column])
        sid, n = snake_case(column), 2
        while sid in used:  # 'Temp C' and 'temp_c' in one file stay two sensors
            sid, n = f"{snake_case(column)}_{n}", n + 1
        used.add(sid)
        sensors.append(Sensor(id=sid, name=column, quantity=quantity, unit=unit, normal_min=lo,
                              normal_max=hi, sample_period_s=period, aliases=[column] if column != snake_case(column)
                              else []))
    return sensors


def _find_asset(records, asset_id: str):
    """The registered asset with this id (any site; case and separators ignored), or None."""
    key = re.sub(r"[^A-Z0-9]", "", asset_id.upper())
    for asset in records.list_assets():
        if asset.id == asset_id or re.sub(r"[^A-Z0-9]", "", asset.id.upper()) == key:
            return asset
    return None


def register_asset(records, asset_id: str, site_id: str, sensors: list, asset_type: str = "equipment"):
    """Add the asset (to site_id, created if missing) or, when it exists in any site, add the sensors it lacks.
    Returns (asset id as registered, ids of the sensors added)."""
    from industrialmind.domain.model import Asset, Plant, Site

    existing = _find_asset(records, asset_id)
    plant_site = existing.site_id if existing is not None else site_id
    plant = records.load_plant(plant_site)
    if plant is None:
        plant = Plant(site=Site(id=site_id, name=f"{site_id} (imported CSV)",
                                description="Assets created by `industrialmind import csv`."))
    if existing is None:
        asset = Asset(id=asset_id, name=asset_id, type=asset_type, site_id=plant.site.id, criticality="C",
                      description="Created by a CSV import.")
        plant.assets.append(asset)
    else:
        asset = plant.asset(existing.id)
    have = {s.id for s in asset.sensors}
    added = [s for s in sensors if s.id not in have]
    asset.sensors.extend(added)
    records.save_plant(plant)
    return asset.id, [s.id for s in added]


def import_csv(settings: Settings, file: Path | str, asset_id: str, timestamp_col: str | None = None,
               site: str = "CSV", sensor_cols: list[str] | None = None, tz: str = "UTC",
               progress: ProgressFn | None = None, asset_type: str = "equipment") -> ImportReport:
    """Import one CSV of readings for asset_id: good rows become points, bad rows are reported; a new asset is
    created in `site` with one sensor per column, an existing one (in any site) gets the sensors it lacks."""
    progress = progress or no_progress
    asset_id = asset_id.strip()
    if not asset_id:
        raise InvalidInputError("--asset is empty: name the asset the readings belong to, e.g. 'P-101'")
    site = site.strip()
    if not site:  # an asset in site '' is listed under no site and cannot be addressed by one
        raise InvalidInputError("--site is empty: name the site of a new asset, e.g. 'CSV' (the default)")
    progress("reading CSV", 0, 1)
    parsed = parse_csv(file, timestamp_col, sensor_cols, tz)
    progress("reading CSV", 1, 1)
    sensors = csv_sensors(parsed)
    ts_store, records = open_stores(settings)
    try:
        registered, added = register_asset(records, asset_id, site.strip() or "CSV", sensors, asset_type)
        columns = {c: s.id for c, s in zip(parsed.sensor_cols, sensors)}
        report = ImportReport(source="csv", site_id=records_site(records, registered), skipped=parsed.skipped,
                              ignored_columns=parsed.ignored_columns, assets=[registered])
        report.add("rows", len(parsed.frame))
        report.add("sensors_added", len(added))
        write_points(ts_store, wide_to_points(parsed.frame, registered, columns), report, progress)
    finally:
        close_quietly(records, ts_store)
    report.notes.append(f"delimiter {parsed.delimiter!r}, timestamp column {parsed.timestamp_col!r}, naive times "
                        f"read as {tz}; sensors: " + ", ".join(f"{c} -> {s}" for c, s in columns.items()))
    return report


def records_site(records, asset_id: str) -> str:
    """The site id of a registered asset."""
    found = _find_asset(records, asset_id)
    return found.site_id if found is not None else ""
