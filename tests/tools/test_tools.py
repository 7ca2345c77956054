"""The agent's tools: canonical names and arguments, result shape (summary + data), and error dicts that name the
valid choices. The stores are in-memory fakes that follow the store contracts (tests/tools/fakes.py)."""

from __future__ import annotations

import json

import pytest

from industrialmind.config import get_settings
from industrialmind.tools import ACTION_TOOLS, ToolContext, build_tools, call_tool
from industrialmind.tools._context import ToolUnavailable
from tests.tools.fakes import install

CANONICAL = {
    "find_assets": {"query", "asset_type", "line", "site"}, "get_asset": {"asset_id"},
    "latest_readings": {"asset_id", "sensors"},
    "sensor_history": {"asset_id", "sensor", "start", "end", "interval", "aggregate"},
    "detect_anomalies": {"scope_id", "start", "end", "asset_type"}, "alarms": {"scope_id", "since"},
    "failure_modes": {"asset_id", "asset_type", "symptom"}, "related_assets": {"asset_id", "direction", "depth"},
    "search_documents": {"query", "asset_id"}, "stream_status": {"topic"}, "tail_stream": {"topic", "asset_id", "limit"},
    "list_work_orders": {"asset_id", "status", "start", "end", "line", "kind", "year"},
    "work_order_kpis": {"asset_id", "start", "end"},
    "create_work_order": {"asset_id", "title", "description", "priority"}, "train_model": {"scope_id", "start", "end"},
    "job_status": {"job_id"}, "query_graph": {"cypher"}, "list_sites": set(),
    "query_data": {"dataset", "filters", "start", "end", "period", "aggregate", "field", "where", "group_by",
                   "order_by", "order", "fields", "limit", "asset_id", "line", "site"},
}


@pytest.fixture
def tools(monkeypatch):
    """Every tool, bound to fake stores and a fixed now (2026-11-26T00:00Z)."""
    install(monkeypatch)
    return {t.name: t for t in build_tools(get_settings())}


def test_build_tools_canonical_names_and_args(tools):
    """Every canonical tool exists with exactly the canonical arguments, a docstring, and no `ctx` in its schema."""
    assert set(tools) == set(CANONICAL)
    for name, args in CANONICAL.items():
        assert set(tools[name].args) == args, name
        assert len(tools[name].description) > 40, name
    assert ACTION_TOOLS == {"create_work_order", "train_model"}
    assert all(tools[name].metadata["action"] for name in ACTION_TOOLS)


def test_get_asset_typo_names_closest_id(tools):
    """A mistyped id returns an error dict suggesting the closest asset, not an exception."""
    result = tools["get_asset"].invoke({"asset_id": "P-1O1"})
    assert result["error"] == "unknown asset 'P-1O1'; did you mean 'P-101'?"
    assert result["valid"][0] == "P-101"


def test_get_asset_accepts_spelling_variants(tools):
    """'p101' and 'P 101' resolve to P-101, and the result lists its sensors with units."""
    for spelling in ("p101", "P 101", "Feed pump A"):
        result = tools["get_asset"].invoke({"asset_id": spelling})
        assert result["asset_id"] == "P-101"
    units = {s["sensor"]: s["unit"] for s in result["sensors"]}
    assert units["vibration_de"] == "mm/s"
    assert "P-101" in result["summary"]


def test_find_assets_filters_by_line_and_type(tools):
    """Filtering by line alias and type narrows to pumps of line 1; an unknown type names valid types."""
    result = tools["find_assets"].invoke({"line": "feed line", "asset_type": "centrifugal_pump"})
    ids = {a["asset_id"] for a in result["assets"]}
    assert "P-101" in ids and all(a["type"] == "centrifugal_pump" and a["line"] == "L1" for a in result["assets"])
    bad = tools["find_assets"].invoke({"asset_type": "centrifugal_pmup"})
    assert "centrifugal_pump" in bad["valid"]


def test_latest_readings_quotes_values_with_units(tools):
    """Latest readings carry value, unit, time and range status, and the summary quotes the numbers."""
    result = tools["latest_readings"].invoke({"asset_id": "P-101", "sensors": ["temp"]})
    (reading,) = result["readings"]
    assert reading["sensor"] == "bearing_temp" and reading["value"] == 60.0 and reading["unit"] == "degC"
    assert "60 degC" in result["summary"]
    assert result["as_of"].startswith("2026-11-25T23:59")


def test_sensor_history_stats_chart_and_shading(tools):
    """History over raw points returns min/max/mean/last with times, a chart spec and the anomaly shaded."""
    result = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "vibration_de",
                                             "start": "2026-11-25T06:00:00Z", "end": "2026-11-25T08:00:00Z"})
    stats = result["stats"]
    assert stats["max"] == 9.5 and stats["max_ts"] == "2026-11-25T06:40:00Z"
    assert result["points"] == 120 and result["aggregate"] == "raw"
    assert result["chart"]["series"][0]["y"][40] == 9.5
    assert result["chart"]["shapes"][0]["label"] == "vibration high"
    assert "max 9.5 mm/s" in result["summary"]
    json.dumps(result)


