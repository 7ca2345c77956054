"""The offline planner's analytic parser (`_planner/analytics.py`): questions in wording of our own (not the
analytics suite's) parsed over the demo plant's registry, a few imported chillers and a small fake vocabulary, each
asserting the query_data arguments; and a few questions end to end through the planner and the real tools on a temp
home."""

from __future__ import annotations

import pytest

from industrialmind.agent._planner.analytics import canon, find_period, parse, within
from industrialmind.agent._planner.datavocab import DataVocabulary, segments
from industrialmind.agent._planner.entities import Registry
from tests.agent._planner_fixtures import NOW

VALUES = {
    "work_orders": {"kind": ["preventive", "corrective", "inspection"], "status": ["open", "closed", "in_progress"],
                    "priority": ["low", "medium", "high", "urgent"]},
    "events": {"kind": ["alarm", "alert", "anomaly", "work_order"], "severity": ["info", "warning", "critical"]},
    "failure_modes": {"subsystem": ["Power Unit", "Hydraulic System"], "component": ["Fuel System", "Cabin"],
                      "sub_component": ["Fuel Tank", "Windows"], "failure_mode": ["Leaking", "Wearing", "Cracked"],
                      "asset_type": ["haul_truck"]},
}
PHRASES = {"events": {"message": segments("Alert RUL0022: Chiller - Chiller Cycling")
                      + segments("The monitored KPI 'Cooling Load' is higher than the upper bound (0.2)")}}


@pytest.fixture(scope="module")
def registry(demo, chillers):
    return Registry([*demo.assets, *chillers], demo.lines)


@pytest.fixture(scope="module")
def vocab():
    return DataVocabulary.from_datasets(VALUES, PHRASES, {"DEMO": "Riverside Process Plant",
                                                          "MAIN": "AssetOpsBench building plant"})


def ask(text, registry, vocab):
    return parse(text, registry.link(text, NOW), registry, vocab)


def filters(parsed):
    return {(f["field"], f["op"]): f["value"] for f in parsed.args.get("filters", [])}


def test_counts_one_assets_corrective_orders_in_a_year(registry, vocab):
    """A count, a category value of the data, an asset in any spelling and a bare year as the site's period."""
    for text in ("how many corrective jobs did CH-6 get in 2019", "count of corrective work orders, chiller six, 2019",
                 "Chiller 6: number of corrective maintenance jobs during 2019?"):
        p = ask(text, registry, vocab)
        assert p.analytic and p.args["dataset"] == "work_orders", text
        assert filters(p) == {("asset", "eq"): "CHILLER-6", ("kind", "eq"): "corrective"}, text
        assert p.args["period"] == "2019" and p.args["aggregate"] == "count", text


def test_negation_excludes_the_value(registry, vocab):
    p = ask("how many work orders on P-101 were not preventive", registry, vocab)
    assert filters(p) == {("asset", "eq"): "P-101", ("kind", "ne"): "preventive"}


def test_ranking_groups_by_the_thing_asked_for(registry, vocab):
    """'which chiller had the most X' groups by asset, descending, the top one; 'top 3' keeps three."""
    p = ask("which chiller racked up the most corrective work orders", registry, vocab)
    assert p.args["group_by"] == "asset" and p.args["order"] == "desc" and p.args["limit"] == 1
    assert p.args["aggregate"] == "count" and filters(p)[("kind", "eq")] == "corrective"
    p = ask("top 3 assets by number of alarms", registry, vocab)
    assert p.args["dataset"] == "events" and p.args["group_by"] == "asset" and p.args["limit"] == 3
    assert filters(p) == {("kind", "eq"): "alarm"}
    p = ask("which asset logged the fewest urgent work orders", registry, vocab)
    assert p.args["order"] == "asc" and filters(p) == {("priority", "eq"): "urgent"}


def test_breakdown_by_a_field(registry, vocab):
    p = ask("split P-102's work orders by status", registry, vocab)
    assert p.args["group_by"] == "status" and filters(p) == {("asset", "eq"): "P-102"}


def test_last_serviced_is_the_latest_work_orders_time(registry, vocab):
    p = ask("when did C-201 last get serviced", registry, vocab)
    assert p.args["dataset"] == "work_orders" and p.args["aggregate"] == "last"
    assert p.args["field"] == "created_at" and filters(p) == {("asset", "eq"): "C-201"}
    p = ask("date of the earliest work order for P-101", registry, vocab)
    assert p.args["aggregate"] == "first"


