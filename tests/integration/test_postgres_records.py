"""The records behaviour tests of tests/stores/test_records.py, run against a real PostgreSQL.

Each test works in its own schema (created here, dropped afterwards) of the server's database; skipped with a
reason when IM_TEST_POSTGRES_URL is unset (.ci/run starts a private cluster and sets it).
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import require_env
from tests.stores.test_records import *  # noqa: F401,F403 - the shared behaviour tests, collected here too

pytestmark = pytest.mark.integration


def _admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=5)


@pytest.fixture
def records_store():
    """A PostgreSQL records store in a fresh schema, dropped after the test."""
    from industrialmind.stores.records import open_records

    url = require_env("IM_TEST_POSTGRES_URL", "PostgreSQL")
    schema = f"im_test_{uuid.uuid4().hex[:12]}"
    with _admin(url) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    store = open_records(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.close()
        with _admin(url) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_postgres_records_use_the_psycopg3_driver(records_store):
    """A 'postgresql://' URL is driven by psycopg 3 and its tables land in the test's schema."""
    assert records_store.engine.dialect.driver == "psycopg"
    with records_store.engine.connect() as conn:
        import sqlalchemy as sa

        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        tables = conn.execute(sa.text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                              {"s": schema}).scalar()
    assert schema.startswith("im_test_") and tables >= 10
