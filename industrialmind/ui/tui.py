"""The terminal app (`industrialmind tui`): a thin Textual adapter over the agent and the stores.

Layout: the asset tree and the selected asset's readings on the left, the chat in the middle, and the live panel
(sparklines of the asset's key sensors) above the alarms on the right. Below 120 columns the right column hides and
F3 swaps it with the chat. Every blocking call (the agent, the stores, the alarms topic) runs in a thread worker that
posts back with call_from_thread, so typing and scrolling never wait for the agent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, Tree

from industrialmind.ui._tui_data import TREND_HOURS, AlarmFeed, AlarmRow, PlantData, SiteNode
from industrialmind.ui._tui_widgets import (
    AlarmsPanel,
    ApprovalScreen,
    AssistantMessage,
    ChartLine,
    ErrorMessage,
    ReadingsPanel,
    ToolCall,
    TrendsPanel,
    UserMessage,
    result_table,
)

if TYPE_CHECKING:
    from industrialmind.agent.runner import Assistant
    from industrialmind.config import Settings

REFRESH_S = 15.0  # readings of the selected asset are re-read this often (the live stack writes every few seconds)
FEED_RETRY_S = 10.0  # how often the alarms panel looks again for a broker when none is running
FLUSH_S = 0.05  # streamed tokens are drawn at most this often, so a fast model does not flood the event loop
WELCOME = ("**Ask about the plant**, e.g. *is anything abnormal on line 2?*, *plot P-101 vibration since "
           "yesterday*, *what usually causes cavitation?*, *open a work order for P-101*. "
           "Pick an asset on the left to see its readings.")


class AssetCommands(Provider):
    """Command palette entries that select an asset ('P-101 Feed pump A')."""

    async def discover(self) -> Hits:
        """With no query: every asset."""
        app = self.app
        if not isinstance(app, IndustrialMindApp):
            return
        for asset_id, name in app.asset_names():
            yield DiscoveryHit(f"Pick asset {asset_id} {name}", _picker(app, asset_id), help="show its readings")

    async def search(self, query: str) -> Hits:
        """Assets whose id or name matches the query."""
        app = self.app
        if not isinstance(app, IndustrialMindApp):
            return
        matcher = self.matcher(query)
        for asset_id, name in app.asset_names():
            text = f"Pick asset {asset_id} {name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), _picker(app, asset_id), help="show its readings")


def _picker(app: IndustrialMindApp, asset_id: str) -> Callable[[], None]:
    return lambda: app.pick_asset(asset_id)


class IndustrialMindApp(App[None]):
    """The terminal app: chat with the assistant beside the asset tree, readings, live trends and alarms."""

    CSS_PATH = "tui.tcss"
    TITLE = "IndustrialMind"
    COMMANDS = App.COMMANDS | {AssetCommands}
    # below 120 columns the live column would squeeze the chat: it hides (F3 swaps it in); from 150 all widen
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (120, "-wide"), (150, "-xwide")]
    BINDINGS: ClassVar = [
        Binding("ctrl+n", "new_thread", "New thread"),
        Binding("f2", "toggle_sidebar", "Tree"),
        Binding("f3", "toggle_live", "Live"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+l", "focus_prompt", "Chat", show=False),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, settings: Settings, assistant_factory: Callable[[], Assistant] | None = None,
                 data: PlantData | None = None, alarm_feed: AlarmFeed | None = None, thread_id: str | None = None,
                 llm: str | None = None, refresh_s: float | None = REFRESH_S) -> None:
        super().__init__()
        from industrialmind.agent.runner import new_thread_id

        self.settings = settings
        self.llm = llm or settings.llm
        self.assistant_factory = assistant_factory or self._default_assistant
        self.data = data or PlantData(settings)
        self.alarm_feed = alarm_feed if alarm_feed is not None else AlarmFeed(settings)
        self.resumed = thread_id is not None  # an existing thread: show its messages and any pending approval
        self.thread_id = thread_id or new_thread_id()
        self.refresh_s = refresh_s
        self.selected_asset: str | None = None
        self.busy = False
        self._assistant: Assistant | None = None
        self._assistant_error: str | None = None
        self._assistant_ready = threading.Event()
        self._assets: list[tuple[str, str]] = []
        self._current_answer: AssistantMessage | None = None
        self._pending_text: str | None = None
        self._turn_started = 0.0
        self._tools: dict[str, ToolCall] = {}

    # --- layout -------------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Header, the three columns, footer."""
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                tree: Tree[str] = Tree("Plant", id="assets")
                tree.border_title = "Assets"
                tree.show_root = False
                yield tree
                readings = ReadingsPanel(id="readings")
                readings.border_title = "Readings"
                yield readings
            with Vertical(id="chat-pane"):
                log = VerticalScroll(id="chat-log")
                log.border_title = "Chat"
                yield log
                yield Input(placeholder="Ask about the plant… (Enter sends)", id="prompt")
            with Vertical(id="insight"):
                live = TrendsPanel(id="live")
                live.border_title = "Live"
                yield live
                alarms = AlarmsPanel(id="alarms")
                alarms.border_title = "Alarms"
                yield alarms
        yield Footer()

    def on_mount(self) -> None:
        """Start loading everything in workers; the screen is usable at once."""
        self.sub_title = f"thread {self.thread_id} · {self.llm}"
        self.main_widget("#chat-log", VerticalScroll).mount(AssistantMessage(WELCOME, classes="welcome"))
        self.main_widget(ReadingsPanel).show_hint("Select an asset in the tree (↑ ↓ Enter).")
        self.main_widget(TrendsPanel).show_hint("The selected asset's key sensors appear here.")
        self.main_widget("#prompt", Input).focus()
        self._load_assistant()
        self._load_tree()
        self._load_alarms()
        self._follow_alarms()
        if self.refresh_s:
            self.set_interval(self.refresh_s, self._refresh_selected)
        self.set_interval(1.0, self._tick)

    def _default_assistant(self) -> Assistant:
        from industrialmind.agent.brains import make_chat_model
        from industrialmind.agent.runner import Assistant

        llm = make_chat_model(self.llm, self.settings)
        assistant = Assistant(self.settings, llm=llm)
        if hasattr(llm, "warm_up"):
            from industrialmind.tools import build_tools

            # the offline planner trains (or loads) its router now, not on the first question; it is cached under
            # IM_HOME by tool specs, so the graph's own bound copy then loads it from disk
            llm.bind_tools(build_tools(self.settings)).warm_up()
        return assistant

    def main_widget(self, selector: Any, expect_type: Any = None) -> Any:
        """A widget of the main screen, even while a dialog or the palette is on top (app.query_one would search
        the top screen, and a live alarm can arrive while the approval dialog is open)."""
        screen = self.screen_stack[0] if self.screen_stack else self.screen
        return screen.query_one(selector, expect_type) if expect_type is not None else screen.query_one(selector)

    # --- command palette ----------------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands plus ours (each also has a key shown in the footer)."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("New thread", "Start a new conversation (Ctrl+N)", self.action_new_thread)
        yield SystemCommand("Toggle asset tree", "Show or hide the sidebar (F2)", self.action_toggle_sidebar)
        yield SystemCommand("Toggle live panel", "Show or hide the trends and alarms (F3)", self.action_toggle_live)
        yield SystemCommand("Refresh", "Re-read the tree, readings and alarms (F5)", self.action_refresh)

    def asset_names(self) -> list[tuple[str, str]]:
        """(id, name) of every asset in the tree, for the palette."""
        return list(self._assets)

    # --- actions ------------------------------------------------------------------------------------------------
    def action_new_thread(self) -> None:
        """Start a new conversation thread (the old one stays in the checkpointer)."""
        from industrialmind.agent.runner import new_thread_id

        if self.busy:
            self.notify("The assistant is still answering; wait for it first.", severity="warning")
            return
        self.thread_id = new_thread_id()
        self.sub_title = f"thread {self.thread_id} · {self.llm}"
        log = self.main_widget("#chat-log", VerticalScroll)
        log.remove_children()
        log.mount(AssistantMessage(WELCOME, classes="welcome"))
        self.notify(f"New thread {self.thread_id}")

    def action_toggle_sidebar(self) -> None:
        """Hide or show the tree and readings."""
        self.screen.toggle_class("-no-sidebar")

    def action_toggle_live(self) -> None:
        """Hide or show the live and alarms column (narrow screens: swap it with the chat)."""
        self.screen.toggle_class("-insight" if self.screen.has_class("-narrow") else "-no-insight")

    def action_refresh(self) -> None:
        """Re-read the tree, the selected asset and the stored alarms."""
        self._load_tree()
        self._load_alarms()
        self._refresh_selected()

    def action_focus_prompt(self) -> None:
        """Put the cursor back in the question box."""
        self.main_widget("#prompt", Input).focus()

    # --- the asset tree and readings ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="tree")
    def _load_tree(self) -> None:
        try:
            sites = self.data.tree()
        except Exception as exc:  # noqa: BLE001 - shown, not raised: the chat still works without a registry
            self.call_from_thread(self.main_widget(ReadingsPanel).show_hint, f"Asset registry unavailable: {exc}")
            return
        self.call_from_thread(self._fill_tree, sites)

    def _fill_tree(self, sites: list[SiteNode]) -> None:
        tree = self.main_widget("#assets", Tree)
        tree.clear()
        self._assets = []
        for site in sites:
            site_node = tree.root.add(site.name, expand=True)
            for line in site.lines:
                label = line.name.split(" - ")[0] if " - " in line.name else line.name
                line_node = site_node.add(f"{line.id} {label}".strip() if line.id and line.id not in label else label,
                                          expand=len(sites) == 1 and line is site.lines[0])
                for asset_id, name, _crit in line.assets:
                    line_node.add_leaf(f"{asset_id} {name}", data=asset_id)
                    self._assets.append((asset_id, name))
        if not sites:
            self.main_widget(ReadingsPanel).show_hint("The registry is empty: run `industrialmind init`.")
        tree.root.expand()
        if self.selected_asset:
            self._move_cursor_to(self.selected_asset)

    @on(Tree.NodeSelected, "#assets")
    def _asset_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data:
            self.select_asset(str(event.node.data))

    def pick_asset(self, asset_id: str) -> None:
        """Select an asset as if it were chosen in the tree (the palette uses this)."""
        self._move_cursor_to(asset_id)
        self.select_asset(asset_id)

    def _move_cursor_to(self, asset_id: str) -> None:
        tree = self.main_widget("#assets", Tree)

        def walk(node: Any) -> Any:
            if node.data == asset_id:
                return node
            for child in node.children:
                found = walk(child)
                if found is not None:
                    return found
            return None

        node = walk(tree.root)
        if node is not None:
            parent = node.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            # expanding rebuilds the tree's lines on the next refresh; the node has no line before that
            def place() -> None:
                tree.move_cursor(node)
                # the scrollable height grows only once the new lines are laid out: scroll after that too
                self.call_after_refresh(tree.scroll_to_node, node, False)

            self.call_after_refresh(place)

    def select_asset(self, asset_id: str) -> None:
        """Show this asset's readings and trends (loaded in a worker)."""
        self.selected_asset = asset_id
        self.main_widget("#prompt", Input).placeholder = f"Ask about {asset_id} or the plant… (Enter sends)"
        readings = self.main_widget(ReadingsPanel)
        readings.border_title = f"Readings · {asset_id}"
        if readings._last is None or readings._last[0].id != asset_id:
            readings.show_hint(f"loading {asset_id}…")
            self.main_widget(TrendsPanel).show_hint(f"loading {asset_id}…")
        self._load_asset(asset_id)

    def _refresh_selected(self) -> None:
        if self.selected_asset:
            self._load_asset(self.selected_asset)

    @work(thread=True, exclusive=True, group="asset")
    def _load_asset(self, asset_id: str) -> None:
        try:
            view = self.data.view(asset_id)
            all_trends = self.data.trends(asset_id, [r.sensor for r in view.readings])
        except Exception as exc:  # noqa: BLE001 - a store hiccup shows in the panel; the next refresh retries
            self.call_from_thread(self.main_widget(ReadingsPanel).show_hint, f"{asset_id}: {exc}")
            return
        from industrialmind.ui._tui_data import key_sensors

        asset = self.data.asset(asset_id)
        keys = {s.id for s in key_sensors(asset.sensors)}
        by_sensor = {t.sensor: t.values for t in all_trends}
        self.call_from_thread(self._show_asset, view, by_sensor, [t for t in all_trends if t.sensor in keys])

    def _show_asset(self, view: Any, by_sensor: dict[str, list[float]], trends: list[Any]) -> None:
        if view.id != self.selected_asset:
            return
        self.main_widget(ReadingsPanel).show(view, by_sensor)
        self.main_widget(TrendsPanel).show(view.id, trends, TREND_HOURS)
        # the readings panel grows, the tree shrinks: keep the selected asset in view
        tree = self.main_widget("#assets", Tree)
        if tree.cursor_node is not None:
            self.call_after_refresh(tree.scroll_to_node, tree.cursor_node, False)

    # --- alarms ---------------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="alarms")
    def _load_alarms(self) -> None:
        try:
            rows = self.data.stored_alarms()
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.main_widget(AlarmsPanel).set_feed_state, f"stored alarms unavailable: {exc}")
            return
        self.call_from_thread(self.main_widget(AlarmsPanel).set_rows, rows)

    @work(thread=True, exclusive=True, group="alarm-feed")
    def _follow_alarms(self) -> None:
        from textual.worker import get_current_worker

        panel = self.main_widget(AlarmsPanel)
        worker = get_current_worker()

        def on_alarm(row: AlarmRow) -> None:
            self.call_from_thread(self._live_alarm, row)

        # checked again every FEED_RETRY_S, so a stack started (or a broker back) after the app opened is picked up
        while not worker.is_cancelled:
            try:
                bootstrap = self.alarm_feed.bootstrap()
            except Exception as exc:  # noqa: BLE001
                bootstrap, why = None, f"live feed off ({exc})"
            else:
                why = "live feed off: no broker running (start `industrialmind up`)"
            if bootstrap is None:
                self.call_from_thread(panel.set_feed_state, why)
            else:
                self.call_from_thread(panel.set_feed_state, f"live from {bootstrap}")
                try:
                    self.alarm_feed.run(on_alarm, stop=lambda: worker.is_cancelled)
                except Exception as exc:  # noqa: BLE001 - the broker went away: say so, keep the stored list
                    if not worker.is_cancelled:
                        self.call_from_thread(panel.set_feed_state, f"live feed stopped ({exc}); retrying")
            deadline = time.monotonic() + FEED_RETRY_S
            while time.monotonic() < deadline and not worker.is_cancelled:
                time.sleep(0.1)

    def _live_alarm(self, row: AlarmRow) -> None:
        self.main_widget(AlarmsPanel).add(row)
        if row.state in ("open", "raised"):
            self.notify(f"{row.asset_id}: {row.message}", title="Alarm",
                        severity="error" if row.severity == "critical" else "warning")

    # --- the chat -------------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="assistant")
    def _load_assistant(self) -> None:
        try:
            self._assistant = self.assistant_factory()
            if self.resumed:
                try:
                    history = self._assistant.history(self.thread_id)
                    pending = self._assistant.pending(self.thread_id)
                    self.call_from_thread(self._show_history, history, pending)
                except Exception as exc:  # noqa: BLE001 - the thread cannot be shown, but new turns still work
                    self.call_from_thread(self._note_error, f"could not reopen thread {self.thread_id}: "
                                                            f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - every turn will say why
            self._assistant_error = f"{type(exc).__name__}: {exc}"
        finally:
            self._assistant_ready.set()

    def _note_error(self, message: str) -> None:
        self.main_widget("#chat-log", VerticalScroll).mount(ErrorMessage(f"error: {message}"))

    def _show_history(self, history: list[dict[str, Any]], pending: dict[str, Any] | None) -> None:
        if not history and pending is None:  # a new thread named on the command line
            return
        log = self.main_widget("#chat-log", VerticalScroll)
        unfinished: list[ToolCall] = []  # tool results follow their calls in order
        for m in history:
            if m["role"] == "human":
                log.mount(UserMessage(m["content"]))
            elif m["role"] == "ai":
                for call in m["tool_calls"]:
                    line = ToolCall("", call["name"], call["args"])
                    unfinished.append(line)
                    log.mount(line)
                if m["content"]:
                    log.mount(AssistantMessage(m["content"]))
            elif m["role"] == "tool" and unfinished:
                unfinished.pop(0).finish(m["result"])
        log.anchor()
        if pending is not None:
            # the calls waiting for approval are the thread's last unanswered ones: give them their ids, so the
            # resumed turn's results land on them
            self._tools = {}
            for action in pending.get("actions") or []:
                match = next((line for line in unfinished if line.tool_name == action.get("name")), None)
                if match is not None and action.get("id"):
                    unfinished.remove(match)
                    match.call_id = str(action["id"])
                    self._tools[match.call_id] = match
            self._current_answer = AssistantMessage("", classes="pending")
            log.mount(self._current_answer)
            self.busy = True
            self._ask_approval(pending)

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if self.busy:
            self.notify("The assistant is still answering; wait for it first.", severity="warning")
            return
        event.input.clear()
        self.ask(question)

    def ask(self, question: str) -> None:
        """Show the question and stream the assistant's turn into the chat."""
        log = self.main_widget("#chat-log", VerticalScroll)
        log.mount(UserMessage(question))
        self._start_turn(question, None)

    def _start_turn(self, question: str | None, approved: bool | None) -> None:
        log = self.main_widget("#chat-log", VerticalScroll)
        self._current_answer = AssistantMessage("", classes="pending")
        self._turn_started = time.monotonic()
        self._set_pending("thinking…")
        if approved is None:  # a resumed turn finishes the tool calls its approval request announced
            self._tools = {}
        log.mount(self._current_answer)
        log.anchor()
        self.busy = True
        self.main_widget("#prompt", Input).add_class("-busy")
        self._run_turn(question, approved)

    @work(thread=True, exclusive=True, group="agent")
    def _run_turn(self, question: str | None, approved: bool | None) -> None:
        from industrialmind.errors import IndustrialMindError

        if not self._assistant_ready.is_set():
            self.call_from_thread(self._set_pending, "loading the assistant (the offline planner trains on first use)…")
            self._assistant_ready.wait()
        try:
            if self._assistant is None:
                raise RuntimeError(f"the assistant could not start: {self._assistant_error}")
            text, last_flush = "", 0.0
            for event in self._assistant.stream(question, self.thread_id, approved=approved):
                if event.type == "token":
                    text += event.data.get("text", "")
                    if time.monotonic() - last_flush > FLUSH_S:
                        last_flush = time.monotonic()
                        self.call_from_thread(self._set_answer, text)
                elif event.type == "tool_start":
                    text = ""  # text before tool calls is the model thinking aloud; the answer comes after
                    self.call_from_thread(self._tool_started, event.data)
                elif event.type == "tool_end":
                    self.call_from_thread(self._tool_finished, event.data)
                elif event.type == "approval_request":
                    self.call_from_thread(self._ask_approval, event.data)
                    return
                elif event.type == "answer":
                    text = event.data.get("text") or text
            self.call_from_thread(self._finish_turn, text)
        except IndustrialMindError as exc:
            self.call_from_thread(self._fail_turn, str(exc))
        except Exception as exc:  # noqa: BLE001 - one failed turn must not close the app
            self.call_from_thread(self._fail_turn, f"{type(exc).__name__}: {exc}")

    def _set_answer(self, text: str) -> None:
        self._pending_text = None
        if self._current_answer is not None:
            self._current_answer.remove_class("pending")
            self._current_answer.update(text)

    def _set_pending(self, text: str | None, show: str | None = None) -> None:
        """A placeholder in the answer's place; while it shows, _tick adds the seconds spent (text=None: none)."""
        self._pending_text = text
        if self._current_answer is not None:
            self._current_answer.add_class("pending")
            self._current_answer.update(f"*{show or text}*")

    def _tick(self) -> None:
        if self.busy and self._pending_text and self._current_answer is not None:
            elapsed = int(time.monotonic() - self._turn_started)
            if elapsed >= 2:
                self._current_answer.update(f"*{self._pending_text} {elapsed} s*")

    def _tool_started(self, data: dict[str, Any]) -> None:
        line = ToolCall(str(data.get("id", "")), str(data.get("name", "?")), data.get("args") or {})
        asset_id = (data.get("args") or {}).get("asset_id")
        if isinstance(asset_id, str) and asset_id != self.selected_asset and asset_id in dict(self._assets):
            self.pick_asset(asset_id)  # the side panels follow the asset the conversation is about
        self._tools[line.call_id] = line
        log = self.main_widget("#chat-log", VerticalScroll)
        log.mount(line, before=self._current_answer)
        self._set_pending("working…")

    def _tool_finished(self, data: dict[str, Any]) -> None:
        line = self._tools.get(str(data.get("id", "")))
        result = data.get("result")
        if line is None:
            return
        line.finish(result)
        log = self.main_widget("#chat-log", VerticalScroll)
        chart = result.get("chart") if isinstance(result, dict) else None
        if isinstance(chart, dict) and chart.get("series"):
            log.mount(ChartLine(chart), after=line)
            return
        table = result_table(result)
        if table is not None:
            log.mount(Static(table, classes="tool-table"), after=line)

    def _ask_approval(self, request: dict[str, Any]) -> None:
        self._set_pending(None, "waiting for your approval…")

        def decided(approved: bool | None) -> None:
            approved = bool(approved)
            self.notify("Approved: running it." if approved else "Rejected: nothing was run.",
                        severity="information" if approved else "warning")
            if self._current_answer is not None:
                self._current_answer.remove()
            self._start_turn(None, approved)

        self.push_screen(ApprovalScreen(request), decided)

    def _finish_turn(self, text: str) -> None:
        self._set_answer(text or "*(no answer)*")
        self._end_turn()

    def _fail_turn(self, message: str) -> None:
        if self._current_answer is not None:
            self._current_answer.remove()
            self._current_answer = None
        self.main_widget("#chat-log", VerticalScroll).mount(ErrorMessage(f"error: {message}"))
        self._end_turn()

    def _end_turn(self) -> None:
        self.busy = False
        self.main_widget("#prompt", Input).remove_class("-busy")

    def on_unmount(self) -> None:
        """Close the assistant and the stores (workers are cancelled by Textual first)."""
        if self._assistant is not None:
            self._assistant.close()
        self.data.close()


def run_tui(settings: Settings, llm: str | None = None, thread_id: str | None = None) -> None:
    """Run the app in this terminal until the person quits; a malformed brain spec fails here, in one line."""
    from industrialmind.agent.brains import make_chat_model

    make_chat_model(llm or settings.llm, settings)  # cheap: clients connect on first use
    IndustrialMindApp(settings, llm=llm, thread_id=thread_id).run()
