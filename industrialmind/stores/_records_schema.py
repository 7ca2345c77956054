"""The records store's tables (SQLAlchemy Core), one definition for SQLite and PostgreSQL.

Migrations: the schema is created if missing (`metadata.create_all`, which never alters an existing table) and
its version is kept in `schema_version`. A change to the schema bumps SCHEMA_VERSION and adds an upgrade step in
`records.RecordsStore._migrate`; a database written by a newer IndustrialMind is refused with a clear error.

Every timestamp is stored as naive UTC (`UTCDateTime`) and comes back timezone-aware UTC, so SQLite (which has
no time zones) and PostgreSQL behave the same. Models with nested fields (assets, failure modes) are stored whole
as JSON next to the indexed columns the queries filter on.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA_VERSION = 1

metadata = sa.MetaData()
Json = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and returned timezone-aware UTC (naive inputs are taken to be UTC)."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert an aware datetime to naive UTC before it reaches the database."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        """Mark a stored naive UTC datetime as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

counters = sa.Table(  # sequences for human-friendly ids (WO-000123, JOB-000007) on both databases
    "counters", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

sites = sa.Table(
    "sites", metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

lines = sa.Table(
    "lines", metadata,
    sa.Column("site_id", sa.String(128), primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("data", Json, nullable=False),
)

assets = sa.Table(
    "assets", metadata,
    sa.Column("id", sa.String(128), primary_key=True),  # unique across sites: get_asset needs no site
    sa.Column("site_id", sa.String(128), nullable=False, index=True),
    sa.Column("line_id", sa.String(128), index=True),
    sa.Column("type", sa.String(128), nullable=False, index=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("data", Json, nullable=False),
)

flows = sa.Table(
    "flows", metadata,
    sa.Column("site_id", sa.String(128), primary_key=True),
    sa.Column("source", sa.String(128), primary_key=True),
    sa.Column("target", sa.String(128), primary_key=True),
    sa.Column("medium", sa.String(128), nullable=False, default=""),
    sa.Column("position", sa.Integer, nullable=False),
)

failure_modes = sa.Table(
    "failure_modes", metadata,
    sa.Column("site_id", sa.String(128), primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("asset_type", sa.String(128), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("data", Json, nullable=False),
)

work_orders = sa.Table(
    "work_orders", metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("asset_id", sa.String(128), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("failure_code", sa.String(128), nullable=False, default=""),
    sa.Column("component", sa.String(128), nullable=False, default=""),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
    sa.Column("due_at", UTCDateTime),
    sa.Column("completed_at", UTCDateTime),
    sa.Column("source", sa.String(64), nullable=False, default="user"),
    # A retried approval carries the same request id: the unique index makes creation happen once.
    sa.Column("request_id", sa.String(256), unique=True),
)

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.String(256), primary_key=True),
    sa.Column("asset_id", sa.String(128), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False, index=True),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("start", UTCDateTime, nullable=False, index=True),
    sa.Column("end", UTCDateTime),
    sa.Column("sensors", Json, nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("source", sa.String(64), nullable=False, default=""),
)

fault_labels = sa.Table(
    "fault_labels", metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False, index=True),
    sa.Column("asset_id", sa.String(128), nullable=False, index=True),
    sa.Column("fault", sa.String(64), nullable=False),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("end", UTCDateTime, nullable=False),
    sa.Column("sensors", Json, nullable=False),
    sa.Column("severity", sa.Float, nullable=False),
)

jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("params", Json, nullable=False),
    sa.Column("result", Json),
    sa.Column("error", sa.Text),
    sa.Column("mlflow_run_id", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
