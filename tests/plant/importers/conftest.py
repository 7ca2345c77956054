"""Fixtures of the importer tests: the real AssetOpsBench and SKAB folders (skipping when absent) and CSV writers."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def aob_dir(shared_data: Path) -> Path:
    """The AssetOpsBench folder (sample_data/ and pumps/); skips when it is absent."""
    folder = shared_data / "assetopsbench"
    if not (folder / "sample_data" / "all_wo_with_code_component_events.csv").is_file():
        pytest.skip(f"AssetOpsBench sample data is absent from {folder}")
    return folder


@pytest.fixture
def skab_dir(shared_data: Path) -> Path:
    """The SKAB folder (data/valve1, ...); skips when it is absent."""
    folder = shared_data / "skab"
    if not (folder / "data").is_dir():
        pytest.skip(f"SKAB data is absent from {folder}")
    return folder


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write text to a CSV file in the test's temp folder and return its path."""

    def write(text: str, name: str = "readings.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
