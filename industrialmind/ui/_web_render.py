"""Turn tool results into what a browser shows: Plotly figures from chart specs, Markdown tables, citations.

Pure functions over the tools' JSON-able results (see industrialmind.tools): no Chainlit import here, so they are
unit-tested without a server, and the web adapter stays a thin translation layer.
"""

from __future__ import annotations

import json
from typing import Any

# lists of records a result may hold, in the order a person most wants to see them
MAX_TABLE_ROWS = 15
MAX_CELL = 60
SHADE = {"anomaly": "rgba(220, 53, 69, 0.18)", "alert": "rgba(255, 153, 0, 0.18)"}
MARKER_KINDS = ("alarm",)  # instantaneous events drawn as markers rather than shaded spans


def chart_figure(spec: dict[str, Any]) -> Any:
    """A Plotly figure for a tool's chart spec: one line per series, the normal range as dotted lines, anomalous
    intervals shaded, alarms as markers on the first series."""
    import plotly.graph_objects as go

    fig = go.Figure()
    series = [s for s in spec.get("series") or [] if isinstance(s, dict)]
    for s in series:
        fig.add_trace(go.Scatter(x=list(s.get("x") or []), y=list(s.get("y") or []), mode="lines",
                                 name=str(s.get("name", "")), line={"width": 1.6}))
    low, high = (list(spec.get("normal_range") or []) + [None, None])[:2]
    for bound, label in ((low, "normal min"), (high, "normal max")):
        if bound is not None:
            fig.add_hline(y=float(bound), line={"dash": "dot", "color": "#6c757d", "width": 1},
                          annotation_text=label, annotation_position="top left")
    markers_x, markers_y, markers_text = [], [], []
    first = series[0] if series else {"x": [], "y": []}
    for shape in spec.get("shapes") or []:
        kind = str(shape.get("kind", "anomaly"))
        label = str(shape.get("label") or kind)
        if kind in MARKER_KINDS:
            markers_x.append(shape.get("start"))
            markers_y.append(_value_near(first, shape.get("start")))
            markers_text.append(f"{label} ({shape.get('severity') or kind})")
            continue
        fig.add_vrect(x0=shape.get("start"), x1=shape.get("end"), fillcolor=SHADE.get(kind, SHADE["anomaly"]),
                      line_width=0, layer="below", annotation_text=label[:40], annotation_position="top left",
                      annotation_font_size=10)
    if markers_x:
        fig.add_trace(go.Scatter(x=markers_x, y=markers_y, mode="markers", name="alarms", text=markers_text,
                                 hoverinfo="text+x",
                                 marker={"symbol": "triangle-down", "size": 12, "color": "#dc3545"}))
    fig.update_layout(title=spec.get("title", ""), xaxis_title=spec.get("x_title", ""),
                      yaxis_title=spec.get("y_title", ""), template="plotly_white", height=380,
                      margin={"l": 50, "r": 20, "t": 50, "b": 40}, hovermode="x unified",
                      legend={"orientation": "h", "y": -0.2})
    return fig


def merge_charts(specs: list[dict[str, Any]]) -> dict[str, Any]:
    """One chart spec over several sensors (a fan-out of sensor_history calls): series and shapes combined; the
    normal range is kept only when every spec shares it (different units would make it meaningless)."""
    if len(specs) == 1:
        return specs[0]
    ranges = {json.dumps(s.get("normal_range")) for s in specs}
    titles = [str(s.get("title", "")) for s in specs]
    return {"type": "line", "title": ", ".join(titles), "x_title": specs[0].get("x_title", "time (UTC)"),
            "y_title": specs[0].get("y_title", "") if len({s.get("y_title") for s in specs}) == 1 else "value",
            "series": [{**ser, "name": f"{t.split(' ')[0]} {ser.get('name', '')}".strip()}
                       for s, t in zip(specs, titles) for ser in s.get("series") or []],
            "normal_range": specs[0].get("normal_range") if len(ranges) == 1 else [None, None],
            "shapes": [shape for s in specs for shape in s.get("shapes") or []]}


