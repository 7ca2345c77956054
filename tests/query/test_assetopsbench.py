"""Queries over the real AssetOpsBench plant and mining-truck FMEA, imported from ../shared/data: every expected
value is computed here with pandas straight from the source CSV / JSONL files, not through the project's code.

The plant keeps US Eastern time (site MAIN): a year or a month of a question is the plant's own, so the pandas
side works on the files' naive local times and the queries are made in the site's zone (the default for a query
about one of its assets)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from industrialmind.query import run_query, vocabulary
from tests.query.conftest import AOB, FMEA, NOW


def _run(stores, **query):
    return run_query(stores, query, now=NOW)


def _hours(text: str) -> float:
    parts = [int(p) for p in text.split(":")] if text else []
    return parts[0] + parts[1] / 60 + (parts[2] / 3600 if len(parts) == 3 else 0) if parts else 0.0


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    """The work-order file with its local creation time (finish minus duration) and kind."""
    w = pd.read_csv(AOB / "sample_data" / "all_wo_with_code_component_events.csv", dtype=str, keep_default_na=False)
    finish = pd.to_datetime(w.actual_finish, format="%m/%d/%y %H:%M")
    w["created"] = finish - pd.to_timedelta(w.duration.map(_hours), unit="h")
    w["kind"] = w.preventive.str.upper().map({"TRUE": "preventive"}).fillna("corrective")
    w["asset"] = "CHILLER-" + w.equipment_name.str.extract(r"(\d+)$")[0]
    return w


def test_aob_corrective_orders_of_one_chiller_in_one_year(aob, orders):
    """'How many corrective work orders did chiller 6 have in 2016?': the count of the file's rows, in the plant's
    year, through the chiller's alias."""
    mine = orders[(orders.asset == "CHILLER-6") & (orders.kind == "corrective")]
    per_year = mine.created.dt.year.value_counts()
    year = int(per_year.idxmax())
    result = _run(aob, dataset="work_orders", aggregate={"fn": "count"}, window={"period": str(year)},
                  filters=[{"field": "asset", "value": "CH-6"}, {"field": "kind", "value": "Corrective"}])
    assert result.value == per_year[year] > 0
    assert result.timezone == "America/New_York"
    by_kind = _run(aob, dataset="work_orders", filters=[{"field": "asset", "value": "chiller 6"}],
                   window={"period": str(year)}, group_by="kind")
    want = orders[(orders.asset == "CHILLER-6") & (orders.created.dt.year == year)].kind.value_counts().to_dict()
    assert {r["kind"]: r["value"] for r in by_kind.rows} == want
    assert by_kind.headline.startswith(f"{sum(want.values())} work orders for CHILLER-6")


def test_aob_chiller_with_the_most_corrective_orders(aob, orders):
    """Corrective orders per chiller, most first, as the file counts them."""
    want = orders[orders.kind == "corrective"].asset.value_counts()
    result = _run(aob, dataset="work_orders", filters=[{"field": "kind", "value": "corrective"}], group_by="asset",
                  limit=3)
    assert [r["value"] for r in result.rows] == want.tolist()[:3]  # (two chillers tie at the third place)
    assert all(want[r["asset"]] == r["value"] for r in result.rows)
    assert result.groups == len(want) and result.more == len(want) - 3


def test_aob_orders_per_year_and_mean_duration(aob, orders):
    """Chiller 14's orders per year (every year of its span), and the mean duration of its orders per kind."""
    mine = orders[orders.asset == "CHILLER-14"]
    per_year = _run(aob, dataset="work_orders", filters=[{"field": "asset", "value": "CHILLER-14"}],
                    group_by="year")
    counts = mine.created.dt.year.astype(str).value_counts().to_dict()
    assert {r["year"]: r["value"] for r in per_year.rows if r["value"]} == counts
    mean = _run(aob, dataset="work_orders", filters=[{"field": "asset", "value": "CHILLER-14"}],
                aggregate={"fn": "mean", "field": "duration_hours"}, group_by="kind")
    want = mine.assign(h=mine.duration.map(_hours)).groupby("kind").h.mean().to_dict()
    assert {r["kind"]: r["value"] for r in mean.rows} == pytest.approx(want, rel=1e-6)


def test_aob_failure_code_share(aob, orders):
    """The most common failure code and its share of all orders."""
    code = orders.secondary_code.value_counts()
    share = _run(aob, dataset="work_orders", aggregate={"fn": "percentage",
                                                        "where": [{"field": "failure_code", "value": code.index[0]}]})
    assert share.value == pytest.approx(100 * code.iloc[0] / len(orders))


