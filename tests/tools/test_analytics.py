"""The analytics tool and the everyday parameters added with it, against the embedded stores under a temp IM_HOME:
query_data (number first, the rows, the query in words, sources; bad input as an error dict), list_sites,
list_work_orders by line, kind and year, and sensor_history's exact time of an extreme."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest

from industrialmind.config import get_settings
from industrialmind.tools import ToolContext, build_tools
from industrialmind.tools.results import records_of
from tests.query.conftest import NOW, fill_demo, order_rows


@pytest.fixture
def tools(im_home, monkeypatch):
    """Every tool over a home holding the demo plant, the test work orders and events, and one day of P-101
    bearing temperature with a single peak."""
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    settings = get_settings()
    settings.ensure_home()
    records = open_records(settings.resolved.records)
    fill_demo(records)
    records.close()
    stamps = pd.date_range(NOW - timedelta(days=1), NOW, freq="1min", inclusive="left", tz="UTC")
    values = [50.0] * len(stamps)
    values[777] = 80.0
    ts = open_timeseries(settings.resolved.timeseries)
    ts.write(pd.DataFrame({"asset": "P-101", "sensor": "bearing_temp", "ts": stamps, "value": values}))
    ts.close()
    monkeypatch.setattr(ToolContext, "now", lambda self: NOW)
    ctx = ToolContext(settings)
    yield {t.name: t for t in build_tools(settings, ctx)}
    ctx.close()


def test_query_data_states_the_number_first_with_its_filter(tools):
    """A count per kind reads '<n> work orders for <asset> ...: <n> <kind>, ...' and carries rows, query, sources."""
    frame = pd.DataFrame(order_rows())
    mine = frame[frame.asset == "C-201"]
    result = tools["query_data"].invoke({"dataset": "work_orders", "filters": [{"field": "asset", "value": "c-201"}],
                                         "group_by": "kind"})
    counts = mine.kind.value_counts()
    assert result["summary"].startswith(f"{len(mine)} work orders for C-201: {counts.iloc[0]} {counts.index[0]}")
    assert result["count"] == len(mine) and result["groups"] == len(counts)
    assert records_of(result) == ("rows", result["rows"])
    assert "count per kind" in result["query"] and result["sources"] == ["records:work_orders"]
    json.dumps(result)


def test_query_data_period_and_aggregate(tools):
    """The mean duration of 2025's closed orders, over the period the tool was given."""
    frame = pd.DataFrame(order_rows()).dropna(subset=["completed_at"])
    frame = frame[frame.created_at.dt.year == 2025]
    want = ((frame.completed_at - frame.created_at).dt.total_seconds() / 3600).mean()
    result = tools["query_data"].invoke({"dataset": "work_orders", "period": "2025", "aggregate": "mean",
                                         "field": "duration_hours"})
    assert result["value"] == pytest.approx(want)
    assert result["window"]["start"] == "2025-01-01T00:00:00Z"


def test_query_data_bad_input_is_an_error_naming_the_valid_ones(tools):
    """An unknown field is an error dict whose valid choices start with the closest; nothing raises."""
    result = tools["query_data"].invoke({"dataset": "failure_modes", "group_by": "subsytem"})
    assert "subsystem" in result["error"] and result["valid"][0] == "subsystem"
    bad_value = tools["query_data"].invoke({"dataset": "work_orders",
                                            "filters": [{"field": "kind", "value": "preventiv"}]})
    assert bad_value["valid"][0] == "preventive"


def test_query_data_empty_result_says_what_exists(tools):
    """A window without orders says so in the summary, with the span that has them."""
    result = tools["query_data"].invoke({"dataset": "work_orders", "period": "2019", "aggregate": "count"})
    assert result["summary"].startswith("0 work orders") and "2025-01-06" in result["summary"]


def test_list_sites(tools):
    """The demo site with its zone, lines and asset count."""
    from industrialmind.plant.demo import demo_plant

    plant = demo_plant()
    result = tools["list_sites"].invoke({})
    assert result["count"] == 1 and result["sites"][0]["site"] == "DEMO"
    assert result["sites"][0]["assets"] == len(plant.assets)
    assert result["sites"][0]["lines"] == [ln.id for ln in plant.lines]
    assert records_of(result)[0] == "sites"


def test_list_work_orders_by_line_kind_and_year(tools):
    """Line 1's corrective orders of 2025, as the fixture's rows count them; a misspelt kind names the kinds."""
    from industrialmind.plant.demo import demo_plant

    line = {a.id: a.line_id for a in demo_plant().assets}
    frame = pd.DataFrame(order_rows())
    want = frame[(frame.asset.map(line) == "L1") & (frame.kind == "corrective") & (frame.created_at.dt.year == 2025)]
    result = tools["list_work_orders"].invoke({"line": "line 1", "kind": "Corrective", "year": 2025})
    assert sorted(w["work_order_id"] for w in result["work_orders"]) == sorted(want.id)
    assert result["summary"].startswith(f"{len(want)} corrective work order(s) for line L1 created in 2025")
    bad = tools["list_work_orders"].invoke({"kind": "corective"})
    assert bad["valid"][0] == "corrective"
    unknown_line = tools["list_work_orders"].invoke({"line": "line 9"})
    assert "unknown line" in unknown_line["error"]


def test_sensor_history_gives_the_exact_time_of_the_peak_when_bucketed(tools):
    """Over a day of minute data the series is bucketed, but the max's time is the point's own."""
    result = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "bearing temp", "start": "24h"})
    assert result["aggregate"] == "mean"
    peak = (NOW - timedelta(days=1) + timedelta(minutes=777)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert result["stats"]["max"] == 80.0 and result["stats"]["max_ts"] == peak
    assert f"max 80 degC at {peak[:10]} {peak[11:16]}" in result["summary"]


def test_query_data_asset_line_and_site_shorthands(tools):
    """asset_id / line / site stand for a filter: on the field of that name, on the id of a registry dataset, or on
    the asset's type for failure modes; a dataset without such a field says so."""
    from industrialmind.plant.demo import demo_plant

    plant = demo_plant()
    frame = pd.DataFrame(order_rows())
    count = tools["query_data"].invoke({"dataset": "work_orders", "asset_id": "P-101", "aggregate": "count"})
    assert count["value"] == int((frame.asset == "P-101").sum())
    modes = tools["query_data"].invoke({"dataset": "failure_modes", "asset_id": "P-101", "aggregate": "count"})
    assert modes["value"] == sum(1 for m in plant.failure_modes if m.asset_type == "centrifugal_pump")
    line = tools["query_data"].invoke({"dataset": "lines", "line": "L2"})
    assert [r["id"] for r in line["rows"]] == ["L2"]
    on_site = tools["query_data"].invoke({"dataset": "assets", "site": "DEMO", "aggregate": "count"})
    assert on_site["value"] == len(plant.assets)
    bad = tools["query_data"].invoke({"dataset": "sites", "line": "L1"})
    assert "sites rows have no line" in bad["error"]
