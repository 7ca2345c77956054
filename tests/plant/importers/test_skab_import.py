"""The SKAB import end to end: one testbed asset, its history and its fault labels in the stores, re-run."""

from __future__ import annotations

import pytest

from industrialmind.config import get_settings
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.slow  # imports the real SKAB data into the stores

records_module = pytest.importorskip("industrialmind.stores.records",
                                     reason="the records store (stores/records.py) is not built yet")
SKAB = SHARED_DATA / "skab"


def test_import_skab_gives_labels(tmp_path):
    """SKAB's anomaly runs become 34 fault labels of source 'skab', and its 1 Hz history is stored once."""
    if not (SKAB / "data").is_dir():
        pytest.skip(f"SKAB data is absent from {SKAB}")
    for name in ("upsert_events", "replace_fault_labels", "list_fault_labels"):
        if not hasattr(records_module.RecordsStore, name):
            pytest.skip(f"the records store has no {name}() yet")
    from industrialmind.plant.importers.skab import import_skab
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    settings = get_settings(home=tmp_path / "home")
    first = import_skab(settings, SKAB)
    assert first.counts["fault_labels"] == 34 and first.counts["files"] == 35
    ts, records = open_timeseries(settings.resolved.timeseries), open_records(settings.resolved.records)
    try:
        labels = records.list_fault_labels("SKAB-PUMP")
        assert len(labels) == 34 and {lb.source for lb in labels} == {"skab"}
        assert ts.count("SKAB-PUMP") == first.counts["points"] == 45516 * 8
        assert [a.id for a in records.list_assets(site_id="SKAB")] == ["SKAB-PUMP"]
    finally:
        ts.close()
        records.close()


def test_import_skab_folders_one_by_one_keep_labels_and_rerun_cleanly(tmp_path):
    """Importing valve2/ after other/ keeps other/'s labels; re-importing valve2/ duplicates no label or point."""
    if not (SKAB / "data").is_dir():
        pytest.skip(f"SKAB data is absent from {SKAB}")
    if not hasattr(records_module.RecordsStore, "list_fault_labels"):
        pytest.skip("the records store has no list_fault_labels() yet")
    from industrialmind.plant.importers.skab import import_skab
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    settings = get_settings(home=tmp_path / "home")
    import_skab(settings, SKAB / "data" / "other")
    first = import_skab(settings, SKAB / "data" / "valve2")
    counts = []
    for _ in range(2):
        ts, records = open_timeseries(settings.resolved.timeseries), open_records(settings.resolved.records)
        try:
            faults = [lb.fault for lb in records.list_fault_labels("SKAB-PUMP")]
            counts.append((len(faults), faults.count("valve_closed_outlet"), ts.count("SKAB-PUMP"),
                           len(records.list_events(asset_id="SKAB-PUMP"))))
        finally:
            ts.close()
            records.close()
        if len(counts) == 1:
            second = import_skab(settings, SKAB / "data" / "valve2")
    assert counts[0] == counts[1] and counts[0][:2] == (14 + 4, 4)
    assert first.counts == second.counts
