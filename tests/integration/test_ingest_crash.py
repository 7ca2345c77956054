"""Crash safety of `industrialmind ingest` against the real Tansu broker: SIGKILL mid-batch several times, restart,
and the store holds exactly the produced points; SIGTERM stops it cleanly with everything committed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.kafka_support import broker, demo_points, expected_keys, produce, stored_keys, streams  # noqa: F401

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "industrialmind"]


def _start_ingest(*args: str) -> subprocess.Popen:
    env = dict(os.environ)
    # The topic prefix is unique per test; so is the group (Tansu never reuses a group for other topics).
    group = "ingest-" + env["IM_KAFKA_TOPIC_PREFIX"]
    return subprocess.Popen([*CLI, "ingest", "--group", group, "--session-timeout", "3", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stats(home: Path, pid: int) -> dict:
    try:
        return json.loads((home / "run" / f"ingest-{pid}.json").read_text())
    except (OSError, ValueError):
        return {}


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"ingest exited early ({proc.returncode}) waiting for {what}: {proc.stderr.read()}")
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_ingest_survives_sigkill_mid_batch_without_loss_or_duplicates(streams, im_home):  # noqa: F811
    """Killed with SIGKILL while batches are in flight, three times, the restarted ingest leaves every produced point
    stored exactly once."""
    frame = demo_points(36_000)
    produce(streams, frame)
    rng = random.Random(7)
    kills = 0
    progress_at_kill = []
    for _ in range(3):
        # Small batches, so that most moments are inside a batch: between consume, write and commit.
        proc = _start_ingest("--batch-size", "1500", "--batch-wait", "0.05")
        try:
            baseline = 0
            stats = _wait_for(lambda: (s := _stats(im_home, proc.pid)).get("batches", 0) >= 1 and s,
                              60, "a first committed batch", proc)
            baseline = stats["written"]
            time.sleep(rng.uniform(0.0, 0.4))
            progress_at_kill.append(baseline)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
    assert kills == 3 and all(p > 0 for p in progress_at_kill)
    final = _start_ingest("--idle-exit", "3", "--json")
    _out, err = final.communicate(timeout=90)
    assert final.returncode == 0, err
    rows, total = stored_keys(f"duckdb:///{im_home / 'timeseries.duckdb'}", frame["asset"])
    assert total == len(frame), f"store holds {total} rows for {len(frame)} produced points"
    assert rows == expected_keys(frame)
    lag = streams.lag(f"ingest-{streams.prefix}", streams.topic("telemetry"))
    assert sum(r.lag for r in lag) == 0


def test_ingest_stops_cleanly_on_sigterm(streams, im_home):  # noqa: F811
    """SIGTERM makes ingest write and commit what it holds and exit 0, leaving no lag."""
    frame = demo_points(3_000)
    proc = _start_ingest("--json")
    try:
        _wait_for(lambda: _stats(im_home, proc.pid).get("assigned"), 60, "a partition assignment", proc)
        produce(streams, frame)
        _wait_for(lambda: _stats(im_home, proc.pid).get("written", 0) >= len(frame), 60, "all points written", proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(out)["written"] == len(frame)
    assert "stopped" in err
    assert sum(r.lag for r in streams.lag(f"ingest-{streams.prefix}", streams.topic("telemetry"))) == 0
