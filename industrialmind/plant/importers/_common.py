"""Helpers every importer shares: names to sensor ids, units and quantities from names, time zones, ranges, and
writing points and records to the stores in batches with progress."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from industrialmind.errors import InvalidInputError, did_you_mean
from industrialmind.plant.importers.report import ImportReport, ProgressFn, no_progress

if TYPE_CHECKING:
    import pandas as pd

    from industrialmind.config import Settings

POINT_BATCH = 50_000

# name token -> unit, for tokens that can only be a unit when they stand alone in a column name
_UNIT_TOKENS: dict[str, str] = {
    "bar": "bar", "barg": "bar", "psi": "psi", "kpa": "kPa", "pa": "Pa", "mbar": "mbar",
    "c": "°C", "degc": "°C", "celsius": "°C", "f": "°F", "degf": "°F", "k": "K",
    "a": "A", "amps": "A", "amp": "A", "ma": "mA", "v": "V", "volt": "V", "volts": "V", "kv": "kV",
    "w": "W", "kw": "kW", "mw": "MW", "kwh": "kWh",
    "percent": "%", "pct": "%", "rpm": "rpm", "hz": "Hz", "g": "g",
    "lpm": "l/min", "gpm": "gpm", "m3h": "m³/h", "mm_s": "mm/s", "kw_ton": "kW/ton", "ton": "ton", "tons": "ton",
}
# multi-token unit spellings, matched on the snake_case name before single tokens
_UNIT_PHRASES: list[tuple[str, str]] = [
    ("l_per_min", "l/min"), ("liter_per_minute", "l/min"), ("litre_per_minute", "l/min"), ("mm_per_s", "mm/s"),
    ("m3_per_h", "m³/h"), ("m3_h", "m³/h"), ("kw_per_ton", "kW/ton"), ("kw_ton", "kW/ton"), ("mm_s", "mm/s"),
]
# word in the name -> quantity; the first match in this order wins (specific before general)
_QUANTITY_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("status", "switch", "alarm", "signal", "flag", "mode", "schedule", "state", "counter"), "state"),
    (("efficiency",), "efficiency"),
    (("temperature", "temp", "thermocouple", "tmp"), "temperature"),
    (("pressure", "press"), "pressure"),
    (("flow", "flowrate", "volumeflow"), "flow"),
    (("vibration", "vib", "accelerometer", "accel"), "vibration"),
    (("current", "amps", "amperage"), "current"),
    (("voltage", "volt", "volts"), "voltage"),
    (("power",), "power"),
    (("speed", "rpm"), "speed"),
    (("level",), "level"),
    (("tonnage",), "cooling_capacity"),
    (("loaded", "load"), "load"),
    (("id",), "state"),
]
# units implied by a quantity word alone (the name carries no unit token)
_QUANTITY_FROM_UNIT = {"°C": "temperature", "°F": "temperature", "bar": "pressure", "psi": "pressure",
                       "kPa": "pressure", "A": "current", "V": "voltage", "W": "power", "kW": "power",
                       "l/min": "flow", "m³/h": "flow", "gpm": "flow", "mm/s": "vibration", "rpm": "speed"}


def snake_case(name: str) -> str:
    """A column or tag name as a sensor id: 'Volume Flow RateRMS' -> 'volume_flow_rate_rms', '% Loaded' -> 'percent_loaded'."""
    text = name.strip().replace("%", " percent ").replace("°", " deg")
    # mixed-case unit spellings stay one token: 'kW' -> 'kw', '100Hz' -> '100hz' (not 'k_w', '100_hz')
    text = re.sub(r"(?<![A-Za-z])(kWh|kW|MW|kHz|Hz|kPa|mA|kV|mbar)(?![a-z])", lambda m: m.group(1).lower(), text)
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([0-9])([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"([0-9])([A-Z]{2,})", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return re.sub(r"_+", "_", text) or "value"


def infer_quantity_unit(name: str) -> tuple[str, str]:
    """Guess (quantity, unit) from a sensor name: 'TS1_Temperature_C_1Hz' -> ('temperature', '°C'); ('value', '') if unknown."""
    snake = snake_case(name)
    tokens = [t for t in snake.split("_") if not re.fullmatch(r"\d+(hz|khz)", t)]
    unit = ""
    joined = "_".join(tokens)
    for phrase, u in _UNIT_PHRASES:
        if re.search(rf"(^|_){phrase}($|_)", joined):
            unit = u
            break
    quantity = ""
    words = set(tokens)
    for keys, q in _QUANTITY_WORDS:
        if words & set(keys) or any(t.startswith(keys) for t in tokens if len(t) > 4):
            quantity = q
            break
    if not unit:
        # a one-letter unit token ('c', 'a', 'v', 'f', 'g') counts only after the first word: 'c_temp' is no unit
        for t in tokens[1:]:
            if t in _UNIT_TOKENS:
                unit = _UNIT_TOKENS[t]
                break
        if not unit and "percent" in tokens:
            unit = "%"
    if not quantity:
        quantity = _QUANTITY_FROM_UNIT.get(unit, "value")
    return quantity, unit


def estimate_range(values: pd.Series) -> tuple[float | None, float | None]:
    """A normal range for a sensor with no documented one: the 1st and 99th percentiles of its finite values."""
    import numpy as np

    v = values.to_numpy(dtype="float64", na_value=np.nan)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None, None
    lo, hi = np.percentile(v, [1, 99])
    return _round(float(lo)), _round(float(hi))


def _round(x: float) -> float:
    """Round to 4 significant digits: a range estimated from data is not more precise than that."""
    if x == 0:
        return 0.0
    from math import floor, log10

    return round(x, max(0, 3 - floor(log10(abs(x)))))


def sample_period_s(ts: pd.Series, default: float = 60.0) -> float:
    """The median spacing of a timestamp column in seconds (default when fewer than two points)."""
    s = ts.dropna().sort_values()
    if len(s) < 2:
        return default
    d = s.diff().dropna().median()
    seconds = d.total_seconds()
    return round(seconds, 6) if seconds > 0 else default


def check_timezone(tz: str) -> str:
    """Return tz if it is a known IANA zone ('UTC', 'Europe/Moscow'), else raise naming the closest zones."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(tz)
        return tz
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(f"unknown time zone {tz!r}" + did_you_mean(tz, available_timezones())) from None


