"""Where each dataset's rows come from, as something `compile.py` can select from.

- Table datasets (work_orders, events, fault_labels) are a SELECT over the records store's own table, joined to
  `assets` for the site, line and type of each row's asset: typed columns, so filters, groups and aggregates run
  in the database, on SQLite and PostgreSQL alike. The one engine-specific expression is a duration in hours.
- Row datasets (failure_modes, assets, sites, lines, sensors, components) keep their fields inside JSON (`data`)
  columns, which SQLite and PostgreSQL read with different operators and types. They are small (a registry, an
  FMEA of a few hundred rows), so they are read once per records-store revision, projected into typed rows in
  Python, and loaded into an in-memory SQLite table that the same compiled query runs on: one set of semantics
  for every dataset, and correct on both engines because neither is asked to read JSON.

A `Snapshot` is what one records-store revision holds: the registry, the projected rows and each field's values
with their counts. Its values (never a connection) are cached per store URL and revision, so a newly imported
plant's categories are seen at the next query and nothing is read twice in between.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from industrialmind.query.datasets import Dataset, Field

if TYPE_CHECKING:
    import sqlalchemy as sa

_CACHE: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def value_key(value: Any) -> str:
    """How two spellings of one categorical value compare: 'Power Unit' = 'power_unit' = 'POWER-UNIT'."""
    return re.sub(r"[^a-z0-9]+", "", str(value).lower())


class Snapshot:
    """The records store at one revision, as the query layer reads it (see the module docstring)."""

    def __init__(self, records: Any) -> None:
        if not hasattr(records, "engine"):
            from industrialmind.query.model import query_error

            raise query_error("the records store has no SQL engine to query (a SQLite or PostgreSQL records URL "
                              "is needed)", [])
        self.records = records
        revision = records.revision() if hasattr(records, "revision") else None
        key = (str(getattr(records, "url", id(records))), revision if revision is not None else -1)
        with _CACHE_LOCK:
            if revision is not None and key in _CACHE:
                _CACHE.move_to_end(key)
                self._data = _CACHE[key]
            else:
                self._data = {}
                if revision is not None:
                    _CACHE[key] = self._data
                    while len(_CACHE) > _CACHE_SIZE:
                        _CACHE.popitem(last=False)

    def _memo(self, key: Any, make: Any) -> Any:
        if key not in self._data:
            self._data[key] = make()
        return self._data[key]

    # --- the registry -------------------------------------------------------------------------------------
    def sites(self) -> list:
        """Sites of the registry."""
        return self._memo("sites", self.records.list_sites)

    def lines(self) -> list:
        """Lines of the registry."""
        return self._memo("lines", self.records.list_lines)

    def assets(self) -> list:
        """Assets of the registry."""
        return self._memo("assets", self.records.list_assets)

    def site_zone(self, site_id: str) -> str:
        """A site's time zone ('UTC' when unknown)."""
        return next((s.timezone for s in self.sites() if s.id == site_id), "UTC")

    def entity_names(self, entity: str) -> dict[str, str]:
        """Every way the registry names an entity of a kind -> its id: ids, names and aliases, by value_key."""
        def make() -> dict[str, str]:
            names: dict[str, str] = {}
            if entity == "asset":
                pairs = [(n, a.id) for a in self.assets() for n in (a.id, a.name, *a.aliases)]
            elif entity == "site":
                pairs = [(n, s.id) for s in self.sites() for n in (s.id, s.name)]
            elif entity == "line":
                pairs = [(n, ln.id) for ln in self.lines() for n in (ln.id, ln.name, *ln.aliases)]
            elif entity == "asset_type":
                types = {a.type for a in self.assets()} | {r["asset_type"] for r in self.rows_of("failure_modes")}
                pairs = [(n, t) for t in types for n in (t, t.replace("_", " "))]
            elif entity == "sensor":
                pairs = [(n, s.id) for a in self.assets() for s in a.sensors for n in (s.id, s.name, *s.aliases)]
            else:
                pairs = []
            for name, ident in pairs:  # ids first: an asset named like another's id keeps the id's meaning
                names.setdefault(value_key(ident), ident)
            for name, ident in pairs:
                names.setdefault(value_key(name), ident)
            return names

        return self._memo(("entity", entity), make)

    # --- row datasets ---------------------------------------------------------------------------------------
    def rows_of(self, name: str) -> list[dict[str, Any]]:
        """The projected rows of a row dataset (failure_modes, assets, sites, lines, sensors, components)."""
        return self._memo(("rows", name), lambda: _PROJECTIONS[name](self))

    # --- values of a field ----------------------------------------------------------------------------------
    def values(self, ds: Dataset, field: Field) -> list[tuple[Any, int]]:
        """The distinct values of a field in the dataset's rows with how many rows hold each, most common first."""
        def make() -> list[tuple[Any, int]]:
            if ds.kind in ("rows", "readings"):  # in memory; the readings' series are the registry's sensors
                from collections import Counter

                rows = self.rows_of("sensors" if ds.kind == "readings" else ds.name)
                found = list(Counter(r.get(field.name) for r in rows).items())
            else:
                import sqlalchemy as sa

                with self.selectable(ds) as (src, conn):
                    col = src.c[field.name]
                    found = conn.execute(sa.select(col, sa.func.count()).group_by(col)).all()
            return sorted(((v, int(n)) for v, n in found if v not in (None, "")), key=lambda t: (-t[1], str(t[0])))

        return self._memo(("values", ds.name, field.name), make)

    def selectable(self, ds: Dataset) -> "_Source":
        """A context manager giving (selectable, connection) to run a dataset's statements on."""
        return _Source(self, ds)


