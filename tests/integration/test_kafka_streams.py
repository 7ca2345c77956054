"""Stream helpers against the real Tansu broker: round trip, exact end offsets, lag, rates, tail, the streams CLI,
and the live simulator publishing chunk-invariant telemetry."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.integration.kafka_support import broker, demo_points, produce, streams  # noqa: F401

pytestmark = pytest.mark.integration


def _read_all(streams, kind: str = "telemetry") -> list:  # noqa: F811
    """Every message of a topic, read by partition assignment (no group join)."""
    from confluent_kafka import KafkaError, TopicPartition

    topic = streams.topic(kind)
    parts = streams.partitions(topic)
    consumer = streams.consumer("reader", **{"enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, 0) for p in parts])
    out, done = [], set()
    try:
        while len(done) < len(parts):
            for m in consumer.consume(num_messages=10_000, timeout=1.0):
                if m.error() is None:
                    out.append(m)
                elif m.error().code() == KafkaError._PARTITION_EOF:
                    done.add(m.partition())
    finally:
        consumer.close()
    return out


def test_produce_consume_roundtrip_keeps_keys_and_points(streams):  # noqa: F811
    """Points published with produce_points come back, keyed by asset, as the same points."""
    from industrialmind.stores.messages import decode_telemetry

    frame = demo_points(2_000)
    assert produce(streams, frame) == len(frame)
    msgs = _read_all(streams)
    assert len(msgs) == len(frame)
    assert all(m.key().decode() == json.loads(m.value())["asset"] for m in msgs)
    got = decode_telemetry([m.value() for m in msgs]).points
    key = ["asset", "sensor", "ts"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  frame.sort_values(key).reset_index(drop=True), check_dtype=False)


def test_end_offsets_are_exact_after_batched_produce(streams):  # noqa: F811
    """End offsets match what the producer's delivery reports say, even where the broker's watermark lags (Tansu)."""
    from confluent_kafka import TopicPartition

    from industrialmind.stores.streams import DeliveryTracker, produce_points

    producer = streams.producer()
    tracker = DeliveryTracker()
    topic = streams.topic("telemetry")
    for start in range(0, 3_000, 1_000):
        produce_points(producer, topic, demo_points(3_000).iloc[start:start + 1_000], on_delivery=tracker)
        producer.flush(10)
    ends = streams.end_offsets(topic)
    assert ends == {p: o for (t, p), o in tracker.next_offsets.items()}
    assert sum(ends.values()) == 3_000
    consumer = streams.consumer("wm")
    reported = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1] for p in ends}
    consumer.close()
    assert all(reported[p] <= ends[p] for p in ends)


def test_lag_is_end_minus_committed_per_partition(streams):  # noqa: F811
    """A group's lag per partition is the end offset minus its committed offset (everything when nothing is committed)."""
    from confluent_kafka import TopicPartition

    produce(streams, demo_points(1_000))
    topic = streams.topic("telemetry")
    ends = streams.end_offsets(topic)
    first = min(p for p, e in ends.items() if e > 10)
    consumer = streams.consumer("lagging")
    consumer.commit(offsets=[TopicPartition(topic, first, 10)], asynchronous=False)
    consumer.close()
    rows = {r.partition: r for r in streams.lag("lagging", topic)}
    assert rows[first].committed == 10 and rows[first].lag == ends[first] - 10
    assert all(rows[p].lag == ends[p] for p in ends if p != first)
    assert "lagging" in streams.groups()


def test_status_measures_rates_while_producing(streams):  # noqa: F811
    """`status` reports a positive message rate on a topic being produced to, and zero on an idle one."""
    stop = threading.Event()
    frame = demo_points(4_000)

    def keep_producing() -> None:
        from industrialmind.stores.streams import produce_points

        producer = streams.producer()
        i = 0
        while not stop.is_set():
            produce_points(producer, streams.topic("telemetry"), frame.iloc[i % 3_800:i % 3_800 + 200])
            producer.flush(5)
            i += 200
            stop.wait(0.05)

    thread = threading.Thread(target=keep_producing, daemon=True)
    thread.start()
    try:
        status = streams.status(interval=1.0)
    finally:
        stop.set()
        thread.join(10)
    rates = {t["topic"]: t["rate_per_s"] for t in status["topics"]}
    assert rates[streams.topic("telemetry")] > 0
    assert rates[streams.topic("alarms")] == 0


def test_tail_returns_the_newest_messages_of_one_asset(streams):  # noqa: F811
    """tail(asset=...) returns only that asset's messages, the newest ones, oldest first."""
    frame = demo_points(1_500)
    produce(streams, frame)
    rows = streams.tail("telemetry", asset="P-101", limit=3)
    assert len(rows) == 3 and {r["key"] for r in rows} == {"P-101"}
    newest = frame[frame["asset"] == "P-101"]["ts"].max()
    assert pd.Timestamp(rows[-1]["value"]["ts"]) == newest
    assert rows[0]["value"]["ts"] <= rows[-1]["value"]["ts"]


def test_streams_cli_json_lists_topics_and_groups(streams):  # noqa: F811
    """`industrialmind streams --json` prints the project's topics with message counts and the groups' lag."""
    from confluent_kafka import TopicPartition

    from industrialmind.cli import app

    produce(streams, demo_points(300))
    consumer = streams.consumer("cli-group")
    consumer.commit(offsets=[TopicPartition(streams.topic("telemetry"), 0, 1)], asynchronous=False)
    consumer.close()
    result = CliRunner().invoke(app, ["streams", "--json", "--interval", "0"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    topics = {t["topic"]: t for t in data["topics"]}
    assert topics[streams.topic("telemetry")]["messages"] == 300
    assert set(topics) == {streams.topic(k) for k in ("telemetry", "alarms", "deadletter")}
    group = next(g for g in data["groups"] if g["group"] == "cli-group")
    assert group["lag"] == 299


def test_run_live_publishes_what_the_simulator_generates(streams):  # noqa: F811
    """The live simulator publishes, tick by tick, exactly the points a backfill of the same window gives."""
    from industrialmind.config import get_settings
    from industrialmind.plant.demo import demo_plant
    from industrialmind.pipeline.producer import run_live
    from industrialmind.plant.simulator import Simulator
    from industrialmind.stores.messages import decode_telemetry

    start = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    summary = run_live(get_settings(), seed=5, speed=1200, duration=1.0, streams=streams, start=start)
    assert summary["failed"] == 0 and summary["published"] > 0
    got = decode_telemetry([m.value() for m in _read_all(streams)]).points
    end = datetime.fromisoformat(summary["sim_now"])
    assert end > start + timedelta(minutes=2)
    expected = Simulator(demo_plant(), seed=5).generate(start, end)
    expected = expected[expected["value"].notna()]
    key = ["asset", "sensor", "ts"]
    got = got[got["value"].notna()]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True)[key + ["value"]],
                                  expected.sort_values(key).reset_index(drop=True)[key + ["value"]],
                                  check_dtype=False)