def _value_near(series: dict[str, Any], when: Any) -> float | None:
    """The series value at (or just before) a time, so an alarm marker sits on the line."""
    xs, ys = list(series.get("x") or []), list(series.get("y") or [])
    if not xs:
        return None
    best = ys[0]
    for x, y in zip(xs, ys):
        if str(x) <= str(when):  # ISO 8601 UTC strings sort by time
            best = y
        else:
            break
    return best


def result_records(result: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """The records of a tool result with their key (`tools.results.records_of`); passages show as citations."""
    from industrialmind.tools.results import records_of

    return records_of(result, skip=("passages",))


def markdown_table(rows: list[dict[str, Any]], max_rows: int = MAX_TABLE_ROWS, max_columns: int = 8) -> str:
    """A GitHub-flavoured Markdown table of records (scalar columns only), with a line saying how many were cut."""
    if not rows:
        return ""
    columns = [c for c in rows[0] if not isinstance(rows[0][c], dict)][:max_columns]
    lines = ["| " + " | ".join(_escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:max_rows]:
        lines.append("| " + " | ".join(_escape(cell_text(row.get(c))) for c in columns) + " |")
    text = "\n".join(lines)
    if len(rows) > max_rows:
        text += f"\n\n_{len(rows) - max_rows} more row(s) not shown._"
    return text


def cell_text(value: Any) -> str:
    """A short text for one table cell: floats to 4 significant digits, times to the minute, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(cell_text(v) for v in value)
    text = str(value)
    if len(text) >= 19 and text[4:5] == "-" and text[10:11] == "T":  # ISO 8601 time: minutes are enough here
        text = text[:16].replace("T", " ")
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def passages_markdown(result: Any, max_chars: int = 400) -> str:
    """Document passages as quotes, each followed by its citation (document, section or page), numbered."""
    passages = result.get("passages") if isinstance(result, dict) else None
    if not passages:
        return ""
    out = []
    for i, p in enumerate(passages, 1):
        if not isinstance(p, dict):
            out.append(f"**[{i}]** {p}")
            continue
        text = str(p.get("text") or p.get("content") or "").strip()
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + " …"
        cite = citation_text(p)
        quoted = "\n".join("> " + line for line in text.splitlines() if line.strip()) or "> (no text)"
        out.append(f"**[{i}] {cite}**\n{quoted}")
    return "\n\n".join(out)


def citation_text(passage: dict[str, Any]) -> str:
    """One readable citation for a passage: its citation string, else document title and section or page."""
    cite = passage.get("citation")
    if isinstance(cite, dict):  # the retrieval layer's structured citation: {doc, title, section, page, ...}
        return citation_text({k: v for k, v in cite.items() if k != "citation"})
    if cite:
        return str(cite)
    doc = passage.get("title") or passage.get("document") or passage.get("doc") or passage.get("source") or "document"
    where = passage.get("section") or (f"p. {passage['page']}" if passage.get("page") else "")
    return f"{doc}, {where}" if where else str(doc)


def sources_line(result: Any) -> str:
    """'Sources: a, b' from a result's sources list, or empty."""
    sources = result.get("sources") if isinstance(result, dict) else None
    if not sources:
        return ""
    return "Sources: " + ", ".join(f"`{s}`" for s in sources[:8])


def step_output(result: Any) -> str:
    """The Markdown body of a tool step: summary (or error with the valid choices), table, passages, sources."""
    if not isinstance(result, dict):
        return f"```\n{result}\n```"
    parts: list[str] = []
    if "error" in result:
        parts.append(f"**Error:** {result['error']}")
        if result.get("valid"):
            parts.append("Valid: " + ", ".join(f"`{v}`" for v in result["valid"][:12]))
    elif result.get("summary"):
        parts.append(str(result["summary"]))
    found = result_records(result)
    if found:
        key, rows = found
        parts.append(f"**{key.replace('_', ' ')}**\n\n" + markdown_table(rows))
    passages = passages_markdown(result)
    if passages:
        parts.append(passages)
    src = sources_line(result)
    if src:
        parts.append(src)
    return "\n\n".join(parts)


def args_json(args: Any) -> str:
    """A tool call's arguments as pretty JSON (what the step shows as its input)."""
    return json.dumps(args or {}, indent=2, default=str, ensure_ascii=False)
