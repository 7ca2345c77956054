"""The terminal app as a person uses it: type a question and read the answer, pick an asset and see its readings,
approve or reject an action, use the palette and the keys; plus snapshots of the main screens.

One demo home is built per test session with a fixed clock (two hours of simulated history ending 2026-11-26
06:00 UTC, seed 1, and two stored alarms; tests/ui/_tui_demo.py), so readings, trends and snapshots are the same on
every run. The agent's
brain is a scripted fake: the offline planner is exercised end to end by the tmux test in tests/integration.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual")

from industrialmind.agent.testing import FunctionChatModel, ScriptedChatModel, tool_call
from industrialmind.config import Settings
from industrialmind.ui._tui_data import AlarmFeed, AlarmRow, PlantData, parse_alarm
from industrialmind.ui._tui_widgets import (
    AlarmsPanel,
    ApprovalScreen,
    AssistantMessage,
    ErrorMessage,
    ReadingsPanel,
    ToolCall,
    TrendsPanel,
    spark_text,
)
from industrialmind.ui.tui import IndustrialMindApp
from tests.ui._tui_demo import (
    ANSWER,
    END,
    NoFeed,
    answer_question,
    approval_app,
    ask_for_approval,
    build_tui_home,
    chat_app,
    make_app,
    select_p101,
    settle,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tui_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home with 2 h of demo history ending at a fixed time, the registry and two stored alarms (built once)."""
    return build_tui_home(tmp_path_factory.mktemp("tui") / "home")


def readings_text(app: IndustrialMindApp) -> str:
    """The readings panel as plain text."""
    panel = app.query_one(ReadingsPanel)
    return "\n".join(strip.text for strip in panel.render_lines(panel.region.reset_offset))


def chat_text(app: IndustrialMindApp) -> str:
    """Every message and tool line of the chat, in order, as plain text."""
    parts = []
    for widget in app.query_one("#chat-log").children:
        if isinstance(widget, AssistantMessage) or widget.__class__.__name__ == "UserMessage":
            parts.append(widget.source)
        elif isinstance(widget, (ToolCall, ErrorMessage)):
            parts.append(str(widget.render()))
    return "\n".join(parts)


@pytest.mark.slow
async def test_tui_chat_question_shows_streamed_answer_and_tool_call(tui_home: Path) -> None:
    """Typing a question and pressing Enter shows the tool call with its summary, then the answer; the readings
    panel switches to the asset the tool was called for."""
    app = make_app(tui_home, [{"content": "", "tool_calls": [tool_call("latest_readings", {"asset_id": "P-101"})]},
                              ANSWER])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"how is P-101?", "enter")
        await settle(app, pilot, until=lambda: not app.busy)
        text = chat_text(app)
        assert "how is P-101?" in text
        assert "latest_readings(asset_id='P-101')" in text and "P-101 latest:" in text
        assert text.rstrip().endswith(ANSWER)
        assert app.query_one("#prompt").value == ""
        assert app.selected_asset == "P-101"  # the side panels follow the asset the tool was asked about


@pytest.mark.slow
async def test_tui_chat_stays_responsive_while_the_agent_works(tui_home: Path) -> None:
    """While the brain is still thinking, keys work (the sidebar toggles) and a second question is refused politely."""
    gate = threading.Event()

    def slow(messages: list, tools: list[str]) -> str:
        gate.wait(timeout=30)
        return "done thinking"

    app = make_app(tui_home, llm=FunctionChatModel(slow))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"anything abnormal?", "enter")
        await pilot.pause(0.3)
        assert app.busy
        await pilot.press("f2")
        await pilot.pause(0.1)
        assert app.screen.has_class("-no-sidebar")
        await pilot.press(*"again", "enter")
        await pilot.pause(0.1)
        assert app.query_one("#prompt").value == "again"  # kept for later, not sent
        gate.set()
        await settle(app, pilot, until=lambda: not app.busy)
        assert chat_text(app).rstrip().endswith("done thinking")


@pytest.mark.slow
async def test_tui_chat_failure_is_one_line_and_app_keeps_running(tui_home: Path) -> None:
    """A brain that raises shows an error line in the chat; the next question still works."""
    calls = {"n": 0}

    def flaky(messages: list, tools: list[str]) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("model server went away")
        return "back again"

    app = make_app(tui_home, llm=FunctionChatModel(flaky))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"first", "enter")
        await settle(app, pilot, until=lambda: not app.busy)
        assert "error: RuntimeError: model server went away" in chat_text(app)
        await pilot.press(*"second", "enter")
        await settle(app, pilot, until=lambda: not app.busy)
        assert chat_text(app).rstrip().endswith("back again")