def test_sensor_history_downsamples_long_ranges(tools):
    """A 24 h range of minute data is bucketed, and the max survives bucketing."""
    result = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "vibration de", "start": "24h"})
    assert result["aggregate"] == "mean" and result["interval_s"] == 300
    assert result["stats"]["max"] == 9.5 and result["points"] == 288


def test_sensor_history_reads_a_sensor_word_as_the_planner_does(tools):
    """'vibration' names two sensors of P-101: the tools take the drive end (vibration_de), as the planner's linker
    does (one linker, domain.vocabulary.resolve_sensor), and say which; the other is there by its own name."""
    result = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "vibration"})
    assert "error" not in result and result["sensor"] == "vibration_de" and "vibration_de" in result["summary"]
    other = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "non-drive end vibration"})
    assert other.get("sensor") == "vibration_nde" or "vibration_nde" in other.get("valid", [])
    from industrialmind.agent._planner.sensors import resolve_sensor
    from industrialmind.plant.demo import demo_plant

    assert resolve_sensor(demo_plant().asset("P-101"), "vibration") == result["sensor"]


def test_sensor_history_bad_time_is_an_error(tools):
    """An unreadable time returns an error naming the accepted forms."""
    result = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "bearing_temp", "start": "blah"})
    assert "blah" in result["error"] and any("ISO 8601" in v for v in result["valid"])


def test_alarms_on_a_line_since(tools):
    """Alarms on line 1 in the last 2 days include P-101's critical anomaly."""
    result = tools["alarms"].invoke({"scope_id": "L1", "since": "2d"})
    assert result["count"] == 1 and result["critical"] == 1
    assert result["events"][0]["asset_id"] == "P-101"


def test_list_work_orders_and_status_error(tools):
    """Work orders of P-101 newest first; an unknown status names the valid ones."""
    result = tools["list_work_orders"].invoke({"asset_id": "p101"})
    assert [w["work_order_id"] for w in result["work_orders"]] == ["WO-2", "WO-1"]
    bad = call_tool(__import__("industrialmind.tools.workorders", fromlist=["x"]).list_work_orders,
                    ToolContext(get_settings()), status="done")
    assert "closed" in bad["valid"]


def test_work_order_kpis_mttr_and_backlog(tools):
    """KPIs over all assets: MTTR from closed orders (24 h and 4 h -> 14 h), one overdue open order."""
    result = tools["work_order_kpis"].invoke({})
    assert result["mttr_hours"] == pytest.approx(14.0)
    assert result["backlog"] == 1 and result["overdue"] == 1
    assert "MTTR 14 h" in result["summary"]


def test_create_work_order_is_idempotent_per_request(monkeypatch):
    """The same call id creates one work order, even if the tool runs twice."""
    records, _ = install(monkeypatch)
    ctx = ToolContext(get_settings())
    tool = {t.name: t for t in build_tools(get_settings(), ctx)}["create_work_order"]
    ctx.current_call_id = "call_1"
    first = tool.invoke({"asset_id": "P-101", "title": "Check bearing", "description": "vib 9.5 mm/s",
                         "priority": "high"})
    second = tool.invoke({"asset_id": "P-101", "title": "Check bearing", "description": "vib 9.5 mm/s",
                          "priority": "high"})
    assert first["work_order_id"] == second["work_order_id"] and len(records.created) == 1


def test_query_graph_refuses_writes(tools):
    """Cypher that writes is refused before reaching any store."""
    result = tools["query_graph"].invoke({"cypher": "MATCH (a:Asset) DETACH DELETE a"})
    assert "refused" in result["error"]


def test_missing_backend_is_an_error_dict():
    """A tool whose backend is missing returns an error dict naming the tool, never raises."""

    def needs_backend(ctx):
        raise ToolUnavailable("the widget store is not available")

    result = call_tool(needs_backend, ToolContext(get_settings()))
    assert result["error"] == "needs_backend cannot run: the widget store is not available"


def test_wrong_argument_names_the_parameters(tools):
    """An argument the tool does not take comes back as an error listing its parameters."""
    from industrialmind.tools.assets import get_asset

    result = call_tool(get_asset, ToolContext(get_settings()), asset="P-101")
    assert result["valid"] == ["asset_id"]


def test_backend_error_suggestions_become_valid():
    """A store's own error ("...; did you mean 'x'?") keeps its message and lists the suggestions in `valid`."""
    from industrialmind.errors import NotFoundError

    def lookup(ctx):
        raise NotFoundError("unknown topic 'telemtry'; did you mean 'telemetry' or 'alarms'?")

    result = call_tool(lookup, ToolContext(get_settings()))
    assert result["valid"] == ["telemetry", "alarms"] and result["error"].startswith("unknown topic")
