"""What a query answers: the rows (or groups, or one value), how many rows matched, the query as run in words,
notes on why nothing matched or how much was left out, and where the data came from."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as _field
from datetime import datetime
from typing import Any


@dataclass
class QueryResult:
    """One query's answer; `as_dict()` is its JSON-able form (a tool result's body)."""

    dataset: str
    shape: str  # 'rows', 'value' or 'groups'
    rows: list[dict[str, Any]]
    count: int  # rows (readings: points) that matched
    columns: list[str] = _field(default_factory=list)
    fn: str | None = None
    field: str | None = None
    value: Any = None  # the aggregate when shape is 'value'
    value_time: datetime | None = None  # first / last / readings' min and max: when
    value_id: str | None = None  # first / last: the row it was read from
    group_by: str | None = None
    groups: int = 0  # groups in all, before the limit
    more: int = 0  # rows or groups left out by the limit
    words: str = ""
    headline: str = ""
    notes: list[str] = _field(default_factory=list)
    sources: list[str] = _field(default_factory=list)
    timezone: str = "UTC"
    window: dict[str, Any] | None = None
    unit: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON values (times ISO 8601 UTC)."""
        from industrialmind.jsonable import jsonable

        return jsonable(asdict(self))
