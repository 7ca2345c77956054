"""Queries over the demo plant's records store (SQLite, and PostgreSQL when one runs): counts, groups, aggregates,
time windows and buckets, percentages, first/last, lookups and the bad-input answers, each checked against values
computed here with pandas from the rows the fixture wrote."""

from __future__ import annotations

import pandas as pd
import pytest

from industrialmind.errors import InvalidInputError
from industrialmind.query import run_query, vocabulary
from tests.query.conftest import NOW, order_rows


def _orders() -> pd.DataFrame:
    frame = pd.DataFrame(order_rows())
    frame["hours"] = (frame["completed_at"] - frame["created_at"]).dt.total_seconds() / 3600
    return frame


def _run(stores, **query):
    return run_query(stores, query, now=NOW)


def test_run_count_by_kind_for_one_asset_in_one_year(demo):
    """12 orders are P-101's, C-201's...: C-201's in 2025 counted per kind match pandas, the headline first."""
    frame = _orders()
    mine = frame[(frame.asset == "C-201") & (frame.created_at.dt.year == 2025)]
    result = _run(demo, dataset="work_orders", filters=[{"field": "asset", "value": "C-201"}],
                  window={"period": "2025"}, group_by="kind")
    assert result.count == len(mine) == 3
    assert {r["kind"]: r["value"] for r in result.rows} == mine.kind.value_counts().to_dict()
    assert result.headline.startswith("3 work orders for C-201, created_at in 2025: ")
    assert result.window["start"].isoformat() == "2025-01-01T00:00:00+00:00"


def test_run_count_with_category_filters_and_negation(demo):
    """kind = corrective, status not in (closed, cancelled): the open corrective backlog, as pandas counts it."""
    frame = _orders()
    expected = frame[(frame.kind == "corrective") & ~frame.status.isin(["closed", "cancelled"])]
    result = _run(demo, dataset="work_orders", aggregate={"fn": "count"},
                  filters=[{"field": "kind", "value": "Corrective"},
                           {"field": "status", "op": "not_in", "value": ["closed", "cancelled"]}])
    assert result.shape == "value" and result.value == result.count == len(expected) == 3


def test_run_group_by_line_and_site_comes_from_the_registry(demo):
    """Work orders per line: the line of each order's asset, read from the demo plant's registry."""
    from industrialmind.plant.demo import demo_plant

    lines = {a.id: a.line_id for a in demo_plant().assets}
    frame = _orders()
    frame["line"] = frame.asset.map(lines)
    result = _run(demo, dataset="work_orders", group_by="line")
    assert {r["line"]: r["value"] for r in result.rows} == frame.line.value_counts().to_dict()
    on_l1 = _run(demo, dataset="work_orders", filters=[{"field": "line", "value": "line 1"}], aggregate={"fn": "count"})
    assert on_l1.value == int((frame.line == "L1").sum())


def test_run_mean_sum_min_max_of_a_derived_duration(demo):
    """duration_hours (completed minus created) per kind: mean, sum, max as pandas computes them."""
    frame = _orders().dropna(subset=["hours"])
    for fn, pandas_fn in (("mean", "mean"), ("sum", "sum"), ("max", "max"), ("min", "min")):
        result = _run(demo, dataset="work_orders", aggregate={"fn": fn, "field": "duration"}, group_by="kind")
        got = {r["kind"]: r["value"] for r in result.rows if r["value"] is not None}
        want = getattr(frame.groupby("kind")["hours"], pandas_fn)().to_dict()
        assert got == pytest.approx(want), fn


