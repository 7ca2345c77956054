"""Opening the records store: URLs, the schema version, SQLite's WAL, and an unreachable PostgreSQL."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlalchemy as sa

from industrialmind.errors import BackendUnavailableError, ConfigError
from industrialmind.stores.records import engine_url, open_records


def test_records_postgresql_urls_use_psycopg3():
    """'postgresql://' and 'postgres://' map to the psycopg 3 driver; others are left alone."""
    assert engine_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert engine_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert engine_url("sqlite:///x.db") == "sqlite:///x.db"


def test_records_unknown_backend_is_a_config_error():
    """A URL of another database is refused, naming the supported ones."""
    with pytest.raises(ConfigError, match="sqlite:///.*postgresql://"):
        open_records("mysql://localhost/x")


def test_records_sqlite_creates_schema_version_and_wal(tmp_path: Path):
    """A new SQLite file gets every table, schema version 1, and WAL journaling."""
    store = open_records(f"sqlite:///{tmp_path / 'sub' / 'records.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_version")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()
    reopened = open_records(f"sqlite:///{tmp_path / 'sub' / 'records.db'}")
    with reopened.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == 1
    reopened.close()


def test_records_refuses_a_newer_schema(tmp_path: Path):
    """A database written by a newer version is refused with a clear error."""
    url = f"sqlite:///{tmp_path / 'records.db'}"
    open_records(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_version VALUES (99, '2026-11-26 00:00:00')"))
    engine.dispose()
    with pytest.raises(ConfigError, match="schema version 99"):
        open_records(url)


def test_records_unreachable_postgres_is_one_line_naming_url_and_cause():
    """A closed port gives BackendUnavailableError: one line, the URL with its password masked, and the cause."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BackendUnavailableError) as info:
        open_records(f"postgresql://im:hunter2@127.0.0.1:{port}/im")
    message = str(info.value)
    assert f"postgresql://im:****@127.0.0.1:{port}/im" in message
    assert "hunter2" not in message and "\n" not in message
    assert "refused" in message.lower() or "connect" in message.lower()


def test_sqlite_records_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    """A SQLite path whose folder cannot be made (a file in the way) is a ConfigError naming IM_RECORDS_URL."""
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(ConfigError, match="IM_RECORDS_URL: cannot create the folder"):
        open_records(f"sqlite:///{afile / 'records.db'}")