class _Source:
    """A dataset's selectable and an open connection: the records store's own for tables, an in-memory SQLite
    database holding the projected rows for row datasets."""

    def __init__(self, snapshot: Snapshot, ds: Dataset) -> None:
        self.snapshot, self.ds = snapshot, ds
        self._engine: Any = None
        self._conn: Any = None

    def __enter__(self) -> tuple[Any, "sa.Connection"]:
        import sqlalchemy as sa

        if self.ds.kind == "table":
            records = self.snapshot.records
            src = table_source(self.ds, records.dialect)
            self._conn = records.engine.connect()
            return src, self._conn
        from sqlalchemy.pool import StaticPool

        rows = self.snapshot.rows_of(self.ds.name)
        table = row_table(self.ds, rows)
        self._engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        self._conn = self._engine.connect()
        table.metadata.create_all(self._conn)
        if rows:
            names = [c.name for c in table.columns]
            self._conn.execute(table.insert(), [{"_pos": i, **{n: r.get(n) for n in names if n != "_pos"}}
                                                for i, r in enumerate(rows)])
        return table, self._conn

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._engine is not None:
            self._engine.dispose()


# --- table datasets -------------------------------------------------------------------------------------------

def hours_between(start: Any, end: Any, dialect: str) -> Any:
    """(end - start) in hours as a SQL expression: julianday on SQLite, epoch seconds on PostgreSQL."""
    import sqlalchemy as sa

    if dialect == "postgresql":
        return sa.extract("epoch", end - start) / 3600.0
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0


def table_source(ds: Dataset, dialect: str) -> "sa.Subquery":
    """The SELECT a table dataset's queries run over: the table's columns named as the dataset's fields, and the
    asset's type, site and line joined from the registry."""
    import sqlalchemy as sa

    from industrialmind.stores import _records_schema as s

    t = {"work_orders": s.work_orders, "events": s.events, "fault_labels": s.fault_labels}[ds.name]
    a = s.assets
    place = [t.c.asset_id.label("asset"), a.c.type.label("asset_type"), a.c.site_id.label("site"),
             a.c.line_id.label("line")]
    if ds.name == "work_orders":
        own = [t.c.id.label("id"), t.c.title, t.c.description, t.c.kind, t.c.status, t.c.priority, t.c.failure_code,
               t.c.component, t.c.source, t.c.created_at, t.c.due_at, t.c.completed_at,
               hours_between(t.c.created_at, t.c.completed_at, dialect).label("duration_hours")]
    elif ds.name == "events":
        own = [t.c.id.label("id"), t.c.kind, t.c.severity, t.c.message, sa.cast(t.c.sensors, sa.Text).label("sensors"),
               t.c.score, t.c.source, t.c.start, t.c.end, hours_between(t.c.start, t.c.end, dialect)
               .label("duration_hours")]
    else:
        own = [t.c.fault, t.c.source, sa.cast(t.c.sensors, sa.Text).label("sensors"), t.c.severity, t.c.start, t.c.end,
               hours_between(t.c.start, t.c.end, dialect).label("duration_hours")]
    return sa.select(*place, *own).select_from(t.outerjoin(a, t.c.asset_id == a.c.id)).subquery(ds.name)


# --- row datasets ---------------------------------------------------------------------------------------------

