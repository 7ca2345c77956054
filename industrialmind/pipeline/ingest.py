"""The ingest consumer group: telemetry topic -> time-series store, at least once, with idempotent writes.

Guarantees, and why they hold:
- No loss: offsets are committed explicitly, per partition, only after the batch that holds those messages is
  durable in the store (the store's write is one transaction) and its rejected messages are delivered to the
  dead-letter topic. A crash at any point leaves the committed offsets at or before the first unwritten message.
- No duplicates: the store is keyed by (measurement, asset, sensor, ts); replaying a batch after a crash
  rewrites the same points. (The dead-letter topic may receive a rejected message twice after a crash.)
- Several processes in one group share the partitions; on a rebalance a worker writes and commits what it
  holds before it gives its partitions up, and one that cannot simply drops its uncommitted batch, which the
  new owner re-reads.
- Bounded memory: a batch holds at most `batch_size` messages and librdkafka's prefetch is capped
  (queued.max.messages.kbytes); while the store is unavailable the worker pauses its partitions and retries
  with backoff, and resumes when a write succeeds. With `pipeline=True` one batch is written in a background
  thread while the next is consumed and decoded; the consumer pauses when the writer falls behind.
- DuckDB lets one process write a file at a time: the default opens, writes and closes the file per batch
  (waiting for the lock), so several ingest processes, and readers such as the chat's tools, share it;
  `hold_store=True` keeps it open (fastest, single process, readers of that file wait until it stops).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from industrialmind.errors import BackendUnavailableError, IndustrialMindError
from industrialmind.stores.streams import INGEST_GROUP, Streams

if TYPE_CHECKING:
    from confluent_kafka import Message

log = logging.getLogger("industrialmind.ingest")

_RETRYABLE_COMMIT = {"_TRANSPORT", "_TIMED_OUT", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR",
                     "COORDINATOR_LOAD_IN_PROGRESS", "_WAIT_COORD", "REQUEST_TIMED_OUT", "_ALL_BROKERS_DOWN"}
_REBALANCED = {"ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS", "_NO_OFFSET",
               "FENCED_INSTANCE_ID", "_STATE", "_ASSIGNMENT_LOST"}


@dataclass
class IngestStats:
    """Counters of one ingest worker, written to <IM_HOME>/run/ingest-<pid>.json after every batch."""

    pid: int = field(default_factory=os.getpid)
    group: str = INGEST_GROUP
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    consumed: int = 0
    written: int = 0
    rejected: int = 0
    batches: int = 0
    commits: int = 0
    commit_failures: int = 0
    write_retries: int = 0
    assigned: list[int] = field(default_factory=list)
    last_batch_at: str | None = None
    assigned_at: float | None = None  # time.time() of the first partition assignment (for throughput)
    first_message_at: float | None = None  # time.time() of the first message consumed
    last_commit_at: float | None = None  # time.time() of the last commit
    broker_state: str = "connecting"
    store_state: str = "ok"
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass
class BatchReport:
    """What one committed batch held: for benchmarks and progress displays."""

    messages: int
    written: int
    rejected: int
    committed_at: float  # time.time() when the offsets were committed
    produce_ts_ms: list[int] | None = None  # the messages' CreateTime, when latency recording is on
    fast_path: bool = True


class _Batch:
    """Messages consumed but not yet committed, and the next offset to commit per partition."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.offsets: dict[tuple[str, int], int] = {}
        self.started = 0.0

    def add(self, msgs: list[Message]) -> None:
        if not self.messages:
            self.started = time.monotonic()
        self.messages.extend(msgs)
        offsets = self.offsets
        for m in msgs:
            # Messages of one partition arrive in offset order, so the last one seen holds the highest offset.
            offsets[(m.topic(), m.partition())] = m.offset() + 1

    def __len__(self) -> int:
        return len(self.messages)


