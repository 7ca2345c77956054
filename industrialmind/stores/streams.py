"""Stream backend (Kafka protocol, confluent-kafka): producers, consumers, topic administration, consumer-group
lag, message rates and the tail of a topic.

One code path serves the bundled Tansu broker, Apache Kafka, Redpanda and MSK: only the bootstrap address
differs (`IM_KAFKA_BOOTSTRAP`; empty starts the bundled broker, see `stores/broker.py`).

Topics are `<IM_KAFKA_TOPIC_PREFIX><kind>` for the kinds telemetry, alarms and deadletter (default prefix 'im.').

End offsets: Tansu answers ListOffsets with the base offset of a partition's last record batch + 1, so after
batched produce its high watermark is too low (DESIGN.md). Its fetch responses are right, so `end_offsets`
reads each partition from (reported watermark - 1) to end-of-partition and takes the offset where the fetch
says the partition ends. That costs at most one batch per partition, is exact on Tansu and on Kafka alike, and
is what lag and rates here are computed from.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from industrialmind.errors import BackendUnavailableError, InvalidInputError, did_you_mean

if TYPE_CHECKING:
    import pandas as pd
    from confluent_kafka import Consumer, Producer

log = logging.getLogger("industrialmind.streams")

TopicKind = Literal["telemetry", "alarms", "deadletter"]
TOPIC_KINDS: tuple[str, ...] = ("telemetry", "alarms", "deadletter")
# create_partitions fails on Tansu, so the partition count is chosen once, when a topic is created.
DEFAULT_PARTITIONS = {"telemetry": 4, "alarms": 2, "deadletter": 1}
INGEST_GROUP = "im-ingest"


def producer_config(bootstrap: str, **overrides: Any) -> dict[str, Any]:
    """librdkafka settings for a producer: idempotent, acks=all, batched, with a bounded local queue."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "client.id": "industrialmind",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 20,
        "batch.num.messages": 10000,
        # A full local queue raises BufferError, which the helpers here answer by waiting: back-pressure.
        "queue.buffering.max.messages": 200_000,
        "queue.buffering.max.kbytes": 262_144,
        "logger": logging.getLogger("industrialmind.kafka"),
    }
    config.update(overrides)
    return config


def consumer_config(bootstrap: str, group: str, **overrides: Any) -> dict[str, Any]:
    """librdkafka settings for a consumer: no auto commit, earliest reset, bounded prefetch."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "client.id": "industrialmind",
        "group.id": group,
        # No auto commit: callers commit after their work is durable, either explicit offsets (ingest) or
        # commit() of the offsets librdkafka stored for the messages consume() returned.
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        # Prefetch at most ~32 MB per consumer: librdkafka stops fetching while its queue is full.
        "queued.max.messages.kbytes": 32_768,
        # The broker answers a fetch as soon as data is there; this bounds the wait (and the latency) when idle.
        "fetch.wait.max.ms": 100,
        "session.timeout.ms": 10_000,
        "heartbeat.interval.ms": 1_000,
        "logger": logging.getLogger("industrialmind.kafka"),
    }
    config.update(overrides)
    return config


def make_producer(bootstrap: str, **overrides: Any) -> Producer:
    """A confluent-kafka Producer (see producer_config)."""
    from confluent_kafka import Producer

    return Producer(producer_config(bootstrap, **overrides))


def make_consumer(bootstrap: str, group: str, **overrides: Any) -> Consumer:
    """A confluent-kafka Consumer in group (see consumer_config)."""
    from confluent_kafka import Consumer

    return Consumer(consumer_config(bootstrap, group, **overrides))


def produce(producer: Producer, topic: str, value: bytes, key: bytes | None = None,
            headers: list | None = None, on_delivery: Callable | None = None) -> None:
    """Produce one message, waiting (not dropping) while the producer's local queue is full."""
    while True:
        try:
            producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
            return
        except BufferError:
            producer.poll(0.05)


class DeliveryTracker:
    """Delivery-report callback: counts delivered and failed messages and the next offset of every partition."""

    def __init__(self) -> None:
        self.delivered = 0
        self.failed = 0
        self.last_error: str | None = None
        self.next_offsets: dict[tuple[str, int], int] = {}

    def __call__(self, err, msg) -> None:
        if err is not None:
            self.failed += 1
            self.last_error = str(err)
            return
        self.delivered += 1
        key = (msg.topic(), msg.partition())
        nxt = msg.offset() + 1
        if nxt > self.next_offsets.get(key, -1):
            self.next_offsets[key] = nxt


