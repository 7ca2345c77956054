"""Widgets of the terminal app: chat messages, tool-call lines, the readings, trends and alarms panels, and the
approval dialog. They only draw what they are given; loading happens in the app's workers."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Markdown, Sparkline, Static

from industrialmind.ui._tui_data import AlarmRow, AssetView, Trend

STATUS_STYLE = {"normal": "green", "low": "bold yellow", "high": "bold red", "no data": "dim",
                "off-normal": "bold yellow", "alarm": "bold red"}
SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
BARS = "▁▂▃▄▅▆▇█"


def spark_text(values: list[float], width: int = 10) -> str:
    """A one-line text sparkline of the last `width` buckets of values (empty when there are none)."""
    values = [v for v in values if not math.isnan(v)][-width:]  # gaps in the data are skipped
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(BARS[min(len(BARS) - 1, int((v - low) / span * (len(BARS) - 1) + 0.5))] for v in values)


def fmt_value(value: float | None, unit: str = "") -> str:
    """A reading with 3-4 significant digits and its unit ('1.78 mm/s'); '—' for no data."""
    if value is None:
        return "—"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def hhmm(ts: datetime | None) -> str:
    """'HH:MM' in UTC, or '--:--'."""
    return ts.strftime("%H:%M") if ts is not None else "--:--"


def result_table(result: Any, max_rows: int = 6, max_columns: int = 4) -> Table | None:
    """A compact table of the first record list in a tool result (a few rows and scalar columns), or None."""
    from industrialmind.tools.results import records_of

    # not readings: their summary lists every value already, and the readings panel shows them
    found = records_of(result, skip=("readings",))
    if found is None:
        return None
    rows = found[1]
    columns = [c for c in rows[0] if not isinstance(rows[0][c], (list, dict))][:max_columns]
    table = Table(box=None, padding=(0, 1), header_style="bold dim", show_edge=False)
    for c in columns:  # one line per record: long names are cut, not wrapped
        table.add_column(c, no_wrap=True, overflow="ellipsis")
    for row in rows[:max_rows]:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    if len(rows) > max_rows:
        table.caption = f"… {len(rows) - max_rows} more"
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


class UserMessage(Markdown):
    """A question as the person typed it."""


class AssistantMessage(Markdown):
    """The assistant's answer, streamed in as Markdown."""


class ErrorMessage(Static):
    """A failure of one turn, in one line (the app keeps running)."""


class ToolCall(Static):
    """One tool call in one or two lines: the call while it runs, then its result's summary."""

    def __init__(self, call_id: str, name: str, args: dict[str, Any]) -> None:
        self.call_id = call_id
        self.tool_name = name
        self.call_text = f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in (args or {}).items()) + ")"
        super().__init__(Text.assemble(("⚙ ", "bold"), (self.call_text, "dim"), (" …", "dim")), markup=False)
        self.done = False

    def finish(self, result: Any) -> None:
        """Show the result's summary (red when the tool failed or was declined)."""
        self.done = True
        result = result if isinstance(result, dict) else {"summary": str(result)}
        failed = "error" in result
        mark, style = ("✗ ", "bold red") if failed else ("✓ ", "bold green")
        summary = str(result.get("summary") or result.get("error") or "")
        self.update(Text.assemble((mark, style), (self.call_text, "dim"), "\n  ",
                                  (summary, "red" if failed else "")))
        self.set_class(failed, "-failed")


class ChartLine(Horizontal):
    """A tool result's chart spec (sensor_history) drawn as a labelled sparkline under its tool call."""

    def __init__(self, chart: dict[str, Any]) -> None:
        super().__init__(classes="chart-line")
        series = (chart.get("series") or [{}])[0]
        self.values = [float(v) for v in series.get("y", []) if isinstance(v, (int, float))]
        self.title = str(chart.get("title", ""))

    def compose(self) -> ComposeResult:
        """A short title, then the sparkline across the rest of the line."""
        yield Label(Text(self.title[:24], style="dim"), classes="chart-title")
        yield Sparkline(self.values, summary_function=max)


class ReadingsPanel(Static):
    """The selected asset: id, name, status, and each sensor's latest value with a small trend."""

    def show_hint(self, text: str) -> None:
        """Replace the readings with a one-line hint (nothing selected, loading, failure)."""
        self._last = None
        self.border_subtitle = ""
        self.update(Text(text, style="dim"))

    _last: tuple[AssetView, dict[str, list[float]]] | None = None

    def on_resize(self) -> None:
        """Redraw for the new width (the trend column comes and goes)."""
        if self._last is not None:
            self.show(*self._last)

    def show(self, view: AssetView, trends: dict[str, list[float]] | None = None) -> None:
        """Draw the asset's readings: sensor, value with unit, status mark and a trend of recent buckets."""
        trends = trends or {}
        self._last = (view, trends)
        status_style = STATUS_STYLE.get(view.status, "")
        # the trend column only when the panel is wide enough to keep sensor ids readable
        with_trend = self.size.width >= 38
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column("sensor", ratio=3, no_wrap=True, overflow="ellipsis")
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("", width=1, no_wrap=True)
        if with_trend:
            table.add_column("trend", width=8, no_wrap=True)
        for r in view.readings:
            mark = "●" if r.status == "normal" else ("○" if r.status == "no data" else "▲" if r.status == "high"
                                                     else "▼")
            cells = [Text(r.sensor), Text(fmt_value(r.value, r.unit)), Text(mark, STATUS_STYLE.get(r.status, ""))]
            if with_trend:
                cells.append(Text(spark_text(trends.get(r.sensor, []), 8), style="cyan"))
            table.add_row(*cells)
        head = Text.assemble((view.id, "bold"), " ", (view.name, ""), "\n", (f"● {view.status}", status_style),
                             (f" · crit {view.criticality} · {hhmm(view.as_of)} UTC", "dim"))
        from rich.console import Group

        self.border_subtitle = view.type.replace("_", " ")
        self.update(Group(head, table))


