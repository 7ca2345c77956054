"""Test helpers for the web room: one demo data home per test session and real `industrialmind web` servers.

The demo home (a few hours of simulated history, the knowledge graph and document index) is built once per pytest
process, whichever test module asks first, and every server started here reads it. Servers are real subprocesses
bound to a free 127.0.0.1 port and stopped at exit.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

DEMO_DAYS = 0.25  # enough history for a 6 h plot and the planner's questions; simulated in a few seconds
START_TIMEOUT_S = 120.0  # the first server also trains the offline planner's router on a busy 2-core machine
_STATE: dict[str, Any] = {}
REPO = Path(__file__).resolve().parents[2]


def demo_home() -> Path:
    """A data home with the demo plant's history, registry, knowledge graph and document index (built once)."""
    if "home" in _STATE:
        return _STATE["home"]
    base = Path(tempfile.mkdtemp(prefix="im-web-tests-"))
    atexit.register(shutil.rmtree, base, True)
    home = base / "home"
    env = _env(home)
    # the same steps `init --demo` runs, with a short history (tests need hours, not the default week)
    script = ("import industrialmind.cli\n"
              "from industrialmind.config import get_settings\n"
              "from industrialmind.plant.history import ensure_demo_data\n"
              "from industrialmind.knowledge.build import build_knowledge\n"
              "cfg = get_settings()\n"
              f"ensure_demo_data(cfg, days={DEMO_DAYS}, progress=False)\n"
              "build_knowledge(cfg, docs=False)\n"  # failure modes only: indexing 54 manuals takes minutes here
              "from industrialmind.agent.brains import make_chat_model\n"
              "from industrialmind.tools import build_tools\n"
              "make_chat_model('offline', cfg).bind_tools(build_tools(cfg)).warm_up()\n"
              "(cfg.home / '.initialized').write_text('{}')\n")
    done = subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"building the demo home failed:\n{done.stderr[-3000:]}")
    _STATE["home"] = home
    return home


def fresh_home() -> Path:
    """A private copy of the demo home (no conversations yet), so each server starts from the same state."""
    pristine = demo_home()
    target = Path(tempfile.mkdtemp(prefix="home-", dir=pristine.parent)) / "home"
    shutil.copytree(pristine, target)
    return target


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("IM_") and not k.startswith("IM_TEST_"))}
    env.update({"IM_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"})
    if os.environ.get("IM_TEST_EMBEDDINGS_CACHE"):
        env["IM_EMBEDDINGS_CACHE"] = os.environ["IM_TEST_EMBEDDINGS_CACHE"]
    env.update(extra)
    return env


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebServer:
    """A running `industrialmind web` subprocess: its base URL and its output log."""

    def __init__(self, home: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home.parent / f"web-{self.port}.log"
        self._log_file = open(self.log, "w")  # noqa: SIM115 - the server writes to it for its whole life
        self.process = subprocess.Popen(
            [sys.executable, "-m", "industrialmind", "web", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-init"], env=_env(home, **env), stdout=self._log_file, stderr=subprocess.STDOUT, cwd=home.parent)
        atexit.register(self.stop)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"industrialmind web exited ({self.process.returncode}):\n{self.output()}")
            try:
                urllib.request.urlopen(self.url + "/health", timeout=2).read()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"industrialmind web did not answer within {START_TIMEOUT_S:.0f} s:\n{self.output()}")

    def output(self) -> str:
        """What the server printed so far."""
        self._log_file.flush()
        return self.log.read_text()[-4000:]

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_file.close()


def shared_server(name: str = "open", **env: str) -> WebServer:
    """A server on its own copy of the demo home, started once per process per name (extra env: auth settings)."""
    key = f"server:{name}"
    if key not in _STATE:
        _STATE[key] = WebServer(fresh_home(), **env)
    return _STATE[key]


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 120.0) -> tuple[int, Any]:
    """One HTTP call with the standard library: (status, JSON body or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def require_web_stack() -> None:
    """Skip when the ui extra (chainlit, plotly) or the planner's embedding stack is not installed."""
    for module in ("chainlit", "plotly", "onnxruntime"):
        pytest.importorskip(module, reason=f"{module} (industrialmind[ui] / [knowledge]) is needed for the web app")
