"""Fixtures of the query-layer tests: a records store holding the demo plant and a known set of work orders and
events (SQLite, and PostgreSQL when IM_TEST_POSTGRES_URL is set), and the real AssetOpsBench plant and mining-truck
FMEA imported from ../shared/data once per session (skipped with the reason when absent)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_DATA, require_env

NOW = datetime(2026, 11, 26, tzinfo=UTC)
T0 = datetime(2025, 1, 1, tzinfo=UTC)

# (id, asset, kind, status, priority, days after T0 it was created, hours to complete or None)
ORDERS = [
    ("WO-A1", "P-101", "corrective", "closed", "high", 10, 4.0),
    ("WO-A2", "P-101", "preventive", "closed", "low", 40, 2.0),
    ("WO-A3", "P-101", "corrective", "open", "urgent", 200, None),
    ("WO-A4", "P-101", "preventive", "closed", "low", 400, 1.5),
    ("WO-B1", "P-102", "preventive", "closed", "medium", 15, 3.0),
    ("WO-B2", "P-102", "corrective", "in_progress", "high", 380, None),
    ("WO-C1", "C-201", "preventive", "closed", "low", 5, 6.0),
    ("WO-C2", "C-201", "corrective", "closed", "high", 70, 12.0),
    ("WO-C3", "C-201", "inspection", "closed", "medium", 150, 1.0),
    ("WO-C4", "C-201", "corrective", "open", "high", 390, None),
    ("WO-D1", "FN-301", "preventive", "closed", "low", 100, 2.5),
    ("WO-D2", "M-101", "corrective", "cancelled", "medium", 250, None),
]


@dataclass
class Stores:
    """What run_query reads: the opened stores."""

    records_store: Any
    timeseries_store: Any = None

    def records(self) -> Any:
        """The records store."""
        return self.records_store

    def timeseries(self) -> Any:
        """The time-series store."""
        return self.timeseries_store


def order_rows() -> list[dict[str, Any]]:
    """ORDERS as plain dicts with times (what the tests compute expected values from, with pandas)."""
    out = []
    for wo_id, asset, kind, status, priority, day, hours in ORDERS:
        created = T0 + timedelta(days=day)
        out.append({"id": wo_id, "asset": asset, "kind": kind, "status": status, "priority": priority,
                    "created_at": created, "completed_at": created + timedelta(hours=hours) if hours else None})
    return out


def fill_demo(records: Any) -> None:
    """The demo plant's registry, ORDERS, and a few events."""
    from industrialmind.domain.model import Event, WorkOrder
    from industrialmind.plant.demo import demo_plant

    records.save_plant(demo_plant())
    records.upsert_work_orders([WorkOrder(id=r["id"], asset_id=r["asset"], title=f"{r['kind']} job on {r['asset']}",
                                          kind=r["kind"], status=r["status"], priority=r["priority"],
                                          created_at=r["created_at"], completed_at=r["completed_at"], source="test")
                                for r in order_rows()])
    records.upsert_events([
        Event(id="E-1", asset_id="P-101", kind="alarm", severity="critical", message="vibration high",
              start=T0 + timedelta(days=3), end=T0 + timedelta(days=3, hours=2), sensors=["vibration_de"]),
        Event(id="E-2", asset_id="P-101", kind="anomaly", severity="warning", message="bearing temperature rising",
              start=T0 + timedelta(days=33), sensors=["bearing_temp"], score=4.5),
        Event(id="E-3", asset_id="C-201", kind="alarm", severity="warning", message="discharge temperature high",
              start=T0 + timedelta(days=70), end=T0 + timedelta(days=70, hours=1), sensors=["discharge_temp"]),
    ])


def _postgres_url() -> str:
    import psycopg

    url = require_env("IM_TEST_POSTGRES_URL", "PostgreSQL")
    schema = f"im_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", schema


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def demo(request, tmp_path: Path):
    """Stores holding the demo plant, ORDERS and three events: SQLite, and PostgreSQL when one is running."""
    from industrialmind.stores.records import open_records

    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        url, schema = _postgres_url()
    records = open_records(url)
    fill_demo(records)
    yield Stores(records)
    records.close()
    if schema is not None:
        import psycopg

        with psycopg.connect(require_env("IM_TEST_POSTGRES_URL", "PostgreSQL"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


AOB = SHARED_DATA / "assetopsbench"
FMEA = SHARED_DATA / "fmea" / "fmea_dataset_filled.csv"


@pytest.fixture(scope="session")
def aob_home(tmp_path_factory):
    """A data home with the real AssetOpsBench plant imported (and the mining-truck FMEA), once per session."""
    if not (AOB / "sample_data").is_dir():
        pytest.skip(f"the AssetOpsBench sample data is absent ({AOB / 'sample_data'})")
    from industrialmind.config import Settings
    from industrialmind.knowledge.fmea import fmea_prefix, read_fmea
    from industrialmind.plant.importers import import_assetopsbench
    from industrialmind.stores.records import open_records

    home = tmp_path_factory.mktemp("aob_home")
    # explicit embedded stores: a session fixture is set up before the per-test IM_* clean-up
    settings = Settings(home=home, records_url=f"sqlite:///{home / 'records.db'}",
                        timeseries_url=f"duckdb:///{home / 'timeseries.duckdb'}")
    settings.ensure_home()
    import_assetopsbench(settings, AOB, pumps=False)  # the chillers are what these tests ask about
    if FMEA.is_file():  # what `import fmea` writes to the records store (the graph and passages are not needed)
        records = open_records(settings.resolved.records)
        records.replace_failure_modes(fmea_prefix(FMEA), read_fmea(FMEA))
        records.close()
    return settings


@pytest.fixture
def aob(aob_home):
    """Stores over the imported AssetOpsBench plant."""
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    records = open_records(aob_home.resolved.records)
    ts = open_timeseries(aob_home.resolved.timeseries)
    yield Stores(records, ts)
    records.close()
    ts.close()
