"""A query is data: which dataset, which rows (filters, a time window), and what to say about them (the fields of
each row, or one aggregate, optionally per group), in what order and how many.

Nothing here knows a store or a dataset's fields: `run.run_query` checks a Query against the dataset it names
(`datasets.py`) and the values its data holds (`vocabulary.py`), and `compile.py` turns it into parameterised SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from industrialmind.errors import InvalidInputError

Op = Literal["eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "between", "contains", "not_contains"]
AggregateFn = Literal["count", "sum", "mean", "min", "max", "percentage", "count_distinct", "first", "last"]
Bucket = Literal["day", "week", "month", "year"]

OPS: tuple[str, ...] = Op.__args__
AGGREGATES: tuple[str, ...] = AggregateFn.__args__
BUCKETS: tuple[str, ...] = Bucket.__args__
# how an operator reads in words ('kind = corrective', 'rpn > 100')
OP_WORDS = {"eq": "=", "ne": "!=", "in": "in", "not_in": "not in", "gt": ">", "ge": ">=", "lt": "<", "le": "<=",
            "between": "between", "contains": "contains", "not_contains": "does not contain"}
# spellings of the operators that people and models write
_OP_ALIASES = {"=": "eq", "==": "eq", "is": "eq", "equals": "eq", "!=": "ne", "<>": "ne", "not": "ne", "is_not": "ne",
               ">": "gt", ">=": "ge", "<": "lt", "<=": "le", "above": "gt", "over": "gt", "more_than": "gt",
               "below": "lt", "under": "lt", "less_than": "lt", "at_least": "ge", "at_most": "le", "like": "contains",
               "has": "contains", "includes": "contains", "not_like": "not_contains", "excludes": "not_contains",
               "not in": "not_in", "notin": "not_in", "nin": "not_in"}
_FN_ALIASES = {"avg": "mean", "average": "mean", "total": "sum", "distinct": "count_distinct",
               "count distinct": "count_distinct", "nunique": "count_distinct", "pct": "percentage",
               "percent": "percentage", "share": "percentage", "latest": "last", "earliest": "first",
               "maximum": "max", "highest": "max", "minimum": "min", "lowest": "min", "number": "count"}

MAX_LIMIT = 500


def query_error(message: str, valid: list[str] | None = None) -> InvalidInputError:
    """An InvalidInputError that also carries the valid choices (closest first) for a tool's error result."""
    exc = InvalidInputError(message)
    exc.valid = list(valid or [])  # type: ignore[attr-defined]
    return exc


def ranked(value: str, choices: list[str] | tuple[str, ...]) -> list[str]:
    """Every choice, the closest to value first (rapidfuzz WRatio over normalised text; ties in the given order)."""
    from rapidfuzz import fuzz, utils

    choices = list(dict.fromkeys(choices))
    scores = {c: fuzz.WRatio(str(value), str(c), processor=utils.default_process) for c in choices}
    return sorted(choices, key=lambda c: -scores[c])


def unknown(what: str, value: Any, choices: list[str] | tuple[str, ...], plural: str | None = None) -> InvalidInputError:
    """'unknown field 'stauts' of work_orders; did you mean 'status'? valid: ...' with the choices closest first."""
    order = ranked(str(value), choices)
    from rapidfuzz import fuzz, utils

    close = [c for c in order[:3] if fuzz.WRatio(str(value), c, processor=utils.default_process) >= 60]
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(repr(c) for c in order[:12]) + (f" (and {len(order) - 12} more)" if len(order) > 12 else "")
    return query_error(f"unknown {what} {value!r}{hint} ({plural or 'valid'}: {shown})", order)


def _alias(value: Any, table: dict[str, str], valid: tuple[str, ...], what: str) -> Any:
    if not isinstance(value, str):
        return value
    key = value.strip().lower().replace("-", "_")
    key = table.get(key, table.get(key.replace("_", " "), key))
    if key not in valid:
        raise unknown(what, value, valid)
    return key


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filter(_Spec):
    """One condition on a field: `field op value` ('kind eq corrective', 'rpn gt 100', 'title contains leak')."""

    field: str = Field(description="a field of the dataset")
    op: Op = Field("eq", description="eq, ne, in, not_in, gt, ge, lt, le, between, contains, not_contains")
    value: Any = Field(None, description="a value; a list for in / not_in; [low, high] for between")

    @field_validator("op", mode="before")
    @classmethod
    def _op(cls, value: Any) -> Any:
        return _alias(value, _OP_ALIASES, OPS, "operator")

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: Any) -> Any:
        op = info.data.get("op")
        if op in ("in", "not_in") and not isinstance(value, (list, tuple)):
            value = [value]
        if op == "between":
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise query_error(f"'between' takes [low, high], not {value!r}", ["[low, high]"])
            value = list(value)
        if value is None or (isinstance(value, (list, tuple)) and not value):
            raise query_error(f"the filter on {info.data.get('field')!r} has no value", [])
        return value


class Window(_Spec):
    """A time window on the dataset's time field (or another time field): [start, end), or one calendar period.

    Times are ISO 8601 or relative ('30d', 'now'); a time without an offset and a period ('2019', '2020-06',
    '2020-06-15', '2020-W23') are read in the query's time zone."""

    start: datetime | str | None = None
    end: datetime | str | None = None
    period: str | None = None
    field: str | None = Field(None, description="which time field; the dataset's own (e.g. created_at) if empty")


class Aggregate(_Spec):
    """One figure over the matching rows (per group when grouped): count, sum, mean, min, max, percentage,
    count_distinct, first, last. `percentage` is the share of rows that also meet `where`, or with no `where`
    each group's share of all matching rows."""

    fn: AggregateFn = "count"
    field: str | None = Field(None, description="the field it is taken over (count needs none)")
    where: list[Filter] = Field(default_factory=list, description="percentage: the condition it is the share of")

    @field_validator("fn", mode="before")
    @classmethod
    def _fn(cls, value: Any) -> Any:
        return _alias(value, _FN_ALIASES, AGGREGATES, "aggregate")


class Order(_Spec):
    """Sort by a field, or by the aggregate ('value'); descending unless said otherwise."""

    by: str = "value"
    direction: Literal["asc", "desc"] = "desc"

    @field_validator("direction", mode="before")
    @classmethod
    def _direction(cls, value: Any) -> Any:
        table = {"ascending": "asc", "descending": "desc", "up": "asc", "down": "desc", "lowest": "asc",
                 "highest": "desc", "oldest": "asc", "newest": "desc"}
        return _alias(value, table, ("asc", "desc"), "order direction")


class Query(_Spec):
    """What to ask of one dataset: rows (its `fields`) or one aggregate, optionally grouped by a field or a time
    bucket (day, week, month, year), filtered, in a time window, ordered and limited."""

    dataset: str
    fields: list[str] = Field(default_factory=list, description="the fields of each row; the dataset's usual ones if empty")
    filters: list[Filter] = Field(default_factory=list)
    window: Window | None = None
    aggregate: Aggregate | None = None
    group_by: str | None = Field(None, description="a field, or a time bucket: day, week, month, year")
    order: Order | None = None
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="rows or groups to return")
    timezone: str | None = Field(None, description="IANA zone of naive times, periods and buckets; the site's own "
                                                   "when the query is about one site, else UTC")

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > MAX_LIMIT:
            raise query_error(f"limit {value} is more than {MAX_LIMIT}: narrow the filters or group the rows",
                              [str(MAX_LIMIT)])
        return value
