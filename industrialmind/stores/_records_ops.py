"""Work orders, events/alarms, fault labels and jobs: the records store's operations beyond the asset registry.

Mixed into `records.RecordsStore`, which provides `engine`, `dialect`, `_upsert`, `_next_number` and `_rows`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable

from industrialmind.errors import InvalidInputError, NotFoundError, did_you_mean
from industrialmind.domain.model import Event, FaultLabel, WorkOrder, utc

if TYPE_CHECKING:
    import sqlalchemy as sa

_PRIORITIES = ("low", "medium", "high", "urgent")
_REVISION = "revision"
_WO_COLUMNS = ("id", "asset_id", "title", "description", "priority", "status", "kind", "failure_code", "component",
               "created_at", "due_at", "completed_at", "source")


class JobRecord(dict):
    """A job as a dict (id, kind, status, progress, message, params, result, error, mlflow_run_id, created_at,
    updated_at) whose keys also read as attributes (job.status)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class RecordOperations:
    """Work orders, events, fault labels and jobs over the store's engine."""

    engine: "sa.Engine"

    # --- work orders ----------------------------------------------------------------------------------------

    def upsert_work_orders(self, orders: list[WorkOrder]) -> int:
        """Insert or update work orders by id (idempotent); return how many were given."""
        from industrialmind.stores import _records_schema as s

        rows = {wo.id: {c: getattr(wo, c) for c in _WO_COLUMNS} for wo in orders}
        with self.engine.begin() as conn:
            self._upsert(conn, s.work_orders, list(rows.values()), ["id"])
            self._changed(conn)
        return len(rows)

    def create_work_order(self, asset_id: str, title: str, description: str = "", priority: str = "medium",
                          kind: str = "corrective", request_id: str | None = None) -> WorkOrder:
        """Create a work order with the next id ('WO-000123'); the same request_id twice returns the first one."""
        import sqlalchemy as sa

        from industrialmind.stores import _records_schema as s

        if priority not in _PRIORITIES:
            raise InvalidInputError(f"unknown priority {priority!r}" + did_you_mean(priority, _PRIORITIES))
        if not title or not title.strip():
            raise InvalidInputError("a work order needs a title")
        if request_id is not None:
            existing = self._work_order_for_request(request_id)
            if existing is not None:
                return existing
        try:
            with self.engine.begin() as conn:
                while True:  # skip numbers an import already used
                    wo_id = f"WO-{self._next_number(conn, 'work_order'):06d}"
                    taken = conn.execute(sa.select(s.work_orders.c.id).where(s.work_orders.c.id == wo_id)).first()
                    if taken is None:
                        break
                order = WorkOrder(id=wo_id, asset_id=asset_id, title=title.strip(), description=description,
                                  priority=priority, kind=kind, created_at=_now(), source="assistant")
                row = {c: getattr(order, c) for c in _WO_COLUMNS}
                conn.execute(s.work_orders.insert().values(**row, request_id=request_id))
                self._changed(conn)
        except sa.exc.IntegrityError:
            # Another process created it for the same request_id between our check and our insert.
            existing = self._work_order_for_request(request_id) if request_id is not None else None
            if existing is None:
                raise
            return existing
        return order

    def _work_order_for_request(self, request_id: str) -> WorkOrder | None:
        from industrialmind.stores import _records_schema as s

        rows = self._rows(s.work_orders.select().where(s.work_orders.c.request_id == request_id))
        return _work_order(rows[0]) if rows else None

    def list_work_orders(self, asset_id: str | Iterable[str] | None = None, status: str | Iterable[str] | None = None,
                         start: datetime | None = None, end: datetime | None = None,
                         limit: int | None = None) -> list[WorkOrder]:
        """Work orders, newest first, optionally of some assets, statuses and created in [start, end)."""
        from industrialmind.stores import _records_schema as s

        t = s.work_orders
        query = t.select().order_by(t.c.created_at.desc(), t.c.id.desc())
        if (assets := _as_list(asset_id)) is not None:
            query = query.where(t.c.asset_id.in_(assets))
        if (statuses := _as_list(status)) is not None:
            query = query.where(t.c.status.in_(statuses))
        if start is not None:
            query = query.where(t.c.created_at >= utc(start))
        if end is not None:
            query = query.where(t.c.created_at < utc(end))
        if limit is not None:
            query = query.limit(limit)
        return [_work_order(r) for r in self._rows(query)]

    def get_work_order(self, work_order_id: str) -> WorkOrder:
        """The work order with this id, or NotFoundError naming close ids."""
        import sqlalchemy as sa

        from industrialmind.stores import _records_schema as s

        rows = self._rows(s.work_orders.select().where(s.work_orders.c.id == work_order_id))
        if rows:
            return _work_order(rows[0])
        ids = [r["id"] for r in self._rows(sa.select(s.work_orders.c.id))]
        raise NotFoundError(f"unknown work order {work_order_id!r}" + did_you_mean(work_order_id, ids))

    # --- events ---------------------------------------------------------------------------------------------

    def upsert_events(self, events: list[Event]) -> int:
        """Insert or update events by id (idempotent); return how many were given."""
        from industrialmind.stores import _records_schema as s

        rows = {e.id: e.model_dump() for e in events}
        with self.engine.begin() as conn:
            self._upsert(conn, s.events, list(rows.values()), ["id"])
            self._changed(conn)
        return len(rows)

    def list_events(self, asset_ids: str | Iterable[str] | None = None, kind: str | Iterable[str] | None = None,
                    since: datetime | None = None, until: datetime | None = None, limit: int | None = None,
                    asset_id: str | None = None) -> list[Event]:
        """Events, newest first, optionally of some assets and kinds, overlapping [since, until) (an event with
        no end is still going on)."""
        from industrialmind.stores import _records_schema as s

        t = s.events
        query = t.select().order_by(t.c.start.desc(), t.c.id)
        assets = _as_list(asset_ids if asset_ids is not None else asset_id)
        if assets is not None:
            query = query.where(t.c.asset_id.in_(assets))
        if (kinds := _as_list(kind)) is not None:
            query = query.where(t.c.kind.in_(kinds))
        if since is not None:
            query = query.where((t.c.end.is_(None)) | (t.c.end >= utc(since)))
        if until is not None:
            query = query.where(t.c.start < utc(until))
        if limit is not None:
            query = query.limit(limit)
        return [Event.model_validate({c.name: r[c.name] for c in t.columns}) for r in self._rows(query)]

    # --- fault labels ---------------------------------------------------------------------------------------

    def replace_fault_labels(self, labels: list[FaultLabel], source: str) -> int:
        """Replace every label of this source with these, in one transaction; return how many were stored."""
        from industrialmind.stores import _records_schema as s

        rows = [{"source": source, "asset_id": x.asset_id, "fault": x.fault, "start": x.start, "end": x.end,
                 "sensors": list(x.sensors), "severity": x.severity} for x in labels]
        with self.engine.begin() as conn:
            conn.execute(s.fault_labels.delete().where(s.fault_labels.c.source == source))
            if rows:
                conn.execute(s.fault_labels.insert(), rows)
            self._changed(conn)
        return len(rows)

    def list_fault_labels(self, asset_id: str | Iterable[str] | None = None, start: datetime | None = None,
                          end: datetime | None = None) -> list[FaultLabel]:
        """Fault labels, oldest first, optionally of some assets and overlapping [start, end)."""
        from industrialmind.stores import _records_schema as s

        t = s.fault_labels
        query = t.select().order_by(t.c.start, t.c.asset_id, t.c.pk)
        if (assets := _as_list(asset_id)) is not None:
            query = query.where(t.c.asset_id.in_(assets))
        if start is not None:
            query = query.where(t.c.end > utc(start))
        if end is not None:
            query = query.where(t.c.start < utc(end))
        return [FaultLabel(asset_id=r["asset_id"], fault=r["fault"], start=r["start"], end=r["end"],
                           sensors=r["sensors"], severity=r["severity"], source=r["source"]) for r in self._rows(query)]

    # --- the store's revision --------------------------------------------------------------------------------

    def revision(self) -> int:
        """A number that grows with every write to the registry, work orders, events or fault labels (jobs aside):
        what a cache of values read from those tables is keyed on."""
        import sqlalchemy as sa

        from industrialmind.stores import _records_schema as s

        with self.engine.connect() as conn:
            value = conn.execute(sa.select(s.counters.c.value).where(s.counters.c.name == _REVISION)).scalar()
        return int(value or 0)

    def _changed(self, conn: "sa.Connection") -> None:
        """Bump the revision inside the caller's transaction, so it changes exactly when the write commits."""
        self._next_number(conn, _REVISION)

    # --- jobs -----------------------------------------------------------------------------------------------

    def create_job(self, kind: str, params: dict) -> str:
        """Record a queued job of this kind with its parameters (JSON-able); return its id ('JOB-000001')."""
        from industrialmind.stores import _records_schema as s

        now = _now()
        with self.engine.begin() as conn:
            job_id = f"JOB-{self._next_number(conn, 'job'):06d}"
            conn.execute(s.jobs.insert().values(id=job_id, kind=kind, status="queued", progress=0.0, message="",
                                                params=_jsonable(params), created_at=now, updated_at=now))
        return job_id

    def update_job(self, job_id: str, status: str | None = None, progress: float | None = None,
                   message: str | None = None, result: dict | None = None, error: str | None = None,
                   mlflow_run_id: str | None = None) -> None:
        """Update a job's status (queued/running/succeeded/failed), progress (0..1), message, result or error."""
        from industrialmind.stores import _records_schema as s

        if status is not None and status not in s.JOB_STATUSES:
            raise InvalidInputError(f"unknown job status {status!r}" + did_you_mean(status, s.JOB_STATUSES))
        values: dict[str, Any] = {"updated_at": _now()}
        for name, value in (("status", status), ("message", message), ("error", error),
                            ("mlflow_run_id", mlflow_run_id)):
            if value is not None:
                values[name] = value
        if progress is not None:
            values["progress"] = min(1.0, max(0.0, float(progress)))
        if result is not None:
            values["result"] = _jsonable(result)
        with self.engine.begin() as conn:
            changed = conn.execute(s.jobs.update().where(s.jobs.c.id == job_id).values(**values)).rowcount
        if not changed:
            self._missing_job(job_id)

    def get_job(self, job_id: str) -> JobRecord:
        """One job (a dict whose keys also read as attributes), or NotFoundError naming recent job ids."""
        from industrialmind.stores import _records_schema as s

        rows = self._rows(s.jobs.select().where(s.jobs.c.id == job_id))
        if not rows:
            self._missing_job(job_id)
        return JobRecord(rows[0])

    def list_jobs(self, kind: str | None = None, limit: int | None = 20) -> list[JobRecord]:
        """The most recent jobs first, optionally of one kind."""
        from industrialmind.stores import _records_schema as s

        query = s.jobs.select().order_by(s.jobs.c.created_at.desc(), s.jobs.c.id.desc())
        if kind is not None:
            query = query.where(s.jobs.c.kind == kind)
        if limit is not None:
            query = query.limit(limit)
        return [JobRecord(r) for r in self._rows(query)]

    def _missing_job(self, job_id: str) -> None:
        recent = [j["id"] for j in self.list_jobs(limit=5)]
        hint = did_you_mean(job_id, recent) if recent else "; no jobs are recorded yet"
        raise NotFoundError(f"unknown job {job_id!r}" + hint)


def _work_order(row: Any) -> WorkOrder:
    return WorkOrder.model_validate({c: row[c] for c in _WO_COLUMNS})


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON (datetimes as ISO strings), so SQLite and PostgreSQL store the same thing."""
    import json

    def default(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.isoformat()
        if hasattr(v, "item"):
            return v.item()
        if hasattr(v, "model_dump"):
            return v.model_dump(mode="json")
        return str(v)

    return json.loads(json.dumps(value, default=default))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)
