"""The ingest consumer group against the real Tansu broker: exact writes, dead letters, crash between write and
commit, an unavailable store, a broker down at start and mid-run, and several processes sharing the partitions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from industrialmind.config import get_settings
from industrialmind.errors import BackendUnavailableError
from tests.conftest import require_env
from tests.integration.kafka_support import (  # noqa: F401
    broker,
    demo_points,
    expected_keys,
    produce,
    require_tansu,
    stored_keys,
    streams,
)

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "industrialmind"]


def _worker(settings, streams, url, **kwargs):
    from industrialmind.pipeline.ingest import IngestWorker

    kwargs.setdefault("consumer_overrides", {"session.timeout.ms": 3000, "heartbeat.interval.ms": 500})
    # A group per test: Tansu never assigns partitions to a group that was used with other topics before.
    group = kwargs.pop("group", f"ingest-{streams.prefix}")
    return IngestWorker(settings, streams=streams, store_url=url, group=group, **kwargs)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_ingest_writes_exactly_the_produced_points(streams, tmp_path):  # noqa: F811
    """Every produced point is stored once with its value, and the group's committed offsets reach the end."""
    frame = demo_points(5_000)
    produce(streams, frame)
    url = f"duckdb:///{tmp_path / 'ts.duckdb'}"
    stats = _worker(get_settings(), streams, url, batch_size=1_000).run(max_messages=len(frame))
    assert stats.written == len(frame) and stats.rejected == 0 and stats.batches >= 5
    rows, total = stored_keys(url, frame["asset"])
    assert total == len(frame) and rows == expected_keys(frame)
    assert sum(r.lag for r in streams.lag(f"ingest-{streams.prefix}", streams.topic("telemetry"))) == 0


def test_ingest_dead_letters_poison_messages_and_continues(streams, tmp_path):  # noqa: F811
    """Malformed messages go to the dead-letter topic with the reason in a header; the valid ones around them are stored."""
    frame = demo_points(600)
    produce(streams, frame.iloc[:300])
    producer = streams.producer()
    poison = [b"{not json", b'{"v":1,"asset":"P-101","sensor":"flow","ts":"2026-11-26T06:00:00","value":1}',
              b'{"v":9,"asset":"P-101","sensor":"flow","ts":"2026-11-26T06:00:00Z","value":1}']
    for value in poison:
        producer.produce(streams.topic("telemetry"), value=value, key=b"P-101")
    producer.flush(10)
    produce(streams, frame.iloc[300:])
    url = f"duckdb:///{tmp_path / 'ts.duckdb'}"
    stats = _worker(get_settings(), streams, url).run(max_messages=len(frame) + len(poison))
    assert stats.rejected == 3 and stats.written == len(frame)
    rows, total = stored_keys(url, frame["asset"])
    assert total == len(frame) and rows == expected_keys(frame)
    dead = streams.tail("deadletter", limit=10)
    assert sorted(m["key"] for m in dead) == ["P-101"] * 3
    reasons = " | ".join(m["headers"]["im-dlq-reason"] for m in dead)
    assert "JSON" in reasons and "timezone" in reasons and "v:" in reasons
    assert {m["headers"]["im-dlq-topic"] for m in dead} == {streams.topic("telemetry")}
    assert sum(r.lag for r in streams.lag(f"ingest-{streams.prefix}", streams.topic("telemetry"))) == 0


class _Crash(BaseException):
    """Stands for the process dying: nothing after it runs in the worker's own code paths."""


def test_ingest_crash_between_write_and_commit_rewrites_without_duplicates(streams, tmp_path):  # noqa: F811
    """When a worker dies after its batches are written but before any commit, its successor re-reads them and the
    store still holds each point once."""
    frame = demo_points(2_000)
    produce(streams, frame)
    url = f"duckdb:///{tmp_path / 'ts.duckdb'}"
    first = _worker(get_settings(), streams, url, batch_size=500, pipeline=False)

    def crash(*_args, **_kwargs):
        raise _Crash

    first._commit = crash
    with pytest.raises(_Crash):
        first.run(max_messages=len(frame))
    _rows, total = stored_keys(url, frame["asset"])
    assert total >= 500  # at least one batch reached the store before the "crash"
    lag = streams.lag(f"ingest-{streams.prefix}", streams.topic("telemetry"))
    assert sum(r.lag for r in lag) == len(frame)  # nothing was committed
    stats = _worker(get_settings(), streams, url, batch_size=500).run(max_messages=len(frame))
    assert stats.written == len(frame)
    rows, total = stored_keys(url, frame["asset"])
    assert total == len(frame) and rows == expected_keys(frame)


class _FlakyStore:
    """A store whose first `failures` writes raise BackendUnavailableError."""

    def __init__(self, inner, failures: int) -> None:
        self.inner, self.failures, self.calls = inner, failures, 0
        self.url = inner.url

    def write(self, points, measurement="telemetry"):
        self.calls += 1
        if self.calls <= self.failures:
            raise BackendUnavailableError("store is down (test)")
        return self.inner.write(points, measurement)

    def close(self):
        self.inner.close()


def test_ingest_retries_while_the_store_is_unavailable(streams, tmp_path):  # noqa: F811
    """Writes that fail because the store is unavailable are retried with backoff; nothing is committed until one
    succeeds, and no point is lost."""
    from industrialmind.stores.timeseries import open_timeseries

    frame = demo_points(1_000)
    produce(streams, frame)
    url = f"duckdb:///{tmp_path / 'ts.duckdb'}"
    said: list[str] = []
    store = _FlakyStore(open_timeseries(url), failures=2)
    stats = _worker(get_settings(), streams, url, store=store, pipeline=False,
                    on_message=said.append).run(max_messages=len(frame))
    assert stats.write_retries == 2 and stats.written == len(frame)
    assert any("retrying" in s for s in said) and any("writable again" in s for s in said)
    _rows, total = stored_keys(url, frame["asset"])
    assert total == len(frame)


