"""A query and its answer in words: the query as run ('work orders for CHILLER-6 where kind = corrective,
created_at in 2019 (America/New_York): count by kind') and a headline that states the result first ('12 work
orders for CHILLER-6, created_at in 2019 (America/New_York): 10 preventive, 2 corrective')."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from industrialmind.query.resolve import Plan
from industrialmind.query.result import QueryResult

_PLACE = {"asset": "for", "site": "at site", "line": "on line"}


def number(value: Any, unit: str | None = None) -> str:
    """A figure as people read it: at most 3 significant decimals below 1,000, thousands separated above."""
    if value is None:
        return "n/a"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip() if unit else text


def when(t: datetime) -> str:
    """A time in a summary: '2020-06-14 15:45 UTC'."""
    return t.strftime("%Y-%m-%d %H:%M UTC")


def scope(plan: Plan) -> str:
    """The rows a query is about: 'for CHILLER-6 where kind = corrective, created_at in 2019 (America/New_York)'."""
    places, others = [], []
    for c in plan.filters:
        if c.field.entity in _PLACE and c.op == "eq" and not isinstance(c.value, list):
            places.append(f"{_PLACE[c.field.entity]} {c.value}")
        else:
            others.append(c.shown)
    text = " ".join(places)
    if others:
        text += " where " + " and ".join(others)
    if plan.window_text:
        text += f", {plan.window_text}" if text else plan.window_text
    return text.strip()


def describe(plan: Plan) -> str:
    """The query as run, in words."""
    head = f"{plan.ds.plural} {scope(plan)}".strip()
    if plan.shape == "rows":
        order = ", ".join(f"{f} {'descending' if d else 'ascending'}" for f, d in plan.order)
        return f"{head}: {', '.join(plan.fields)}" + (f", by {order}" if order else "") + f", at most {plan.limit}"
    agg = plan.agg
    what = agg.fn + (f" of {agg.field.name}" if agg.field is not None else "")
    if agg.where:
        what += " where " + " and ".join(c.shown for c in agg.where)
    if plan.grouping is not None:
        by = plan.grouping.name + (f" of {plan.grouping.time_field.name}" if plan.grouping.unit else "")
        order = "by value" if plan.order_by_value else f"by {plan.grouping.name}"
        what += f" per {by}, {order} {'descending' if plan.descending else 'ascending'}, top {plan.limit}"
    return f"{head}: {what}"


def _subject(plan: Plan, n: int) -> str:
    noun = plan.ds.noun if n == 1 else plan.ds.plural
    where = scope(plan)
    return f"{noun} {where}".strip()


def headline(plan: Plan, result: QueryResult) -> str:
    """The answer first, with the filter it answered."""
    agg = plan.agg
    n = result.count
    if result.shape == "rows":
        text = f"{number(n)} {_subject(plan, n)}"
        if result.more:
            text += f" (showing {len(result.rows)})"
        names = [str(r.get(plan.ds.id_field) or r.get("name") or "") for r in result.rows[:8]] if plan.ds.id_field \
            else []
        names = [x for x in names if x]
        return text + (": " + ", ".join(names) + (" ..." if len(result.rows) > 8 or result.more else "") if names else "")
    if result.shape == "value":
        if agg.fn == "count" and agg.field is None:
            return f"{number(n)} {_subject(plan, n)}"
        label = agg.fn.replace("_", " ") + (f" {agg.field.name}" if agg.field is not None else "")
        if agg.fn == "percentage":
            cond = " and ".join(c.shown for c in agg.where)
            return f"{number(result.value)}% of {number(n)} {_subject(plan, n)} have {cond}" if result.value is not None \
                else f"no {plan.ds.plural} {scope(plan)}".strip()
        text = f"{label} of {plan.ds.plural} {scope(plan)}".strip() + f": {number(result.value)}"
        if result.value_time is not None and agg.fn in ("first", "last") and result.value_time != result.value:
            text += f" at {when(result.value_time)}" + (f" ({result.value_id})" if result.value_id else "")
        return text + f" (over {number(n)} {plan.ds.noun if n == 1 else plan.ds.plural})"
    # groups
    shown = []
    for row in result.rows[:6]:
        label = row.get(result.group_by)
        label = "(none)" if label in (None, "") else label
        if agg.fn == "count" and agg.field is None:
            shown.append(f"{number(row['value'])} {label}")
        elif agg.fn == "percentage":
            shown.append(f"{label} {number(row['value'])}%")
        else:
            shown.append(f"{label} {number(row['value'])}")
    rest = len(result.rows) - len(shown) + result.more
    listing = ", ".join(shown) + (f" (+{rest} more)" if rest > 0 else "")
    if agg.fn == "count" and agg.field is None:
        return f"{number(n)} {_subject(plan, n)}" + (f": {listing}" if listing else "")
    if agg.fn == "percentage":
        share = "share of " + plan.ds.plural + (" with " + " and ".join(c.shown for c in agg.where) if agg.where
                                                 else "")
        return f"{share} {scope(plan)} per {result.group_by}".replace("  ", " ") + (f": {listing}" if listing
                                                                                   else ": none")
    label = agg.fn.replace("_", " ") + (f" {agg.field.name}" if agg.field is not None else "")
    return f"{label} of {plan.ds.plural} {scope(plan)} per {result.group_by}".replace("  ", " ") + \
        (f": {listing}" if listing else ": none")
