"""Reading SKAB into one testbed asset, its history, experiments and fault labels (no stores involved)."""

from __future__ import annotations

import pandas as pd

from industrialmind.plant.importers.skab import experiment, read_file, read_skab


def test_skab_reads_one_testbed_with_labels(skab_dir):
    """35 experiment files give one asset with 8 sensors, 35 experiment events and one label per anomaly run."""
    plant, wide, labels, events, skipped = read_skab(skab_dir)
    assert [a.id for a in plant.assets] == ["SKAB-PUMP"] and len(plant.assets[0].sensors) == 8
    assert sum(e.kind == "experiment" for e in events) == 35
    assert len(labels) == 34 and {lb.source for lb in labels} == {"skab"}
    assert {lb.fault for lb in labels} >= {"valve_closed_inlet", "cavitation", "rotor_imbalance"}
    assert all(lb.end >= lb.start for lb in labels)
    assert wide["ts"].is_unique and skipped == []


def test_skab_times_are_moscow_local(skab_dir):
    """The first reading of valve1/0.csv (10:14:33 in Moscow) is stored at 07:14:33 UTC."""
    frame, _ = read_file(skab_dir / "data" / "valve1" / "0.csv")
    assert frame["ts"].iloc[0] == pd.Timestamp("2020-03-09 07:14:33", tz="UTC")


def test_skab_bad_row_is_skipped_with_reason(tmp_path, skab_dir):
    """A row with a non-numeric reading is reported by row number and the rest is read."""
    src = (skab_dir / "data" / "valve1" / "0.csv").read_text().splitlines()
    fields = src[2].split(";")
    fields[8] = "x"  # Volume Flow RateRMS of the second data row (row 3)
    src[2] = ";".join(fields)
    (tmp_path / "valve1").mkdir()
    (tmp_path / "valve1" / "0.csv").write_text("\n".join(src) + "\n")
    frame, skipped = read_file(tmp_path / "valve1" / "0.csv")
    assert [(s.row, s.reason) for s in skipped] == [(3, "column 'Volume Flow RateRMS': 'x' is not a number")]
    assert len(frame) == len(src) - 2


def test_experiment_names_fault_from_folder_and_number(tmp_path):
    """The fault of a file comes from its folder (valve1) or, in other/, its number."""
    assert experiment(tmp_path / "valve1" / "3.csv")[:2] == ("valve1/3", "valve_closed_inlet")
    assert experiment(tmp_path / "other" / "13.csv")[:2] == ("other/13", "cavitation")


def test_find_files_errors_are_clear(tmp_path):
    """A missing folder or one without CSV files is a clear error naming the path."""
    import pytest

    from industrialmind.errors import InvalidInputError, NotFoundError
    from industrialmind.plant.importers.skab import find_files

    with pytest.raises(NotFoundError, match="does not exist"):
        find_files(tmp_path / "absent")
    with pytest.raises(InvalidInputError, match="no SKAB CSV files under"):
        find_files(tmp_path)


def test_skab_file_missing_columns_names_them(tmp_path):
    """A CSV without SKAB's columns is refused, naming the missing columns and the header found."""
    import pytest

    from industrialmind.errors import InvalidInputError

    (tmp_path / "x.csv").write_text("datetime;Current\n2020-01-01 00:00:00;1\n")
    with pytest.raises(InvalidInputError, match="lacks columns .*Accelerometer1RMS.*its header is"):
        read_file(tmp_path / "x.csv")


def test_find_files_refuses_a_single_file(tmp_path):
    """Passing one CSV instead of the SKAB folder says so and points at `import csv`."""
    import pytest

    from industrialmind.errors import InvalidInputError
    from industrialmind.plant.importers.skab import find_files

    one = tmp_path / "1.csv"
    one.write_text("datetime;x\n")
    with pytest.raises(InvalidInputError, match="is a file.*import csv"):
        find_files(one)


def test_read_file_binary_or_empty_is_invalid_input(tmp_path):
    """A binary or empty file among the SKAB CSVs is an InvalidInputError naming it, not a pandas traceback."""
    import pytest

    from industrialmind.errors import InvalidInputError

    junk = tmp_path / "1.csv"
    junk.write_bytes(bytes(range(128, 256)) * 8)
    empty = tmp_path / "2.csv"
    empty.write_text("")
    for path, reason in ((junk, "not UTF-8 text"), (empty, "is empty")):
        with pytest.raises(InvalidInputError, match=reason):
            read_file(path)