def test_ingest_waits_for_a_broker_that_is_down_at_start(tmp_path, monkeypatch):
    """With no broker at start, ingest says so clearly, retries with backoff, and ingests once the broker appears."""
    require_tansu()
    from industrialmind.stores.broker import TansuBroker
    from industrialmind.stores.streams import Streams

    late = TansuBroker(log_path=tmp_path / "broker.log")
    s = Streams(late.bootstrap, "late.")
    said: list[str] = []
    stop = threading.Event()
    url = f"duckdb:///{tmp_path / 'ts.duckdb'}"
    worker = _worker(get_settings(), s, url, stop=stop, on_message=said.append)
    thread = threading.Thread(target=worker.run, kwargs={"idle_exit_s": 60}, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: len([x for x in said if "retrying" in x]) >= 2, 30, "two retry messages")
        assert "unreachable" in said[0] and late.bootstrap in said[0]
        late.start()
        frame = demo_points(800)
        s.ensure_topics()
        produce(s, frame)
        _wait_for(lambda: worker.stats.written >= len(frame), 60, "the points to be written")
    finally:
        stop.set()
        thread.join(30)
        late.stop()
    rows, total = stored_keys(url, frame["asset"])
    assert total == len(frame) and rows == expected_keys(frame)


def test_ingest_recovers_when_the_broker_dies_mid_run(tmp_path):
    """When the broker dies mid-run, ingest reports it, keeps retrying, and ingests what is produced after it returns
    (Tansu's memory storage comes back empty, so its topics are created again)."""
    require_tansu()
    from industrialmind.stores.broker import TansuBroker
    from industrialmind.stores.streams import Streams

    b = TansuBroker(log_path=tmp_path / "broker.log").start()
    s = Streams(b.bootstrap, "mid.")
    s.ensure_topics()
    said: list[str] = []
    stop = threading.Event()
    url = f"duckdb:///{tmp_path / 'ts.duckdb'}"
    worker = _worker(get_settings(), s, url, stop=stop, on_message=said.append)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    before = demo_points(500)
    after = demo_points(500, start=datetime(2026, 11, 21, tzinfo=timezone.utc))
    try:
        produce(s, before)
        _wait_for(lambda: worker.stats.written >= len(before), 60, "the first points to be written")
        b.stop(kill=True)
        _wait_for(lambda: any("unreachable" in x for x in said), 30, "a broker-down message")
        b.start()
        s.ensure_topics()
        produce(s, after)
        _wait_for(lambda: worker.stats.written >= len(before) + len(after), 90, "the later points to be written")
        assert any("reachable again" in x for x in said)
    finally:
        stop.set()
        thread.join(30)
        b.stop()
    rows, total = stored_keys(url, list(before["asset"]) + list(after["asset"]))
    assert total == len(before) + len(after)
    assert rows == {**expected_keys(before), **expected_keys(after)}


def test_broker_unreachable_is_a_clear_error_after_the_wait(tmp_path):
    """Given a bounded wait, an unreachable broker ends in one clear error naming the address."""
    pytest.importorskip("confluent_kafka")
    from industrialmind.stores.broker import free_port
    from industrialmind.stores.streams import Streams

    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(BackendUnavailableError, match=address.replace(".", r"\.")):
        Streams(address).wait_until_reachable(max_wait_s=1.0)


def _store_url(kind: str, tmp_path: Path) -> str:
    if kind == "duckdb":
        return f"duckdb:///{tmp_path / 'shared.duckdb'}"
    base = require_env("IM_TEST_INFLUX_URL", "InfluxDB").rsplit("/", 1)[0]
    return f"{base}/im_test_{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("kind", ["duckdb", "influxdb"])
def test_two_ingest_processes_split_the_partitions(kind, streams, tmp_path, im_home):  # noqa: F811
    """Two `industrialmind ingest` processes in one group each take part of the partitions, both write (into one
    DuckDB file, taking turns on its lock; or into InfluxDB), and together store every point exactly once."""
    url = _store_url(kind, tmp_path)
    env = {**os.environ, "IM_TIMESERIES_URL": url}
    group = f"split-{uuid.uuid4().hex[:8]}"  # Tansu never reuses a group for other topics: one per test
    procs = [subprocess.Popen([*CLI, "ingest", "--group", group, "--session-timeout", "3", "--batch-wait", "0.05",
                               "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]

    def stats(p) -> dict:
        try:
            return json.loads((im_home / "run" / f"ingest-{p.pid}.json").read_text())
        except (OSError, ValueError):
            return {}

    frame = demo_points(8_000)
    failure = None
    try:
        def split() -> bool:
            a, b = (stats(p).get("assigned") or [] for p in procs)
            return bool(a) and bool(b) and not set(a) & set(b) and sorted(a + b) == [0, 1, 2, 3]

        _wait_for(split, 90, "both processes to hold partitions")
        produce(streams, frame)
        _wait_for(lambda: sum(stats(p).get("written", 0) for p in procs) >= len(frame), 90, "all points written")
    except AssertionError as exc:
        failure = f"{exc}; stats {[stats(p) for p in procs]}"
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        outs = [p.communicate(timeout=30) for p in procs]
    assert failure is None, f"{failure}; stderr: {[err for _out, err in outs]}"
    finals = [json.loads(out) for out, _err in outs]
    assert all(p.returncode == 0 for p in procs), [err for _out, err in outs]
    assert all(f["written"] > 0 for f in finals), finals
    rows, total = stored_keys(url, frame["asset"])
    assert total == len(frame) and rows == expected_keys(frame)
