"""The streaming scorer's loop: a consumer group on the telemetry topic that feeds each asset's streaming state
(`industrialmind.models.streaming.AssetStream`), publishes alarm transitions to the alarms topic and writes them
as events in the records store. Offsets are committed after alarms are written; the promoted models are reloaded
every minute, so a newly promoted version takes over without a restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from industrialmind.models.streaming import AssetStream, to_alarm, load_promoted

log = logging.getLogger("industrialmind.scorer")

GROUP = "im-scorer"
RELOAD_S = 60.0


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
                msg = to_alarm(asset, state, alarm)
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