def test_run_time_buckets_include_empty_months(demo):
    """Orders per month of 2025: twelve buckets in time order, the months without orders at 0."""
    frame = _orders()
    frame = frame[frame.created_at.dt.year == 2025]
    result = _run(demo, dataset="work_orders", window={"period": "2025"}, group_by="month")
    assert [r["month"] for r in result.rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    want = frame.created_at.dt.strftime("%Y-%m").value_counts().to_dict()
    assert {r["month"]: r["value"] for r in result.rows if r["value"]} == want
    assert sum(r["value"] for r in result.rows) == len(frame)


def test_run_weeks_and_years_without_a_window_span_the_data(demo):
    """Grouping by year with no window covers the first to the last order."""
    frame = _orders()
    result = _run(demo, dataset="work_orders", group_by="year")
    assert {r["year"]: r["value"] for r in result.rows} == \
        frame.created_at.dt.year.astype(str).value_counts().to_dict()
    weeks = _run(demo, dataset="work_orders", group_by="week", window={"start": "2025-01-01", "end": "2025-02-01"})
    assert weeks.rows[0]["week"] == "2025-W01" and sum(r["value"] for r in weeks.rows) == 3


def test_run_percentage_of_a_condition_per_group(demo):
    """The share of corrective orders per asset, and each kind's share of all orders."""
    frame = _orders()
    result = _run(demo, dataset="work_orders", group_by="asset",
                  aggregate={"fn": "percentage", "where": [{"field": "kind", "value": "corrective"}]})
    want = (frame.assign(c=frame.kind == "corrective").groupby("asset")["c"].mean() * 100).to_dict()
    assert {r["asset"]: r["value"] for r in result.rows} == pytest.approx(want)
    share = _run(demo, dataset="work_orders", group_by="kind", aggregate={"fn": "percentage"})
    assert {r["kind"]: r["value"] for r in share.rows} == \
        pytest.approx((frame.kind.value_counts(normalize=True) * 100).to_dict())
    with pytest.raises(InvalidInputError, match="needs a condition"):
        _run(demo, dataset="work_orders", aggregate={"fn": "percentage"})


def test_run_first_and_last_with_their_row(demo):
    """'When was C-201 last serviced': the latest completed_at, and the title of the latest order per asset."""
    frame = _orders()
    done = frame[frame.asset == "C-201"].dropna(subset=["completed_at"])
    last = _run(demo, dataset="work_orders", filters=[{"field": "asset", "value": "c201"}],
                aggregate={"fn": "last", "field": "completed_at"})
    assert last.value == done.completed_at.max().to_pydatetime()
    assert last.value_id == done.loc[done.completed_at.idxmax(), "id"]
    per_asset = _run(demo, dataset="work_orders", aggregate={"fn": "last", "field": "kind"}, group_by="asset")
    newest = frame.sort_values("created_at").groupby("asset").tail(1).set_index("asset")["kind"].to_dict()
    assert {r["asset"]: r["value"] for r in per_asset.rows} == newest


def test_run_count_distinct_and_order_ascending(demo):
    """Distinct kinds per asset, fewest first."""
    frame = _orders()
    result = _run(demo, dataset="work_orders", group_by="asset", aggregate={"fn": "count_distinct", "field": "kind"},
                  order={"by": "value", "direction": "asc"})
    assert [r["value"] for r in result.rows] == sorted(frame.groupby("asset").kind.nunique().tolist())


def test_run_rows_listing_with_chosen_fields_newest_first(demo):
    """A listing returns the asked fields, newest first, and says how many more there are."""
    result = _run(demo, dataset="work_orders", fields=["id", "priority"], limit=3,
                  filters=[{"field": "priority", "op": "in", "value": ["high", "urgent"]}])
    frame = _orders()
    want = frame[frame.priority.isin(["high", "urgent"])].sort_values("created_at", ascending=False)
    assert [r["id"] for r in result.rows] == want.id.tolist()[:3]
    assert set(result.rows[0]) == {"id", "priority", "created_at"}
    assert result.count == len(want) and result.more == len(want) - 3


def test_run_text_contains_and_numbers(demo):
    """contains matches text in any case; gt / between compare numbers."""
    events = _run(demo, dataset="events", filters=[{"field": "message", "op": "contains", "value": "TEMPERATURE"}])
    assert {r["id"] for r in events.rows} == {"E-2", "E-3"}
    scored = _run(demo, dataset="events", filters=[{"field": "score", "op": "gt", "value": 4}],
                  aggregate={"fn": "count"})
    assert scored.value == 1
    long_jobs = _run(demo, dataset="work_orders", filters=[{"field": "duration_hours", "op": "between",
                                                            "value": [2, 6]}], aggregate={"fn": "count"})
    frame = _orders()
    assert long_jobs.value == int(frame.hours.between(2, 6).sum())


def test_run_registry_datasets(demo):
    """Assets per type and sensors of one asset come from the registry's JSON, as the demo plant has them."""
    from collections import Counter

    from industrialmind.plant.demo import demo_plant

    plant = demo_plant()
    per_type = _run(demo, dataset="assets", group_by="type", limit=50)
    assert {r["type"]: r["value"] for r in per_type.rows} == dict(Counter(a.type for a in plant.assets))
    sensors = _run(demo, dataset="sensors", filters=[{"field": "asset", "value": "Feed pump A"}], limit=50)
    assert {r["sensor"] for r in sensors.rows} == {s.id for s in plant.asset("P-101").sensors}
    most = _run(demo, dataset="assets", aggregate={"fn": "max", "field": "sensor_count"})
    assert most.value == max(len(a.sensors) for a in plant.assets)
    sites = _run(demo, dataset="sites")
    assert sites.rows[0]["id"] == "DEMO" and sites.rows[0]["asset_count"] == len(plant.assets)
    modes = _run(demo, dataset="failure_modes", filters=[{"field": "asset_type", "value": "centrifugal pump"}],
                 fields=["id", "rpn"], order={"by": "rpn"}, limit=1)
    pumps = [m for m in plant.failure_modes if m.asset_type == "centrifugal_pump"]
    assert modes.rows[0]["rpn"] == max(m.severity * m.occurrence * m.detection for m in pumps)


def test_run_unknown_dataset_field_and_value_name_the_valid_ones(demo):
    """Unknown names raise InvalidInputError naming the closest valid ones first."""
    with pytest.raises(InvalidInputError, match="did you mean 'work_orders'") as info:
        _run(demo, dataset="work_ordres")
    assert info.value.valid[0] == "work_orders"
    with pytest.raises(InvalidInputError, match="did you mean 'status'") as info:
        _run(demo, dataset="work_orders", filters=[{"field": "stauts", "value": "open"}])
    assert info.value.valid[0] == "status"
    with pytest.raises(InvalidInputError, match="did you mean 'corrective'") as info:
        _run(demo, dataset="work_orders", filters=[{"field": "kind", "value": "corective"}])
    assert info.value.valid[0] == "corrective"
    with pytest.raises(InvalidInputError, match="unknown asset 'P-1O1'"):
        _run(demo, dataset="work_orders", filters=[{"field": "asset", "value": "P-1O1"}])
    with pytest.raises(InvalidInputError, match="'gt' does not apply to kind"):
        _run(demo, dataset="work_orders", filters=[{"field": "kind", "op": "gt", "value": "x"}])
    with pytest.raises(InvalidInputError, match="unknown aggregate 'median'"):
        _run(demo, dataset="work_orders", aggregate={"fn": "median"})


def test_run_a_filter_matching_nothing_says_what_exists(demo):
    """A value the data never holds matches nothing, and the notes list the values there are; a valid value that
    matches nothing with the other filters lists the values there."""
    absent = _run(demo, dataset="work_orders", filters=[{"field": "kind", "value": "calibration"}])
    assert absent.count == 0 and "corrective (6)" in " ".join(absent.notes)
    none_here = _run(demo, dataset="work_orders", filters=[{"field": "asset", "value": "FN-301"},
                                                           {"field": "kind", "value": "corrective"}])
    assert none_here.count == 0
    assert any("kind values there: preventive (1)" in n for n in none_here.notes), none_here.notes


def test_run_a_window_without_data_says_which_window_has_data(demo):
    """No orders in 2019: the note gives the span of the orders with the same filters."""
    result = _run(demo, dataset="work_orders", filters=[{"field": "asset", "value": "P-101"}],
                  window={"period": "2019"}, aggregate={"fn": "count"})
    assert result.value == 0
    assert "from 2025-01-11" in result.notes[0] and "to 2026-02-05" in result.notes[0], result.notes


def test_run_many_groups_return_the_top_ones_and_how_many_more(demo):
    """Grouping by id makes 12 groups: a limit of 5 returns 5 and says 7 more."""
    result = _run(demo, dataset="work_orders", group_by="id", limit=5)
    assert len(result.rows) == 5 and result.groups == 12 and result.more == 7
    assert "7 more" in result.notes[0]


def test_vocabulary_lists_fields_and_values_and_follows_new_data(demo):
    """The vocabulary names each field's type and each category's values; a newly written kind shows at once."""
    from industrialmind.domain.model import WorkOrder

    vocab = vocabulary(demo, "work orders")
    kinds = {v["value"]: v["count"] for f in vocab["fields"] if f["name"] == "kind" for v in f["values"]}
    assert kinds == _orders().kind.value_counts().to_dict() and vocab["rows"] == 12
    demo.records().upsert_work_orders([WorkOrder(id="WO-Z", asset_id="P-101", title="x", kind="emergency",
                                                 created_at=NOW)])
    again = vocabulary(demo, "work_orders")
    assert "emergency" in {v["value"] for f in again["fields"] if f["name"] == "kind" for v in f["values"]}
    assert _run(demo, dataset="work_orders", filters=[{"field": "kind", "value": "Emergency"}]).count == 1


def test_run_rows_without_the_grouped_field_form_no_group(demo):
    """Grouped by a field the rows leave empty (these orders carry no failure code), the empty ones are in no group,
    so 'which code has the most orders' cannot answer '(none)'; a note says how many rows were left out."""
    frame = _orders()
    result = _run(demo, dataset="work_orders", group_by="failure_code")
    assert result.count == len(frame) and result.rows == []
    assert any(f"{len(frame):,} work orders without a failure_code are in no group" in n for n in result.notes)


def test_resolve_value_takes_every_spelling_the_data_holds():
    """A category value the data spells two ways ('Wearing' and 'Wearing,', as an FMEA file does) stands for both
    stored spellings, so a filter on either finds all the rows."""
    from industrialmind.query.datasets import dataset
    from industrialmind.query.resolve import resolve_value

    class Snap:
        def values(self, ds, fld):
            return [("Wearing", 85), ("Wearing components", 8), ("Wearing,", 1)]

    ds = dataset("failure_modes")
    fld = ds.field("failure_mode")
    assert resolve_value(Snap(), ds, fld, "wearing") == ["Wearing", "Wearing,"]
    assert resolve_value(Snap(), ds, fld, "Wearing components") == ["Wearing components"]
