"""Answers written only from tool results: each result's own summary line (numbers with units, written by the
tool), a few structured details quoted verbatim, and the sources cited. No number is computed here, so every
number the planner states appears in a tool result.
"""

from __future__ import annotations

from typing import Any

from industrialmind.agent._planner.context import ToolOutcome

CAPABILITIES = (
    "I can help with the plant: find equipment and describe it, show current readings and sensor history, "
    "look for anomalies and alarms, explain likely failure modes, trace what is upstream or downstream, search "
    "the manuals and procedures, list work orders and maintenance KPIs, check the data streams, and (with your "
    "approval) open work orders or retrain an anomaly model."
)


def refusal() -> str:
    """A polite refusal that says what the assistant can do."""
    return "Sorry, that is outside what I can help with here. " + CAPABILITIES


def help_text(example_asset: str | None = None) -> str:
    """The reply to greetings and 'what can you do', with an example about an asset that exists."""
    example = example_asset or "a pump"
    return ("Hello! " + CAPABILITIES + f" For example: \"what is {example} doing now?\", \"any alarms today?\" or "
            f"\"open a work order for {example}\".")


def compose(outcomes: list[ToolOutcome], describe: Any = None) -> str:
    """The final answer for one turn's tool results."""
    if not outcomes:
        return "I have no results to report."
    lines: list[str] = []
    cited: list[str] = []
    for o in outcomes:
        res = o.result or {}
        if "error" in res:
            lines.append(_error_line(o, res))
            continue
        lead = _summary(res) or f"{o.name} returned no summary."
        if o.name == "search_documents" and res.get("passages") and ": " in lead:
            lead = lead.split(": ", 1)[0] + ":"  # the sources it lists are cited once, under Sources
        lines.append(lead)
        lines.extend(_details(o.name, res))
        for src in _sources(res):
            if src not in cited:
                cited.append(src)
    if len(lines) == 1:
        text = lines[0]
    else:
        # details are nested bullets: Markdown would otherwise run them into the line above as one paragraph
        text = "\n".join(f"- {line}" if not line.startswith("  ") else f"  - {line.strip()}" for line in lines)
    if cited and any(o.name == "search_documents" for o in outcomes):
        refs = [f"[{i + 1}] {s}" for i, s in enumerate(cited[:5])]
        # one source on the line; several one per line (a run-on paragraph of citations is unreadable)
        text += "\n\nSources: " + refs[0] if len(refs) == 1 else "\n\nSources:\n\n" + "\n".join(
            f"- {r}" for r in refs)
    if any(o.name in ("create_work_order", "train_model") and "error" not in (o.result or {}) for o in outcomes):
        text += "\n\nDone, as you approved."
    return text


def _summary(res: dict[str, Any]) -> str:
    text = str(res.get("summary") or "").strip()
    return text[0].upper() + text[1:] if text else ""


def _error_line(o: ToolOutcome, res: dict[str, Any]) -> str:
    valid = [str(v) for v in (res.get("valid") or [])][:8]
    line = f"I could not run {o.name.replace('_', ' ')}: {res.get('error')}"
    if valid and not any(v in str(res.get("error")) for v in valid):
        line += " (valid: " + ", ".join(valid) + ")"
    return line


def _sources(res: dict[str, Any]) -> list[str]:
    out = []
    for s in res.get("sources") or []:
        if isinstance(s, dict):
            s = s.get("citation") or s.get("document") or s.get("source")
        if s:
            out.append(_cite(s))
    return out


def _cite(citation: Any) -> str:
    # retrieval hands citations over as dicts (document, section/page, chunk id): quote them readably
    from industrialmind.knowledge.retrieval import cite

    return cite(citation)


