"""What can be asked of a dataset, read from the data: its fields with their types, synonyms and descriptions,
and for each category field the values the rows hold (most common first, with counts), so a newly imported
plant's own categories ('corrective', 'Power Unit', 'Leaking', 'condenser_water_flow') are usable as they are.

The values are read once per records-store revision (`sources.Snapshot`) and cached until the next write.
"""

from __future__ import annotations

from typing import Any

from industrialmind.query.datasets import DATASETS, dataset
from industrialmind.query.sources import Snapshot

MAX_VALUES = 50


def datasets_overview() -> list[dict[str, Any]]:
    """Every dataset: name, what a row is, its fields (name and type) and its time field."""
    return [{"dataset": d.name, "description": d.description, "time_field": d.time_field,
             "fields": {f.name: f.type for f in d.fields}} for d in DATASETS.values()]


def vocabulary(stores: Any, name: str, max_values: int = MAX_VALUES) -> dict[str, Any]:
    """A dataset's fields (type, description, synonyms) and each category field's values with their counts."""
    ds = dataset(name)
    snap = Snapshot(stores.records())
    fields = []
    for f in ds.fields:
        entry: dict[str, Any] = {"name": f.name, "type": f.type, "description": f.description,
                                 "synonyms": list(f.synonyms)}
        if f.type == "category":
            found = snap.values(ds, f)
            entry["distinct"] = len(found)
            entry["values"] = [{"value": v, "count": n} for v, n in found[:max_values]]
        fields.append(entry)
    out = {"dataset": ds.name, "description": ds.description, "time_field": ds.time_field, "fields": fields,
           "sources": list(ds.sources)}
    if ds.kind == "rows":
        out["rows"] = len(snap.rows_of(ds.name))
    elif ds.kind == "table":
        import sqlalchemy as sa

        with snap.selectable(ds) as (src, conn):
            out["rows"] = int(conn.execute(sa.select(sa.func.count()).select_from(src)).scalar() or 0)
    return out
