"""Records-store behaviour every backend shares: registry, work orders, events, fault labels, jobs.

The `records_store` fixture is SQLite here; tests/integration/test_postgres_records.py imports these same
functions and overrides the fixture with a real PostgreSQL (a fresh schema per test).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.domain.model import (
    Asset,
    Event,
    FailureMode,
    FaultLabel,
    Flow,
    Line,
    Plant,
    Sensor,
    Site,
    WorkOrder,
)

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def small_plant(site_id: str = "S1", prefix: str = "") -> Plant:
    """A two-line plant with a pump, a motor and a tank, a flow chain and one failure mode."""
    site = Site(id=site_id, name=f"Site {site_id}")
    lines = [Line(id="L1", name="Feed", site_id=site_id), Line(id="L2", name="Storage", site_id=site_id)]
    pump = Asset(id=f"{prefix}P-101", name="Feed pump", type="centrifugal_pump", site_id=site_id, line_id="L1",
                 aliases=["feed pump"], sensors=[Sensor(id="flow", name="Flow", quantity="flow", unit="m3/h",
                                                        normal_min=10, normal_max=60)])
    motor = Asset(id=f"{prefix}M-101", name="Pump motor", type="motor", site_id=site_id, line_id="L1",
                  sensors=[Sensor(id="current", name="Current", quantity="current", unit="A")])
    tank = Asset(id=f"{prefix}T-201", name="Storage tank", type="tank", site_id=site_id, line_id="L2")
    flows = [Flow(source=pump.id, target=tank.id, medium="water")]
    modes = [FailureMode(id="FM-CAV", name="Cavitation", asset_type="centrifugal_pump", symptoms=["noise"],
                         revealing_sensors=["flow"])]
    return Plant(site=site, lines=lines, assets=[pump, motor, tank], flows=flows, failure_modes=modes)


def wo(i: int, asset: str = "P-101", status: str = "closed", days: int = 0) -> WorkOrder:
    """A work order created `days` after T0."""
    return WorkOrder(id=f"AOB-{i}", asset_id=asset, title=f"Job {i}", status=status,
                     created_at=T0 + timedelta(days=days))


def test_records_save_plant_round_trips(records_store):
    """A saved plant loads back equal, and saving it again is idempotent."""
    plant = small_plant()
    records_store.save_plant(plant)
    records_store.save_plant(plant)
    assert records_store.load_plant("S1") == plant
    assert [s.id for s in records_store.list_sites()] == ["S1"]
    assert len(records_store.list_assets()) == 3
    assert records_store.load_plant("NOPE") is None


def test_records_save_plant_replaces_the_sites_registry(records_store):
    """Saving a changed plant replaces that site's assets, flows and modes; other sites stay."""
    records_store.save_plant(small_plant("S1"))
    records_store.save_plant(small_plant("S2", prefix="X"))
    smaller = small_plant("S1")
    smaller.assets = smaller.assets[:1]
    smaller.flows = []
    records_store.save_plant(smaller)
    assert [a.id for a in records_store.list_assets(site_id="S1")] == ["P-101"]
    assert records_store.flows("S1") == []
    assert [a.id for a in records_store.list_assets(site_id="S2")] == ["XP-101", "XM-101", "XT-201"]
    assert [s.id for s in records_store.list_sites()] == ["S1", "S2"]


def test_records_asset_ids_are_unique_across_sites(records_store):
    """An asset id already registered under another site is refused with a clear error."""
    records_store.save_plant(small_plant("S1"))
    with pytest.raises(InvalidInputError, match=r"'P-101' \(site 'S1'\)"):
        records_store.save_plant(small_plant("S2"))


def test_records_list_assets_filters(records_store):
    """list_assets filters by site, line and type, in plant order."""
    records_store.save_plant(small_plant("S1"))
    records_store.save_plant(small_plant("S2", prefix="X"))
    assert [a.id for a in records_store.list_assets(line_id="L1", site_id="S1")] == ["P-101", "M-101"]
    assert [a.id for a in records_store.list_assets(asset_type="tank")] == ["T-201", "XT-201"]
    assert records_store.list_assets(site_id="S3") == []


