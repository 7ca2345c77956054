"""The real `industrialmind tui` in a real terminal (tmux): type a question, read the answer off the screen.

This is the one TUI test with the real offline planner and the real CLI entry point; it skips when tmux is missing
(.ci/run installs it). The tmux server runs on a private socket, so it never touches a person's sessions.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from industrialmind.knowledge.testing import embeddings_cache_dir  # noqa: F401 - session fixture: export once

pytestmark = pytest.mark.integration  # a real tmux server and the real CLI

END = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
ANSWER_TIMEOUT_S = 300.0  # the first turn trains the planner's router: about a minute on a busy 2-core VM


def _screen(tmux: list[str]) -> str:
    return subprocess.run([*tmux, "capture-pane", "-p", "-t", "tui"], capture_output=True, text=True, check=False).stdout


def _wait_for(tmux: list[str], test, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(tmux)
        if test(screen):
            return screen
        time.sleep(0.5)
    raise AssertionError(f"the screen never showed what was expected; last screen:\n{screen}")


def test_tui_tmux_question_answered_on_screen(tmp_path: Path, embeddings_cache_dir: Path) -> None:  # noqa: F811
    """Under tmux, the app opens, a typed question gets the offline planner's answer on screen, Ctrl+Q quits."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install -y tmux; .ci/run installs it)")
    from industrialmind.config import Settings
    from industrialmind.plant.history import backfill

    home = tmp_path / "home"
    backfill(Settings(home=home), days=2 / 24, seed=1, end=END)
    (home / ".initialized").write_text("{}")
    exe = Path(sys.executable).with_name("industrialmind")
    env = {"IM_HOME": str(home), "IM_EMBEDDINGS_CACHE": str(embeddings_cache_dir), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    command = "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + f" {shlex.quote(str(exe))} tui"
    # keep the pane after the app exits, so a crash leaves its traceback on screen for the assertion message
    tmux = ["tmux", "-L", f"im-tui-test-{os.getpid()}", "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-s", "tui", "-x", "120", "-y", "45", command], check=True)
    subprocess.run([*tmux, "set-option", "-t", "tui", "remain-on-exit", "on"], check=False)
    try:
        _wait_for(tmux, lambda s: "Assets" in s and "P-101 Feed pump A" in s and "Ask about the plant" in s, 90)
        subprocess.run([*tmux, "send-keys", "-t", "tui", "latest readings of P-101"], check=True)
        subprocess.run([*tmux, "send-keys", "-t", "tui", "Enter"], check=True)
        screen = _wait_for(tmux, lambda s: "P-101 latest:" in s and "thinking…" not in s and "working…" not in s,
                           ANSWER_TIMEOUT_S)
        assert "latest_readings(" in screen and "P-101 Feed pump A" in screen
        assert screen.count("bearing_temp") >= 2  # in the tool's summary and in the written answer
        subprocess.run([*tmux, "send-keys", "-t", "tui", "C-q"], check=True)
        _wait_for(tmux, lambda s: "P-101 latest:" not in s, 30)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
