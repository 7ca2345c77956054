"""The limit check: what `detect_anomalies` does for an asset that has no trained model (NumPy + pandas only).

Three checks per sensor on a wide frame (ts index on a regular grid, one column per sensor, NaN where no reading):
- out of range: readings outside the sensor's normal range (Sensor.normal_min / normal_max) for at least
  `min_duration` (5 minutes by default), with hysteresis: an episode starts when a reading leaves the range and
  ends only once readings are back inside it by a deadband (2 % of the range), so noise at the limit does not
  chatter into many short episodes;
- flat line (stuck sensor): the same value, to within a tiny tolerance, for at least `flat_duration` (30 minutes)
  while the sensor does move elsewhere in the frame (a setpoint that never changes is not a stuck sensor);
- data gap (dropout): no reading for at least `gap_duration` (10 minutes), inside the frame or at its end (up to
  `until`, the latest reading of the scope, so a plant whose feed has simply not caught up is not flagged).

Each episode is a dict with the shape of a model interval (asset_id, start, end, score, peak_score, threshold,
top_sensors) plus method "limits", check, sensor, unit, normal_min, normal_max, observed (the extreme reading)
and a one-line detail. For out-of-range episodes the score is 1 + excess / range span, so the threshold is 1.0;
flat lines and gaps score 1.0 (they are facts, not degrees).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from industrialmind.models.windows import period_of

if TYPE_CHECKING:
    import pandas as pd

MIN_DURATION = timedelta(minutes=5)
FLAT_DURATION = timedelta(minutes=30)
GAP_DURATION = timedelta(minutes=10)
MERGE_GAP = timedelta(minutes=30)  # out-of-range episodes closer than this are one episode (noise at a limit)
DEADBAND = 0.02  # share of the normal range a reading must come back inside to end an out-of-range episode


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of True in a boolean array."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _utc(ts) -> datetime:
    return ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts


def _episode(asset_id: str, sensor, check: str, start, end, score: float, observed: float | None,
             detail: str) -> dict[str, Any]:
    score = round(float(score), 4)
    return {"asset_id": asset_id, "start": _utc(start), "end": _utc(end), "score": score, "peak_score": score,
            "threshold": 1.0, "top_sensors": [{"sensor": sensor.id, "contribution": 1.0}], "method": "limits",
            "check": check, "sensor": sensor.id, "unit": sensor.unit, "normal_min": sensor.normal_min,
            "normal_max": sensor.normal_max,
            "observed": None if observed is None else round(float(observed), 4), "detail": detail}


def out_of_range(values: np.ndarray, lo: float | None, hi: float | None, min_steps: int,
                 merge_steps: int = 0) -> list[tuple[int, int]]:
    """(first, last) positions of sustained out-of-range episodes of one sensor, with hysteresis (NaNs hold state);
    episodes fewer than merge_steps apart are merged first, so a slow drift hovering at a limit is one episode."""
    import pandas as pd

    v = np.asarray(values, dtype=np.float64)
    lo_v = -np.inf if lo is None else lo
    hi_v = np.inf if hi is None else hi
    span = (hi_v - lo_v) if np.isfinite(hi_v - lo_v) else max(abs(lo_v if np.isfinite(lo_v) else hi_v), 1.0)
    band = DEADBAND * span
    outside = (v < lo_v) | (v > hi_v)
    back_in = (v >= lo_v + band) & (v <= hi_v - band)
    # 1 where an episode starts or holds, 0 where it clears, NaN (keep the previous state) in the deadband or a gap
    state = pd.Series(np.where(outside, 1.0, np.where(back_in, 0.0, np.nan))).ffill().fillna(0.0).to_numpy() > 0
    trimmed = []
    for a, b in _runs(state):
        seen = np.flatnonzero(outside[a:b + 1])
        if len(seen):
            # trim the deadband tail: the episode ends at its last reading actually outside the range
            trimmed.append((a, a + int(seen[-1])))
    merged: list[tuple[int, int]] = []
    for a, b in trimmed:
        if merged and a - merged[-1][1] <= merge_steps:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [(a, b) for a, b in merged if b - a + 1 >= min_steps]


def flat_runs(values: np.ndarray, min_steps: int) -> list[tuple[int, int]]:
    """(first, last) positions of runs of an unchanged value lasting at least min_steps readings (NaNs skipped)."""
    v = np.asarray(values, dtype=np.float64)
    pos = np.flatnonzero(np.isfinite(v))
    if len(pos) < min_steps:
        return []
    x = v[pos]
    tol = 1e-9 * np.maximum(1.0, np.abs(x[1:]))
    same = np.abs(np.diff(x)) <= tol
    out = []
    for a, b in _runs(same):  # diff run a..b means readings a..b+1 are equal
        if b + 2 - a >= min_steps:
            out.append((int(pos[a]), int(pos[b + 1])))
    return out


def check_limits(frame: pd.DataFrame, sensors: list, asset_id: str, since: datetime | None = None,
                 until: datetime | None = None, min_duration: timedelta = MIN_DURATION,
                 flat_duration: timedelta = FLAT_DURATION, gap_duration: timedelta = GAP_DURATION,
                 merge_gap: timedelta = MERGE_GAP) -> dict[str, Any]:
    """Limit, flat-line and data-gap episodes of an asset's wide frame; episodes that end before `since` are dropped.

    sensors: the asset's Sensor objects (id, unit, normal_min, normal_max). Returns {"intervals": [...],
    "checked": [sensor ids with a normal range and data], "no_range": [...], "no_data": [...]}.
    """
    index = frame.index
    period = period_of(index)
    steps = lambda d: max(1, round(d.total_seconds() / period))
    found: list[dict[str, Any]] = []
    checked, no_range, no_data = [], [], []
    for sensor in sensors:
        if sensor.id not in frame.columns or not frame[sensor.id].notna().any():
            no_data.append(sensor.id)
            continue
        v = frame[sensor.id].to_numpy(np.float64)
        lo, hi = sensor.normal_min, sensor.normal_max
        if lo is None and hi is None:
            no_range.append(sensor.id)
        else:
            checked.append(sensor.id)
            span = (hi - lo) if lo is not None and hi is not None and hi > lo else max(abs(lo or hi or 1.0), 1.0)
            for a, b in out_of_range(v, lo, hi, steps(min_duration), steps(merge_gap)):
                seg = v[a:b + 1]
                above = np.nanmax(seg) - hi if hi is not None else -np.inf
                below = lo - np.nanmin(seg) if lo is not None else -np.inf
                observed, excess = (np.nanmax(seg), above) if above >= below else (np.nanmin(seg), below)
                side = "above" if above >= below else "below"
                rng = f"{lo:g} to {hi:g}" if lo is not None and hi is not None else f"{'>=' if hi is None else '<='} " \
                      f"{lo if hi is None else hi:g}"
                found.append(_episode(asset_id, sensor, "out_of_range", index[a], index[b], 1.0 + excess / span,
                                      observed, f"{sensor.id} {side} its normal range ({rng} {sensor.unit}) for "
                                      f"{_minutes(index[b] - index[a] + _td(period))}, reaching {observed:.4g} "
                                      f"{sensor.unit}"))
        # a stuck sensor: flat for a long stretch although it moves elsewhere in the frame
        for a, b in flat_runs(v, steps(flat_duration)):
            rest = np.concatenate([v[:a], v[b + 1:]])
            rest = rest[np.isfinite(rest)]
            if len(rest) < 2 or np.nanstd(rest) <= 1e-9 * max(1.0, abs(v[a])):
                continue
            found.append(_episode(asset_id, sensor, "flat_line", index[a], index[b], 1.0, v[a],
                                  f"{sensor.id} stuck at {v[a]:.4g} {sensor.unit} for "
                                  f"{_minutes(index[b] - index[a] + _td(period))} (stuck sensor?)"))
    # a sensor silent for the whole frame is listed under no_data, not reported as one long dropout
    found.extend(_gaps(frame, [s for s in sensors if s.id not in no_data], asset_id, period, until,
                       steps(gap_duration)))
    if since is not None:
        found = [f for f in found if f["end"] >= since]
    found.sort(key=lambda f: f["start"])
    return {"intervals": found, "checked": checked, "no_range": no_range, "no_data": no_data}


def _gaps(frame: pd.DataFrame, sensors: list, asset_id: str, period: float, until: datetime | None,
          min_steps: int) -> list[dict[str, Any]]:
    """Data-gap episodes: the whole asset silent (one episode) or single sensors silent while others report."""
    import pandas as pd

    if frame.empty or not sensors:
        return []
    index = frame.index
    if until is not None and until > index[-1]:
        # extend the grid to the scope's latest reading so a feed that stopped early shows as a trailing gap
        extra = pd.date_range(index[-1], until, freq=pd.Timedelta(seconds=period), inclusive="right")
        frame = frame.reindex(index.append(extra))
        index = frame.index
    missing = frame[[s.id for s in sensors]].isna().to_numpy()
    out: list[dict[str, Any]] = []
    all_gone = missing.all(axis=1)
    for a, b in _runs(all_gone):
        if b - a + 1 >= min_steps:
            out.append(_episode(asset_id, sensors[0], "data_gap", index[a], index[b], 1.0, None,
                                f"no readings from any sensor of {asset_id} for "
                                f"{_minutes(index[b] - index[a] + _td(period))} (communication loss?)"))
            out[-1].update(sensor="*", unit=None, normal_min=None, normal_max=None)
            out[-1]["top_sensors"] = [{"sensor": s.id, "contribution": round(1 / len(sensors), 3)} for s in sensors]
    for j, sensor in enumerate(sensors):
        own = missing[:, j] & ~all_gone
        for a, b in _runs(own):
            if b - a + 1 >= min_steps:
                out.append(_episode(asset_id, sensor, "data_gap", index[a], index[b], 1.0, None,
                                    f"no readings from {sensor.id} for {_minutes(index[b] - index[a] + _td(period))}"
                                    f" while the other sensors reported (dropout)"))
    return out


def _td(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _minutes(delta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