def _details(name: str, res: dict[str, Any]) -> list[str]:
    """A few verbatim details beyond the summary, per kind of result."""
    out: list[str] = []
    if name == "search_documents":
        for i, p in enumerate((res.get("passages") or [])[:2]):
            if not isinstance(p, dict):
                continue
            text = " ".join(str(p.get("text") or p.get("content") or "").split())
            if " | " in text[:120]:
                text = text.split(" | ", 1)[1]  # 'Title | body': the title is in the citation already
            cite = _cite(p.get("citation") or p.get("source") or p.get("document") or "")
            if text:
                snippet = text if len(text) <= 240 else text[:240].rsplit(" ", 1)[0] + " ..."
                out.append(f"  \"{snippet}\"" + (f" ({cite})" if cite else ""))
    elif name == "detect_anomalies":
        out += rank_by_peak_score(res.get("anomalies") or [], res.get("per_asset") or {})
    elif res.get("dataset") and isinstance(res.get("rows"), list) and "columns" in res:
        out += query_table(res)
    elif name == "failure_modes":
        for m in (res.get("failure_modes") or [])[:3]:
            if isinstance(m, dict):
                action = m.get("recommended_action") or ""
                out.append(f"  {m.get('name', m.get('id', ''))}" + (f": {action}" if action else ""))
    return out


def query_table(res: dict[str, Any], top: int = 20) -> list[str]:
    """A short table under a query's summary (the rows or groups as the tool returned them, verbatim): one line
    per row with its fields, so a lookup shows the field asked for ('recommended_action: ...'). Across several
    sites each row starts with its site."""
    rows = [r for r in res.get("rows") or [] if isinstance(r, dict)]
    if not rows or (res.get("aggregate") and not res.get("group_by")):
        return []  # one figure: the summary states it
    columns = [c for c in res.get("columns") or list(rows[0]) if isinstance(c, str)]
    sites = {r.get("site") for r in rows if r.get("site")}
    lines = []
    group = res.get("group_by")
    for r in rows[:top]:
        if group and group in r:  # a group: its label and its figure
            cells = [f"{_cell(r[group]) if r[group] not in (None, '') else '(none)'}: {_cell(r.get('value'))}"]
        else:
            cells = [f"{c}: {_cell(r[c])}" for c in columns if r.get(c) not in (None, "", []) and c != "site"]
        where = f"[{r['site']}] " if len(sites) > 1 and r.get("site") else ""
        lines.append("  " + where + "; ".join(cells))
    if len(rows) > top:
        lines.append(f"  ... {len(rows) - top} more row(s)")
    return lines


def _cell(value: Any) -> str:
    if isinstance(value, float):  # a figure as people read it (the query layer's one number format), not 16.670588...
        from industrialmind.query.words import number

        return number(value)
    text = " ".join(str(value).split())
    return text if len(text) <= 200 else text[:200].rsplit(" ", 1)[0] + " ..."


def rank_by_peak_score(anomalies: list[Any], counts: dict[str, Any] | None = None, top: int = 5) -> list[str]:
    """One detail line per asset with anomalous intervals, worst first: its peak score (and its model's threshold),
    its number of intervals (the tool's per-asset count) and the sensors that drove them, all quoted from the
    result as it is. Scores of different models are on different scales, so the order is by how far each peak is
    over its own threshold."""
    worst: dict[str, dict[str, Any]] = {}
    for a in anomalies:
        if not isinstance(a, dict) or not isinstance(a.get("score"), (int, float)):
            continue
        row = worst.setdefault(str(a.get("asset_id") or "?"), {"score": a["score"], "threshold": None, "sensors": []})
        if a["score"] >= row["score"]:
            row["score"], row["threshold"] = a["score"], a.get("threshold")
        for s in a.get("sensors") or a.get("top_sensors") or []:
            s = s.get("sensor") or s.get("id") if isinstance(s, dict) else s
            if s and s not in row["sensors"]:
                row["sensors"].append(str(s))
    if len(worst) < 2:
        return []  # one asset: the summary already names it and its score

    def over(row: dict[str, Any]) -> float:
        t = row["threshold"]
        return row["score"] / t if isinstance(t, (int, float)) and t > 0 else row["score"]

    lines = []
    for i, (aid, row) in enumerate(sorted(worst.items(), key=lambda kv: -over(kv[1]))[:top]):
        line = f"  {i + 1}. {aid}: peak score {row['score']}"
        if isinstance(row["threshold"], (int, float)):
            line += f" (threshold {row['threshold']})"
        if isinstance((counts or {}).get(aid), int):
            line += f", {counts[aid]} interval(s)"
        lines.append(line + (f", driven by {', '.join(row['sensors'][:3])}" if row["sensors"] else ""))
    return lines
