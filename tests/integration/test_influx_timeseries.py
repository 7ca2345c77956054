"""The time-series behaviour tests of tests/stores/test_timeseries.py, run against a real InfluxDB (v1 HTTP API).

Each test gets its own database (created by the store, dropped afterwards); skipped with a reason when
IM_TEST_INFLUX_URL is unset (.ci/run starts InfluxDB and sets it).
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import require_env
from tests.stores.test_timeseries import *  # noqa: F401,F403 - the shared behaviour tests, collected here too

pytestmark = pytest.mark.integration


@pytest.fixture
def ts_store():
    """An InfluxDB store on a fresh database of the test server, dropped after the test."""
    from industrialmind.stores.timeseries import open_timeseries

    base = require_env("IM_TEST_INFLUX_URL", "InfluxDB").rsplit("/", 1)[0]
    store = open_timeseries(f"{base}/im_test_{uuid.uuid4().hex[:12]}")
    yield store
    try:
        store.query(f'DROP DATABASE "{store.database}"')
    finally:
        store.close()


def test_influx_store_creates_its_database(ts_store):
    """The first write creates the database named in the URL."""
    from tests.stores.test_timeseries import make_points

    ts_store.write(make_points(minutes=2))
    names = [row[0] for s in ts_store.query("SHOW DATABASES") for row in s["values"]]
    assert ts_store.database in names


def test_influx_store_pings_the_server(ts_store):
    """ping returns the server's version."""
    assert ts_store.ping().startswith("1.")


def test_influx_store_recreates_a_dropped_database(ts_store):
    """A write after the database was dropped elsewhere creates it again instead of failing."""
    from tests.stores.test_timeseries import make_points

    ts_store.write(make_points(minutes=2))
    ts_store.query(f'DROP DATABASE "{ts_store.database}"')
    assert ts_store.write(make_points(minutes=3)) == 6
    assert ts_store.count() == 6
