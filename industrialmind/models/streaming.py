"""Per-asset streaming state for the live scorer: windows assembled from points, scored with ONNX Runtime, and
alarms raised and cleared with hysteresis. The consumer loop that feeds it is `industrialmind.pipeline.scorer`.

Telemetry arrives one point per message (key = asset). Points are assembled into rows per timestamp; a row is
complete when every model sensor has reported, or when a later timestamp of the same asset shows it will not
(missing readings count as the training mean). Each complete row is scored on the window that ends with it; the
alarm opens when the smoothed score crosses the threshold and clears after `clear_steps` steps below
off_ratio x threshold, so one fault episode is one alarm. Offsets are committed after alarms are written.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

log = logging.getLogger("industrialmind.scorer")



@dataclass
class AssetStream:
    """One asset's live state: its scorer, recent rows, recent raw scores and the open alarm."""

    asset_id: str
    scorer: Any
    version: int | None = None
    clear_steps: int = 3
    pending: dict[datetime, dict[str, float]] = field(default_factory=dict)
    history: deque = field(default_factory=deque)
    raw: deque = field(default_factory=deque)
    alarm: dict[str, Any] | None = None
    below: int = 0
    last_ts: datetime | None = None

    def add_point(self, ts: datetime, sensor: str, value: float | None) -> list[tuple[datetime, np.ndarray]]:
        """Add one point; return the rows (ts, values) that became complete, oldest first."""
        index = self.scorer.sensors
        if sensor not in index:
            return []
        self.pending.setdefault(ts, {})[sensor] = np.nan if value is None else float(value)
        done = []
        newest = max(self.pending)
        for t in sorted(self.pending):
            row = self.pending[t]
            if len(row) == len(index) or t < newest:
                done.append(t)
            else:
                break
        out = []
        for t in done:
            row = self.pending.pop(t)
            if self.last_ts is not None and t <= self.last_ts:
                continue  # a replayed or late point of a row already scored
            self.last_ts = t
            out.append((t, np.array([row.get(s, np.nan) for s in index], dtype=np.float32)))
        return out

    def score_rows(self, rows: list[tuple[datetime, np.ndarray]]) -> list[tuple[datetime, float, np.ndarray]]:
        """Smoothed scores and per-sensor contributions of new rows (NaN score until the first window is full)."""
        scorer = self.scorer
        w = scorer.window
        span = int(scorer.meta.get("smooth", 1))
        past = list(self.history)
        values = np.stack(past + [r[1] for r in rows]) if (past or rows) else np.zeros((0, len(scorer.sensors)))
        raw, contrib = scorer.raw(values)
        out = []
        for k, (ts, _) in enumerate(rows):
            i = len(past) + k
            if np.isfinite(raw[i]):
                self.raw.append(float(raw[i]))
                while len(self.raw) > span:
                    self.raw.popleft()
            s = float(np.mean(self.raw)) if self.raw else float("nan")
            out.append((ts, s, contrib[i]))
        self.history.extend(r[1] for r in rows)
        while len(self.history) > w - 1:
            self.history.popleft()
        return out

    def step(self, ts: datetime, score: float, contrib: np.ndarray) -> tuple[str, dict[str, Any]] | None:
        """Advance the alarm state machine by one scored row; ('raised'|'cleared', alarm) on a transition."""
        thr = self.scorer.threshold
        off = thr * float(self.scorer.meta.get("off_ratio", 0.8))
        if not np.isfinite(score):
            return None
        c = np.nan_to_num(np.asarray(contrib, dtype=np.float64))
        if self.alarm is None:
            if score > thr:
                order = np.argsort(-c)[:3]
                self.alarm = {"id": f"anomaly-{self.asset_id}-{ts:%Y%m%dT%H%M%SZ}", "start": ts, "end": None,
                              "peak": score, "contrib": c.copy(),
                              "sensors": [self.scorer.sensors[j] for j in order]}
                self.below = 0
                return "raised", dict(self.alarm)
            return None
        self.alarm["contrib"] += c
        self.alarm["peak"] = max(self.alarm["peak"], score)
        if score < off:
            self.below += 1
            if self.below >= self.clear_steps:
                self.alarm["end"] = ts
                order = np.argsort(-self.alarm["contrib"])[:3]
                self.alarm["sensors"] = [self.scorer.sensors[j] for j in order]
                done, self.alarm = self.alarm, None
                return "cleared", done
        else:
            self.below = 0
        return None


def to_alarm(asset: AssetStream, state: str, alarm: dict[str, Any]):
    from industrialmind.stores.messages import AlarmV1

    thr = asset.scorer.threshold
    severity = "critical" if alarm["peak"] > 2 * thr else "warning"
    sensors = ", ".join(alarm["sensors"])
    message = (f"anomaly on {asset.asset_id} (score {alarm['peak']:.3g} > threshold {thr:.3g}); top sensors: {sensors}"
               if state == "raised" else
               f"anomaly on {asset.asset_id} cleared (peak score {alarm['peak']:.3g}); top sensors: {sensors}")
    return AlarmV1(id=alarm["id"], asset_id=asset.asset_id, kind="anomaly", state=state, severity=severity,
                   message=message, start=alarm["start"], end=alarm["end"], sensors=alarm["sensors"],
                   score=round(float(alarm["peak"]), 6), threshold=round(thr, 6),
                   source=f"streaming-scorer:v{asset.version}" if asset.version else "streaming-scorer")


def load_promoted(settings) -> dict[str, AssetStream]:
    """An AssetStream for every asset with a promoted model in the registry."""
    from industrialmind.models.registry import fetch_bundle, list_models, promoted_version
    from industrialmind.models.scoring import Scorer

    out = {}
    for m in list_models(settings):
        found = promoted_version(settings, m["asset_id"])
        if found is None:
            continue
        try:
            out[m["asset_id"]] = AssetStream(m["asset_id"], Scorer.load(fetch_bundle(settings, m["asset_id"])),
                                             found["version"])
        except Exception as exc:  # one broken model must not stop the scorer for every other asset
            log.warning("cannot load the model of %s: %s", m["asset_id"], exc)
    return out
