"""FMEA CSV -> failure modes with stable row ids; the real mining-truck FMEA reads completely."""

from __future__ import annotations

from pathlib import Path

import pytest

from industrialmind.errors import InvalidInputError
from industrialmind.knowledge.fmea import failure_mode_text, read_fmea


def test_read_fmea_maps_columns_and_row_ids(tmp_path: Path) -> None:
    """Each row becomes a failure mode with id 'fmea:<stem>:r<row>', cause as mechanism and effects as symptoms."""
    csv = tmp_path / "Pump FMEA.csv"
    csv.write_text("Component,Failure Mode,Effect,Cause,Severity,Occurrence,Detection,Recommended Action\n"
                   "Seal,Leak,\"Drip, fire risk\",Worn faces,6,3,2,Replace seal\n,,,,,,,\n")
    modes = read_fmea(csv, asset_type="pump")
    assert len(modes) == 1
    m = modes[0]
    assert (m.id, m.name, m.mechanism, m.symptoms) == ("fmea:pump_fmea:r1", "Seal: Leak", "Worn faces",
                                                      ["Drip", "fire risk"])
    assert "RPN=36" in failure_mode_text(m)


def test_read_fmea_names_missing_columns(tmp_path: Path) -> None:
    """A CSV without the failure mode, cause and effect columns is refused with the columns it lacks."""
    csv = tmp_path / "bad.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInputError, match="mode"):
        read_fmea(csv)


def test_read_real_mining_truck_fmea(shared_data: Path) -> None:
    """All 330 rows of the real FMEA load with severity, occurrence, detection and recommended actions."""
    modes = read_fmea(shared_data / "fmea" / "fmea_dataset_filled.csv")
    assert len(modes) == 330
    assert modes[0].id == "fmea:fmea_dataset_filled:r1"
    assert modes[0].component == "Power Unit / Fuel System / Fuel Tank"
    assert all(m.severity is not None for m in modes)
    assert sum(1 for m in modes if m.recommended_action) > 300


def test_read_fmea_refuses_empty_binary_and_folder(tmp_path: Path) -> None:
    """An empty file, binary junk and a folder each get a clear InvalidInputError, not a codec error."""
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    for path, reason in ((empty, "is empty"), (junk, "binary"), (tmp_path, "not a file")):
        with pytest.raises(InvalidInputError, match=reason):
            read_fmea(path)


def test_read_fmea_without_rows_is_refused(tmp_path: Path) -> None:
    """A header with no failure-mode rows is refused: importing it would delete the file's earlier modes."""
    csv = tmp_path / "truck.csv"
    csv.write_text("Component,Potential Failure Mode,Potential Effect(s) of Failure,Potential Cause(s) of Failure\n"
                   "Brake,,Long stopping distance,Overheated pads\n")
    with pytest.raises(InvalidInputError, match="no row with a failure mode"):
        read_fmea(csv)


def test_read_fmea_keeps_the_files_own_columns(tmp_path: Path) -> None:
    """The columns `component` joins, the controls that stand in for a missing action, and the file's RPN (even
    one that is not S x O x D) are kept as written in the mode's attributes."""
    csv = tmp_path / "truck.csv"
    csv.write_text("Subsystem,Component,Sub-Component,Potential Failure Mode,Potential Effect(s) of Failure,Severity,"
                   "Potential Cause(s) of Failure,Occurrence,Current Controls,Detection,RPN,Recommended Action\n"
                   "Power Unit,Fuel System,Fuel Tank,Leaking,\"Fuel loss, fire\",4,Impact,1,Daily inspection,2,0,\n")
    (m,) = read_fmea(csv)
    assert m.recommended_action == "Daily inspection"  # the passage still says what is done about it
    assert m.attributes == {"subsystem": "Power Unit", "component": "Fuel System", "sub_component": "Fuel Tank",
                            "failure_mode": "Leaking", "effect": "Fuel loss, fire", "cause": "Impact",
                            "controls": "Daily inspection", "recommended_action": "", "rpn": 0}
