"""The web chat's conversation history: Chainlit's own SQLAlchemy data layer, its tables, and a file store for charts.

Chainlit keeps what the browser showed (threads, messages, tool steps, chart elements, thumbs feedback) in five
tables: users, threads, steps, elements, feedbacks. They live in SQLite under <home>/web/history.db, or in the
PostgreSQL database of IM_CHECKPOINT_URL when the agent's checkpoints are there, so one database holds a
conversation both as the person saw it (Chainlit) and as the agent continues it (LangGraph). Chainlit ships no DDL
for its SQLAlchemy layer, so the tables are declared here from the columns the layer writes (chainlit 2.12's
StepDict, ElementDict and Feedback) and created idempotently at start-up; a column a newer Chainlit adds is added
to an existing table the same way.

A web thread's Chainlit id is also its LangGraph thread id: resuming a thread from the sidebar rebuilds nothing but
the session, and the agent reads its state from the checkpointer under that id.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainlit.data.storage_clients.base import BaseStorageClient  # the web process imports chainlit anyway

if TYPE_CHECKING:
    import sqlalchemy as sa

    from industrialmind.config import Settings

LOCAL_USER = "local"  # the one user every browser is when no login is configured (see web.py)
FILES_ROUTE = "/api/files"  # where the browser reads stored chart elements back (ui/api.py)
THREAD_LIMIT = 200  # threads the sidebar can page through per user (Chainlit reads them all, then pages)
_POSTGRES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_READY: set[str] = set()  # databases whose tables this process has already checked


def files_dir(settings: Settings) -> Path:
    """Where stored chart elements live: <home>/web/files."""
    return settings.home / "web" / "files"


def history_urls(settings: Settings) -> tuple[str, str]:
    """(sync URL for the DDL, async URL for Chainlit's layer) of the history database."""
    checkpoint = settings.resolved.checkpoint
    if checkpoint.startswith(_POSTGRES):
        url = "postgresql+psycopg://" + checkpoint.split("://", 1)[1]  # psycopg 3 drives both sync and async
        return url, url
    path = settings.home / "web" / "history.db"
    return f"sqlite:///{path}", f"sqlite+aiosqlite:///{path}"


def history_tables() -> sa.MetaData:
    """Chainlit's five tables with the columns its SQLAlchemy layer reads and writes (camelCase, quoted)."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    text, flag, number = sa.Text, sa.Boolean, sa.Integer
    # JSON is stored as text on both databases: the layer binds json.dumps() strings, parses text back (SQLite's
    # case), and matches favourites with LIKE, which a JSONB column would refuse on PostgreSQL
    tags = sa.Text().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
    md = sa.MetaData()
    sa.Table("users", md,
             sa.Column("id", text, primary_key=True),
             sa.Column("identifier", text, nullable=False, unique=True),
             sa.Column("metadata", text, nullable=False),
             sa.Column("createdAt", text))
    sa.Table("threads", md,
             sa.Column("id", text, primary_key=True),
             sa.Column("createdAt", text),
             sa.Column("name", text),
             sa.Column("userId", text, sa.ForeignKey("users.id", ondelete="CASCADE")),
             sa.Column("userIdentifier", text),
             sa.Column("tags", tags),
             sa.Column("metadata", text))
    sa.Table("steps", md,
             sa.Column("id", text, primary_key=True),
             sa.Column("name", text, nullable=False),
             sa.Column("type", text, nullable=False),
             sa.Column("threadId", text, sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
             sa.Column("parentId", text),
             sa.Column("streaming", flag, nullable=False),
             sa.Column("waitForAnswer", flag),
             sa.Column("isError", flag),
             sa.Column("metadata", text),
             sa.Column("tags", tags),
             sa.Column("input", text),
             sa.Column("output", text),
             sa.Column("createdAt", text),
             sa.Column("command", text),
             sa.Column("modes", text),
             sa.Column("start", text),
             sa.Column("end", text),
             sa.Column("generation", text),
             sa.Column("showInput", text),
             sa.Column("language", text),
             sa.Column("indent", number),
             sa.Column("defaultOpen", flag),
             sa.Column("autoCollapse", flag),
             sa.Index("ix_steps_thread", "threadId"))
    sa.Table("elements", md,
             sa.Column("id", text, primary_key=True),
             sa.Column("threadId", text, sa.ForeignKey("threads.id", ondelete="CASCADE")),
             sa.Column("type", text),
             sa.Column("url", text),
             sa.Column("chainlitKey", text),
             sa.Column("name", text, nullable=False),
             sa.Column("display", text),
             sa.Column("objectKey", text),
             sa.Column("size", text),
             sa.Column("page", number),
             sa.Column("language", text),
             sa.Column("forId", text),
             sa.Column("mime", text),
             sa.Column("props", text),
             sa.Column("autoPlay", flag),
             sa.Column("playerConfig", text),
             sa.Index("ix_elements_thread", "threadId"))
    sa.Table("feedbacks", md,
             sa.Column("id", text, primary_key=True),
             sa.Column("forId", text, nullable=False),
             sa.Column("threadId", text, sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
             sa.Column("value", number, nullable=False),
             sa.Column("comment", text))
    return md


def ensure_history_tables(settings: Settings) -> str:
    """Create the history tables (and any column they lack) once per process; returns the async URL.

    Raises BackendUnavailableError naming IM_CHECKPOINT_URL when its PostgreSQL server cannot be reached.
    """
    sync_url, async_url = history_urls(settings)
    if sync_url in _READY:
        return async_url
    import sqlalchemy as sa

    from industrialmind.config import ensure_parent, mask_url
    from industrialmind.errors import BackendUnavailableError

    if sync_url.startswith("sqlite:///"):
        ensure_parent(Path(sync_url[len("sqlite:///"):]), "IM_HOME")
    engine = sa.create_engine(sync_url)
    try:
        md = history_tables()
        with engine.begin() as conn:
            md.create_all(conn, checkfirst=True)
            _add_missing_columns(conn, md)
    except sa.exc.OperationalError as exc:
        raise BackendUnavailableError(f"cannot reach the chat history database {mask_url(sync_url)!r}: "
                                      f"{' '.join(str(exc.orig).split())}; check IM_CHECKPOINT_URL") from None
    finally:
        engine.dispose()
    _READY.add(sync_url)
    return async_url


def _add_missing_columns(conn: Any, md: sa.MetaData) -> None:
    """ALTER TABLE ... ADD COLUMN for a column declared here that an older table lacks (nullable, no index)."""
    import sqlalchemy as sa

    inspector = sa.inspect(conn)
    for table in md.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def open_data_layer(settings: Settings) -> Any:
    """Chainlit's SQLAlchemyDataLayer over the history database (tables ensured), with charts stored as files."""
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

    url = ensure_history_tables(settings)
    return SQLAlchemyDataLayer(conninfo=url, storage_provider=LocalFileStorage(files_dir(settings)),
                               user_thread_limit=THREAD_LIMIT)


def checkpoint_thread_id(thread: dict[str, Any]) -> str:
    """The LangGraph thread id of a Chainlit thread: the one its session recorded, else the Chainlit id itself."""
    metadata = thread.get("metadata") or {}
    if isinstance(metadata, str):  # SQLite (and our text columns) give the JSON back as text
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = {}
    recorded = metadata.get("thread_id") if isinstance(metadata, dict) else None
    return str(recorded or thread["id"])


def step_metadata(step: dict[str, Any]) -> dict[str, Any]:
    """A stored step's metadata as a dict (it comes back as JSON text from the database)."""
    raw = step.get("metadata") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


class LocalFileStorage(BaseStorageClient):
    """Element files (a chart's Plotly JSON) in a folder, read back by the browser through GET /api/files/<name>.

    Chainlit persists an element only through a storage client; without one a resumed thread loses its charts.
    Files are named by a hash of Chainlit's object key, so the URL reveals nothing and cannot walk the disk.
    """

    def __init__(self, root: Path, route: str = FILES_ROUTE) -> None:
        self.root = Path(root)
        self.route = route

    @staticmethod
    def file_name(object_key: str, mime: str = "") -> str:
        """The stored file's name: a hash of the key, with an extension from the MIME type for the response."""
        ext = mimetypes.guess_extension(mime or "") or ".bin"
        return hashlib.sha256(object_key.encode()).hexdigest() + ext

    def _existing(self, object_key: str) -> Path | None:
        stem = hashlib.sha256(object_key.encode()).hexdigest()
        return next(iter(sorted(self.root.glob(stem + ".*"))), None) if self.root.is_dir() else None

    async def upload_file(self, object_key: str, data: bytes | str, mime: str = "application/octet-stream",
                          overwrite: bool = True, content_disposition: str | None = None) -> dict[str, Any]:
        """Write the element's content; returns its object key and the URL the browser reads it from."""
        import asyncio

        name = self.file_name(object_key, mime)
        path = self.root / name
        if overwrite or not path.exists():
            payload = data.encode() if isinstance(data, str) else bytes(data)
            await asyncio.to_thread(self._write, path, payload)
        return {"object_key": object_key, "url": f"{self.route}/{name}"}

    def _write(self, path: Path, payload: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(payload)
        tmp.replace(path)

    async def delete_file(self, object_key: str) -> bool:
        """Remove the element's file (when its thread is deleted from the sidebar)."""
        path = self._existing(object_key)
        if path is None:
            return False
        path.unlink(missing_ok=True)
        return True

    async def get_read_url(self, object_key: str) -> str:
        """The URL of a stored element (the same one upload_file returned)."""
        path = self._existing(object_key)
        return f"{self.route}/{path.name if path else self.file_name(object_key)}"

    async def close(self) -> None:
        """Nothing to release: files are written and closed at once."""

    def resolve(self, name: str) -> Path | None:
        """The stored file behind a URL name, or None for anything that is not a file this store wrote."""
        if not re.fullmatch(r"[0-9a-f]{64}\.[A-Za-z0-9]{1,10}", name):
            return None
        path = self.root / name
        return path if path.is_file() else None