def localize(naive: pd.Series, tz: str) -> pd.Series:
    """Naive local timestamps in zone tz -> UTC. In the repeated autumn hour the first (summer-time) instant is
    taken, and a spring-forward gap time is shifted forward, so every row gets one deterministic instant."""
    import numpy as np

    s = naive
    if s.dt.tz is not None:
        return s.dt.tz_convert("UTC")
    if tz == "UTC":
        return s.dt.tz_localize("UTC")
    local = s.dt.tz_localize(tz, ambiguous=np.ones(len(s), dtype=bool), nonexistent="shift_forward")
    return local.dt.tz_convert("UTC")


def wide_to_points(frame: pd.DataFrame, asset: str, columns: dict[str, str]) -> pd.DataFrame:
    """A wide frame (column 'ts' in UTC plus value columns) -> the store's long points frame; columns maps each
    value column to its sensor id. Missing values (NaN) are gaps, not points."""
    import pandas as pd

    from industrialmind.stores.timeseries import empty_points

    parts = []
    for column, sensor in columns.items():
        values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        keep = values.notna().to_numpy()
        if not keep.any():
            continue
        parts.append(pd.DataFrame({"asset": asset, "sensor": sensor, "ts": frame["ts"].to_numpy()[keep],
                                   "value": values.to_numpy()[keep]}))
    if not parts:
        return empty_points()
    points = pd.concat(parts, ignore_index=True)
    points["ts"] = pd.to_datetime(points["ts"], utc=True).astype("datetime64[ns, UTC]")
    points["quality"] = pd.Series(0, index=points.index, dtype="int8")
    return points


def write_points(store: Any, points: pd.DataFrame, report: ImportReport, progress: ProgressFn | None,
                 task: str = "sensor points") -> None:
    """Write points in batches (idempotent in the store), advancing progress and counting them in the report."""
    progress = progress or no_progress
    total = len(points)
    progress(task, 0, total)
    for start in range(0, total, POINT_BATCH):
        chunk = points.iloc[start:start + POINT_BATCH]
        store.write(chunk)
        progress(task, min(start + POINT_BATCH, total), total)
    report.add("points", total)


def batched(items: list, size: int) -> Iterable[list]:
    """Consecutive slices of items of at most size elements."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def open_stores(settings: Settings) -> tuple[Any, Any]:
    """Open the time-series and records stores named by the settings (the caller closes both)."""
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    settings.ensure_home()
    ts = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        records = open_records(settings.resolved.records)
    except BaseException:
        ts.close()
        raise
    return ts, records


def close_quietly(*stores: Any) -> None:
    """Close each store, ignoring a store that has no close or fails closing (the data is already written)."""
    import contextlib

    for store in stores:
        close = getattr(store, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):  # closing is best effort once the writes have returned
                close()


def save_plant_merged(records: Any, plant: Any) -> None:
    """Save an imported plant without losing what was added to it since (e.g. sensors from a CSV import): a
    registered asset keeps its sensors the import does not know, and other registered assets of the site stay."""
    loader = getattr(records, "load_plant", None)
    stored = loader(plant.site.id) if loader is not None else None
    if stored is not None:
        by_id = {a.id: a for a in stored.assets}
        for asset in plant.assets:
            old = by_id.pop(asset.id, None)
            if old is not None:
                known = {s.id for s in asset.sensors}
                asset.sensors.extend(s for s in old.sensors if s.id not in known)
        plant.assets.extend(by_id.values())
    records.save_plant(plant)


def read_csv_file(file: Any, what: str, **options: Any) -> pd.DataFrame:
    """pd.read_csv(file, **options), with an empty, binary or malformed file as an InvalidInputError naming it."""
    import csv

    import pandas as pd

    try:
        return pd.read_csv(file, **options)
    except pd.errors.EmptyDataError:
        raise InvalidInputError(f"{what} {str(file)!r} is empty: expected a header row and data rows") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{what} {str(file)!r} is not UTF-8 text (binary, or another encoding): expected "
                                "the dataset's CSV file") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        reason = " ".join(str(exc).split())
        raise InvalidInputError(f"{what} {str(file)!r} cannot be read as CSV ({reason})") from None
