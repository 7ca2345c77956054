"""`industrialmind start`, the main job (./run.sh): brings the demo history up to now, shows it, serves the web chat."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.ui._web_server import _env, free_port, fresh_home, http

pytestmark = pytest.mark.slow  # runs the real `industrialmind start` (backfill, then a web server) in a subprocess


def test_start_shows_the_plant_then_serves_the_web_chat_and_api():
    """On a prepared home, `start` prints the plant summary and the chat URL, and the REST API answers on that port."""
    home = fresh_home()
    port = free_port()
    log = home.parent / "start.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "industrialmind", "start",
                                 "--host", "127.0.0.1", "--port", str(port)],
                                env=_env(home), stdout=out, stderr=subprocess.STDOUT, cwd=home.parent)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                assert proc.poll() is None, f"start exited early:\n{log.read_text()[-3000:]}"
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                    break
                except (urllib.error.URLError, OSError):
                    time.sleep(0.5)
            else:
                raise AssertionError(f"start did not serve within 180 s:\n{log.read_text()[-3000:]}")
            status, body = http("GET", f"http://127.0.0.1:{port}/api/health")
            assert status == 200, body
            text = log.read_text()
            assert "Riverside Process Plant" in text
            assert f"http://127.0.0.1:{port}/" in text
        finally:
            proc.terminate()
            proc.wait(timeout=20)