class IngestWorker:
    """One member of the ingest consumer group; `run()` until `stop` is set (or a limit is reached)."""

    def __init__(self, settings, streams: Streams | None = None, group: str = INGEST_GROUP,
                 batch_size: int = 200_000, batch_wait_s: float = 0.25, store_url: str | None = None,
                 hold_store: bool = False, pipeline: bool = True, stop: threading.Event | None = None,
                 on_batch: Callable[[BatchReport], None] | None = None, record_latency: bool = False,
                 broker_wait_s: float | None = None, stats_path: Path | None = None,
                 consumer_overrides: dict[str, Any] | None = None, store=None,
                 on_message: Callable[[str], None] | None = None) -> None:
        if batch_size < 1:
            from industrialmind.errors import InvalidInputError

            raise InvalidInputError(f"batch size must be at least 1, got {batch_size!r}")
        self.settings = settings
        self.streams = streams or Streams.from_settings(settings)
        self.group = group
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.store_url = store_url or settings.resolved.timeseries
        self.hold_store = hold_store
        self.pipeline = pipeline
        self.stop = stop or threading.Event()
        self.on_batch = on_batch
        self.record_latency = record_latency
        self.broker_wait_s = broker_wait_s
        self.stats_path = stats_path
        self.consumer_overrides = consumer_overrides or {}
        self.stats = IngestStats(group=group)
        self._store = store
        self._say = on_message or (lambda text: log.warning(text))
        self._consumer = None
        self._producer = None
        self._dlq_failed: list[str] = []
        self._broker_down_since: float | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight: tuple[Future, _Batch, float] | None = None
        self._paused = False
        self.decode_in_reader = True
        self._assigned_mono: float | None = None
        self._loop_thread: threading.Thread | None = None
        self._batch = _Batch()

    # -- store ---------------------------------------------------------------------------------------------
    def _open_store(self):
        if self._store is not None:
            return self._store
        from industrialmind.stores.timeseries import open_timeseries

        options = {"keep_open": True} if self.hold_store and self.store_url.startswith("duckdb:") else {}
        self._store = open_timeseries(self.store_url, token=self.settings.influx_token, **options)
        return self._store

    # -- kafka callbacks -------------------------------------------------------------------------------------
    def _on_error(self, err) -> None:
        name = err.name()
        if name in ("_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE"):
            if self._broker_down_since is None:
                self._broker_down_since = time.monotonic()
                self.stats.broker_state = "down"
                self._say(f"Kafka broker {self.streams.bootstrap} is unreachable ({err.str()}); "
                          "retrying with backoff, no message is lost or committed meanwhile")
        elif err.fatal():
            self.stats.last_error = err.str()
            self._say(f"fatal Kafka error: {err.str()}")
            self.stop.set()
        else:
            log.info("kafka: %s", err.str())

    def _broker_up(self) -> None:
        if self._broker_down_since is not None:
            down = time.monotonic() - self._broker_down_since
            self._say(f"Kafka broker {self.streams.bootstrap} is reachable again after {down:.0f} s; resuming")
            self._broker_down_since = None
        self.stats.broker_state = "up"

    def _on_assign(self, consumer, partitions) -> None:
        self.stats.assigned = sorted(tp.partition for tp in partitions)
        if partitions:
            self._assigned_mono = time.monotonic()
        if self.stats.assigned_at is None and partitions:
            self.stats.assigned_at = time.time()
        self._paused = False
        log.info("assigned partitions %s", self.stats.assigned)
        self._write_stats()

    def _on_revoke(self, consumer, partitions) -> None:
        # Write and commit what we hold before the partitions move to another member; if that fails the batch
        # is dropped uncommitted and the next owner re-reads it.
        self._finish_in_flight()
        if len(self._batch):
            try:
                self._flush(self._batch, retry_for=5.0)
            except Exception as exc:  # noqa: BLE001 - a revoke must not crash the member
                self._say(f"could not write the batch before the rebalance ({exc}); it will be re-read")
            self._batch = _Batch()
        self.stats.assigned = []

    # -- the loop --------------------------------------------------------------------------------------------
    def run(self, max_messages: int | None = None, idle_exit_s: float | None = None) -> IngestStats:
        """Consume, decode, write and commit until stop is set, max_messages were consumed, or nothing arrived for
        idle_exit_s seconds; always writes and commits what it holds before it returns."""
        streams = self.streams
        streams.wait_until_reachable(self.broker_wait_s, on_retry=lambda text, _d: self._say(text),
                                     stop=self.stop.is_set)
        if self.stop.is_set():
            return self.stats
        streams.ensure_topics()
        self._broker_up()
        topic = streams.topic("telemetry")
        self._open_store()
        consumer = streams.consumer(self.group, error_cb=self._on_error, **self.consumer_overrides)
        self._consumer = consumer
        self._batch = _Batch()
        self._loop_thread = threading.current_thread()
        if self.pipeline:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="im-ingest-writer")
        consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke,
                           on_lost=self._on_revoke)
        last_message = time.monotonic()
        last_topic_check = 0.0
        try:
            while not self.stop.is_set():
                if max_messages is not None and self.stats.consumed >= max_messages and not len(self._batch):
                    break
                self._reap_in_flight(block=False)
                batch = self._batch
                want = self.batch_size - len(batch)
                if max_messages is not None:
                    want = min(want, max(max_messages - self.stats.consumed, 0)) or 0
                wait = self.batch_wait_s if not len(batch) else max(
                    0.0, self.batch_wait_s - (time.monotonic() - batch.started))
                # Every message consume() returns goes into the batch: dropping one would let a later commit
                # skip over it.
                msgs = consumer.consume(num_messages=min(max(want, 1), 100_000), timeout=min(max(wait, 0.01), 0.5))
                batch = self._batch  # a rebalance inside consume() may have flushed and replaced it
                good = msgs
                if msgs:
                    good = [m for m in msgs if m.error() is None]
                    if len(good) != len(msgs):
                        last_topic_check = self._handle_errors(msgs, last_topic_check)
                if good:
                    if self.stats.first_message_at is None:
                        self.stats.first_message_at = time.time()
                    self._broker_up()
                    batch.add(good)
                    self.stats.consumed += len(good)
                    last_message = time.monotonic()
                full = len(batch) >= self.batch_size or (
                    max_messages is not None and self.stats.consumed >= max_messages)
                # While the writer is busy a due batch keeps growing instead of waiting in line, so batches grow
                # to match the store's speed; only a full batch waits (with the partitions paused).
                writer_free = self._in_flight is None or self._in_flight[0].done()
                due = len(batch) and writer_free and time.monotonic() - batch.started >= self.batch_wait_s
                if full or due:
                    self._submit(batch)
                    self._batch = _Batch()
                elif idle_exit_s is not None and not len(batch) and self._in_flight is None and (
                        self._assigned_mono is not None
                        and time.monotonic() - max(last_message, self._assigned_mono) >= idle_exit_s):
                    # Idle counts from the assignment: a group join can take longer than the idle time.
                    break
        finally:
            self._shutdown()
        return self.stats

    def _handle_errors(self, msgs, last_topic_check: float) -> float:
        from confluent_kafka import KafkaError

        for m in msgs:
            err = m.error()
            if err is None or err.code() == KafkaError._PARTITION_EOF:
                continue
            if err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART and time.monotonic() - last_topic_check > 2.0:
                # A broker with memory storage that restarted has lost its topics: create them again.
                last_topic_check = time.monotonic()
                try:
                    self.streams.ensure_topics()
                except IndustrialMindError as exc:
                    log.info("could not re-create topics: %s", exc)
            elif err.fatal():
                raise BackendUnavailableError(f"fatal Kafka consumer error: {err.str()}")
            else:
                log.info("consumer: %s", err.str())
        return last_topic_check

    def _submit(self, batch: _Batch) -> None:
        """Hand a full batch to the writer (pipelined) or write it now."""
        if self._executor is None:
            self._flush(batch)
            return
        # One batch in flight: wait for the previous one (and commit it) first, pausing the partitions so
        # librdkafka stops fetching while the writer catches up.
        # Decode here, while the writer thread is busy with the previous batch: that balances the two threads.
        decoded = self._decode(batch) if self.decode_in_reader else None
        if self._in_flight is not None and not self._in_flight[0].done():
            self._pause()
        self._reap_in_flight(block=True)
        self._resume()
        future = self._executor.submit(self._write_batch, batch, None, decoded)
        self._in_flight = (future, batch, time.monotonic())

    def _reap_in_flight(self, block: bool) -> None:
        if self._in_flight is None:
            return
        future, batch, _ = self._in_flight
        if not block and not future.done():
            return
        # librdkafka's own thread keeps the group membership alive (heartbeats) while we wait; rebalance
        # callbacks wait for the next consume(), up to max.poll.interval.ms.
        self._in_flight = None
        try:
            written, rejected, fast = future.result()
        except BackendUnavailableError as exc:
            if not self.stop.is_set():
                raise
            self._say(f"stopping with an unwritten batch ({exc}); it stays uncommitted and will be re-read")
            return
        self._commit(batch, written, rejected, fast)

    def _finish_in_flight(self) -> None:
        try:
            self._reap_in_flight(block=True)
        except Exception as exc:  # noqa: BLE001
            self._say(f"a batch could not be written ({exc}); it was not committed and will be re-read")
            self._in_flight = None

    def _pause(self) -> None:
        if self._consumer is not None and not self._paused:
            try:
                self._consumer.pause(self._consumer.assignment())
                self._paused = True
            except Exception as exc:  # noqa: BLE001 - pausing is an optimisation
                log.info("pause failed: %s", exc)

    def _resume(self) -> None:
        if self._consumer is not None and self._paused:
            try:
                self._consumer.resume(self._consumer.assignment())
            except Exception as exc:  # noqa: BLE001
                log.info("resume failed: %s", exc)
            self._paused = False

    def _flush(self, batch: _Batch, retry_for: float | None = None) -> None:
        """Write a batch and commit its offsets, in this thread."""
        written, rejected, fast = self._write_batch(batch, retry_for)
        self._commit(batch, written, rejected, fast)

    @staticmethod
    def _decode(batch: _Batch):
        from industrialmind.stores.messages import decode_telemetry

        return decode_telemetry([m.value() for m in batch.messages])

    def _write_batch(self, batch: _Batch, retry_for: float | None = None, decoded=None) -> tuple[int, int, bool]:
        """Decode (unless done already), dead-letter the rejected messages, write the points; retries until
        durable (or stop)."""
        msgs = batch.messages
        if decoded is None:
            decoded = self._decode(batch)
        if decoded.rejected:
            self._dead_letter(msgs, decoded.rejected, retry_for)
        points = decoded.points
        written = 0
        if len(points):
            written = self._write_with_retry(points, retry_for)
        return written, len(decoded.rejected), decoded.fast_path

    def _write_with_retry(self, points, retry_for: float | None) -> int:
        start = time.monotonic()
        delay = 0.25
        while True:
            try:
                written = self._open_store().write(points)
                if self.stats.store_state != "ok":
                    self._say("time-series store is writable again; resuming")
                    if threading.current_thread() is self._loop_thread:
                        self._resume()
                self.stats.store_state = "ok"
                return written
            except (BackendUnavailableError, OSError, TimeoutError) as exc:
                self.stats.write_retries += 1
                self.stats.store_state = "unavailable"
                self.stats.last_error = str(exc)
                waited = time.monotonic() - start
                if self.stop.is_set() or (retry_for is not None and waited >= retry_for):
                    raise BackendUnavailableError(f"time-series store unavailable: {exc}") from None
                self._say(f"time-series store write failed ({exc}); retrying in {delay:.1f} s")
                if threading.current_thread() is self._loop_thread:
                    self._pause()  # stop prefetching into memory while the store is away
                end = time.monotonic() + delay
                while time.monotonic() < end and not self.stop.is_set():
                    time.sleep(0.05)
                delay = min(delay * 2, 10.0)

    def _dead_letter(self, msgs, rejected, retry_for: float | None) -> None:
        from industrialmind.stores.messages import dead_letter_headers
        from industrialmind.stores.streams import produce

        if self._producer is None:
            self._producer = self.streams.producer(**{"linger.ms": 5})
        topic = self.streams.topic("deadletter")
        start = time.monotonic()
        todo = list(rejected)
        failed: list = []

        def report(err, _msg, item) -> None:
            if err is not None:
                failed.append(item)

        while todo:
            failed.clear()
            for r in todo:
                m = msgs[r.index]
                headers = dead_letter_headers(r.reason, m.topic(), m.partition(), m.offset(), self.group)
                produce(self._producer, topic, m.value() if m.value() is not None else b"", m.key(), headers,
                        on_delivery=lambda err, msg, item=r: report(err, msg, item))
            remaining = self._producer.flush(30.0)
            if remaining == 0 and not failed:
                break
            if self.stop.is_set() or (retry_for is not None and time.monotonic() - start > retry_for):
                raise BackendUnavailableError(f"could not deliver {len(failed) or remaining} message(s) to the "
                                              f"dead-letter topic {topic!r}")
            todo = list(failed) if remaining == 0 else todo  # undelivered after flush: send again (at least once)
            time.sleep(0.5)
        self.stats.rejected += len(rejected)

    def _commit(self, batch: _Batch, written: int, rejected: int, fast: bool) -> None:
        from confluent_kafka import KafkaException, TopicPartition

        offsets = [TopicPartition(t, p, o) for (t, p), o in batch.offsets.items()]
        delay = 0.25
        for attempt in range(8):
            try:
                self._consumer.commit(offsets=offsets, asynchronous=False)
                self.stats.commits += 1
                break
            except KafkaException as exc:
                name = exc.args[0].name() if exc.args else ""
                if name in _REBALANCED or attempt == 7 or name not in _RETRYABLE_COMMIT:
                    # The points are durable; an uncommitted batch is re-read and rewritten idempotently.
                    self.stats.commit_failures += 1
                    log.info("commit failed (%s); the batch will be re-read by the partition's owner", name)
                    break
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.stats.batches += 1
        self.stats.last_commit_at = time.time()
        self.stats.written += written
        self.stats.last_batch_at = datetime.now(timezone.utc).isoformat()
        self._write_stats()
        if self.on_batch is not None:
            stamps = [m.timestamp()[1] for m in batch.messages] if self.record_latency else None
            self.on_batch(BatchReport(len(batch), written, rejected, time.time(), stamps, fast))

    def _write_stats(self) -> None:
        if self.stats_path is None:
            return
        try:
            self.stats_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.stats_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.stats.as_dict()))
            os.replace(tmp, self.stats_path)
        except OSError:
            pass

    def _shutdown(self) -> None:
        """Write and commit what is held, leave the group, release the store."""
        try:
            self._finish_in_flight()
            if len(self._batch) and self._consumer is not None:
                try:
                    self._flush(self._batch, retry_for=10.0)
                except Exception as exc:  # noqa: BLE001
                    self._say(f"could not write the last batch ({exc}); it stays uncommitted and will be re-read")
                self._batch = _Batch()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
            if self._consumer is not None:
                try:
                    self._consumer.close()
                except Exception:  # noqa: BLE001 - closing a consumer whose broker is gone
                    pass
                self._consumer = None
            if self._producer is not None:
                self._producer.flush(5.0)
                self._producer = None
            if self._store is not None:
                self._store.close()
            self.stats.broker_state = "stopped"
            self._write_stats()