def test_records_get_asset_is_exact_or_names_closest(records_store):
    """get_asset finds an exact id across sites and otherwise names the closest ids."""
    records_store.save_plant(small_plant("S1"))
    records_store.save_plant(small_plant("S2", prefix="X"))
    asset = records_store.get_asset("XM-101")
    assert asset.site_id == "S2" and asset.sensors[0].unit == "A"
    with pytest.raises(NotFoundError, match=r"'P-1O1'.*did you mean.*'P-101'"):
        records_store.get_asset("P-1O1")


def test_records_lines_flows_and_failure_modes(records_store):
    """Lines, flows and failure modes come back per site or across sites."""
    records_store.save_plant(small_plant("S1"))
    assert [x.id for x in records_store.list_lines("S1")] == ["L1", "L2"]
    assert records_store.flows() == [Flow(source="P-101", target="T-201", medium="water")]
    assert [m.id for m in records_store.failure_modes("centrifugal_pump")] == ["FM-CAV"]
    assert records_store.failure_modes("fan") == []


def test_records_upsert_work_orders_is_idempotent(records_store):
    """Upserting the same work orders twice stores them once, with the latest fields."""
    orders = [wo(i, days=i) for i in range(5)]
    assert records_store.upsert_work_orders(orders) == 5
    orders[0] = orders[0].model_copy(update={"status": "open"})
    records_store.upsert_work_orders(orders)
    listed = records_store.list_work_orders()
    assert len(listed) == 5
    assert [w.id for w in listed] == ["AOB-4", "AOB-3", "AOB-2", "AOB-1", "AOB-0"]
    assert records_store.get_work_order("AOB-0").status == "open"


def test_records_list_work_orders_filters(records_store):
    """Work orders filter by one or several assets, status, creation window and limit."""
    records_store.upsert_work_orders([wo(1, "P-101", days=1), wo(2, "M-101", "open", days=2),
                                      wo(3, "T-201", days=3), wo(4, "P-101", "open", days=4)])
    assert [w.id for w in records_store.list_work_orders(asset_id="P-101")] == ["AOB-4", "AOB-1"]
    assert [w.id for w in records_store.list_work_orders(asset_id=["P-101", "M-101"], status="open")] == \
        ["AOB-4", "AOB-2"]
    window = records_store.list_work_orders(start=T0 + timedelta(days=2), end=T0 + timedelta(days=4))
    assert [w.id for w in window] == ["AOB-3", "AOB-2"]
    assert len(records_store.list_work_orders(limit=1)) == 1
    assert records_store.list_work_orders()[0].created_at.tzinfo is not None


def test_records_create_work_order_is_idempotent_by_request_id(records_store):
    """The same request id twice creates one work order; a new request gets the next id."""
    first = records_store.create_work_order("P-101", "Replace bearing", "vibration high", "high", request_id="r-1")
    again = records_store.create_work_order("P-101", "Replace bearing", "vibration high", "high", request_id="r-1")
    other = records_store.create_work_order("P-101", "Check seal", "", "low", request_id="r-2")
    assert first.id == again.id == "WO-000001" and other.id == "WO-000002"
    assert len(records_store.list_work_orders(asset_id="P-101")) == 2
    assert first.status == "open" and first.priority == "high" and first.created_at.tzinfo is not None


