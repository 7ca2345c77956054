"""Resolved queries -> SQLAlchemy Core statements over a dataset's selectable (`sources.py`).

Every value a person or a model typed arrives as a bound parameter: field names are checked against the dataset
before they reach here and become column objects, operators come from a fixed table, and time buckets are CASE
expressions whose bounds are parameters. The statements use only what SQLite and PostgreSQL share (CASE, COUNT
DISTINCT, row_number() OVER, NULLS LAST); grouped statements select the group in a subquery first, so PostgreSQL
never has to match a GROUP BY expression holding parameters against its SELECT twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from industrialmind.query.datasets import Field

if TYPE_CHECKING:
    import sqlalchemy as sa

GROUP = "_group"


@dataclass
class Condition:
    """A checked filter: a field, an operator and typed values (categories resolved to stored values, times in
    UTC); `between` on times is [low, high), on numbers [low, high]."""

    field: Field
    op: str
    value: Any
    shown: str = ""  # how the person wrote it, for the words of the query


@dataclass
class Grouping:
    """What rows are grouped by: a field, or time buckets (label, start, end) over a time field."""

    field: Field | None = None
    unit: str | None = None
    time_field: Field | None = None
    buckets: list[tuple[str, datetime, datetime]] = _field(default_factory=list)

    @property
    def name(self) -> str:
        """The group's name in result rows: the field's, or the bucket unit's."""
        return self.field.name if self.field is not None else str(self.unit)


@dataclass
class AggregateSpec:
    """A checked aggregate: fn over field (None for a row count), `where` for a percentage, and the time field
    that orders first / last."""

    fn: str
    field: Field | None = None
    where: list[Condition] = _field(default_factory=list)
    time_field: Field | None = None


def _like(text: str) -> str:
    escaped = str(text).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clause(src: Any, c: Condition) -> "sa.ColumnElement":
    """One condition as a SQL expression (negations keep the rows where the field is empty)."""
    import sqlalchemy as sa

    col = src.c[c.field.name]
    v = c.value
    if c.op in ("eq", "in", "ne", "not_in") and c.field.type in ("category", "text"):
        values = v if isinstance(v, list) else [v]
        named = [x for x in values if x != ""]
        empty = len(named) < len(values)  # '' stands for "no value" (an FMEA row without a recommended action)
        if c.op in ("eq", "in"):
            return sa.or_(col.in_(named), *([col.is_(None), col == ""] if empty else []))
        kept = sa.or_(col.not_in(named), col.is_(None)) if named else sa.true()
        return sa.and_(kept, col.is_not(None), col != "") if empty else kept
    if c.op == "eq":
        return col.in_(v) if isinstance(v, list) else col == v
    if c.op == "in":
        return col.in_(v)
    if c.op in ("ne", "not_in"):
        values = v if isinstance(v, list) else [v]
        return sa.or_(col.not_in(values), col.is_(None))
    if c.op == "gt":
        return col > v
    if c.op == "ge":
        return col >= v
    if c.op == "lt":
        return col < v
    if c.op == "le":
        return col <= v
    if c.op == "between":
        low, high = v
        return sa.and_(col >= low, col < high if c.field.type == "time" else col <= high)
    if c.op == "contains":
        return sa.or_(*[sa.func.lower(col).like(_like(x), escape="\\") for x in (v if isinstance(v, list) else [v])])
    if c.op == "not_contains":
        return sa.or_(sa.and_(*[sa.not_(sa.func.lower(col).like(_like(x), escape="\\"))
                                for x in (v if isinstance(v, list) else [v])]), col.is_(None))
    raise ValueError(f"operator {c.op!r}")  # pragma: no cover - model.Filter admits only the operators above


def where(src: Any, conditions: list[Condition]) -> list["sa.ColumnElement"]:
    """Every condition as a SQL expression (to AND together)."""
    return [clause(src, c) for c in conditions]


def _order(col: Any, descending: bool) -> Any:
    return (col.desc() if descending else col.asc()).nulls_last()


def rows(src: Any, conditions: list[Condition], fields: list[str], order: list[tuple[str, bool]],
         limit: int) -> "sa.Select":
    """The listed fields of matching rows, in order, at most limit."""
    import sqlalchemy as sa

    stmt = sa.select(*[src.c[f] for f in fields]).where(*where(src, conditions))
    keys = [_order(src.c[f], desc) for f, desc in order]
    if "_pos" in src.c:
        keys.append(src.c["_pos"])
    elif "id" in src.c:
        keys.append(src.c["id"])
    return stmt.order_by(*keys).limit(limit)


def count(src: Any, conditions: list[Condition]) -> "sa.Select":
    """How many rows match."""
    import sqlalchemy as sa

    return sa.select(sa.func.count()).select_from(src).where(*where(src, conditions))