async def test_tui_tree_selecting_asset_shows_readings_and_trends(tui_home: Path) -> None:
    """Moving down the tree to P-101 and pressing Enter fills the readings and the live panel for P-101."""
    app = make_app(tui_home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot, until=lambda: bool(app.asset_names()))
        assert "Select an asset" in readings_text(app)
        tree = app.query_one("#assets")
        tree.focus()
        for _ in range(8):  # site, line L1, TK-101, P-101: walk down as a person would
            node = tree.cursor_node
            if node is not None and node.data == "P-101":
                break
            await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: app.query_one(ReadingsPanel)._last is not None)
        text = readings_text(app)
        assert app.selected_asset == "P-101"
        assert "P-101 Feed pump A" in text and "vibration_de" in text and "mm/s" in text
        assert "05:59 UTC" in text  # the last point of the fixed history
        live = app.query_one(TrendsPanel)
        assert len(live.query("Sparkline")) == 4
        assert "P-101" in str(live.border_subtitle)


async def test_tui_tree_asset_with_open_alarm_shows_alarm_status(tui_home: Path) -> None:
    """An asset with an open stored alarm is shown with status 'alarm'."""
    app = make_app(tui_home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot, until=lambda: bool(app.asset_names()))
        app.pick_asset("P-201")
        await settle(app, pilot, until=lambda: app.query_one(ReadingsPanel)._last is not None)
        assert "● alarm" in readings_text(app)


@pytest.mark.slow
async def test_tui_approval_approve_runs_the_action(tui_home: Path) -> None:
    """An action opens the approval dialog with every argument; Approve runs it and the work order exists."""
    from industrialmind.stores.records import open_records

    title = "Inspect DE bearing " + os.urandom(3).hex()
    call = tool_call("create_work_order", {"asset_id": "P-101", "title": title, "description": "vibration up",
                                           "priority": "high"})
    app = make_app(tui_home, [{"content": "", "tool_calls": [call]}, "Work order opened."])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"open a work order for P-101", "enter")
        await settle(app, pilot, until=lambda: isinstance(app.screen, ApprovalScreen))
        dialog = app.screen
        shown = " ".join(str(w.render()) for w in dialog.query(".action-name, .action-args"))
        assert "create_work_order" in shown
        await pilot.click("#approve")
        await settle(app, pilot, until=lambda: not app.busy)
        assert not isinstance(app.screen, ApprovalScreen)
        text = chat_text(app)
        assert "created work order" in text and text.rstrip().endswith("Work order opened.")
    records = open_records(Settings(home=tui_home).resolved.records)
    try:
        assert [w.title for w in records.list_work_orders(asset_id="P-101") if w.title == title] == [title]
    finally:
        records.close()


@pytest.mark.slow
async def test_tui_approval_reject_does_not_run_the_action(tui_home: Path) -> None:
    """Rejecting (the n key) runs nothing: no work order, and the chat says it was declined."""
    from industrialmind.stores.records import open_records

    title = "Replace seal " + os.urandom(3).hex()
    call = tool_call("create_work_order", {"asset_id": "P-101", "title": title, "description": "leak"})
    app = make_app(tui_home, [{"content": "", "tool_calls": [call]}, "Nothing was opened."])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"open a work order", "enter")
        await settle(app, pilot, until=lambda: isinstance(app.screen, ApprovalScreen))
        await pilot.press("n")
        await settle(app, pilot, until=lambda: not app.busy)
        assert "declined" in chat_text(app)
    records = open_records(Settings(home=tui_home).resolved.records)
    try:
        assert not [w for w in records.list_work_orders(asset_id="P-101") if w.title == title]
    finally:
        records.close()


async def test_tui_resumed_thread_asks_for_its_pending_approval(tui_home: Path) -> None:
    """Opening a thread that waits for approval shows its messages and the dialog straight away."""
    from industrialmind.agent.runner import Assistant

    cfg = Settings(home=tui_home)
    call = tool_call("create_work_order", {"asset_id": "P-102", "title": "Check coupling", "description": "noise"})
    model = ScriptedChatModel(responses=[{"content": "", "tool_calls": [call]}, "Rejected, nothing done."])
    with Assistant(cfg, llm=model) as first:
        result = first.ask("open a work order for P-102")
    assert result.pending_approval is not None
    app = IndustrialMindApp(cfg, assistant_factory=lambda: Assistant(cfg, llm=model), alarm_feed=NoFeed(cfg),
                            thread_id=result.thread_id, refresh_s=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot, until=lambda: isinstance(app.screen, ApprovalScreen))
        assert "open a work order for P-102" in chat_text(app)
        await pilot.press("n")
        await settle(app, pilot, until=lambda: not app.busy)
        text = chat_text(app)
        assert text.rstrip().endswith("Rejected, nothing done.")
        assert "create_work_order was declined" in text  # the result lands on the call shown from the history