def test_records_create_work_order_concurrent_retries_make_one(records_store):
    """Four threads approving the same request at once still create exactly one work order."""
    results: list[str] = []

    def approve() -> None:
        results.append(records_store.create_work_order("P-101", "Bearing", "", "high", request_id="same").id)

    threads = [threading.Thread(target=approve) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert len(records_store.list_work_orders()) == 1


def test_records_create_work_order_skips_imported_ids(records_store):
    """A generated id never overwrites an imported work order that already uses it."""
    records_store.upsert_work_orders([WorkOrder(id="WO-000001", asset_id="P-101", title="old", created_at=T0)])
    created = records_store.create_work_order("P-101", "new", "", "medium")
    assert created.id == "WO-000002"
    assert records_store.get_work_order("WO-000001").title == "old"


def test_records_create_work_order_rejects_bad_priority(records_store):
    """An unknown priority is an InvalidInputError naming the valid ones."""
    with pytest.raises(InvalidInputError, match="'hgh'.*'high'"):
        records_store.create_work_order("P-101", "x", "", "hgh")


def test_records_get_work_order_unknown_names_close_ids(records_store):
    """An unknown work order id names the closest ids."""
    records_store.upsert_work_orders([wo(1)])
    with pytest.raises(NotFoundError, match="AOB-1"):
        records_store.get_work_order("AOB-7")


def test_records_events_upsert_and_overlap_filters(records_store):
    """Events upsert by id and list newest first by asset, kind and overlap with [since, until)."""
    events = [
        Event(id="E1", asset_id="P-101", kind="alarm", start=T0, end=T0 + timedelta(hours=1), sensors=["flow"]),
        Event(id="E2", asset_id="P-101", kind="anomaly", start=T0 + timedelta(hours=5), score=0.9),
        Event(id="E3", asset_id="M-101", kind="alarm", start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=3)),
    ]
    assert records_store.upsert_events(events) == 3
    records_store.upsert_events(events[:1])
    assert [e.id for e in records_store.list_events()] == ["E2", "E3", "E1"]
    assert [e.id for e in records_store.list_events(asset_ids=["P-101"])] == ["E2", "E1"]
    assert [e.id for e in records_store.list_events(asset_id="M-101")] == ["E3"]
    assert [e.id for e in records_store.list_events(kind="alarm")] == ["E3", "E1"]
    # E1 ended before 00:30+1h; E2 has no end so is still going on.
    assert [e.id for e in records_store.list_events(since=T0 + timedelta(hours=2, minutes=30))] == ["E2", "E3"]
    assert [e.id for e in records_store.list_events(until=T0 + timedelta(hours=2))] == ["E1"]
    got = records_store.list_events(asset_ids="P-101", kind="alarm")[0]
    assert got.sensors == ["flow"] and got.start == T0 and got.end.tzinfo is not None
    assert len(records_store.list_events(limit=2)) == 2


def test_records_replace_fault_labels_is_transactional_per_source(records_store):
    """Replacing a source's labels swaps them all and leaves other sources' labels alone."""
    first = [FaultLabel(asset_id="P-101", fault="cavitation", start=T0, end=T0 + timedelta(hours=4)),
             FaultLabel(asset_id="M-101", fault="overheating", start=T0 + timedelta(days=1),
                        end=T0 + timedelta(days=2), sensors=["current"], severity=0.5)]
    other = [FaultLabel(asset_id="P-101", fault="bearing_wear", start=T0, end=T0 + timedelta(days=3), source="skab")]
    assert records_store.replace_fault_labels(first, source="simulator") == 2
    records_store.replace_fault_labels(other, source="skab")
    records_store.replace_fault_labels(first[1:], source="simulator")
    labels = records_store.list_fault_labels()
    assert sorted((x.source, x.fault) for x in labels) == [("simulator", "overheating"), ("skab", "bearing_wear")]
    assert records_store.list_fault_labels("M-101")[0].sensors == ["current"]


def test_records_replace_fault_labels_rolls_back_on_failure(records_store):
    """A replacement that fails half way keeps the source's previous labels."""
    records_store.replace_fault_labels([FaultLabel(asset_id="P-101", fault="cavitation", start=T0,
                                                   end=T0 + timedelta(hours=1))], source="simulator")
    broken = FaultLabel.model_construct(asset_id=None, fault="x", start=T0, end=T0, sensors=[], severity=1.0)
    with pytest.raises(Exception):
        records_store.replace_fault_labels([broken], source="simulator")
    assert [x.fault for x in records_store.list_fault_labels()] == ["cavitation"]


