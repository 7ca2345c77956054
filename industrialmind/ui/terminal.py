"""The terminal's rendering of the assistant and the plant: `chat`'s streamed turns with approval prompts,
`ask`'s tool calls and compact result tables, and the demo plant's summary (`start`, `status`), all Rich.
"""

from __future__ import annotations

from typing import Any

def render_turn(out: Any, events: Any, assistant: Any, thread_id: str) -> None:
    from rich.prompt import Confirm

    started = False
    request = None
    for event in events:
        if event.type == "token":
            if not started:
                out.print("[bold green]assistant>[/] ", end="")
                started = True
            out.print(event.data["text"], end="", highlight=False, markup=False)
        elif event.type == "tool_start":
            if started:
                out.print()
                started = False
            out.print(f"[dim]-> {call_text(event.data)}[/]", highlight=False)
        elif event.type == "tool_end":
            result = event.data.get("result") or {}
            colour = "red" if isinstance(result, dict) and "error" in result else "dim"
            summary = result.get("summary", "") if isinstance(result, dict) else str(result)
            out.print(f"[{colour}]   {summary}[/]", highlight=False, markup=True)
            table = result_table(result, width=out.width)
            if table is not None:
                out.print(table)
        elif event.type == "approval_request":
            if started:
                out.print()
                started = False
            request = event.data  # asked once the run has stopped and its checkpoint is written
        elif event.type == "answer":
            if started:
                out.print()
            out.print(f"[dim]{event.data.get('latency_ms', 0):.0f} ms[/]")
    if request is not None:
        approved = Confirm.ask(f"[bold yellow]Approve?[/] {request['question']}")
        render_turn(out, assistant.stream(None, thread_id, approved=approved), assistant, thread_id)


def call_text(call: dict[str, Any]) -> str:
    """A tool call as one line: `name(arg='value', ...)`."""
    args = ", ".join(f"{k}={v!r}" for k, v in (call.get("args") or {}).items())
    return f"{call['name']}({args})"


# The few most informative fields per kind of result, in order; other kinds rank their fields by _PRIORITY.
_KIND_COLUMNS = {
    "failure_modes": ("name", "symptoms", "rpn", "recommended_action"),
    "passages": ("cite", "text"),
    "readings": ("sensor", "sensor_id", "value", "unit", "status", "quality", "time", "ts"),
    "work_orders": ("id", "wo_id", "asset_id", "status", "priority", "title", "created_at", "opened_at"),
    "events": ("time", "ts", "asset_id", "sensor", "severity", "priority", "message", "kind"),
    "anomalies": ("asset_id", "sensor", "start", "end", "score", "severity"),
    "assets": ("asset_id", "id", "name", "type", "steps", "line_id", "status"),
    "jobs": ("job_id", "id", "kind", "status", "progress", "started_at"),
}
_PRIORITY = ("asset_id", "id", "name", "sensor", "topic", "title", "status", "value", "unit", "severity", "priority",
             "score", "time", "ts", "start", "end", "type", "kind", "message", "text", "description")
_CELL_CHARS = 60  # a cell never wraps into a paragraph: long text ends in an ellipsis
_MIN_COLUMNS = 2


def result_table(result: Any, max_rows: int = 10, width: int = 80) -> Any:
    """A compact Rich table for a tool result that holds a list of records (assets, readings, work orders...):
    the few most informative columns of that kind of result that fit `width` characters, one line per row (long
    text cut with an ellipsis), at most max_rows rows and an 'N more' line; None when the result has no records."""
    from industrialmind.tools.results import records_of

    found = records_of(result)
    return None if found is None else _compact_table(*found, max_rows, width)


