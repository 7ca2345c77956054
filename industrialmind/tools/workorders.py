"""Work-order tools: list work orders, compute maintenance KPIs, and create one (an action: needs approval)."""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Any, Literal

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolArgError, ToolContext, fmt, parse_time

STATUSES = ["open", "in_progress", "on_hold", "closed", "cancelled"]
PRIORITIES = ["low", "medium", "high", "urgent"]


def _wo(w: Any) -> dict[str, Any]:
    return {"work_order_id": w.id, "asset_id": w.asset_id, "title": w.title, "priority": w.priority,
            "status": w.status, "kind": w.kind, "created_at": w.created_at, "completed_at": w.completed_at,
            "due_at": w.due_at, "failure_code": w.failure_code}


def _select(ctx: ToolContext, asset_id: str | None, status: str | None, start: str | None,
            end: str | None, line: str | None = None, kind: str | None = None,
            year: int | None = None) -> tuple[list, dict[str, Any]]:
    now = ctx.now()
    t0 = parse_time(start, now, None)
    t1 = parse_time(end, now, None)
    asset = ctx.asset(asset_id) if asset_id else None
    line_ = _line(ctx, line) if line else None
    if status and status not in STATUSES:
        raise ToolArgError(f"unknown status {status!r}", STATUSES)
    zone = "UTC"
    if year is not None:
        from industrialmind.query.calendar import period
        from industrialmind.query.calendar import zone as tz_of

        zone = _zone(ctx, asset.site_id if asset else line_.site_id if line_ else None)
        y0, y1 = period(str(year), tz_of(zone))
        t0, t1 = max(t0, y0) if t0 else y0, min(t1, y1) if t1 else y1
    orders = ctx.records().list_work_orders(asset_id=asset.id if asset else None)
    if line_ is not None:
        on_line = {a.id for a in ctx.assets() if a.line_id == line_.id}
        orders = [w for w in orders if w.asset_id in on_line]
    if kind:
        kind = _kind(kind, orders)
    rows = [w for w in orders if (not status or w.status == status) and (not kind or w.kind.lower() == kind.lower())
            and (t0 is None or w.created_at >= t0) and (t1 is None or w.created_at < t1)]
    rows.sort(key=lambda w: w.created_at, reverse=True)
    return rows, {"asset_id": asset.id if asset else None, "line": line_.id if line_ else None, "status": status,
                  "kind": kind, "year": year, "start": t0, "end": t1, **({"timezone": zone} if year else {})}


def _line(ctx: ToolContext, line: str) -> Any:
    """A line by id, name or alias in any spelling; ToolArgError naming the closest lines."""
    from industrialmind.tools._context import closest

    lines = ctx.lines()
    key = "".join(ch for ch in line.lower() if ch.isalnum())
    for ln in lines:
        names = [ln.id, ln.name, *getattr(ln, "aliases", [])]
        if any("".join(ch for ch in n.lower() if ch.isalnum()) == key for n in names):
            return ln
    choices = [ln.id for ln in lines]
    near = closest(line, choices + [ln.name for ln in lines])
    raise ToolArgError(f"unknown line {line!r}" + (f"; did you mean {near[0]!r}?" if near else ""), near or choices)


def _kind(kind: str, orders: list) -> str:
    """The kind as the data spells it ('Corrective' -> 'corrective'); a near miss of one names the kinds there are,
    a kind like none of them is kept (it matches nothing, and the summary lists the kinds)."""
    from rapidfuzz import fuzz, utils

    kinds = sorted({w.kind for w in orders})
    same = [k for k in kinds if k.lower() == kind.strip().lower()]
    if same:
        return same[0]
    near = [k for k in kinds if fuzz.ratio(utils.default_process(kind), utils.default_process(k)) >= 80]
    if near:
        raise ToolArgError(f"unknown kind {kind!r}; did you mean {near[0]!r}?", near + [k for k in kinds
                                                                                     if k not in near])
    return kind.strip()


def _zone(ctx: ToolContext, site_id: str | None) -> str:
    """The time zone a year is read in: the site's when the question is about one site, else UTC."""
    list_sites = getattr(ctx.records(), "list_sites", None)
    sites = list(list_sites()) if list_sites else []
    if site_id is None and len(sites) == 1:
        site_id = sites[0].id
    return next((s.timezone for s in sites if s.id == site_id), "UTC")


def _scope_words(filters: dict[str, Any], n: int) -> str:
    """'12 corrective work order(s) for CHILLER-6 created in 2019 (America/New_York)'."""
    kind = f"{filters['kind']} " if filters.get("kind") else ""
    where = filters["asset_id"] or (f"line {filters['line']}" if filters.get("line") else "all assets")
    text = f"{n} {kind}work order(s) for {where}"
    if filters.get("year") is not None:
        text += f" created in {filters['year']}" + (f" ({filters['timezone']})"
                                                    if filters.get("timezone", "UTC") != "UTC" else "")
    return text