def test_records_list_fault_labels_by_overlap(records_store):
    """Labels are selected by asset and by overlapping the [start, end) window."""
    records_store.replace_fault_labels([
        FaultLabel(asset_id="P-101", fault="a", start=T0, end=T0 + timedelta(hours=2)),
        FaultLabel(asset_id="P-101", fault="b", start=T0 + timedelta(hours=10), end=T0 + timedelta(hours=12)),
    ], source="simulator")
    got = records_store.list_fault_labels("P-101", T0 + timedelta(hours=1), T0 + timedelta(hours=10))
    assert [x.fault for x in got] == ["a"]
    assert got[0].start.tzinfo is not None


def test_records_jobs_lifecycle(records_store):
    """A job is created queued, updated through running to succeeded, and listed newest first."""
    first = records_store.create_job("train", {"asset": "P-101", "start": T0})
    second = records_store.create_job("eval", {})
    assert (first, second) == ("JOB-000001", "JOB-000002")
    job = records_store.get_job(first)
    assert job["status"] == "queued" and job.params == {"asset": "P-101", "start": T0.isoformat()}
    records_store.update_job(first, status="running", progress=0.5, message="epoch 3")
    records_store.update_job(first, status="succeeded", progress=1.0, result={"f1": 0.9}, mlflow_run_id="abc")
    job = records_store.get_job(first)
    assert (job.status, job.progress, job.message, job.result, job.mlflow_run_id) == \
        ("succeeded", 1.0, "epoch 3", {"f1": 0.9}, "abc")
    assert [j["id"] for j in records_store.list_jobs()] == ["JOB-000002", "JOB-000001"]
    assert [j["id"] for j in records_store.list_jobs(kind="train")] == ["JOB-000001"]


def test_records_jobs_reject_unknown_status_and_id(records_store):
    """An unknown status or job id is an error naming the valid choices."""
    job = records_store.create_job("train", {})
    with pytest.raises(InvalidInputError, match="'done'"):
        records_store.update_job(job, status="done")
    with pytest.raises(NotFoundError, match="JOB-000001"):
        records_store.get_job("JOB-000009")
    with pytest.raises(NotFoundError):
        records_store.update_job("JOB-000009", progress=0.1)


def test_records_revision_grows_with_every_write_but_jobs(records_store):
    """The revision a cache keys on changes with each committed write to the registry, work orders, events and
    fault labels, and not with reads or job updates."""
    seen = [records_store.revision()]
    records_store.save_plant(small_plant())
    seen.append(records_store.revision())
    records_store.upsert_work_orders([WorkOrder(id="WO-1", asset_id="P-101", title="t", created_at=T0)])
    seen.append(records_store.revision())
    records_store.create_work_order("P-101", "Check seal", request_id="r-1")
    seen.append(records_store.revision())
    records_store.upsert_events([Event(id="E-1", asset_id="P-101", kind="alarm", start=T0)])
    seen.append(records_store.revision())
    records_store.replace_fault_labels([], source="sim")
    seen.append(records_store.revision())
    assert seen == sorted(set(seen)), seen
    records_store.list_work_orders()
    records_store.create_job("train", {})
    assert records_store.revision() == seen[-1]


def test_records_replace_failure_modes_of_an_imported_table(records_store):
    """An FMEA's modes are kept under their source, listed by failure_modes(), replaced as a whole on re-import,
    never part of a site's plant, and a site id is refused as their owner."""
    records_store.save_plant(small_plant())
    modes = [FailureMode(id=f"fmea:t:r{i}", name=f"m{i}", asset_type="haul_truck",
                         attributes={"subsystem": "Power Unit", "rpn": i}) for i in (1, 2)]
    assert records_store.replace_failure_modes("fmea:t", modes) == 2
    assert records_store.replace_failure_modes("fmea:t", modes[:1]) == 1
    found = records_store.failure_modes("haul_truck")
    assert [(m.id, m.attributes) for m in found] == [("fmea:t:r1", {"subsystem": "Power Unit", "rpn": 1})]
    assert all(m.asset_type != "haul_truck" for m in records_store.load_plant("S1").failure_modes)
    with pytest.raises(InvalidInputError, match="is a site"):
        records_store.replace_failure_modes("S1", modes)