def time_range(src: Any, conditions: list[Condition], time_field: Field) -> "sa.Select":
    """The first and last time of matching rows, and how many there are."""
    import sqlalchemy as sa

    col = src.c[time_field.name]
    return sa.select(sa.func.min(col), sa.func.max(col), sa.func.count()).select_from(src) \
        .where(*where(src, conditions))


def values(src: Any, conditions: list[Condition], f: Field) -> "sa.Select":
    """The values of a field among matching rows, with their counts."""
    import sqlalchemy as sa

    col = src.c[f.name]
    return sa.select(col, sa.func.count().label("n")).where(*where(src, conditions), col.is_not(None)) \
        .group_by(col).order_by(sa.func.count().desc(), col)


def _measure(src: Any, agg: AggregateSpec) -> "sa.ColumnElement":
    import sqlalchemy as sa

    col = src.c[agg.field.name] if agg.field is not None else None
    if agg.fn == "count":
        return sa.func.count(col) if col is not None else sa.func.count()
    if agg.fn == "count_distinct":
        return sa.func.count(sa.distinct(col))
    if agg.fn == "sum":
        return sa.func.sum(col)
    if agg.fn == "mean":
        return sa.func.avg(col)
    if agg.fn == "min":
        return sa.func.min(col)
    if agg.fn == "max":
        return sa.func.max(col)
    if agg.fn == "percentage":
        if not agg.where:
            return sa.func.count()  # each group's share of the total is taken in Python, over every group
        hit = sa.case((sa.and_(*where(src, agg.where)), 1.0), else_=0.0)
        return 100.0 * sa.func.sum(hit) / sa.func.nullif(sa.func.count(), 0)
    raise ValueError(f"aggregate {agg.fn!r}")  # pragma: no cover - first/last have their own statements


def bucket_case(src: Any, grouping: Grouping) -> "sa.ColumnElement":
    """The bucket label of each row: CASE WHEN t < end1 THEN 'label1' ... over the buckets' UTC bounds."""
    import sqlalchemy as sa

    col = src.c[grouping.time_field.name]
    return sa.case(*[(col < end, sa.literal(label, sa.Text)) for label, _, end in grouping.buckets], else_=None)


def _grouped_source(src: Any, conditions: list[Condition], grouping: Grouping) -> Any:
    import sqlalchemy as sa

    expr = src.c[grouping.field.name] if grouping.field is not None else bucket_case(src, grouping)
    return sa.select(*src.c, expr.label(GROUP)).where(*where(src, conditions)).subquery("grouped")


def value(src: Any, conditions: list[Condition], agg: AggregateSpec) -> "sa.Select":
    """One aggregate over the matching rows, and their count."""
    import sqlalchemy as sa

    return sa.select(_measure(src, agg), sa.func.count()).select_from(src).where(*where(src, conditions))


def groups(src: Any, conditions: list[Condition], grouping: Grouping, agg: AggregateSpec) -> "sa.Select":
    """Per group: its label, the aggregate and the row count (every group; the caller orders and cuts)."""
    import sqlalchemy as sa

    inner = _grouped_source(src, conditions, grouping)
    g = inner.c[GROUP]
    # the percentage's condition is read again on the grouped rows, whose columns carry the same names
    return sa.select(g, _measure(inner, agg), sa.func.count()).group_by(g)


def first_last(src: Any, conditions: list[Condition], agg: AggregateSpec, grouping: Grouping | None,
               key: str | None) -> "sa.Select":
    """The field's value at the earliest (first) or latest (last) time of the matching rows, with that time and
    the row's id; one row per group when grouped (row_number() over each group)."""
    import sqlalchemy as sa

    latest = agg.fn == "last"
    base = _grouped_source(src, conditions, grouping) if grouping is not None else \
        sa.select(*src.c).where(*where(src, conditions)).subquery("matching")
    t = base.c[agg.time_field.name]
    tiebreak = [_order(base.c[key], latest)] if key else []
    ident = base.c[key] if key else sa.literal(None)
    picked = [base.c[agg.field.name].label("value"), t.label("time"), ident.label("id")]
    if grouping is None:
        return sa.select(*picked).where(t.is_not(None)).order_by(_order(t, latest), *tiebreak).limit(1)
    rank = sa.func.row_number().over(partition_by=base.c[GROUP], order_by=[_order(t, latest), *tiebreak])
    ranked = sa.select(base.c[GROUP].label(GROUP), *picked, rank.label("rank")).where(t.is_not(None)) \
        .subquery("ranked")
    return sa.select(ranked.c[GROUP], ranked.c.value, ranked.c.time, ranked.c.id).where(ranked.c.rank == 1)


def group_counts(src: Any, conditions: list[Condition], grouping: Grouping) -> "sa.Select":
    """How many rows each group holds."""
    import sqlalchemy as sa

    inner = _grouped_source(src, conditions, grouping)
    return sa.select(inner.c[GROUP], sa.func.count()).group_by(inner.c[GROUP])
