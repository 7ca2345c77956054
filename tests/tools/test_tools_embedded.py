"""The tools against the real embedded stores under a temp IM_HOME: the SQLite records store (registry, work orders,
events), the DuckDB time-series store and the Ladybug knowledge graph. Each part skips when its room is absent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from industrialmind.config import get_settings
from industrialmind.tools import ToolContext, build_tools

NOW = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


@pytest.fixture
def embedded(im_home, monkeypatch):
    """A home with the demo plant registered, one anomaly event and two hours of P-101 bearing temperature."""
    records_mod = pytest.importorskip("industrialmind.stores.records")
    ts_mod = pytest.importorskip("industrialmind.stores.timeseries")
    if not hasattr(ts_mod, "open_timeseries"):
        pytest.skip("the time-series room has no open_timeseries() yet")
    import pandas as pd

    from industrialmind.plant.demo import demo_plant
    from industrialmind.domain.model import Event

    settings = get_settings()
    settings.ensure_home()
    records = records_mod.open_records(settings.resolved.records)
    records.save_plant(demo_plant())
    records.upsert_events([Event(id="E-1", asset_id="P-101", kind="anomaly", severity="critical",
                                 message="bearing temperature rising", start=NOW - timedelta(minutes=30),
                                 end=None, sensors=["bearing_temp"])])
    records.close()
    ts = ts_mod.open_timeseries(settings.resolved.timeseries)
    stamps = pd.date_range(NOW - timedelta(hours=2), NOW, freq="1min", inclusive="left", tz="UTC")
    values = [55.0 + i * 0.1 for i in range(len(stamps))]
    ts.write(pd.DataFrame({"asset": "P-101", "sensor": "bearing_temp", "ts": stamps, "value": values}))
    ts.close()
    monkeypatch.setattr(ToolContext, "now", lambda self: NOW)
    ctx = ToolContext(settings)
    yield ctx, {t.name: t for t in build_tools(settings, ctx)}
    ctx.close()


def test_embedded_registry_and_readings(embedded):
    """Registry lookups and latest readings come from the SQLite and DuckDB stores."""
    _, tools = embedded
    asset = tools["get_asset"].invoke({"asset_id": "p-101"})
    assert asset["name"] == "Feed pump A"
    latest = tools["latest_readings"].invoke({"asset_id": "P-101", "sensors": ["bearing_temp"]})
    assert latest["readings"][0]["value"] == pytest.approx(55.0 + 119 * 0.1)
    assert latest["readings"][0]["unit"] == "degC"


def test_embedded_sensor_history_and_alarm_shading(embedded):
    """History over the last 2 h has 120 points, min at the start, and the ongoing anomaly shaded."""
    _, tools = embedded
    result = tools["sensor_history"].invoke({"asset_id": "P-101", "sensor": "bearing temp", "start": "2h"})
    assert result["points"] == 120 and result["stats"]["min"] == 55.0
    assert result["stats"]["min_ts"] == "2026-11-25T22:00:00Z"
    assert result["anomalous_intervals"][0]["label"] == "bearing temperature rising"
    alarms = tools["alarms"].invoke({"scope_id": "line 1", "since": "1h"})
    assert alarms["count"] == 1 and alarms["events"][0]["severity"] == "critical"


def test_embedded_work_order_create_and_list(embedded):
    """create_work_order writes once per call id into SQLite; list_work_orders and the KPIs see it."""
    ctx, tools = embedded
    ctx.current_call_id = "call_embedded"
    args = {"asset_id": "P-101", "title": "Check bearing", "description": "temp rising", "priority": "high"}
    first = tools["create_work_order"].invoke(args)
    again = tools["create_work_order"].invoke(args)
    ctx.current_call_id = None
    assert first["work_order_id"] == again["work_order_id"]
    listed = tools["list_work_orders"].invoke({"asset_id": "P-101", "status": "open"})
    assert [w["work_order_id"] for w in listed["work_orders"]] == [first["work_order_id"]]
    assert tools["work_order_kpis"].invoke({"asset_id": "P-101"})["backlog"] == 1


def test_embedded_graph_tools(embedded):
    """related_assets, failure_modes and query_graph answer from the Ladybug graph built from the registry."""
    pytest.importorskip("ladybug")
    ctx, tools = embedded
    try:
        from industrialmind.knowledge.graph_builder import build_graph, load_plants
        from industrialmind.stores.graph import open_settings_graph
    except ImportError as exc:
        pytest.skip(f"the knowledge room's graph builder is absent: {exc}")
    graph = open_settings_graph(ctx.settings)
    try:
        build_graph(graph, load_plants(ctx.settings))
    finally:
        graph.close()
    down = tools["related_assets"].invoke({"asset_id": "P-101", "direction": "downstream", "depth": 1})
    assert down["count"] >= 1 and all(r["hops"] == 1 for r in down["assets"])
    modes = tools["failure_modes"].invoke({"asset_id": "P-101"})
    assert modes["count"] >= 1 and "cavitation" in " ".join(str(m).lower() for m in modes["failure_modes"])
    rows = tools["query_graph"].invoke({"cypher": "MATCH (a:Asset) WHERE a.id = 'P-101' RETURN a.name AS name"})
    assert rows["rows"] == [{"name": "Feed pump A"}]


def test_embedded_jobs_and_anomalies_without_a_model(embedded):
    """job_status reads jobs recorded in SQLite through the models room's API; detect_anomalies on an asset
    with no trained model checks it against its normal ranges and says how to train a model."""
    ctx, tools = embedded
    pytest.importorskip("mlflow")
    from industrialmind.stores.records import open_records

    records = open_records(ctx.settings.resolved.records)
    job_id = records.create_job("train", {"scope_id": "P-101"})
    records.close()
    one = tools["job_status"].invoke({"job_id": str(job_id)})
    assert one["job"]["status"] == "queued" and str(job_id) in one["summary"]
    assert str(job_id) in tools["job_status"].invoke({})["summary"]
    assert "unknown job" in tools["job_status"].invoke({"job_id": "JOB-999999"})["error"]
    result = tools["detect_anomalies"].invoke({"scope_id": "P-101", "start": "2h"})
    assert "error" not in result and result["assets"]["P-101"]["method"] == "limits", result
    assert "no promoted model" in result["unscored"]["P-101"] and "train" in result["unscored"]["P-101"]
    assert "0 by model, 1 by normal-range limits" in result["summary"]


def test_embedded_detect_anomalies_narrows_the_scope_to_an_asset_type(embedded):
    """detect_anomalies with an asset type checks only that kind of equipment in the scope, and when the scope
    has none of it the error names the kinds there are."""
    ctx, tools = embedded
    pytest.importorskip("mlflow")
    pumps = tools["detect_anomalies"].invoke({"scope_id": "L1", "asset_type": "pump", "start": "2h"})
    assert "error" not in pumps, pumps
    assert sorted(pumps["scope"]["assets"]) == ["P-101", "P-102", "P-103"]
    assert "P-101" in pumps["assets"] and set(pumps["assets"]) <= {"P-101", "P-102", "P-103"}
    assert all(a["asset_id"].startswith("P-") for a in pumps["anomalies"])
    assert "pump asset(s) of line L1 (P-101, P-102, P-103)" in pumps["summary"]
    none = tools["detect_anomalies"].invoke({"scope_id": "L3", "asset_type": "centrifugal_pump"})
    assert "no asset of type 'centrifugal_pump' on line L3" in none["error"] and "fan" in none["valid"]


@pytest.mark.integration  # starts the bundled Tansu broker
def test_embedded_stream_tools(im_home):
    """stream_status and tail_stream read the bundled Tansu broker: message counts, and one asset's latest
    messages by key."""
    pytest.importorskip("confluent_kafka")
    import json

    from industrialmind.stores.broker import stop_broker
    from industrialmind.stores.streams import Streams, produce

    settings = get_settings()
    settings.ensure_home()
    try:
        streams = Streams.from_settings(settings)
        streams.ensure_topics()
        producer = streams.producer()
        for i in range(5):
            produce(producer, streams.topic("telemetry"), json.dumps({"asset": "P-101", "i": i}).encode(),
                    key=b"P-101")
        produce(producer, streams.topic("telemetry"), b'{"asset": "P-102"}', key=b"P-102")
        producer.flush(10)
        tools = {t.name: t for t in build_tools(settings)}
        tail = tools["tail_stream"].invoke({"topic": "telemetry", "asset_id": "p101", "limit": 3})
        assert [m["value"]["i"] for m in tail["messages"]] == [2, 3, 4]
        assert tail["topic"] == "im.telemetry"
        status = tools["stream_status"].invoke({"topic": "telemetry"})
        assert status["topics"][0]["topic"] == "im.telemetry" and status["topics"][0]["messages"] >= 6
        bad = tools["tail_stream"].invoke({"topic": "telemtry"})
        assert "telemetry" in bad["error"]
    finally:
        stop_broker(settings.home)
