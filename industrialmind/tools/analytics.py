"""Analytics tool: one typed query over any stored dataset (counts, sums, averages, extremes, percentages, rankings,
per group or per time bucket, in a window), answered by the query layer (`industrialmind.query`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from industrialmind.query.datasets import DATASETS
from industrialmind.tools._context import ToolArgError, ToolContext

DatasetName = Literal["work_orders", "events", "fault_labels", "failure_modes", "assets", "sites", "lines", "sensors",
                      "components", "readings"]


class DataFilter(BaseModel):
    """One condition on a field of the dataset."""

    field: str = Field(description="a field of the dataset, e.g. 'kind', 'asset', 'subsystem', 'rpn'")
    op: Literal["eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "between", "contains", "not_contains"] = "eq"
    value: str | float | list[str | float] = Field(description="the value; a list for in / not_in; [low, high] for "
                                                               "between")


def _fields_text() -> str:
    """Each dataset with what a row is, its fields and the field a window filters on (what a model reads)."""
    lines = []
    for d in DATASETS.values():
        window = f"; window on {d.time_field}" if d.time_field and d.kind != "readings" else ""
        lines.append(f"- {d.name} ({d.description}{window}): " + ", ".join(f.name for f in d.fields))
    return "\n".join(lines)


def query_data(ctx: ToolContext,
               dataset: Annotated[DatasetName, "which data; the datasets and their fields:\n" + _fields_text()],
               filters: Annotated[list[DataFilter] | None, "conditions {field, op, value}, all of which must "
                                                           "hold, e.g. {field: 'kind', value: 'corrective'}"] = None,
               start: Annotated[str | None, "window start: ISO 8601, a period or relative like '30d'"] = None,
               end: Annotated[str | None, "window end (excluded): ISO 8601, a period or 'now'"] = None,
               period: Annotated[str | None, "one calendar period as the window: '2019', '2020-06', 'June 2020', "
                                             "'2020-06-15', '2020-W23'"] = None,
               aggregate: Annotated[Literal["count", "sum", "mean", "min", "max", "percentage", "count_distinct",
                                            "first", "last"] | None,
                                    "one figure over the matching rows (per group when grouped); none lists rows"] = None,
               field: Annotated[str | None, "the field the aggregate is taken over, e.g. 'rpn', 'duration_hours'"] = None,
               where: Annotated[list[DataFilter] | None, "for aggregate 'percentage': the condition whose share of "
                                                         "the matching rows is wanted"] = None,
               group_by: Annotated[str | None, "a field ('kind', 'asset', 'subsystem') or a time bucket: day, week, "
                                               "month, year"] = None,
               order_by: Annotated[str | None, "sort by this field, or 'value' (the aggregate)"] = None,
               order: Annotated[Literal["desc", "asc"] | None, "descending (largest, newest first) or ascending"] = None,
               fields: Annotated[list[str] | None, "the fields each listed row shows (a lookup, e.g. "
                                                   "['recommended_action'])"] = None,
               limit: Annotated[int, "rows or groups to return (the summary says how many more there are)"] = 20,
               asset_id: Annotated[str | None, "only this asset's rows (its type's, for failure_modes): a "
                                               "shorthand for a filter"] = None,
               line: Annotated[str | None, "only this line's rows: a shorthand for a filter"] = None,
               site: Annotated[str | None, "only this site's rows: a shorthand for a filter"] = None,
               ) -> dict[str, Any]:
    """Counts, totals, averages, extremes, shares and rankings over the plant's stored maintenance records,
    events, FMEA rows and sensor readings, per group or per day, week, month or year, in a year or a date range.
    Use it for 'how many corrective work orders did CH-6 have in 2019', 'average RPN per subsystem of the FMEA',
    'which FMEA rows have an RPN over 100', 'share of preventive maintenance per year', 'which asset had the
    most corrective work orders', 'how many events per month in 2020'.

    Args: the dataset (its fields are listed with it), then filters, a window (start/end or period), an aggregate
    with its field, a group_by, an order and a limit. Category values (kinds, statuses, subsystems, codes) are
    the data's own, in any case; an unknown field or value returns the valid ones, closest first. Times without
    an offset and periods are read in the site's time zone when the query is about one site.
    """
    from industrialmind.errors import InvalidInputError
    from industrialmind.query import run_query

    query: dict[str, Any] = {"dataset": dataset, "limit": limit}
    query["filters"] = [_filter(f) for f in filters or []] + _shorthand(ctx, dataset, asset_id, line, site)
    if start or end or period:
        query["window"] = {"start": start, "end": end, "period": period}
    if aggregate or field or where:
        query["aggregate"] = {"fn": aggregate or ("percentage" if where else "count"), "field": field,
                              "where": [_filter(f) for f in where or []]}
    if group_by:
        query["group_by"] = group_by
    if order_by or order:
        query["order"] = {"by": order_by or "value", "direction": order or "desc"}
    if fields:
        query["fields"] = list(fields)
    try:
        result = run_query(ctx, query, now=ctx.now())
    except InvalidInputError as exc:
        raise ToolArgError(str(exc), getattr(exc, "valid", None) or []) from None
    body = result.as_dict()
    summary = result.headline
    if result.notes and (result.count == 0 or result.more):
        summary += "; " + result.notes[0]
    total = {"count": result.count}
    if result.shape == "value":
        total["value"] = body["value"]
    elif result.shape == "groups":
        total["groups"] = result.groups
    return {"summary": summary, "dataset": result.dataset, "query": result.words, **total,
            "rows": body["rows"], "columns": body["columns"], "more": result.more, "group_by": result.group_by,
            "aggregate": result.fn, "field": result.field, "value_time": body["value_time"], "unit": result.unit,
            "window": body["window"], "timezone": result.timezone, "notes": result.notes, "sources": result.sources}


def _shorthand(ctx: ToolContext, dataset: str, asset_id: str | None, line: str | None,
               site: str | None) -> list[dict[str, Any]]:
    """The filters asset_id, line and site stand for on a dataset: its own field of that name, else its id when
    its rows are those things (assets, lines, sites), else the asset's type (failure modes apply to a type)."""
    from industrialmind.query import dataset as dataset_named

    ds = dataset_named(dataset)
    names = {f.name: f for f in ds.fields}
    out = []
    for entity, value in (("asset", asset_id), ("line", line), ("site", site)):
        if not value:
            continue
        if entity in names:
            out.append({"field": entity, "value": value})
        elif "id" in names and names["id"].entity == entity:
            out.append({"field": "id", "value": value})
        elif entity == "asset" and "asset_type" in names:
            out.append({"field": "asset_type", "value": ctx.asset(value).type})
        else:
            raise ToolArgError(f"{dataset} rows have no {entity}: filter on one of its fields instead",
                               [f.name for f in ds.fields])
    return out


def _filter(f: Any) -> dict[str, Any]:
    return f.model_dump() if hasattr(f, "model_dump") else dict(f)


TOOLS = [query_data]
