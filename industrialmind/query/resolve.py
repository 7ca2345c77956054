"""A Query checked against its dataset and the values the data holds: a Plan that `compile.py` can turn into SQL.

What is checked, and what an error names (closest first):
- the dataset and every field (names, synonyms, plurals);
- an operator or an aggregate that does not fit the field's type;
- a category value: an entity (asset, site, line, asset type, sensor) must be in the registry, by id, name or
  alias ('CH-6' is CHILLER-6); another category's value is matched in any case and spacing ('power unit' is
  'Power Unit'). A near miss of a value the data holds ('corective') is an error that names it; a value that is
  like none of them is kept and matches nothing, which the result then says, listing the values there are;
- times: ISO 8601, relative ('30d'), or a calendar period, read in the query's time zone: the one given, else the
  site's own when the filters name one site (or its assets or lines), else UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime
from typing import Any

from industrialmind.errors import InvalidInputError
from industrialmind.query.calendar import instant, is_period, period, zone
from industrialmind.query.compile import AggregateSpec, Condition, Grouping
from industrialmind.query.datasets import Dataset, Field, dataset
from industrialmind.query.model import BUCKETS, OP_WORDS, Filter, Query, query_error, ranked, unknown
from industrialmind.query.sources import Snapshot, value_key

_OPS_BY_TYPE = {
    "category": ("eq", "ne", "in", "not_in", "contains", "not_contains"),
    "text": ("eq", "ne", "in", "not_in", "contains", "not_contains"),
    "number": ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "between"),
    "time": ("eq", "gt", "ge", "lt", "le", "between"),
}
_FN_TYPES = {"sum": ("number",), "mean": ("number",), "min": ("number", "time"), "max": ("number", "time")}


@dataclass
class Plan:
    """A checked query: conditions (filters and window), the shape of the answer and how to order and cut it."""

    ds: Dataset
    query: Query
    filters: list[Condition]
    window: Condition | None
    window_text: str
    tz: str
    shape: str  # 'rows', 'value' or 'groups'
    fields: list[str] = _field(default_factory=list)
    agg: AggregateSpec | None = None
    grouping: Grouping | None = None
    order: list[tuple[str, bool]] = _field(default_factory=list)
    order_by_value: bool = True
    descending: bool = True
    limit: int = 20
    absent: list[tuple[Field, str]] = _field(default_factory=list)  # values like none in the data
    now: datetime | None = None

    @property
    def conditions(self) -> list[Condition]:
        """Every condition the rows must meet: the filters and the window."""
        return self.filters + ([self.window] if self.window is not None else [])


def parse(query: Query | dict[str, Any]) -> Query:
    """A Query from a dict (a tool's arguments) with one-line errors instead of pydantic's."""
    if isinstance(query, Query):
        return query
    from pydantic import ValidationError

    try:
        return Query.model_validate(query)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "query"
        raise query_error(f"bad query: {where}: {first.get('msg', exc)}", []) from None


def plan(snap: Snapshot | None, query: Query | dict[str, Any], now: datetime) -> Plan:
    """Check a query against its dataset and data (snap is None for the readings, which have no records)."""
    query = parse(query)
    ds = dataset(query.dataset)
    filters, absent = [], []
    for f in query.filters:
        if ds.field(f.field).type != "time":
            cond, missing = _condition(snap, ds, f, None, now)
            filters.append(cond)
            absent += missing
    tz = query.timezone or _zone_of(snap, filters)
    zone(tz)
    for f in query.filters:
        if ds.field(f.field).type == "time":
            filters.append(_condition(snap, ds, f, tz, now)[0])
    window, window_text = _window(ds, query, tz, now)
    out = Plan(ds=ds, query=query, filters=filters, window=window, window_text=window_text, tz=tz,
               shape="rows", limit=query.limit, absent=absent, now=now)
    if query.group_by:
        out.grouping = _grouping(ds, query)
    if query.aggregate is not None or out.grouping is not None:
        out.agg = _aggregate(snap, ds, query, tz, now)
        out.shape = "groups" if out.grouping is not None else "value"
        if out.agg.fn == "percentage" and not out.agg.where and out.grouping is None:
            raise query_error("a percentage needs a condition (aggregate.where, e.g. kind = corrective) or a "
                              "group_by (each group's share)", ["aggregate.where", "group_by"])
    else:
        out.fields = [ds.field(n).name for n in query.fields] or list(ds.default_fields)
    _ordering(ds, query, out)
    return out


# --- filters --------------------------------------------------------------------------------------------------

def _condition(snap: Snapshot | None, ds: Dataset, f: Filter, tz: str | None,
               now: datetime) -> tuple[Condition, list[tuple[Field, str]]]:
    fld = ds.field(f.field)
    ops = _OPS_BY_TYPE[fld.type]
    if f.op not in ops:
        raise query_error(f"{f.op!r} does not apply to {fld.name} (a {fld.type}): use " + ", ".join(ops), list(ops))
    values = f.value if isinstance(f.value, list) else [f.value]
    shown = _shown(fld, f.op, f.value)
    if fld.type == "number":
        return Condition(fld, f.op, _numbers(fld, values, f.op), shown), []
    if fld.type == "time":
        return _time_condition(fld, f.op, values, zone(tz), now, shown), []
    if f.op in ("contains", "not_contains"):
        return Condition(fld, f.op, [str(v) for v in values], shown), []
    if fld.type == "text":
        return Condition(fld, f.op, _one_or_list(f.op, [str(v) for v in values]), shown), []
    resolved, absent = [], []
    for v in values:
        if str(v).strip() == "":  # no value: kept as '' (compile.clause reads it as empty)
            resolved += [""] if "" not in resolved else []
            continue
        found = resolve_value(snap, ds, fld, v)
        if not found:
            absent.append((fld, str(v)))
        resolved += [x for x in found if x not in resolved]
    shown = _shown(fld, f.op, resolved if isinstance(f.value, list) or len(resolved) != 1 else resolved[0]) \
        if resolved and not absent else shown
    return Condition(fld, f.op, _one_or_list(f.op, resolved), shown), absent


def _one_or_list(op: str, values: list[Any]) -> Any:
    return values if op in ("in", "not_in") or len(values) != 1 else values[0]


def _numbers(fld: Field, values: list[Any], op: str) -> Any:
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        raise query_error(f"{fld.name} is a number: {values!r} is not", []) from None
    if op == "between":
        return sorted(numbers)
    return _one_or_list(op, numbers)


def _time_condition(fld: Field, op: str, values: list[Any], tz: Any, now: datetime, shown: str) -> Condition:
    if op == "between":
        low, high = instant(values[0], tz, now), instant(values[1], tz, now, end=True)
        return Condition(fld, "between", (low, high), shown)
    v = values[0]
    if isinstance(v, str) and is_period(v):  # 'after 2019' is from 2020 on; 'in June 2020' is the whole month
        start, end = period(v, tz)
        return {"eq": Condition(fld, "between", (start, end), shown), "gt": Condition(fld, "ge", end, shown),
                "ge": Condition(fld, "ge", start, shown), "lt": Condition(fld, "lt", start, shown),
                "le": Condition(fld, "lt", end, shown)}[op]
    return Condition(fld, op, instant(v, tz, now), shown)


def resolve_value(snap: Snapshot | None, ds: Dataset, fld: Field, value: Any) -> list[Any]:
    """The stored values a category value stands for (one, or several for a sensor word on several assets);
    empty when it is like none of them (a near miss is an error naming the close ones)."""
    if snap is None:
        return [value]
    key = value_key(value)
    present = snap.values(ds, fld)
    if fld.entity is not None:
        names = snap.entity_names(fld.entity)
        if key in names:
            return [names[key]]
        if fld.entity == "sensor":
            found = _sensor_words(snap, str(value))
            if found:
                return found
        ids = sorted(set(names.values())) or [str(v) for v, _ in present]
        if not ids:
            return []
        raise unknown(fld.entity.replace("_", " "), value, ids, plural=f"{fld.entity.replace('_', ' ')}s")
    same = [v for v, _ in present if value_key(v) == key]  # every spelling the data holds ('Wearing', 'Wearing,')
    if same:
        return same
    choices = [str(v) for v, _ in present]
    if choices:
        from rapidfuzz import fuzz, utils

        best = ranked(str(value), choices)[0]
        if fuzz.ratio(utils.default_process(str(value)), utils.default_process(best)) >= 80:
            raise unknown(f"{fld.name.replace('_', ' ')} of {ds.plural}", value, choices,
                          plural=f"{fld.name} values")
    return []


def _sensor_words(snap: Snapshot, word: str) -> list[str]:
    from industrialmind.domain.vocabulary import match_sensors

    return list(dict.fromkeys(s.id for a in snap.assets() for s in match_sensors(a, word)))


def _shown(fld: Field, op: str, value: Any) -> str:
    if isinstance(value, list):
        text = " and ".join(str(v) for v in value) if op == "between" else ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return f"{fld.name} {OP_WORDS[op]} {text}"


def _zone_of(snap: Snapshot | None, filters: list[Condition]) -> str:
    """The time zone of the one site the filters are about, else UTC (also UTC with no registry)."""
    if snap is None:
        return "UTC"
    sites: set[str] = set()
    for c in filters:
        if c.op not in ("eq", "in") or c.field.entity not in ("site", "asset", "line"):
            continue
        values = c.value if isinstance(c.value, list) else [c.value]
        if c.field.entity == "site":
            sites.update(values)
        elif c.field.entity == "asset":
            sites.update(a.site_id for a in snap.assets() if a.id in values)
        else:
            sites.update(ln.site_id for ln in snap.lines() if ln.id in values)
    if not sites:
        registered = {s.id for s in snap.sites()}
        sites = registered if len(registered) == 1 else set()
    return snap.site_zone(next(iter(sites))) if len(sites) == 1 else "UTC"


# --- window, grouping, aggregate, order -----------------------------------------------------------------------

def _time_field(ds: Dataset, name: str | None) -> Field:
    if name:
        fld = ds.field(name)
        if fld.type != "time":
            raise query_error(f"{fld.name} is not a time field of {ds.name}; its time fields: "
                              + ", ".join(ds.time_fields()), ds.time_fields())
        return fld
    if ds.time_field is None:
        raise query_error(f"{ds.name} has no time field: a window or a time bucket does not apply to it", [])
    return ds.field(ds.time_field)


def _window(ds: Dataset, query: Query, tz: str, now: datetime) -> tuple[Condition | None, str]:
    w = query.window
    if w is None or (w.start in (None, "") and w.end in (None, "") and not w.period):
        return None, ""
    fld = _time_field(ds, w.field)
    z = zone(tz)
    if w.period:
        start, end = period(w.period, z)
        text = f"{fld.name} in {w.period}"
    else:
        start = instant(w.start, z, now) if w.start not in (None, "") else None
        end = instant(w.end, z, now, end=True) if w.end not in (None, "") else None
        if start is not None and end is not None and end <= start:
            raise query_error(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                              ["start before end"])
        text = f"{fld.name} " + (f"from {_when(start)} " if start else "") + (f"before {_when(end)}" if end else "")
        text = text.strip()
    if tz != "UTC":
        text += f" ({tz})"
    if start is not None and end is not None:
        return Condition(fld, "between", (start, end), text), text
    return Condition(fld, "ge", start, text) if start is not None else Condition(fld, "lt", end, text), text


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC") if (t.hour, t.minute) != (0, 0) else t.strftime("%Y-%m-%d")


def _grouping(ds: Dataset, query: Query) -> Grouping:
    name = str(query.group_by).strip().lower()
    unit = name.split(":")[-1].split()[-1] if name else name
    if unit in BUCKETS or unit in ("daily", "weekly", "monthly", "yearly", "annual"):
        unit = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year", "annual": "year"}.get(unit, unit)
        field_name = name.split(":")[0] if ":" in name else (query.window.field if query.window else None)
        return Grouping(unit=unit, time_field=_time_field(ds, field_name))
    try:
        fld = ds.field(query.group_by)
    except InvalidInputError:  # name the buckets too, not only the fields
        raise unknown(f"group_by of {ds.name}", query.group_by, [*BUCKETS, *(f.name for f in ds.fields
                                                                            if f.type != "time")],
                      plural="fields or buckets") from None
    if fld.type == "time":
        raise query_error(f"group {fld.name} by a time bucket: day, week, month or year (e.g. group_by "
                          f"'{fld.name}:month')", [f"{fld.name}:{b}" for b in BUCKETS])
    return Grouping(field=fld)


def _aggregate(snap: Snapshot | None, ds: Dataset, query: Query, tz: str, now: datetime) -> AggregateSpec:
    a = query.aggregate
    fn = a.fn if a is not None else "count"
    fld = ds.field(a.field) if a is not None and a.field else None
    if fld is None and fn != "count" and ds.kind == "readings":
        fld = ds.field("value")
    if fn in ("sum", "mean", "min", "max") and fld is None:
        numbers = [f.name for f in ds.fields if f.type in _FN_TYPES[fn]]
        raise query_error(f"{fn} needs a field: one of " + ", ".join(numbers), numbers)
    if fn in _FN_TYPES and fld.type not in _FN_TYPES[fn]:
        numbers = [f.name for f in ds.fields if f.type in _FN_TYPES[fn]]
        raise query_error(f"{fn} of {fld.name} (a {fld.type}) makes no sense: take it over "
                          + ", ".join(numbers), numbers)
    if fn in ("count_distinct", "first", "last") and fld is None:
        raise query_error(f"{fn} needs a field", [f.name for f in ds.fields])
    spec = AggregateSpec(fn=fn, field=fld)
    if fn in ("first", "last"):  # the first / last of a time field is its own earliest / latest
        spec.time_field = fld if fld.type == "time" else \
            _time_field(ds, query.window.field if query.window else None)
    if a is not None and a.where:
        if fn != "percentage":
            raise query_error(f"aggregate.where is the condition of a percentage, not of {fn}: put it in filters",
                              ["filters"])
        for f in a.where:
            spec.where.append(_condition(snap, ds, f, tz, now)[0])
    return spec


def _ordering(ds: Dataset, query: Query, out: Plan) -> None:
    o = query.order
    if out.shape == "rows":
        if o is not None and o.by not in ("value", ""):
            out.order = [(ds.field(o.by).name, o.direction == "desc")]
        elif ds.time_field is not None:
            out.order = [(ds.time_field, True)]
        for name, _ in out.order:
            if name not in out.fields:
                out.fields.append(name)
        return
    if out.grouping is None:
        return
    if o is None:  # time buckets read in time order; other groups biggest first
        time_buckets = out.grouping.unit is not None
        out.order_by_value, out.descending = not time_buckets, not time_buckets
        return
    out.order_by_value = o.by.strip().lower() in ("value", "count", "aggregate", "", out.agg.fn if out.agg else "")
    out.descending = o.direction == "desc"