@pytest.mark.slow
async def test_tui_palette_picks_an_asset(tui_home: Path) -> None:
    """Ctrl+P, typing an asset id and Enter selects that asset."""
    app = make_app(tui_home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot, until=lambda: bool(app.asset_names()))
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"C-201 Off-gas")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: app.query_one(ReadingsPanel)._last is not None)
        assert app.selected_asset == "C-201"
        assert app.query_one("#assets").cursor_node.data == "C-201"


@pytest.mark.slow
async def test_tui_keys_new_thread_and_live_panel(tui_home: Path) -> None:
    """Ctrl+N starts a new thread (the chat clears); F3 on a narrow screen swaps the chat for the live column."""
    app = make_app(tui_home, ["first answer"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"hello", "enter")
        await settle(app, pilot, until=lambda: not app.busy)
        before = app.thread_id
        await pilot.press("ctrl+n")
        await pilot.pause(0.1)
        assert app.thread_id != before and "hello" not in chat_text(app)
        assert not app.query_one("#insight").display
        await pilot.press("f3")
        await pilot.pause(0.1)
        assert app.query_one("#insight").display and not app.query_one("#chat-pane").display
        bindings = {b.key for (_, b, enabled, _) in app.active_bindings.values() if b.show and enabled}
        assert {"ctrl+n", "f2", "f3", "f5", "ctrl+q"} <= bindings


async def test_tui_alarms_panel_lists_stored_alarms_and_says_feed_is_off(tui_home: Path) -> None:
    """With no broker the panel lists stored alarms, newest first, and says the live feed is off."""
    app = make_app(tui_home, alarm_feed=AlarmFeed(Settings(home=tui_home)))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot, until=lambda: bool(app.query_one(AlarmsPanel).rows))
        panel = app.query_one(AlarmsPanel)
        assert [r.id for r in panel.rows] == ["alarm-P-201-1", "alarm-P-101-1"]
        assert "live feed off" in panel.feed_state


async def test_tui_live_alarm_appears_on_top(tui_home: Path) -> None:
    """An alarm from the live feed goes on top of the stored ones and stays there when they are re-read."""

    class OneAlarm(AlarmFeed):
        def bootstrap(self) -> str | None:
            return "broker.test:9092"

        def run(self, on_alarm: Any, stop: Any, poll_s: float = 0.5) -> None:
            on_alarm(parse_alarm(b'{"id": "a-1", "asset_id": "C-201", "severity": "critical", "state": "raised", '
                                 b'"message": "anomaly on C-201", "start": "2026-11-26T06:01:00+00:00"}'))
            while not stop():
                stop_event.wait(0.05)

    stop_event = threading.Event()
    app = make_app(tui_home, alarm_feed=OneAlarm(Settings(home=tui_home)))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot, until=lambda: any(r.id == "a-1" for r in app.query_one(AlarmsPanel).rows))
        panel = app.query_one(AlarmsPanel)
        assert panel.rows[0].id == "a-1" and panel.rows[0].source == "live"
        assert "live from broker.test:9092" in panel.feed_state
        await pilot.press("f5")  # re-reading the stored alarms keeps the live one on top
        await settle(app, pilot)
        assert [r.id for r in panel.rows] == ["a-1", "alarm-P-201-1", "alarm-P-101-1"]


def test_tui_parse_alarm_reads_alarm_messages_and_ignores_junk() -> None:
    """An AlarmV1 JSON message becomes a row; text that is not an alarm gives None."""
    row = parse_alarm(b'{"id": "x", "asset_id": "P-101", "severity": "warning", "state": "cleared", '
                      b'"message": "m", "start": "2026-11-26T05:00:00Z"}')
    assert isinstance(row, AlarmRow) and row.asset_id == "P-101" and row.state == "cleared"
    assert row.start == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert parse_alarm(b"not json") is None and parse_alarm(b'{"no": "asset"}') is None and parse_alarm(None) is None


def test_tui_spark_text_scales_to_the_range() -> None:
    """The text sparkline uses the lowest bar for the minimum and the highest for the maximum."""
    assert spark_text([1.0, 2.0, 3.0], 3) == "▁▅█"
    assert spark_text([5.0, 5.0], 4) == "▁▁"
    assert spark_text([], 4) == ""