def test_aob_events_per_kind_and_alerts_per_month(aob):
    """Events per kind (the file's event groups) and chiller 9's alerts per month of its busiest year."""
    e = pd.read_csv(AOB / "sample_data" / "event.csv", dtype=str, keep_default_na=False)
    result = _run(aob, dataset="events", group_by="kind", filters=[{"field": "site", "value": "MAIN"}])
    assert {r["kind"]: r["value"] for r in result.rows} == \
        e.event_group.str.lower().value_counts().to_dict()
    alerts = e[(e.event_group == "ALERT") & (e.equipment_name == "Chiller 9")].copy()
    alerts["t"] = pd.to_datetime(alerts.event_time)
    year = int(alerts.t.dt.year.value_counts().idxmax())
    monthly = _run(aob, dataset="events", filters=[{"field": "asset", "value": "Chiller 9"},
                                                   {"field": "kind", "value": "alert"}],
                   window={"period": str(year)}, group_by="month")
    want = alerts[alerts.t.dt.year == year].t.dt.strftime("%Y-%m").value_counts().to_dict()
    assert len(monthly.rows) == 12
    assert {r["month"]: r["value"] for r in monthly.rows if r["value"]} == want


def _chiller6_june() -> pd.DataFrame:
    rows = [json.loads(line) for line in (AOB / "sample_data" / "chiller6_june2020_sensordata_couchdb.jsonl")
            .read_text().splitlines() if line.strip()]
    frame = pd.DataFrame(rows)
    frame["ts"] = pd.to_datetime(frame.timestamp, unit="s", utc=True)
    local = frame.ts.dt.tz_convert("America/New_York")
    return frame[(local.dt.year == 2020) & (local.dt.month == 6)]


def test_aob_sensor_max_over_june_2020_and_its_time(aob):
    """The highest condenser water flow of chiller 6 in June 2020 and when it was first reached, from the JSONL."""
    june = _chiller6_june().dropna(subset=["condenser_water_flow"])
    i = june.condenser_water_flow.idxmax()
    result = _run(aob, dataset="readings", aggregate={"fn": "max"}, window={"period": "June 2020"},
                  filters=[{"field": "asset", "value": "Chiller 6"},
                           {"field": "sensor", "value": "Condenser Water Flow"}])
    assert result.value == pytest.approx(june.condenser_water_flow.max())
    assert result.value_time == june.loc[i, "ts"].to_pydatetime()
    assert result.count == len(june)
    assert result.headline.startswith("max condenser_water_flow of CHILLER-6")


def test_aob_sensor_weekly_means_and_daily_minimum(aob):
    """Weekly means of the supply temperature in June 2020 (the plant's weeks), and the lowest daily minimum."""
    june = _chiller6_june().dropna(subset=["supply_temperature"]).copy()
    local = june.ts.dt.tz_convert("America/New_York")
    june["week"] = local.dt.strftime("%G-W%V")
    june["day"] = local.dt.strftime("%Y-%m-%d")
    weekly = _run(aob, dataset="readings", aggregate={"fn": "mean"}, window={"period": "2020-06"}, group_by="week",
                  filters=[{"field": "asset", "value": "CHILLER-6"}, {"field": "sensor", "value": "supply_temperature"}])
    assert {r["week"]: r["value"] for r in weekly.rows} == \
        pytest.approx(june.groupby("week").supply_temperature.mean().to_dict())
    daily = _run(aob, dataset="readings", aggregate={"fn": "min"}, window={"period": "2020-06"}, group_by="day",
                 order={"by": "value", "direction": "asc"}, limit=1,
                 filters=[{"field": "asset", "value": "CHILLER-6"}, {"field": "sensor", "value": "supply_temperature"}])
    lowest = june.groupby("day").supply_temperature.min()
    assert daily.rows[0]["day"] == lowest.idxmin() and daily.rows[0]["value"] == pytest.approx(lowest.min())
    assert daily.more == june.day.nunique() - 1


def test_aob_readings_outside_the_stored_window_say_where_data_is(aob):
    """June 2021 has no readings: the note gives the span that has them."""
    result = _run(aob, dataset="readings", aggregate={"fn": "max"}, window={"period": "2021-06"},
                  filters=[{"field": "asset", "value": "CHILLER-6"}, {"field": "sensor", "value": "tonnage"}])
    assert result.count == 0 and "2020-06-01 04:00 UTC" in result.notes[0]


