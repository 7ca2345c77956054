"""The streaming scorer against the real Tansu broker: one alarm per injected fault episode, on the alarms topic
and as events in the records store."""

from __future__ import annotations

import pytest

from tests.integration.kafka_support import broker, produce, streams  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration  # a real Tansu broker


def test_streaming_scorer_emits_one_alarm_per_fault_episode(streams, tmp_path):  # noqa: F811
    """A day of pump telemetry with two injected faults, consumed by the scorer's group, gives exactly two
    'raised' and two 'cleared' alarms on the alarms topic and two anomaly events (with an end) in the records."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from industrialmind.config import get_settings
    from industrialmind.models.scoring import Scorer
    from industrialmind.models.streaming import AssetStream
    from industrialmind.pipeline.scorer import run_scorer
    from industrialmind.models.training import ModelConfig, fit_bundle
    from industrialmind.stores.records import open_records
    from tests.models.simdata import ASSET, split

    train, test, sensors, labels = split()
    fit_bundle(train, sensors, tmp_path / "bundle", ModelConfig(window=8, hidden=16, epochs=8, smooth=3))
    long = test.stack(future_stack=True).rename("value").reset_index()
    long.columns = ["ts", "sensor", "value"]
    long.insert(0, "asset", ASSET)
    long = long[long["value"].notna()].reset_index(drop=True)
    produce(streams, long)

    settings = get_settings()
    settings.ensure_home()
    records = open_records(settings.resolved.records)
    stats = run_scorer(settings, duration=120, assets={ASSET: AssetStream(ASSET, Scorer.load(tmp_path / "bundle"))},
                       records=records, streams=streams, idle_exit_s=4)
    assert stats["rows"] >= len(test) - 1 and stats["raised"] == 2 and stats["cleared"] == 2, stats

    alarms = [m["value"] for m in streams.tail("alarms", limit=100)]
    assert sorted(a["state"] for a in alarms) == ["cleared", "cleared", "raised", "raised"], alarms
    assert all(a["asset_id"] == ASSET and a["sensors"] and a["score"] > a["threshold"] for a in alarms)
    records = open_records(settings.resolved.records)
    events = records.list_events(asset_id=ASSET, kind="anomaly")
    records.close()
    assert len(events) == 2 and all(e.end is not None for e in events)
    for event, label in zip(sorted(events, key=lambda e: e.start), labels):
        assert event.start <= label.end and event.end >= label.start