def list_work_orders(ctx: ToolContext,
                     asset_id: Annotated[str | None, "asset id; every asset if empty"] = None,
                     status: Annotated[Literal["open", "in_progress", "on_hold", "closed", "cancelled"] | None,
                                       "only this status"] = None,
                     start: Annotated[str | None, "created on or after: ISO 8601 or relative like '30d'"] = None,
                     end: Annotated[str | None, "created before: ISO 8601 or 'now'"] = None,
                     line: Annotated[str | None, "only the assets of this production line (id or name)"] = None,
                     kind: Annotated[str | None, "only this kind: preventive, corrective, or another kind the data "
                                                 "holds"] = None,
                     year: Annotated[int | None, "only those created in this calendar year (the site's local time)"]
                     = None) -> dict[str, Any]:
    """Maintenance work orders, newest first, filtered by asset, line, status, kind and creation time. Use it for
    'open work orders on P-101', 'open work orders for line 1', 'maintenance history', 'what was done on the
    compressor last month', 'when was the compressor last serviced'."""
    rows, filters = _select(ctx, asset_id, status, start, end, line=line, kind=kind, year=year)
    by_status: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for w in rows:
        by_status[w.status] = by_status.get(w.status, 0) + 1
        by_kind[w.kind] = by_kind.get(w.kind, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items(), key=lambda t: (-t[1], t[0])))
    summary = _scope_words(filters, len(rows))
    if rows:
        summary += f": {kinds}" if not filters["kind"] else ""
        summary += f" ({counts}); latest {rows[0].id} '{rows[0].title}' on {rows[0].created_at:%Y-%m-%d}"
    return jsonable({"summary": summary, "filters": filters, "count": len(rows), "by_status": by_status,
                     "by_kind": by_kind, "work_orders": [_wo(w) for w in rows[:50]], "truncated": len(rows) > 50,
                     "sources": ["records:work_orders"]})


def work_order_kpis(ctx: ToolContext,
                    asset_id: Annotated[str | None, "asset id; every asset if empty"] = None,
                    start: Annotated[str | None, "from: ISO 8601 or relative like '90d'; default 365d"] = None,
                    end: Annotated[str | None, "to: ISO 8601 or 'now'"] = None) -> dict[str, Any]:
    """Maintenance KPIs over a period: work-order counts by status, priority and kind, open backlog, overdue
    orders, mean time to repair (MTTR, hours) and mean time between corrective work orders (MTBF proxy, days).
    Use it for 'maintenance KPIs', 'MTTR of P-101', 'how much backlog'."""
    rows, filters = _select(ctx, asset_id, None, start or "365d", end)
    now = ctx.now()
    count: dict[str, dict[str, int]] = {"status": {}, "priority": {}, "kind": {}}
    for w in rows:
        for key, counts in count.items():
            value = getattr(w, key)
            counts[value] = counts.get(value, 0) + 1
    repairs = [(w.completed_at - w.created_at).total_seconds() / 3600 for w in rows
               if w.completed_at and w.status == "closed"]
    mttr = sum(repairs) / len(repairs) if repairs else None
    backlog = [w for w in rows if w.status in ("open", "in_progress", "on_hold")]
    overdue = [w for w in backlog if w.due_at and w.due_at < now]
    corrective = sorted(w.created_at for w in rows if w.kind == "corrective")
    gaps = [(b - a).total_seconds() / 86400 for a, b in pairwise(corrective)]
    mtbf = sum(gaps) / len(gaps) if gaps else None
    scope = filters["asset_id"] or "all assets"
    summary = (f"{scope}: {len(rows)} work order(s) since {filters['start']:%Y-%m-%d}, backlog {len(backlog)} "
               f"({len(overdue)} overdue), MTTR {fmt(mttr, 'h')}, mean time between corrective orders "
               f"{fmt(mtbf, 'days')}")
    return jsonable({"summary": summary, "filters": filters, "total": len(rows), "by_status": count["status"],
                     "by_priority": count["priority"], "by_kind": count["kind"], "backlog": len(backlog),
                     "overdue": len(overdue), "mttr_hours": mttr, "mtbf_days": mtbf,
                     "units": {"mttr_hours": "h", "mtbf_days": "days"}, "sources": ["records:work_orders"]})


def create_work_order(ctx: ToolContext,
                      asset_id: Annotated[str, "asset id the work is for"],
                      title: Annotated[str, "short title, e.g. 'Inspect DE bearing'"],
                      description: Annotated[str, "what was observed and what to do, with the evidence"],
                      priority: Annotated[Literal["low", "medium", "high", "urgent"], "how urgent"] = "medium",
                      ) -> dict[str, Any]:
    """ACTION (a person must approve it first): create a maintenance work order for an asset. Use it when someone
    asks to open, raise or create a work order or ticket."""
    asset = ctx.asset(asset_id)
    if priority not in PRIORITIES:
        raise ToolArgError(f"unknown priority {priority!r}", PRIORITIES)
    if not str(title or "").strip():
        raise ToolArgError("the title is empty", ["a short title"])
    request_id = ctx.request_id("create_work_order", asset.id, title, description, priority)
    wo = ctx.records().create_work_order(asset.id, title, description, priority, request_id=request_id)
    wo_id = getattr(wo, "id", None) or (wo.get("id") if isinstance(wo, dict) else str(wo))
    return jsonable({"summary": f"created work order {wo_id} for {asset.id}: '{title}' ({priority} priority)",
                     "work_order_id": wo_id, "asset_id": asset.id, "title": title, "description": description,
                     "priority": priority, "request_id": request_id,
                     "work_order": wo if not isinstance(wo, str) else None, "sources": ["records:work_orders"]})


TOOLS = [list_work_orders, work_order_kpis, create_work_order]