def test_comparison_and_mean_over_a_number_field(registry, vocab):
    p = ask("how many Power Unit failure modes carry an rpn of at least 20", registry, vocab)
    assert p.args["dataset"] == "failure_modes" and p.args["aggregate"] == "count"
    assert filters(p) == {("subsystem", "eq"): "Power Unit", ("rpn", "ge"): 20.0}
    p = ask("mean severity across the hydraulic system rows", registry, vocab)
    assert p.args["aggregate"] == "mean" and p.args["field"] == "severity"
    p = ask("failure modes with severity between 3 and 5", registry, vocab)
    assert filters(p) == {("severity", "between"): [3.0, 5.0]}


def test_lookup_of_a_text_field(registry, vocab):
    """'what is recommended for ...' and 'the recommended action for ...': the rows named by their values, with the
    field asked for."""
    for text in ("what's the recommended action for leaking of the fuel tank",
                 "what does the fmea recommend for cracked fuel tanks"):
        p = ask(text, registry, vocab)
        assert p.analytic and p.args["dataset"] == "failure_modes", text
        assert filters(p)[("sub_component", "eq")] == "Fuel Tank", text
        assert "recommended_action" in p.args["fields"], text


def test_highest_number_field_is_the_top_row(registry, vocab):
    p = ask("in the hydraulic system, which sub-component has the highest rpn", registry, vocab)
    assert p.args["order_by"] == "rpn" and p.args["order"] == "desc" and p.args["limit"] == 1
    assert filters(p) == {("subsystem", "eq"): "Hydraulic System"}


def test_values_linked_in_the_plural_with_a_slip_and_with_other_comparison_words(registry, vocab):
    """'alerts' is the value 'alert', 'corective' is 'corrective', and 'above upper bound' links the message
    phrase 'is higher than the upper bound'."""
    assert filters(ask("count CH-4 alerts", registry, vocab))[("kind", "eq")] == "alert"
    assert filters(ask("how many corective work orders has P-101 had", registry, vocab))[("kind", "eq")] == "corrective"
    p = ask("how many cooling load anomalies above upper bound did chiller 9 raise", registry, vocab)
    assert p.args["dataset"] == "events"
    assert filters(p)[("message", "contains")] in ("cooling load", "cmp:gt upper bound", "higher than the upper bound",
                                                   "is higher than the upper bound")
    assert canon("is higher than the upper bound") == canon("above upper bound")


def test_sensor_extremes_over_a_month_are_readings(registry, vocab):
    p = ask("peak tonnage of chiller 6 in june 2020, and when", registry, vocab)
    assert p.args["dataset"] == "readings" and p.args["aggregate"] == "max" and p.args["period"] == "2020-06"
    assert filters(p) == {("asset", "eq"): "CHILLER-6", ("sensor", "eq"): "tonnage"}
    p = ask("average supply temp of CH6 on 3 June 2020", registry, vocab)
    assert p.args["aggregate"] == "mean" and p.args["period"] == "2020-06-03"
    assert filters(p)[("sensor", "eq")] == "supply_temperature"


def test_periods():
    assert find_period("in 2017")[0] == {"period": "2017"}
    assert find_period("during june 2020")[0] == {"period": "2020-06"}
    assert find_period("on 2 june 2020")[0] == {"period": "2020-06-02"}
    assert find_period("on june 5, 2020")[0] == {"period": "2020-06-05"}
    assert find_period("the first week of june 2020")[0] == {"start": "2020-06-01", "end": "2020-06-08"}
    assert find_period("pump p-101") is None


def test_sites_by_a_word_of_their_name(registry, vocab):
    p = ask("what lines does the riverside plant have", registry, vocab)
    assert p.args["dataset"] == "lines" and filters(p) == {("site", "eq"): "DEMO"}


def test_one_assets_field_is_a_lookup_of_the_asset(registry, vocab):
    p = ask("which line is M-303 on", registry, vocab)
    assert p.analytic and p.args["dataset"] == "assets" and "line" in p.args["fields"]
    assert filters(p) == {("id", "eq"): "M-303"}


