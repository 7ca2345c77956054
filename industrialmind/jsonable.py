"""One conversion of the project's values into plain JSON values, for tool results and every `--json` output."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any


def jsonable(value: Any, zulu: bool = True) -> Any:
    """Turn datetimes, pydantic models, numpy scalars, NaN and frames into plain JSON values.

    Datetimes become ISO 8601 in UTC (a naive one is taken as UTC), ending in `Z` for tool results (what a model
    reads), or in `+00:00` with zulu=False (the CLI's `--json`, as Python's `datetime.fromisoformat` writes it).
    """
    if isinstance(value, datetime):
        text = (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        return text.replace("+00:00", "Z") if zulu else text
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): jsonable(v, zulu) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v, zulu) for v in value]
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump(mode="python"), zulu)
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # pandas frame
        return jsonable(value.to_dict(orient="records"), zulu)
    if hasattr(value, "isoformat") and hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return jsonable(value.to_pydatetime(), zulu)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return jsonable(value.item(), zulu)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
