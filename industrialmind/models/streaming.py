"""The streaming scorer: a consumer group on the telemetry topic that keeps per-asset windows, scores them with
ONNX Runtime, and raises and clears alarms with hysteresis (to the alarms topic and as events in the records store).

Telemetry arrives one point per message (key = asset). Points are assembled into rows per timestamp; a row is
complete when every model sensor has reported, or when a later timestamp of the same asset shows it will not
(missing readings count as the training mean). Each complete row is scored on the window that ends with it; the
alarm opens when the smoothed score crosses the threshold and clears after `clear_steps` steps below
off_ratio x threshold, so one fault episode is one alarm. Offsets are committed after alarms are written.
Kafka access goes through `industrialmind.stores.streams` (the streams room's helpers).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

log = logging.getLogger("industrialmind.scorer")

GROUP = "im-scorer"
RELOAD_S = 60.0


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


def _to_alarm(asset: AssetStream, state: str, alarm: dict[str, Any]):
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


def run_scorer(settings, duration: float | None = None, group: str = GROUP,
               assets: dict[str, AssetStream] | None = None, records: Any = "default", streams: Any = None,
               on_alarm: Callable[[Any], None] | None = None, stop: Callable[[], bool] | None = None,
               idle_exit_s: float | None = None) -> dict[str, Any]:
    """Consume telemetry and publish alarms until duration elapses, stop() is true or the topic is idle.

    `assets` injects scorers (tests); by default the promoted models are loaded from the registry and reloaded
    every minute, so a newly promoted version takes over without a restart. `records=None` skips the records
    store. Returns counters: messages, rows, scored, raised, cleared, assets.
    """
    from industrialmind.stores.messages import decode_telemetry
    from industrialmind.stores.streams import Streams, produce

    streams = streams or Streams.from_settings(settings)
    streams.ensure_topics()
    reload = assets is None
    assets = load_promoted(settings) if assets is None else assets
    if records == "default":
        from industrialmind.stores.records import open_records

        records = open_records(settings.resolved.records)
    consumer = streams.consumer(group)
    producer = streams.producer()
    alarms_topic = streams.topic("alarms")
    consumer.subscribe([streams.topic("telemetry")])
    stats = {"messages": 0, "rows": 0, "scored": 0, "raised": 0, "cleared": 0, "rejected": 0, "assets": len(assets)}
    started = last_msg = last_reload = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            if (duration is not None and now - started >= duration) or (stop and stop()):
                break
            if idle_exit_s is not None and stats["messages"] and now - last_msg >= idle_exit_s:
                break
            if reload and now - last_reload >= RELOAD_S:
                assets = _reload(settings, assets)
                last_reload = now
                stats["assets"] = len(assets)
            msgs = consumer.consume(num_messages=5000, timeout=0.5)
            msgs = [m for m in msgs if m.error() is None]
            if not msgs:
                continue
            last_msg = time.monotonic()
            stats["messages"] += len(msgs)
            batch = decode_telemetry([m.value() for m in msgs])
            stats["rejected"] += len(batch.rejected)
            events = []
            for state, asset, alarm in _process(batch.points, assets, stats):
                msg = _to_alarm(asset, state, alarm)
                produce(producer, alarms_topic, msg.to_json(), key=asset.asset_id.encode())
                events.append(msg.to_event())
                if on_alarm:
                    on_alarm(msg)
            producer.flush(10)
            if events and records is not None:
                records.upsert_events(events)
            consumer.commit(asynchronous=False)
    finally:
        consumer.close()
        if records is not None and hasattr(records, "close"):
            records.close()
    stats["seconds"] = round(time.monotonic() - started, 2)
    return stats


def _process(points, assets: dict[str, AssetStream], stats: dict) -> list[tuple[str, AssetStream, dict]]:
    """Feed decoded points to their assets' state; return the alarm transitions (state, asset, alarm)."""
    rows_by_asset: dict[str, list] = {}
    for asset_id, sensor, ts, value in zip(points["asset"], points["sensor"], points["ts"], points["value"]):
        state = assets.get(asset_id)
        if state is None:
            continue
        rows = state.add_point(ts.to_pydatetime(), sensor, None if np.isnan(value) else value)
        if rows:
            rows_by_asset.setdefault(asset_id, []).extend(rows)
    messages = []
    for asset_id, rows in rows_by_asset.items():
        state = assets[asset_id]
        stats["rows"] += len(rows)
        for ts, score, contrib in state.score_rows(rows):
            if np.isfinite(score):
                stats["scored"] += 1
            change = state.step(ts, score, contrib)
            if change:
                stats[change[0]] += 1
                messages.append((change[0], state, change[1]))
    return messages


def _reload(settings, assets: dict[str, AssetStream]) -> dict[str, AssetStream]:
    try:
        fresh = load_promoted(settings)
    except Exception as exc:
        log.warning("model reload failed, keeping the loaded models: %s", exc)
        return assets
    for asset_id, new in fresh.items():
        old = assets.get(asset_id)
        if old is not None and old.version == new.version:
            fresh[asset_id] = old  # keep its windows and open alarm
    return fresh