def test_what_a_narrower_tool_can_ask_stays_with_it(registry, vocab):
    """'max vibration on C-201 yesterday' is sensor_history's (asset, sensor, time); a calendar month, a value of
    the data or a ranking is query_data's."""
    tool = {"asset", "sensor", "time"}
    assert within(ask("max vibration on C-201 yesterday", registry, vocab), tool, vocab)
    assert not within(ask("max vibration on C-201 in june 2020", registry, vocab), tool, vocab)
    assert not within(ask("how many corrective work orders on P-101", registry, vocab), {"asset"}, vocab)
    assert not within(ask("which pump has the most work orders", registry, vocab), {"asset", "asset_type"}, vocab)


def test_plain_requests_are_not_analytic(registry, vocab):
    """Requests the narrower tools answer as before: a latest reading, a listing, an action."""
    for text in ("what's P-101 doing rn", "show me the open work orders for P-101", "vibration on P-102 last 2 days",
                 "latest readings of CH-6"):
        assert not ask(text, registry, vocab).analytic, text


# --- end to end ------------------------------------------------------------------------------------------------


@pytest.fixture
def home_tools(im_home, monkeypatch):
    """The real tools over a temp home holding the demo plant and the query tests' work orders and events."""
    from industrialmind.config import get_settings
    from industrialmind.stores.records import open_records
    from industrialmind.tools import ToolContext, build_tools
    from tests.query.conftest import NOW as DATA_NOW
    from tests.query.conftest import fill_demo

    settings = get_settings()
    settings.ensure_home()
    records = open_records(settings.resolved.records)
    fill_demo(records)
    records.close()
    monkeypatch.setattr(ToolContext, "now", lambda self: DATA_NOW)
    ctx = ToolContext(settings)
    yield settings, build_tools(settings, ctx), DATA_NOW
    ctx.close()


@pytest.mark.slow
def test_planner_answers_analytic_questions_through_query_data(home_tools, embeddings_dir):
    """Through the planner and the real tools: the call is query_data, and the answer states the number first
    with its filter, as pandas counts it from the same rows."""
    import pandas as pd
    from langchain_core.messages import HumanMessage, ToolMessage

    from industrialmind.agent.planner import OfflinePlanner
    from tests.query.conftest import order_rows

    settings, tools, now = home_tools
    settings = settings.model_copy(update={"embeddings_cache": str(embeddings_dir)})
    planner = OfflinePlanner(settings, now=now, examples_per_tool=40).bind_tools(tools)
    by_name = {t.name: t for t in tools}
    frame = pd.DataFrame(order_rows())
    cases = [
        ("how many corrective jobs has C-201 had", int(((frame.asset == "C-201") & (frame.kind == "corrective")).sum())),
        ("number of P-101 work orders in 2025", int(((frame.asset == "P-101")
                                                     & (frame.created_at.dt.year == 2025)).sum())),
    ]
    for question, expected in cases:
        msg = planner.invoke([HumanMessage(question)])
        assert [c["name"] for c in msg.tool_calls] == ["query_data"], question
        call = msg.tool_calls[0]
        result = by_name["query_data"].invoke(call["args"])
        import json

        answer = planner.invoke([HumanMessage(question), msg,
                                 ToolMessage(json.dumps(result, default=str), tool_call_id=call["id"],
                                             name="query_data")]).content
        assert answer.startswith(f"{expected} work order"), (question, answer)


def test_a_parameter_declares_its_kind_in_its_schema():
    """A tool may say what a parameter holds in its schema ('x-kind'); otherwise its name says it."""
    from industrialmind.agent._planner.specs import param_kind

    assert param_kind("equipment_tag", {"type": "string", "x-kind": "asset"}) == "asset"
    assert param_kind("asset_id", {"type": "string"}) == "asset"
    assert param_kind("equipment_tag", {"type": "string"}) is None


def test_a_percentage_is_the_share_of_the_values_said(registry, vocab):
    """'what share of P-101's work orders were corrective': the value is the condition, the asset the rows."""
    p = ask("what share of P-101's work orders were corrective", registry, vocab)
    assert p.args["aggregate"] == "percentage" and filters(p) == {("asset", "eq"): "P-101"}
    assert p.args["where"] == [{"field": "kind", "op": "eq", "value": "corrective"}]