def test_aob_failure_modes_of_imported_chillers(aob):
    """The chillers' failure modes are the plant's own: failure_mode.csv rows and one per primary failure code."""
    modes = pd.read_csv(AOB / "sample_data" / "failure_mode.csv")
    codes = pd.read_csv(AOB / "sample_data" / "failure_codes.csv")
    result = _run(aob, dataset="failure_modes", filters=[{"field": "asset_type", "value": "Chiller"}],
                  group_by="source")
    assert {r["source"]: r["value"] for r in result.rows} == {
        "assetopsbench": int((modes.Equipment == "Chiller").sum()),
        "assetopsbench-failure-code": codes.primary_code.nunique()}
    compressor = _run(aob, dataset="failure_modes", filters=[{"field": "asset_type", "value": "chiller"},
                                                             {"field": "failure_mode", "op": "contains",
                                                              "value": "compressor"}], fields=["failure_mode"])
    want = modes[(modes.Equipment == "Chiller") & modes["Failure Mode"].str.contains("compressor", case=False)]
    assert sorted(r["failure_mode"] for r in compressor.rows if r["failure_mode"] in set(want["Failure Mode"])) == \
        sorted(want["Failure Mode"])


@pytest.fixture(scope="module")
def fmea() -> pd.DataFrame:
    """The FMEA file as pandas reads it."""
    if not FMEA.is_file():
        pytest.skip(f"the FMEA file is absent ({FMEA})")
    return pd.read_csv(FMEA)


def test_fmea_counts_and_mean_rpn_per_subsystem(aob, fmea):
    """Rows per subsystem and the mean RPN per subsystem, as the file has them."""
    counts = _run(aob, dataset="failure_modes", group_by="subsystem", limit=50,
                  filters=[{"field": "source", "op": "contains", "value": "fmea"}])
    assert {r["subsystem"]: r["value"] for r in counts.rows} == fmea.Subsystem.value_counts().to_dict()
    mean = _run(aob, dataset="failure_modes", group_by="subsystem", aggregate={"fn": "mean", "field": "RPN"},
                filters=[{"field": "asset_type", "value": "haul truck"}], limit=50)
    assert {r["subsystem"]: r["value"] for r in mean.rows} == pytest.approx(fmea.groupby("Subsystem").RPN.mean()
                                                                           .to_dict())


def test_fmea_thresholds_lookups_and_categories_as_written(aob, fmea):
    """RPN over 100 counted, the recommended action of one row looked up, 'Leaking' and 'Power Unit' used as the
    file writes them (in any case)."""
    over = _run(aob, dataset="failure_modes", aggregate={"fn": "count"},
                filters=[{"field": "rpn", "op": "gt", "value": 100}])
    assert over.value == int((fmea.RPN > 100).sum())
    leaking = _run(aob, dataset="failure_modes", aggregate={"fn": "count"},
                   filters=[{"field": "failure mode", "value": "leaking"},
                            {"field": "subsystem", "value": "power unit"}])
    assert leaking.value == int(((fmea["Potential Failure Mode"] == "Leaking") & (fmea.Subsystem == "Power Unit")).sum())
    row = fmea[fmea["Recommended Action"].notna()].iloc[0]
    lookup = _run(aob, dataset="failure_modes", fields=["recommended_action", "severity", "occurrence", "detection"],
                  filters=[{"field": "sub_component", "value": row["Sub-Component"]},
                           {"field": "failure_mode", "value": row["Potential Failure Mode"]},
                           {"field": "cause", "value": row["Potential Cause(s) of Failure"]}])
    assert lookup.rows[0]["recommended_action"] == row["Recommended Action"]
    assert (lookup.rows[0]["severity"], lookup.rows[0]["detection"]) == (row.Severity, row.Detection)
    no_action = _run(aob, dataset="failure_modes", aggregate={"fn": "count"},
                     filters=[{"field": "source", "op": "contains", "value": "fmea"},
                              {"field": "recommended_action", "value": ""}])
    assert no_action.value == int(fmea["Recommended Action"].isna().sum())
    top = _run(aob, dataset="failure_modes", group_by="component", aggregate={"fn": "max", "field": "rpn"}, limit=1,
               filters=[{"field": "subsystem", "value": "Electrical System"}])
    electrical = fmea[fmea.Subsystem == "Electrical System"].groupby("Component").RPN.max()
    assert top.rows[0]["value"] == electrical.max() and top.rows[0]["component"] in \
        set(electrical[electrical == electrical.max()].index)


def test_fmea_vocabulary_has_the_files_categories(aob, fmea):
    """The vocabulary of failure modes lists the FMEA's own subsystems and modes, with their counts."""
    vocab = vocabulary(aob, "failure_modes")
    fields = {f["name"]: f for f in vocab["fields"]}
    assert {v["value"]: v["count"] for v in fields["subsystem"]["values"]} == fmea.Subsystem.value_counts().to_dict()
    assert "Leaking" in {v["value"] for v in fields["failure_mode"]["values"]}
