"""Running a query: check it (`resolve.py`), compile it (`compile.py`), run it on the dataset's source
(`sources.py`), and say what it found: the rows, groups or value, how many rows matched, the query in words, and
notes when nothing matched (which values exist, which window has data) or when a limit left groups out.

`run_query(stores, query)` takes anything with `records()` and `timeseries()` methods that return the opened
stores (a tool's context does), so it opens nothing itself; the readings dataset is `readings.py`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from industrialmind.query import compile as sql
from industrialmind.query.calendar import buckets, zone
from industrialmind.query.model import Query
from industrialmind.query.resolve import Plan, parse, plan
from industrialmind.query.result import QueryResult
from industrialmind.query.sources import Snapshot
from industrialmind.query.words import describe, headline, number, when


class Stores(Protocol):
    """Where a query reads: the opened records and time-series stores."""

    def records(self) -> Any:
        """The records store."""

    def timeseries(self) -> Any:
        """The time-series store."""


def run_query(stores: Stores, query: Query | dict[str, Any], now: datetime | None = None) -> QueryResult:
    """Run one query; InvalidInputError (with `.valid`, closest first) for a dataset, field or value that is not."""
    from industrialmind.query.datasets import dataset

    now = now or datetime.now(UTC)
    query = parse(query)
    if dataset(query.dataset).kind == "readings":
        from industrialmind.query.readings import run_readings

        return run_readings(stores, query, now)
    snap = Snapshot(stores.records())
    p = plan(snap, query, now)
    with snap.selectable(p.ds) as (src, conn):
        result = _run(p, src, conn)
        if result.count == 0 and not p.absent:  # a value the data never holds is the reason, said below
            result.notes += _why_empty(snap, p, src, conn)
    if p.absent:
        result.notes += [_absent(snap, p, f, v) for f, v in p.absent]
    result.words = describe(p)
    result.headline = headline(p, result)
    result.timezone = p.tz
    if p.window is not None:
        low, high = _bounds(p.window)
        result.window = {"field": p.window.field.name, "start": low, "end": high, "timezone": p.tz}
    result.sources = list(p.ds.sources)
    return result


def _run(p: Plan, src: Any, conn: Any) -> QueryResult:
    conditions = p.conditions
    base = QueryResult(dataset=p.ds.name, shape=p.shape, rows=[], count=0)
    if p.shape == "rows":
        base.count = int(conn.execute(sql.count(src, conditions)).scalar() or 0)
        found = conn.execute(sql.rows(src, conditions, p.fields, p.order, p.limit)).mappings().all()
        base.rows = [dict(r) for r in found]
        base.columns = list(p.fields)
        base.more = max(0, base.count - len(base.rows))
        return base
    agg = p.agg
    base.fn, base.field = agg.fn, agg.field.name if agg.field is not None else None
    if p.shape == "value":
        if agg.fn in ("first", "last"):
            base.count = int(conn.execute(sql.count(src, conditions)).scalar() or 0)
            row = conn.execute(sql.first_last(src, conditions, agg, None, p.ds.id_field)).first()
            if row is not None:
                base.value, base.value_time, base.value_id = row[0], row[1], row[2]
        else:
            v, n = conn.execute(sql.value(src, conditions, agg)).first()
            base.value, base.count = _plain(v), int(n or 0)
        base.rows = [{"value": base.value, **({"time": base.value_time} if base.value_time else {}),
                      **({"id": base.value_id} if base.value_id else {})}]
        base.columns = list(base.rows[0])
        return base
    return _groups(p, src, conn, base)


def _groups(p: Plan, src: Any, conn: Any, base: QueryResult) -> QueryResult:
    agg, grouping, conditions = p.agg, p.grouping, p.conditions
    base.group_by = grouping.name
    base.count = int(conn.execute(sql.count(src, conditions)).scalar() or 0)
    if grouping.unit is not None:
        span = _bounds(p.window) if p.window is not None else (None, None)
        if span[0] is None or span[1] is None:
            low, high, n = conn.execute(sql.time_range(src, conditions, grouping.time_field)).first()
            span = (span[0] or low, span[1] or (_after(high) if high is not None else None))
        if span[0] is None or span[1] is None or base.count == 0:
            return base
        grouping.buckets = buckets(span[0], span[1], grouping.unit, zone(p.tz))
    rows: dict[Any, dict[str, Any]] = {}
    if agg.fn in ("first", "last"):
        counts = dict(conn.execute(sql.group_counts(src, conditions, grouping)).all())
        for g, v, t, ident in conn.execute(sql.first_last(src, conditions, agg, grouping, p.ds.id_field)).all():
            rows[g] = {grouping.name: g, "value": _plain(v), "time": t, **({"id": ident} if ident else {}),
                       "count": int(counts.get(g, 0))}
    else:
        for g, v, n in conn.execute(sql.groups(src, conditions, grouping, agg)).all():
            rows[g] = {grouping.name: g, "value": _plain(v), "count": int(n)}
        if agg.fn == "percentage" and not agg.where:
            total = sum(r["count"] for r in rows.values()) or 1
            for r in rows.values():
                r["value"] = 100.0 * r["count"] / total
    if grouping.field is not None:  # rows without the field's value form no group: 'which subsystem has the most'
        blank = [rows.pop(k) for k in [k for k in rows if k is None or (isinstance(k, str) and not k.strip())]]
        if blank:
            n = sum(r["count"] for r in blank)
            base.notes.append(f"{n:,} {p.ds.plural if n != 1 else p.ds.noun} without a {grouping.name} "
                              f"are in no group")
    if grouping.unit is not None:  # every bucket of the window, the empty ones too: a month without orders is news
        empty = 0 if agg.fn in ("count", "sum", "count_distinct") or (agg.fn == "percentage" and not agg.where) \
            else None
        rows = {label: rows.get(label, {grouping.name: label, "value": empty, "count": 0})
                for label, _, _ in grouping.buckets}
    ordered = list(rows.values())
    if p.order_by_value:
        filled = sorted((r for r in ordered if r["value"] is not None), key=lambda r: str(r[grouping.name]))
        filled.sort(key=lambda r: _sortable(r["value"]), reverse=p.descending)  # stable: ties stay in label order
        ordered = filled + [r for r in ordered if r["value"] is None]
    else:
        ordered.sort(key=lambda r: (r[grouping.name] is None, str(r[grouping.name])), reverse=p.descending)
    base.groups = len(ordered)
    base.rows = ordered[:p.limit]
    base.more = len(ordered) - len(base.rows)
    base.columns = list(base.rows[0]) if base.rows else [grouping.name, "value", "count"]
    if base.more:
        how = "largest" if p.order_by_value and p.descending else "first"
        base.notes.append(f"{base.groups:,} {grouping.name} groups: showing the {how} {len(base.rows)}, "
                          f"{base.more:,} more (raise limit, or filter, to see them)")
    return base


def _sortable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _plain(value: Any) -> Any:
    """Database numbers as Python ones (PostgreSQL's avg of integers is a Decimal)."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def _after(t: datetime) -> datetime:
    from datetime import timedelta

    return t + timedelta(microseconds=1)


def _bounds(window: Any) -> tuple[datetime | None, datetime | None]:
    if window.op == "between":
        return window.value
    return (window.value, None) if window.op == "ge" else (None, window.value)


# --- saying why nothing matched -------------------------------------------------------------------------------

def _why_empty(snap: Snapshot, p: Plan, src: Any, conn: Any) -> list[str]:
    notes = []
    if p.window is not None and p.ds.time_field is not None:
        low, high, n = conn.execute(sql.time_range(src, p.filters, p.window.field)).first()
        if n:
            notes.append(f"no {p.ds.plural} in the window ({p.window_text}); with the other filters there are "
                         f"{number(n)}, {p.window.field.name} from {when(low)} to {when(high)}")
            return notes
    for c in [c for c in p.filters if c.field.type == "category" and c.op in ("eq", "in")][:3]:
        others = [x for x in p.conditions if x is not c]
        found = conn.execute(sql.values(src, others, c.field).limit(10)).all()
        rest = describe_conditions(others)
        if found:
            listed = ", ".join(f"{v} ({number(k)})" for v, k in found)
            notes.append(f"no {p.ds.plural} have {c.shown}" + (f" {rest}" if rest else "")
                         + f"; {c.field.name} values there: {listed}")
        elif others:
            notes.append(f"no {p.ds.plural} match {rest}, whatever their {c.field.name}")
    if not notes and not p.filters and p.window is None:
        notes.append(f"no {p.ds.plural} are stored yet")
    return notes


def describe_conditions(conditions: list[Any]) -> str:
    """Conditions in words: 'where asset = CHILLER-6 and created_at in 2019'."""
    return ("where " + " and ".join(c.shown for c in conditions)) if conditions else ""


def _absent(snap: Snapshot, p: Plan, fld: Any, value: str) -> str:
    values = snap.values(p.ds, fld)
    listed = ", ".join(f"{v} ({number(n)})" for v, n in values[:12]) + (" ..." if len(values) > 12 else "")
    return f"no {p.ds.noun} has {fld.name} {value!r}; the {fld.name} values there are: {listed or 'none'}"
