"""Reading the real AssetOpsBench files into the domain model (no stores involved)."""

from __future__ import annotations

import pandas as pd

from industrialmind.plant.importers.assetopsbench import (
    SITE_TZ,
    find_sample_data,
    read_chiller6,
    read_chiller_plant,
)
from industrialmind.plant.importers.assetopsbench_pumps import read_pumps
from industrialmind.plant.importers.assetopsbench_records import parse_duration, read_events, read_work_orders


def _equipment(plant):
    return {a.attributes["equipment_id"]: a.id for a in plant.assets}


def test_chiller_plant_has_eleven_recognisable_chillers(aob_dir):
    """Site MAIN holds 11 chillers with ids like CHILLER-6, names, aliases and the CMMS id."""
    plant, _, skipped = read_chiller_plant(find_sample_data(aob_dir))
    assert plant.site.id == "MAIN" and plant.site.timezone == SITE_TZ
    assert len(plant.assets) == 11 and {a.type for a in plant.assets} == {"chiller"}
    ch6 = plant.asset("CHILLER-6")
    assert ch6.name == "Chiller 6" and {"CH6", "chiller six", "CWC04006"} <= set(ch6.aliases)
    assert skipped == []


def test_work_orders_are_the_4249_of_eleven_chillers(aob_dir):
    """All 4,249 work orders are read, for 11 distinct chillers, closed, with UTC times and kinds from the data."""
    folder = find_sample_data(aob_dir)
    plant, _, _ = read_chiller_plant(folder)
    orders, skipped = read_work_orders(folder, SITE_TZ, _equipment(plant))
    assert len(orders) == 4249 and skipped == []
    assert len({o.id for o in orders}) == 4249
    assert len({o.asset_id for o in orders}) == 11
    kinds = pd.Series([o.kind for o in orders]).value_counts().to_dict()
    assert kinds == {"preventive": 3529, "corrective": 720}
    wo = next(o for o in orders if o.id == "WO259747")  # finished 4/6/16 14:00 local (EDT), took 3:00
    assert wo.completed_at.isoformat() == "2016-04-06T18:00:00+00:00"
    assert wo.created_at.isoformat() == "2016-04-06T15:00:00+00:00"
    assert (wo.asset_id, wo.failure_code, wo.component, wo.title) == (
        "CHILLER-13", "MT010b", "compressor", "Oil Analysis: Routine Oil Analysis")


def test_events_join_alert_ends_and_anomaly_scores(aob_dir):
    """All 6,256 events are read; every alert gets its end and every anomaly its score from the detail files."""
    folder = find_sample_data(aob_dir)
    plant, _, _ = read_chiller_plant(folder)
    events, skipped = read_events(folder, SITE_TZ, _equipment(plant))
    assert len(events) == 6256 and skipped == []
    kinds = pd.Series([e.kind for e in events]).value_counts().to_dict()
    assert kinds == {"work_order": 4249, "alert": 1466, "anomaly": 541}
    assert all(e.end is not None and e.end >= e.start for e in events if e.kind == "alert")
    assert all(e.score is not None for e in events if e.kind == "anomaly")


def test_chiller6_json_and_jsonl_agree_on_utc(aob_dir, tmp_path):
    """The .json's naive local times read as America/New_York equal the .jsonl's epoch seconds."""
    folder = find_sample_data(aob_dir)
    from_jsonl, sensors, skipped = read_chiller6(folder)
    (tmp_path / "chiller6_june2020_sensordata_couchdb.json").symlink_to(
        folder / "chiller6_june2020_sensordata_couchdb.json")
    from_json, _, _ = read_chiller6(tmp_path)
    assert from_jsonl["ts"].iloc[0] == pd.Timestamp("2020-06-01 04:00", tz="UTC")
    assert from_jsonl["ts"].equals(from_json["ts"])
    assert len(sensors) == 12 and len(from_jsonl) == 2896 - len(skipped)
    units = {s.id: s.unit for s in sensors}
    assert units["supply_temperature"] == "°F" and units["condenser_water_flow"] == "l/min"
    assert units["power_input"] == "kW" and "run_status" in units


def test_failure_modes_cover_chiller_ahu_hvac_and_codes(aob_dir):
    """failure_mode.csv gives 53 modes of chiller/ahu/hvac; each primary failure code adds one with its symptoms."""
    plant, _, _ = read_chiller_plant(find_sample_data(aob_dir))
    listed = [m for m in plant.failure_modes if m.source == "assetopsbench"]
    assert len(listed) == 53 and {m.asset_type for m in listed} == {"chiller", "ahu", "hvac"}
    codes = {m.id: m for m in plant.failure_modes if m.source == "assetopsbench-failure-code"}
    assert codes["CS005"].name == "Control System Malfunction"
    assert any(s.startswith("alert RUL0012") for s in codes["CS005"].symptoms)
    assert "supply_coolant_pressure" in codes["CS005"].revealing_sensors


def test_pumps_become_site_iot_assets(aob_dir):
    """The pumps/ folder gives three assets of site IOT; the metro file's empty rows are reported, not imported."""
    plant, points, skipped = read_pumps(aob_dir / "pumps")
    assert plant.site.id == "IOT" and [a.id for a in plant.assets] == ["MP-1", "HP-1", "MOTOR-01"]
    assert {s.row for s in skipped if s.file == "metro_pump_1.json"} and len(skipped) == 560
    assert {s.reason for s in skipped} == {"no sensor values"}
    hp = plant.asset("HP-1")
    assert hp.sensor("ps1_pressure").unit == "bar" and hp.sensor("ts1_temperature").unit == "°C"
    assert points["MOTOR-01"]["ts"].is_monotonic_increasing and len(points["MOTOR-01"]) == 4096


def test_parse_duration_reads_both_spellings():
    """Durations read as h:mm or h:mm:ss; junk gives None."""
    assert parse_duration("3:00") == 3 and parse_duration("40:00:00") == 40 and parse_duration("x") is None


def test_find_sample_data_errors_name_the_folder_and_what_is_expected(tmp_path):
    """A missing folder or one without the work-order file is a clear error naming the path and the file expected."""
    import pytest

    from industrialmind.errors import InvalidInputError, NotFoundError

    with pytest.raises(NotFoundError, match="does not exist"):
        find_sample_data(tmp_path / "absent")
    (tmp_path / "other.txt").write_text("x")
    with pytest.raises(InvalidInputError, match="expected 'all_wo_with_code_component_events.csv'.*other.txt"):
        find_sample_data(tmp_path)


def test_read_csv_binary_or_empty_is_invalid_input(tmp_path):
    """A binary or empty AssetOpsBench sample file is an InvalidInputError naming it, not a pandas traceback."""
    import pytest

    from industrialmind.errors import InvalidInputError
    from industrialmind.plant.importers.assetopsbench import read_csv

    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(128, 256)) * 8)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for path, reason in ((junk, "not UTF-8 text"), (empty, "is empty")):
        with pytest.raises(InvalidInputError, match=reason):
            read_csv(path)
