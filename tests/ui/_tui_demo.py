"""The terminal app's demo states, shared by the TUI tests and scripts/record_demo.py (the README screenshots).

One data home with a fixed clock (two hours of simulated history ending 2026-11-26 06:00 UTC, seed 1, and two
stored alarms), apps over it with a scripted brain and fixed thread ids, and the pilot steps that bring each app to
the state a snapshot or a README picture shows, so the pictures are the same on every run.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from industrialmind.agent.testing import ScriptedChatModel, tool_call
from industrialmind.config import Settings
from industrialmind.ui._tui_data import AlarmFeed
from industrialmind.ui._tui_widgets import ApprovalScreen, ReadingsPanel
from industrialmind.ui.tui import IndustrialMindApp

END = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
ANSWER = "**P-101** runs normally: vibration_de and bearing_temp are within their normal ranges."


def build_tui_home(home: Path) -> Path:
    """A data home with 2 h of demo history ending at END, the registry and two stored alarms."""
    from industrialmind.plant.history import backfill
    from industrialmind.domain.model import Event
    from industrialmind.stores.records import open_records

    cfg = Settings(home=home)
    backfill(cfg, days=2 / 24, seed=1, end=END)
    records = open_records(cfg.resolved.records)
    try:
        records.upsert_events([
            Event(id="alarm-P-201-1", asset_id="P-201", kind="anomaly", severity="critical",
                  message="anomaly on P-201: vibration_de, bearing_temp", start=END - timedelta(minutes=20),
                  sensors=["vibration_de", "bearing_temp"], source="test"),
            Event(id="alarm-P-101-1", asset_id="P-101", kind="alarm", severity="warning",
                  message="P-101 suction pressure low", start=END - timedelta(minutes=90),
                  end=END - timedelta(minutes=80), sensors=["suction_pressure"], source="test"),
        ])
    finally:
        records.close()
    (home / ".initialized").write_text("{}")
    return home


class NoFeed(AlarmFeed):
    """The live feed of a machine with no broker running."""

    def bootstrap(self) -> str | None:
        return None


def make_app(home: Path, responses: list[Any] | None = None, llm: Any = None, **kwargs: Any) -> IndustrialMindApp:
    """The app over the demo home with a scripted brain and a fixed thread id (for snapshots)."""
    from industrialmind.agent.runner import Assistant

    cfg = Settings(home=home)
    model = llm if llm is not None else ScriptedChatModel(responses=list(responses or []))
    kwargs.setdefault("alarm_feed", NoFeed(cfg))
    kwargs.setdefault("thread_id", "t-" + os.urandom(4).hex())
    return IndustrialMindApp(cfg, assistant_factory=lambda: Assistant(cfg, llm=model), refresh_s=None, **kwargs)


async def settle(app: IndustrialMindApp, pilot: Any, until: Any = None, timeout: float = 20.0) -> None:
    """Let workers finish (and until() become true) without a fixed sleep."""
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        busy = any(w.is_running for w in app.workers if w.group != "alarm-feed")
        if not busy and (until is None or until()):
            return
    raise AssertionError("the app did not settle in time")


async def select_p101(pilot: Any) -> None:
    """Pick P-101 in the tree and wait for its readings."""
    app = pilot.app
    app.main_widget("#prompt").cursor_blink = False  # a blinking cursor makes screenshots differ run to run
    await settle(app, pilot, until=lambda: bool(app.asset_names()))
    app.pick_asset("P-101")
    await settle(app, pilot, until=lambda: app.query_one(ReadingsPanel)._last is not None)


async def answer_question(pilot: Any) -> None:
    """P-101 selected, a question typed and answered (with its tool call)."""
    await select_p101(pilot)
    app = pilot.app
    await pilot.click("#prompt")
    await pilot.press(*"how is P-101 doing?", "enter")
    await settle(app, pilot, until=lambda: not app.busy)
    await pilot.pause(0.2)


async def ask_for_approval(pilot: Any) -> None:
    """P-101 selected and a work order asked for: the approval dialog is open."""
    await select_p101(pilot)
    app = pilot.app
    await pilot.click("#prompt")
    await pilot.press(*"open a work order for the P-101 bearing", "enter")
    await settle(app, pilot, until=lambda: isinstance(app.screen, ApprovalScreen))
    await pilot.pause(0.2)


# Each app below gets its own fixed thread id (the id shows in the header): threads persist in the demo home, and
# reopening a thread that waits for approval would show the dialog at once.
def chat_app(home: Path, thread_id: str = "demo-chat") -> IndustrialMindApp:
    """An app whose brain answers one question about P-101 with one latest_readings call."""
    return make_app(home, [{"content": "", "tool_calls": [tool_call("latest_readings", {"asset_id": "P-101"},
                                                                    id="call_1")]}, ANSWER],
                    thread_id=thread_id)


def approval_app(home: Path, thread_id: str = "demo-approval") -> IndustrialMindApp:
    """An app whose brain asks to create a work order (which waits for approval)."""
    call = tool_call("create_work_order", {"asset_id": "P-101", "title": "Inspect DE bearing",
                                           "description": "vibration_de trending up over 2 h", "priority": "high"},
                     id="call_2")
    return make_app(home, [{"content": "", "tool_calls": [call]}], thread_id=thread_id)


Shot = tuple[str, Callable[[Path], IndustrialMindApp], tuple[int, int], Callable[[Any], Awaitable[None]]]
README_SHOTS: list[Shot] = [
    ("tui-chat.svg", lambda h: chat_app(h, "readme-chat"), (140, 40), answer_question),
    ("tui-main-80x24.svg", lambda h: make_app(h, thread_id="readme-main"), (80, 24), select_p101),
    ("tui-approval.svg", lambda h: approval_app(h, "readme-approval"), (100, 30), ask_for_approval),
]