class TrendsPanel(VerticalScroll):
    """The live panel: the selected asset's key sensors as labelled sparklines over the last hours."""

    def show_hint(self, text: str) -> None:
        """Replace the charts with a one-line hint."""
        self.remove_children()
        self.mount(Static(Text(text, style="dim"), classes="hint"))

    def show(self, asset_id: str, trends: list[Trend], hours: float) -> None:
        """One caption and sparkline per sensor (last value and range over the window); red when it left its
        normal band."""
        self.remove_children()
        self.border_subtitle = f"{asset_id} · last {hours:g} h"
        widgets = []
        for t in trends:
            if not t.values:
                widgets.append(Static(Text(f"{t.sensor}: no data", style="dim"), classes="trend-caption"))
                continue
            caption = Text.assemble((t.sensor, "bold"), " ", (fmt_value(t.values[-1], t.unit), "cyan"),
                                    (f"  {fmt_value(min(t.values))}–{fmt_value(max(t.values))}", "dim"))
            widgets.append(Static(caption, classes="trend-caption"))
            spark = Sparkline(t.values, summary_function=max, classes="trend")
            off = (t.normal_max is not None and max(t.values) > t.normal_max) or \
                  (t.normal_min is not None and min(t.values) < t.normal_min)
            spark.set_class(off, "-off-normal")
            widgets.append(spark)
        self.mount_all(widgets)


class AlarmsPanel(VerticalScroll):
    """Alarms: stored ones at start, live ones from the alarms topic on top as they arrive."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[AlarmRow] = []
        self.feed_state = "checking the live feed…"

    def compose(self) -> ComposeResult:
        """The feed state line, then the list."""
        yield Static(Text(self.feed_state, style="dim"), id="feed-state")
        yield Static(id="alarm-list")

    def set_feed_state(self, text: str) -> None:
        """Say whether live alarms arrive (and from where) or why not."""
        self.feed_state = text
        self.query_one("#feed-state", Static).update(Text(text, style="dim"))

    def set_rows(self, rows: list[AlarmRow]) -> None:
        """Show these stored alarms (newest first) under the live ones already received (a refresh, or a first
        load finishing after a live alarm arrived, must not drop those)."""
        stored_ids = {r.id for r in rows}  # the store's copy of an alarm is the newer one (it records the clear)
        self.rows = [r for r in self.rows if r.source == "live" and r.id not in stored_ids] + list(rows)
        self._draw()

    def add(self, row: AlarmRow) -> None:
        """Put a live alarm on top."""
        self.rows.insert(0, row)
        del self.rows[200:]
        self._draw()

    def _draw(self) -> None:
        listing = self.query_one("#alarm-list", Static)
        self.border_subtitle = f"{len(self.rows)}"
        if not self.rows:
            listing.update(Text("no alarms stored", style="dim"))
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column("time", no_wrap=True)
        table.add_column("asset", no_wrap=True)
        table.add_column("message", ratio=1, overflow="fold")
        for r in self.rows[:50]:
            style = SEVERITY_STYLE.get(r.severity, "")
            state = "" if r.state in ("open", "raised") else f" ({r.state})"
            table.add_row(Text(hhmm(r.start), "dim"), Text(r.asset_id, style),
                          Text(f"{r.message}{state}", "dim" if state else ""))
        listing.update(table)


class ApprovalScreen(ModalScreen[bool]):
    """Asks the person to approve the exact actions the assistant wants to run; dismisses with True or False."""

    BINDINGS: ClassVar = [Binding("y", "decide(True)", "Approve"), Binding("n", "decide(False)", "Reject"),
                Binding("escape", "decide(False)", "Reject", show=False)]

    def __init__(self, request: dict[str, Any]) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        """The actions with every argument, then Approve and Reject."""
        with Vertical(id="approval"):
            yield Label(Text("The assistant wants to run:", style="bold"), id="approval-title")
            with VerticalScroll(id="approval-actions"):
                for action in self.request.get("actions") or []:
                    table = Table.grid(padding=(0, 1))
                    table.add_column(style="dim", no_wrap=True)
                    table.add_column(overflow="fold")
                    for key, value in (action.get("args") or {}).items():
                        table.add_row(key, str(value))
                    yield Static(Text(action.get("name", "?"), style="bold yellow"), classes="action-name")
                    yield Static(table, classes="action-args")
                if not self.request.get("actions"):
                    yield Static(Text(str(self.request.get("question", "")), style="yellow"))
            with Grid(id="approval-buttons"):
                yield Button("Approve (y)", variant="success", id="approve")
                yield Button("Reject (n)", variant="error", id="reject")

    def on_mount(self) -> None:
        """Reject has focus, so a stray Enter does not run an action."""
        self.query_one("#reject", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Approve or Reject closes the dialog with the decision."""
        self.dismiss(event.button.id == "approve")

    def action_decide(self, approved: bool) -> None:
        """The y / n / Esc keys."""
        self.dismiss(approved)
