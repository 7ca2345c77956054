"""Records store: the asset registry, work orders, events/alarms, fault labels and jobs, in SQL.

One implementation over SQLAlchemy 2 serves both backends, chosen by URL: SQLite (the embedded default,
`sqlite:///<home>/records.db`, in WAL mode so readers never wait for a writer) and PostgreSQL
(`postgresql://user:pass@host:5432/db`, driven by psycopg 3). The tables live in `_records_schema.py`.

Every write is idempotent or transactional: plants, work orders and events are upserted by id, a source's
fault labels are replaced in one transaction, and `create_work_order` with a request id creates at most one
work order however often it is retried.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from industrialmind.errors import BackendUnavailableError, ConfigError, InvalidInputError, NotFoundError, did_you_mean
from industrialmind.domain.model import Asset, FailureMode, Flow, Line, Plant, Site
from industrialmind.stores._records_ops import JobRecord, RecordOperations, _now

__all__ = ["JobRecord", "RecordsStore", "engine_url", "open_records"]

if TYPE_CHECKING:
    import sqlalchemy as sa


def open_records(url: str, **engine_options: Any) -> "RecordsStore":
    """Open the records store a SQLAlchemy URL names ('sqlite:///path.db' or 'postgresql://...'), creating its schema."""
    return RecordsStore(url, **engine_options)


def engine_url(url: str) -> str:
    """The SQLAlchemy URL to use: 'postgresql://' and 'postgres://' go through psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class RecordsStore(RecordOperations):
    """The records store over one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        import sqlalchemy as sa

        from industrialmind.config import mask_url

        self.url = url
        self._masked = mask_url(url)
        target = engine_url(url)
        try:
            parsed = sa.engine.make_url(target)
        except sa.exc.ArgumentError as exc:
            raise ConfigError(f"malformed records URL {self._masked!r}: {exc}; use 'sqlite:///path/records.db' or "
                              "'postgresql://user:pass@host:5432/db'") from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigError(f"unsupported records URL {self._masked!r}: use 'sqlite:///path/records.db' or "
                              "'postgresql://user:pass@host:5432/db'" + did_you_mean(self.dialect,
                                                                                      ["sqlite", "postgresql"]))
        options = dict(engine_options)
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                from industrialmind.config import ensure_parent

                ensure_parent(Path(database).expanduser(), "IM_RECORDS_URL")
            options.setdefault("connect_args", {"timeout": 30})
        else:
            options.setdefault("connect_args", {"connect_timeout": 5})
            options.setdefault("pool_pre_ping", True)
        self.engine = sa.create_engine(parsed, **options)
        if self.dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._lock = threading.Lock()
        self._create_schema()

    # --- schema ---------------------------------------------------------------------------------------------

    def _create_schema(self) -> None:
        import sqlalchemy as sa

        from industrialmind.stores import _records_schema as s

        try:
            with self.engine.begin() as conn:
                s.metadata.create_all(conn)
                found = conn.execute(sa.select(sa.func.max(s.schema_version.c.version))).scalar()
                if found is None:
                    conn.execute(s.schema_version.insert().values(version=s.SCHEMA_VERSION, applied_at=_now()))
                elif found > s.SCHEMA_VERSION:
                    raise ConfigError(f"the records database {self._masked} has schema version {found}, newer than "
                                      f"this IndustrialMind's {s.SCHEMA_VERSION}: upgrade IndustrialMind")
                elif found < s.SCHEMA_VERSION:
                    self._migrate(conn, found)
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            raise BackendUnavailableError(f"records database {self._masked} is unreachable: {_cause(exc)}") from None
        except sa.exc.DBAPIError as exc:
            self.engine.dispose()
            raise BackendUnavailableError(f"records database {self._masked} failed: {_cause(exc)}") from None

    def _migrate(self, conn: "sa.Connection", found: int) -> None:
        """Upgrade an older schema step by step (none yet: version 1 is the first)."""
        from industrialmind.stores import _records_schema as s

        conn.execute(s.schema_version.insert().values(version=s.SCHEMA_VERSION, applied_at=_now()))

    def _upsert(self, conn: "sa.Connection", table: "sa.Table", rows: list[dict], keys: list[str]) -> None:
        """Insert rows, updating every other column where the key already exists (one statement per batch)."""
        if not rows:
            return
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update) if update else \
            stmt.on_conflict_do_nothing(index_elements=keys)
        for start in range(0, len(rows), 1000):
            conn.execute(stmt, rows[start:start + 1000])

    def _next_number(self, conn: "sa.Connection", name: str) -> int:
        """The next value of a named counter, inside the caller's transaction."""
        from industrialmind.stores import _records_schema as s

        updated = conn.execute(s.counters.update().where(s.counters.c.name == name)
                               .values(value=s.counters.c.value + 1).returning(s.counters.c.value)).scalar()
        if updated is None:
            self._upsert(conn, s.counters, [{"name": name, "value": 0}], ["name"])
            updated = conn.execute(s.counters.update().where(s.counters.c.name == name)
                                   .values(value=s.counters.c.value + 1).returning(s.counters.c.value)).scalar()
        return int(updated)

    # --- asset registry -------------------------------------------------------------------------------------

    def save_plant(self, plant: Plant) -> None:
        """Save a site's whole registry (site, lines, assets, flows, failure modes) in one transaction.

        Idempotent: saving the same plant again changes nothing; saving a changed plant replaces that site's
        registry (other sites are untouched). An asset id already registered under another site is refused.
        """
        import sqlalchemy as sa

        from industrialmind.stores import _records_schema as s

        site_id = plant.site.id
        ids = [a.id for a in plant.assets]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidInputError(f"plant {site_id!r} lists asset id(s) {', '.join(duplicates)} more than once")
        with self.engine.begin() as conn:
            taken = conn.execute(sa.select(s.assets.c.id, s.assets.c.site_id)
                                 .where(s.assets.c.id.in_(ids), s.assets.c.site_id != site_id)).all() if ids else []
            if taken:
                clash = ", ".join(f"{a!r} (site {site!r})" for a, site in taken[:5])
                raise InvalidInputError(f"cannot save plant {site_id!r}: asset id(s) already belong to another "
                                        f"site: {clash}; asset ids are unique across sites")
            self._upsert(conn, s.sites, [{"id": site_id, "name": plant.site.name,
                                          "data": plant.site.model_dump(mode="json"), "updated_at": _now()}], ["id"])
            for table in (s.lines, s.assets, s.flows, s.failure_modes):
                conn.execute(table.delete().where(table.c.site_id == site_id))
            self._insert(conn, s.lines, [{"site_id": site_id, "id": x.id, "name": x.name, "position": i,
                                          "data": x.model_dump(mode="json")} for i, x in enumerate(plant.lines)])
            self._insert(conn, s.assets, [{"id": a.id, "site_id": site_id, "line_id": a.line_id, "type": a.type,
                                           "name": a.name, "position": i, "data": a.model_dump(mode="json")}
                                          for i, a in enumerate(plant.assets)])
            flows_rows = {(f.source, f.target): {"site_id": site_id, "source": f.source, "target": f.target,
                                                 "medium": f.medium, "position": i}
                          for i, f in enumerate(plant.flows)}
            self._insert(conn, s.flows, list(flows_rows.values()))
            modes = {m.id: {"site_id": site_id, "id": m.id, "asset_type": m.asset_type, "position": i,
                            "data": m.model_dump(mode="json")} for i, m in enumerate(plant.failure_modes)}
            self._insert(conn, s.failure_modes, list(modes.values()))
            self._changed(conn)

    def replace_failure_modes(self, owner: str, modes: list[FailureMode]) -> int:
        """Replace the failure modes an imported table (an FMEA) holds, in one transaction; return how many.

        They belong to no site: `owner` (the table's source, 'fmea:<file stem>') keys them in the site column, so
        re-importing the file replaces its rows, a plant's registry never lists them and `failure_modes()` does.
        """
        from industrialmind.stores import _records_schema as s

        if owner in {site.id for site in self.list_sites()}:
            raise InvalidInputError(f"{owner!r} is a site of the registry; failure modes of a site are saved with "
                                    "its plant (save_plant)")
        rows = {m.id: {"site_id": owner, "id": m.id, "asset_type": m.asset_type, "position": i,
                       "data": m.model_dump(mode="json")} for i, m in enumerate(modes)}
        with self.engine.begin() as conn:
            conn.execute(s.failure_modes.delete().where(s.failure_modes.c.site_id == owner))
            self._insert(conn, s.failure_modes, list(rows.values()))
            self._changed(conn)
        return len(rows)

    @staticmethod
    def _insert(conn: "sa.Connection", table: "sa.Table", rows: list[dict]) -> None:
        if rows:
            conn.execute(table.insert(), rows)

    def list_sites(self) -> list[Site]:
        """Every site in the registry, by id."""
        from industrialmind.stores import _records_schema as s

        rows = self._rows(s.sites.select().order_by(s.sites.c.id))
        return [Site.model_validate(r["data"]) for r in rows]

    def load_plant(self, site_id: str) -> Plant | None:
        """The whole registry of one site as a Plant, or None when no such site is registered."""
        from industrialmind.stores import _records_schema as s

        with self.engine.connect() as conn:
            site = conn.execute(s.sites.select().where(s.sites.c.id == site_id)).mappings().first()
            if site is None:
                return None

            def rows(table: "sa.Table") -> list:
                return conn.execute(table.select().where(table.c.site_id == site_id)
                                    .order_by(table.c.position)).mappings().all()

            return Plant(
                site=Site.model_validate(site["data"]),
                lines=[Line.model_validate(r["data"]) for r in rows(s.lines)],
                assets=[Asset.model_validate(r["data"]) for r in rows(s.assets)],
                flows=[Flow(source=r["source"], target=r["target"], medium=r["medium"]) for r in rows(s.flows)],
                failure_modes=[FailureMode.model_validate(r["data"]) for r in rows(s.failure_modes)],
            )

    def list_assets(self, site_id: str | None = None, line_id: str | None = None,
                    asset_type: str | None = None) -> list[Asset]:
        """Registered assets, optionally of one site, line or type, in site then plant order."""
        from industrialmind.stores import _records_schema as s

        query = s.assets.select().order_by(s.assets.c.site_id, s.assets.c.position)
        for column, value in (("site_id", site_id), ("line_id", line_id), ("type", asset_type)):
            if value is not None:
                query = query.where(s.assets.c[column] == value)
        return [Asset.model_validate(r["data"]) for r in self._rows(query)]

    def get_asset(self, asset_id: str) -> Asset:
        """The asset with exactly this id (any site), or NotFoundError naming the closest registered ids."""
        import sqlalchemy as sa

        from industrialmind.stores import _records_schema as s

        row = self._rows(s.assets.select().where(s.assets.c.id == asset_id))
        if row:
            return Asset.model_validate(row[0]["data"])
        ids = [r["id"] for r in self._rows(sa.select(s.assets.c.id))]
        if not ids:
            raise NotFoundError(f"unknown asset {asset_id!r}: the registry is empty; run `industrialmind simulate` "
                                "or an `industrialmind import` first")
        raise NotFoundError(f"unknown asset {asset_id!r}" + did_you_mean(asset_id, ids))

    def list_lines(self, site_id: str | None = None) -> list[Line]:
        """Production lines, optionally of one site."""
        from industrialmind.stores import _records_schema as s

        query = s.lines.select().order_by(s.lines.c.site_id, s.lines.c.position)
        if site_id is not None:
            query = query.where(s.lines.c.site_id == site_id)
        return [Line.model_validate(r["data"]) for r in self._rows(query)]

    def flows(self, site_id: str | None = None) -> list[Flow]:
        """Process-flow edges (source feeds target), optionally of one site."""
        from industrialmind.stores import _records_schema as s

        query = s.flows.select().order_by(s.flows.c.site_id, s.flows.c.position)
        if site_id is not None:
            query = query.where(s.flows.c.site_id == site_id)
        return [Flow(source=r["source"], target=r["target"], medium=r["medium"]) for r in self._rows(query)]

    def failure_modes(self, asset_type: str | None = None) -> list[FailureMode]:
        """Failure modes of every site, optionally of one asset type."""
        from industrialmind.stores import _records_schema as s

        query = s.failure_modes.select().order_by(s.failure_modes.c.site_id, s.failure_modes.c.position)
        if asset_type is not None:
            query = query.where(s.failure_modes.c.asset_type == asset_type)
        return [FailureMode.model_validate(r["data"]) for r in self._rows(query)]

    # work orders, events, fault labels and jobs: RecordOperations in _records_ops.py

    def _rows(self, query: Any) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings().all())

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"RecordsStore({self._masked!r})"


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL: readers in other processes (the web UI, the agent) never block on the ingest writer, and vice versa.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _cause(exc: Exception) -> str:
    """The driver's message on one line (psycopg's spans several)."""
    import re

    original = getattr(exc, "orig", None) or exc
    text = str(original).strip() or type(original).__name__
    return re.sub(r"\s+", " ", text)

