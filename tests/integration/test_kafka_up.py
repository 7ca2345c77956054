"""`industrialmind up` end to end: the bundled broker, the live simulator and ingest as real processes, a status line,
and a clean stop of everything on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from industrialmind.config import get_settings
from industrialmind.pipeline.stack import plan_children
from tests.integration.kafka_support import require_tansu

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "industrialmind"]


def test_up_runs_the_stack_and_stops_everything_on_ctrl_c(im_home):
    """`up` starts the broker, simulator and ingest, prints status lines with growing counts, and on SIGINT stops
    its children and the broker it started, with every published point stored."""
    require_tansu()
    from industrialmind.stores.broker import port_open

    proc = subprocess.Popen([*CLI, "up", "--speed", "1200", "--no-scorer", "--interval", "0.5", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("stored" in ln and "stored 0 " not in ln for ln in lines):
            assert proc.poll() is None, "".join(lines)
            time.sleep(0.2)
        assert any("stored" in ln and "stored 0 " not in ln for ln in lines), "".join(lines)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    reader.join(5)
    assert proc.returncode == 0, "".join(lines)
    result = json.loads(out)
    assert result["started_broker"] is True
    assert {k: v["exit_code"] for k, v in result["children"].items()} == {"simulator": 0, "ingest": 0}
    assert result["published"] > 0 and result["stored"] == result["published"] and result["lag"] == 0
    host, port = result["bootstrap"].split(":")
    assert not port_open(host, int(port)), "the broker `up` started is still running"
    assert not (im_home / "broker.json").exists()
    assert (im_home / "logs" / "ingest.log").read_text().count("stopped") == 1


def test_up_plans_the_scorer_and_several_ingest_workers(im_home):
    """With the scorer on and two workers, `up` plans the simulator, two ingest processes and `score`."""
    children = plan_children(get_settings(), speed=60, rate=500, seed=3, workers=2, scorer=True,
                             log_dir=Path(im_home) / "logs")
    names = [c.name for c in children]
    assert names == ["simulator", "ingest1", "ingest2", "scorer"]
    assert children[0].argv[-2:] == ["--rate", "500"]
    assert children[-1].argv[-1] == "score" and children[1].argv[-1] == "ingest"