def produce_points(producer: Producer, topic: str, points: pd.DataFrame,
                   on_delivery: Callable | None = None) -> int:
    """Publish a long frame (asset, sensor, ts, value[, quality]) as telemetry v1 messages keyed by asset."""
    from industrialmind.stores.messages import encode_telemetry

    keys, values = encode_telemetry(points)
    send = producer.produce
    for i, (key, value) in enumerate(zip(keys, values)):
        try:
            send(topic, value=value, key=key, on_delivery=on_delivery)
        except BufferError:
            produce(producer, topic, value, key, on_delivery=on_delivery)
        if i % 5000 == 4999:
            producer.poll(0)
    producer.poll(0)
    return len(values)


@dataclass
class PartitionLag:
    """One partition's consumer-group position and lag."""

    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"topic": self.topic, "partition": self.partition, "committed": self.committed,
                "end": self.end, "lag": self.lag}


class Streams:
    """The project's streams: topic names, clients, administration, status and tail, for one bootstrap address.

    Nothing connects at construction; the bundled broker is started on first use when the bootstrap is empty.
    """

    def __init__(self, bootstrap: str | Callable[[], str], prefix: str = "im.") -> None:
        self._bootstrap = bootstrap
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings) -> Streams:
        """Streams configured by IM_KAFKA_BOOTSTRAP and IM_KAFKA_TOPIC_PREFIX."""
        from industrialmind.stores.broker import bootstrap_servers

        return cls(lambda: bootstrap_servers(settings), settings.kafka_topic_prefix)

    @property
    def bootstrap(self) -> str:
        """The bootstrap servers (resolving the bundled broker the first time)."""
        if callable(self._bootstrap):
            self._bootstrap = self._bootstrap()
        return self._bootstrap

    # -- names -------------------------------------------------------------------------------------------
    def topic(self, kind: str) -> str:
        """The full topic name of a kind ('telemetry', 'alarms', 'deadletter'); a full name passes through."""
        if kind in TOPIC_KINDS:
            return self.prefix + kind
        if kind.startswith(self.prefix) or "." in kind:
            return kind
        raise InvalidInputError(f"unknown topic {kind!r}" + did_you_mean(kind, list(TOPIC_KINDS)))

    # -- clients -----------------------------------------------------------------------------------------
    def producer(self, **overrides: Any) -> Producer:
        """A producer on this bootstrap."""
        return make_producer(self.bootstrap, **overrides)

    def consumer(self, group: str, **overrides: Any) -> Consumer:
        """A consumer in group on this bootstrap."""
        return make_consumer(self.bootstrap, group, **overrides)

    def admin(self):
        """An AdminClient on this bootstrap."""
        from confluent_kafka.admin import AdminClient

        return AdminClient({"bootstrap.servers": self.bootstrap, "logger": logging.getLogger("industrialmind.kafka")})

    # -- administration ----------------------------------------------------------------------------------
    def check(self, timeout: float = 5.0) -> list[str]:
        """Fetch cluster metadata once; return the topic names, or raise BackendUnavailableError."""
        from confluent_kafka import KafkaException

        try:
            md = self.admin().list_topics(timeout=timeout)
        except KafkaException as exc:
            raise self._unreachable(exc) from None
        return sorted(md.topics)

    def _unreachable(self, exc: Exception) -> BackendUnavailableError:
        """The error for a broker that cannot be reached: the reason in words (not KafkaError{...}) and the fix."""
        reason = exc.args[0].str() if exc.args and hasattr(exc.args[0], "str") else str(exc)
        return BackendUnavailableError(f"Kafka broker at {self.bootstrap!r} is unreachable ({reason}); "
                                       "check IM_KAFKA_BOOTSTRAP, or leave it empty to use the bundled broker")

    def wait_until_reachable(self, max_wait_s: float | None = None, on_retry: Callable[[str, float], None] | None = None,
                             stop: Callable[[], bool] | None = None) -> None:
        """Retry `check` with exponential backoff (0.5 s doubling to 10 s) until it succeeds.

        on_retry(message, delay) is called before each wait; raises the last BackendUnavailableError when
        max_wait_s passes (None waits forever) or stop() turns true.
        """
        start = time.monotonic()
        delay = 0.5
        attempt = 0
        while True:
            attempt += 1
            try:
                self.check(timeout=min(5.0, delay * 2 + 1))
                return
            except BackendUnavailableError as exc:
                waited = time.monotonic() - start
                if (max_wait_s is not None and waited + delay > max_wait_s) or (stop and stop()):
                    raise BackendUnavailableError(f"{exc} (gave up after {waited:.0f} s, {attempt} attempts)") from None
                if on_retry:
                    on_retry(f"{exc}; retrying in {delay:.1f} s (attempt {attempt})", delay)
                _sleep_unless(delay, stop)
                delay = min(delay * 2, 10.0)

    def ensure_topics(self, partitions: dict[str, int] | None = None, timeout: float = 10.0) -> list[str]:
        """Create the project's topics that are missing (partition counts per kind); returns the ones created."""
        from confluent_kafka import KafkaError, KafkaException
        from confluent_kafka.admin import NewTopic

        counts = {**DEFAULT_PARTITIONS, **(partitions or {})}
        admin = self.admin()
        try:
            existing = set(admin.list_topics(timeout=timeout).topics)
        except KafkaException as exc:
            raise self._unreachable(exc) from None
        wanted = [NewTopic(self.topic(k), counts[k], 1) for k in TOPIC_KINDS if self.topic(k) not in existing]
        created = []
        if wanted:
            for name, future in admin.create_topics(wanted, operation_timeout=timeout).items():
                try:
                    future.result()
                    created.append(name)
                except KafkaException as exc:
                    if exc.args and exc.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                        continue  # created concurrently by another process
                    raise BackendUnavailableError(f"could not create topic {name!r}: {exc}") from None
        return created

    def partitions(self, topic: str, timeout: float = 5.0) -> list[int]:
        """Partition ids of a topic ([] when it does not exist)."""
        md = self.admin().list_topics(topic, timeout=timeout)
        t = md.topics.get(topic)
        if t is None or t.error is not None:
            return []
        return sorted(t.partitions)

    def topics(self, timeout: float = 5.0) -> dict[str, int]:
        """Topics whose names start with the prefix -> partition count."""
        md = self.admin().list_topics(timeout=timeout)
        return {name: len(t.partitions) for name, t in sorted(md.topics.items())
                if name.startswith(self.prefix) and t.error is None}

    # -- offsets, lag, rates -------------------------------------------------------------------------------
    def end_offsets(self, topic: str, partitions: Iterable[int] | None = None, timeout: float = 10.0) -> dict[int, int]:
        """The true end offset (next offset to be written) of each partition, correct on Tansu too."""
        from confluent_kafka import KafkaError, TopicPartition

        parts = list(partitions) if partitions is not None else self.partitions(topic)
        if not parts:
            return {}
        consumer = self.consumer("im-offsets-probe", **{"enable.partition.eof": True,
                                                        "fetch.wait.max.ms": 10})
        try:
            reported = {}
            for p in parts:
                _low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
                reported[p] = high
            # Start one record before the reported end: on Tansu that is the last batch's first record.
            consumer.assign([TopicPartition(topic, p, max(reported[p] - 1, 0)) for p in parts])
            ends: dict[int, int] = {}
            deadline = time.monotonic() + timeout
            while len(ends) < len(parts) and time.monotonic() < deadline:
                for msg in consumer.consume(num_messages=10_000, timeout=0.2):
                    err = msg.error()
                    if err is None:
                        continue
                    if err.code() == KafkaError._PARTITION_EOF:
                        ends[msg.partition()] = msg.offset()
            for p in parts:
                # A partition that never reached EOF in time: fall back to what the broker reported.
                ends.setdefault(p, reported[p])
            return ends
        finally:
            consumer.close()

    def committed(self, group: str, topic: str, partitions: Iterable[int], timeout: float = 10.0) -> dict[int, int | None]:
        """The group's committed offset of each partition (None when nothing was committed)."""
        from confluent_kafka import TopicPartition

        consumer = self.consumer(group)
        try:
            result = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=timeout)
        finally:
            consumer.close()
        return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in result}

    def lag(self, group: str, topic: str | None = None, ends: dict[int, int] | None = None) -> list[PartitionLag]:
        """Per-partition lag of a consumer group on a topic (default telemetry): end offset - committed offset."""
        topic = topic or self.topic("telemetry")
        if ends is None:
            ends = self.end_offsets(topic)
        committed = self.committed(group, topic, list(ends))
        rows = []
        for p, end in sorted(ends.items()):
            c = committed.get(p)
            rows.append(PartitionLag(topic, p, c, end, max(end - (c or 0), 0)))
        return rows

    def groups(self, timeout: float = 10.0) -> list[str]:
        """Consumer group ids the cluster knows (the probe groups of this module excluded)."""
        admin = self.admin()  # keep a reference: the future fails with _DESTROY if the client is collected
        try:
            result = admin.list_consumer_groups(request_timeout=timeout).result()
            ids = [g.group_id for g in result.valid]
            if result.errors and not ids:
                raise RuntimeError(str(result.errors[0]))
        except Exception:  # noqa: BLE001 - older brokers lack newer ListGroups versions: the v0 call
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ids = [g.id for g in admin.list_groups(timeout=timeout)]
        return sorted(g for g in set(ids) if not g.startswith("im-offsets-probe") and not g.startswith("im-tail"))

    def status(self, interval: float = 1.0, groups: list[str] | None = None) -> dict[str, Any]:
        """Topics (partitions, messages, rate over `interval` seconds) and consumer-group lag per partition."""
        topics = self.topics()
        first = {t: self.end_offsets(t) for t in topics}
        t0 = time.monotonic()
        if interval > 0:
            time.sleep(interval)
        second = {t: self.end_offsets(t) for t in topics} if interval > 0 else first
        elapsed = max(time.monotonic() - t0, 1e-9)
        topic_rows = []
        for t in topics:
            total = sum(second[t].values())
            rate = (total - sum(first[t].values())) / elapsed if interval > 0 else None
            topic_rows.append({"topic": t, "partitions": topics[t], "messages": total,
                               "rate_per_s": round(rate, 1) if rate is not None else None,
                               "end_offsets": {str(p): o for p, o in sorted(second[t].items())}})
        group_rows = []
        for g in (groups if groups is not None else self.groups()):
            for t in topics:
                rows = self.lag(g, t, ends=second[t])
                if all(r.committed is None for r in rows):
                    continue
                group_rows.append({"group": g, "topic": t, "lag": sum(r.lag for r in rows),
                                   "partitions": [r.as_dict() for r in rows]})
        return {"bootstrap": self.bootstrap, "prefix": self.prefix,
                "measured_at": datetime.now(timezone.utc).isoformat(), "interval_s": round(elapsed, 3),
                "topics": topic_rows, "groups": group_rows,
                "end_offsets_method": "read to end-of-partition from the reported high watermark - 1"}

    # -- tail --------------------------------------------------------------------------------------------
    def tail(self, kind: str = "telemetry", asset: str | None = None, limit: int = 20,
             scan: int = 20_000, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The last `limit` messages of a topic (optionally only those keyed by `asset`), oldest first.

        Reads at most `scan` messages back from the end of each partition. Values are parsed JSON when they
        parse, else text; headers come as a dict (dead letters carry their reason there).
        """
        from confluent_kafka import KafkaError, TopicPartition

        from industrialmind.stores.messages import header_dict

        if limit <= 0:
            raise InvalidInputError(f"limit must be positive, got {limit!r}")
        topic = self.topic(kind)
        ends = self.end_offsets(topic, timeout=timeout)
        if not ends:
            return []
        consumer = self.consumer("im-tail", **{"enable.partition.eof": True})
        rows: list[dict[str, Any]] = []
        key_filter = asset.encode() if asset is not None else None
        try:
            starts = {}
            for p, end in ends.items():
                low, _ = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
                starts[p] = max(low, end - scan)
            todo = {p for p in ends if ends[p] > starts[p]}
            consumer.assign([TopicPartition(topic, p, starts[p]) for p in todo])
            deadline = time.monotonic() + timeout
            while todo and time.monotonic() < deadline:
                for msg in consumer.consume(num_messages=10_000, timeout=0.2):
                    err = msg.error()
                    if err is not None:
                        if err.code() == KafkaError._PARTITION_EOF:
                            todo.discard(msg.partition())
                        continue
                    if key_filter is not None and msg.key() != key_filter:
                        continue
                    rows.append(_message_row(msg, header_dict))
                    if msg.offset() + 1 >= ends.get(msg.partition(), 0):
                        todo.discard(msg.partition())
        finally:
            consumer.close()
        rows.sort(key=lambda r: (r["timestamp"] or "", r["partition"], r["offset"]))
        return rows[-limit:]


def _message_row(msg, header_dict) -> dict[str, Any]:
    raw = msg.value()
    try:
        value: Any = json.loads(raw) if raw is not None else None
    except ValueError:
        value = raw.decode(errors="replace")
    ts_type, ts_ms = msg.timestamp()
    stamp = datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).isoformat() if ts_type and ts_ms > 0 else None
    key = msg.key()
    return {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(), "timestamp": stamp,
            "key": key.decode(errors="replace") if key is not None else None, "value": value,
            "headers": header_dict(msg.headers())}


def _sleep_unless(seconds: float, stop: Callable[[], bool] | None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if stop and stop():
            return
        time.sleep(min(0.1, max(end - time.monotonic(), 0)))
