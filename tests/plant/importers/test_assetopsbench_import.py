"""The AssetOpsBench import end to end: the registry, work orders, events and points in the real stores, re-run."""

from __future__ import annotations

import pytest

from industrialmind.config import get_settings
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.slow  # imports the real AssetOpsBench data into the stores

records_module = pytest.importorskip("industrialmind.stores.records",
                                     reason="the records store (stores/records.py) is not built yet")
AOB = SHARED_DATA / "assetopsbench"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """AssetOpsBench imported twice into one fresh data home: (settings, first report, second report)."""
    if not (AOB / "sample_data").is_dir():
        pytest.skip(f"AssetOpsBench sample data is absent from {AOB}")
    for name in ("upsert_work_orders", "upsert_events", "list_work_orders", "list_events"):
        if not hasattr(records_module.RecordsStore, name):
            pytest.skip(f"the records store has no {name}() yet")
    from industrialmind.plant.importers.assetopsbench import import_assetopsbench

    settings = get_settings(home=tmp_path_factory.mktemp("aob_home"))
    first = import_assetopsbench(settings, AOB)
    second = import_assetopsbench(settings, AOB / "sample_data")
    return settings, first, second


@pytest.fixture
def stores(imported):
    """The imported data home's time-series and records stores, closed after the test."""
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    settings = imported[0]
    ts, records = open_timeseries(settings.resolved.timeseries), open_records(settings.resolved.records)
    yield ts, records
    ts.close()
    records.close()


def test_import_assetopsbench_gives_eleven_chillers_with_work_orders(stores):
    """Site MAIN holds 11 chillers, and the 4,249 work orders belong to 11 distinct chillers."""
    _, records = stores
    chillers = records.list_assets(site_id="MAIN")
    assert len(chillers) == 11 and {a.type for a in chillers} == {"chiller"}
    orders = [o for a in chillers for o in records.list_work_orders(asset_id=a.id)]
    assert len(orders) == 4249
    assert len({o.asset_id for o in orders}) == 11


def test_import_assetopsbench_stores_chiller6_points(stores):
    """Chiller 6's June 2020 readings are in the time-series store, in UTC, 12 sensors."""
    ts, records = stores
    assert ts.count("CHILLER-6") == 28775
    first, _ = ts.bounds("CHILLER-6")
    assert first.isoformat() == "2020-06-01T04:00:00+00:00" and first.tzinfo is not None
    assert len(records.get_asset("CHILLER-6").sensors) == 12


def test_import_assetopsbench_stores_events_and_failure_modes(stores):
    """Alerts, anomalies and work-order events are stored, and the failure modes sit in the registry."""
    _, records = stores
    events = records.list_events(asset_id="CHILLER-9")
    assert {e.kind for e in events} == {"work_order", "alert", "anomaly"}
    plant = records.load_plant("MAIN")
    assert len(plant.failure_modes) == 120
    assert {m.asset_type for m in plant.failure_modes} == {"chiller", "ahu", "hvac"}


def test_import_assetopsbench_pumps_are_site_iot(stores):
    """The pumps/ folder is imported as site IOT with its points."""
    ts, records = stores
    assert [a.id for a in records.list_assets(site_id="IOT")] == ["MP-1", "HP-1", "MOTOR-01"]
    assert ts.count("MP-1") == 68340 and ts.count("MOTOR-01") == 4096


def test_import_assetopsbench_rerun_duplicates_nothing(imported, stores):
    """A second import reports the same counts and leaves the same number of records and points."""
    _, first, second = imported
    ts, records = stores
    assert first.counts == second.counts
    assert first.counts["work_orders"] == 4249 and first.counts["events"] == 6256
    assert ts.count() == first.counts["points"]
    assert len(records.list_assets(site_id="MAIN")) == 11