def row_table(ds: Dataset, rows: list[dict[str, Any]]) -> "sa.Table":
    """A typed in-memory table for a row dataset's projected rows (with `_pos`, the rows' own order); a number
    field whose values are all whole (counts, S/O/D, RPN) is an integer column, so it reads back as one."""
    import sqlalchemy as sa

    def kind(f: Field) -> Any:
        if f.type != "number":
            return sa.Text
        whole = all(isinstance(r.get(f.name), int) for r in rows if r.get(f.name) is not None)
        return sa.Integer if whole else sa.Float

    return sa.Table(ds.name, sa.MetaData(), sa.Column("_pos", sa.Integer, primary_key=True),
                    *[sa.Column(f.name, kind(f)) for f in ds.fields])


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _failure_modes(snap: Snapshot) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from industrialmind.domain.model import FailureMode
    from industrialmind.stores import _records_schema as s

    t = s.failure_modes
    with snap.records.engine.connect() as conn:
        found = conn.execute(sa.select(t.c.site_id, t.c.data).order_by(t.c.site_id, t.c.position)).all()
    sites = {x.id for x in snap.sites()}
    rows = []
    for owner, data in found:
        m = FailureMode.model_validate(data)
        own = m.attributes
        s_o_d = (m.severity, m.occurrence, m.detection)
        rpn = own["rpn"] if "rpn" in own else \
            s_o_d[0] * s_o_d[1] * s_o_d[2] if all(v is not None for v in s_o_d) else None  # the file's, as written
        rows.append({
            "id": m.id, "name": m.name, "asset_type": m.asset_type, "site": owner if owner in sites else None,
            "source": m.source, "subsystem": _text(own.get("subsystem")),
            "component": _text(own.get("component", m.component)), "sub_component": _text(own.get("sub_component")),
            "failure_mode": _text(own.get("failure_mode")) or m.name, "failure_code": _text(own.get("failure_code")),
            "category": _text(own.get("category")),
            "effect": _text(own.get("effect")) or _text("; ".join(m.symptoms)),
            "symptoms": _text("; ".join(m.symptoms)), "cause": _text(own.get("cause", m.mechanism)),
            "controls": _text(own.get("controls")),
            "recommended_action": _text(own.get("recommended_action", m.recommended_action)),
            "revealing_sensors": _text(", ".join(m.revealing_sensors)), "severity": m.severity,
            "occurrence": m.occurrence, "detection": m.detection, "rpn": rpn,
        })
    return rows


def _assets(snap: Snapshot) -> list[dict[str, Any]]:
    return [{"id": a.id, "name": a.name, "type": a.type, "site": a.site_id, "line": a.line_id,
             "criticality": a.criticality, "manufacturer": _text(a.manufacturer), "model": _text(a.model),
             "description": _text(a.description), "aliases": _text(", ".join(a.aliases)),
             "sensor_count": len(a.sensors), "component_count": len(a.components)} for a in snap.assets()]


def _sites(snap: Snapshot) -> list[dict[str, Any]]:
    assets, lines = snap.assets(), snap.lines()
    return [{"id": s.id, "name": s.name, "description": _text(s.description), "timezone": s.timezone,
             "line_count": sum(1 for ln in lines if ln.site_id == s.id),
             "asset_count": sum(1 for a in assets if a.site_id == s.id)} for s in snap.sites()]


def _lines(snap: Snapshot) -> list[dict[str, Any]]:
    assets = snap.assets()
    return [{"id": ln.id, "name": ln.name, "site": ln.site_id, "area": _text(ln.area),
             "description": _text(ln.description), "asset_count": sum(1 for a in assets if a.line_id == ln.id)}
            for ln in snap.lines()]


def _place(a: Any) -> dict[str, Any]:
    return {"asset": a.id, "asset_type": a.type, "site": a.site_id, "line": a.line_id}


def _sensors(snap: Snapshot) -> list[dict[str, Any]]:
    return [{**_place(a), "sensor": s.id, "name": s.name, "quantity": s.quantity, "unit": s.unit,
             "normal_min": s.normal_min, "normal_max": s.normal_max, "sample_period_s": s.sample_period_s,
             "component": _text(s.component)} for a in snap.assets() for s in a.sensors]


def _components(snap: Snapshot) -> list[dict[str, Any]]:
    return [{**_place(a), "component": c.id, "name": c.name, "kind": c.kind} for a in snap.assets()
            for c in a.components]


_PROJECTIONS = {"failure_modes": _failure_modes, "assets": _assets, "sites": _sites, "lines": _lines,
                "sensors": _sensors, "components": _components}
