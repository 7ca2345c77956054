"""Fixtures for the store tests: each backend behind one fixture, so the same test bodies run against every one."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def ts_store(tmp_path: Path):
    """An empty DuckDB time-series store in a temp file (per-call connections, as in production)."""
    from industrialmind.stores.timeseries import open_timeseries

    store = open_timeseries(f"duckdb:///{tmp_path / 'ts.duckdb'}")
    yield store
    store.close()


@pytest.fixture
def records_store(tmp_path: Path):
    """An empty SQLite records store in a temp file."""
    from industrialmind.stores.records import open_records

    store = open_records(f"sqlite:///{tmp_path / 'records.db'}")
    yield store
    store.close()