def _compact_table(key: str, rows: list[dict[str, Any]], max_rows: int, width: int) -> Any:
    from rich.table import Table

    shown = rows[:max_rows]
    fields = list(dict.fromkeys(k for r in shown for k in r if _cell(r.get(k))))
    wanted = [c for c in _KIND_COLUMNS.get(key, ()) if c in fields]
    # a kind with its own columns shows only those; others rank their fields
    rest = [] if len(wanted) >= _MIN_COLUMNS else sorted(
        (c for c in fields if c not in wanted and not isinstance(shown[0].get(c), dict)),
        key=lambda c: (_PRIORITY.index(c) if c in _PRIORITY else len(_PRIORITY), fields.index(c)))
    cells = {c: [_cell(r.get(c)) for r in shown] for c in [*wanted, *rest]}
    if "text" in cells:  # 'Title | body' passages: the title is in the citation column
        cells["text"] = [v.split(" | ", 1)[1] if " | " in v[:120] else v for v in cells["text"]]
    natural = {c: max(len(c), *(len(v) for v in vals)) for c, vals in cells.items()}
    columns: list[str] = []
    used = 1  # the table's left border
    for c in [*wanted, *rest]:
        need = min(natural[c], 24 if len(columns) < _MIN_COLUMNS else _CELL_CHARS) + 3
        if len(columns) >= _MIN_COLUMNS and (used + need > width or len(columns) >= 5):
            break
        columns.append(c)
        used += need
    widths = _fit_widths(columns, natural, width)
    table = Table(title=key.replace("_", " "), title_justify="left", show_lines=False)
    for c in columns:
        numeric = all(_is_number(r.get(c)) for r in shown)
        table.add_column(_short(c.replace("_", " "), widths[c]), no_wrap=True, overflow="ellipsis",
                         justify="right" if numeric else "left", max_width=widths[c])
    for r_i in range(len(shown)):
        table.add_row(*[_short(cells[c][r_i], widths[c]) for c in columns])
    if len(rows) > max_rows:
        table.caption = f"{len(rows) - max_rows} more"
        table.caption_justify = "left"
    return table


def _fit_widths(columns: list[str], natural: dict[str, int], width: int) -> dict[str, int]:
    """Column widths that fit `width` with the borders and padding: short columns keep their width, long ones share
    what is left in proportion to their natural width (never under 6 characters)."""
    budget = max(width - (len(columns) + 1) - 2 * len(columns), 6 * len(columns))
    want = {c: min(natural[c], _CELL_CHARS) for c in columns}
    if sum(want.values()) <= budget:
        return want
    fixed = {c: w for c, w in want.items() if w <= 10}
    flexible = [c for c in columns if c not in fixed]
    left = budget - sum(fixed.values())
    total = sum(want[c] for c in flexible) or 1
    out = dict(fixed)
    for c in flexible:
        out[c] = max(6, left * want[c] // total)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _short(text: str, limit: int = _CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value if not isinstance(v, (dict, list)))
    if isinstance(value, dict):
        return ""
    text = "" if value is None else " ".join(str(value).split())
    # ISO timestamps: minutes are enough in a table
    if len(text) >= 19 and text[4] == "-" and text[10] in "T " and text[13] == ":":
        return text[:10] + " " + text[11:16]
    return text


def render_summary(data: dict[str, Any]):
    """A Rich renderable of summary(): plant header, lines, key readings, active injected faults."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    hist = data["history"]
    span = "no history yet" if hist is None else (
        f"history {hist['start']:%Y-%m-%d %H:%M} .. {hist['end']:%Y-%m-%d %H:%M} UTC")
    header = Panel(f"[bold]{data['site']['name']}[/] ({data['site']['id']}): {len(data['lines'])} lines, "
                   f"{data['assets']} assets of {data['asset_types']} types, {data['sensors']} sensors; {span}; "
                   f"seed {data['seed']}", title="IndustrialMind demo plant")
    lines = Table("line", "name", "assets", "sensors", title="Lines")
    for ln in data["lines"]:
        lines.add_row(ln["id"], ln["name"], str(ln["assets"]), str(ln["sensors"]))
    readings = Table("asset", "sensor", "value", "normal range", "status", "at (UTC)", title="Key readings")
    readings.columns[1].no_wrap = True
    colour = {"normal": "green", "high": "red", "low": "yellow", "no data": "dim"}
    for r in data["readings"]:
        value = "-" if r["value"] is None else f"{r['value']:.2f} {r['unit']}"
        readings.add_row(r["asset"], r["sensor"], value,
                         f"{r['normal_min']:g} .. {r['normal_max']:g}", f"[{colour[r['status']]}]{r['status']}[/]",
                         "-" if r["ts"] is None else f"{r['ts']:%H:%M}")
    faults = Table("asset", "fault", "since (UTC)", "progress", "sensors", title="Injected faults in progress")
    for f in data["active_faults"]:
        faults.add_row(f["asset"], f["fault"].replace("_", " "), f"{f['start']:%Y-%m-%d %H:%M}",
                       f"{100 * f['progress']:.0f} %", ", ".join(f["sensors"]))
    if not data["active_faults"]:
        faults.add_row("-", "none", "", "", "")
    return Group(header, lines, readings, faults)