def test_tui_plant_data_trends_end_at_the_last_point(tui_home: Path) -> None:
    """Trends cover the hours before the asset's last stored point (not the wall clock), bucketed evenly."""
    data = PlantData(Settings(home=tui_home))
    try:
        trends = data.trends("P-101")
        assert [t.sensor for t in trends] == ["discharge_pressure", "vibration_de", "vibration_nde", "bearing_temp"]
        assert all(40 <= len(t.values) <= 61 for t in trends)
        assert max(t.times[-1] for t in trends) >= END - timedelta(minutes=5)
    finally:
        data.close()


# --- snapshots and README screenshots (the pilot steps live in tests/ui/_tui_demo.py) ------------------------
def test_tui_snapshot_main_80x24(tui_home: Path, snap_compare: Any) -> None:
    """At 80x24: the tree, P-101's readings and the chat, with the keys in the footer."""
    assert snap_compare(make_app(tui_home, thread_id="demo-main"), terminal_size=(80, 24), run_before=select_p101)


@pytest.mark.slow
def test_tui_snapshot_chat_wide(tui_home: Path, snap_compare: Any) -> None:
    """At 140x40: an answered question with its tool call, the live trends and the alarms column."""
    assert snap_compare(chat_app(tui_home), terminal_size=(140, 40), run_before=answer_question)


@pytest.mark.slow
def test_tui_snapshot_approval_80x24(tui_home: Path, snap_compare: Any) -> None:
    """The approval dialog lists the action and every argument, with Approve and Reject."""
    assert snap_compare(approval_app(tui_home), terminal_size=(80, 24), run_before=ask_for_approval)


@pytest.mark.slow
async def test_tui_readme_screenshots_render_each_state(tui_home: Path, tmp_path: Path) -> None:
    """scripts/record_demo.py's TUI pictures (the README's) render each state at its size: the answered question,
    P-101's readings, the approval dialog. Written to a temp folder: only the script writes docs/screenshots."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("record_demo", REPO / "scripts" / "record_demo.py")
    record_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(record_demo)
    paths = await record_demo.save_tui_screenshots(tmp_path, home=tui_home)
    assert [p.name for p in paths] == ["tui-chat.svg", "tui-main-80x24.svg", "tui-approval.svg"]
    texts = {p.name: p.read_text() for p in paths}
    assert all(p.stat().st_size > 10_000 and "IndustrialMind" in texts[p.name] for p in paths)
    assert "latest_readings" in texts["tui-chat.svg"] and "runs&#160;normally" in texts["tui-chat.svg"]
    assert "P-101" in texts["tui-main-80x24.svg"]
    assert "Approve" in texts["tui-approval.svg"] and "create_work_order" in texts["tui-approval.svg"]


def test_tui_command_bad_brain_is_one_line_exit_2(tui_home: Path) -> None:
    """`industrialmind tui --llm bogus` prints one error line naming the valid forms and exits 2, before any screen."""
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("industrialmind")
    env = {**os.environ, "IM_HOME": str(tui_home)}
    done = subprocess.run([str(exe), "tui", "--llm", "bogus"], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "'bogus'" in lines[0] and "offline" in lines[0]


@pytest.mark.slow
async def test_tui_tool_result_with_records_shows_a_compact_table(tui_home: Path) -> None:
    """A tool that returns a list of records (find_assets) gets a small table under its line, one row per record."""
    app = make_app(tui_home, [{"content": "", "tool_calls": [tool_call("find_assets", {"line": "L2"})]},
                              "Line 2 has 13 assets."])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#prompt")
        await pilot.press(*"what is on line 2?", "enter")
        await settle(app, pilot, until=lambda: not app.busy)
        tables = app.query(".tool-table")
        assert len(tables) == 1
        text = "\n".join(s.text for s in tables.first().render_lines(tables.first().region.reset_offset))
        assert "TK-201" in text and "more" in text


async def test_tui_alarm_feed_starts_when_a_broker_appears_later(tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broker started after the app opened (`industrialmind up` in another terminal) is picked up on the next look."""
    import industrialmind.ui.tui as tui_module

    monkeypatch.setattr(tui_module, "FEED_RETRY_S", 0.2)

    class LateBroker(AlarmFeed):
        looks = 0

        def bootstrap(self) -> str | None:
            LateBroker.looks += 1
            return None if LateBroker.looks < 3 else "late.test:9092"

        def run(self, on_alarm: Any, stop: Any, poll_s: float = 0.5) -> None:
            while not stop():
                threading.Event().wait(0.05)

    app = make_app(tui_home, alarm_feed=LateBroker(Settings(home=tui_home)))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = app.query_one(AlarmsPanel)
        await settle(app, pilot, until=lambda: "live feed off" in panel.feed_state)
        await settle(app, pilot, until=lambda: panel.feed_state == "live from late.test:9092")
        assert LateBroker.looks == 3
