"""The web chat's history: Chainlit's SQLAlchemy data layer over SQLite under IM_HOME, its tables, the chart file
store, and resuming a thread from the sidebar onto the agent's checkpointed thread of the same id."""

from __future__ import annotations

import importlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("chainlit")
pytest.importorskip("aiosqlite")

from industrialmind.config import Settings, get_settings
from industrialmind.ui import _web_history as history

TABLES = {"users", "threads", "steps", "elements", "feedbacks"}


@pytest.fixture(autouse=True)
def fresh_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test creates its tables anew in its own IM_HOME, and no data layer is cached in Chainlit."""
    import chainlit.data

    monkeypatch.setattr(history, "_READY", set())
    monkeypatch.setattr(chainlit.data, "_data_layer", None)
    monkeypatch.setattr(chainlit.data, "_data_layer_initialized", False)


def _columns(db: Path) -> dict[str, set[str]]:
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: {r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')} for n in names}


def _context(thread_id: str | None = None, user: Any = None) -> Any:
    """A Chainlit HTTP context (what a REST call gets), with an emitter that records what would reach the browser."""
    from chainlit.context import ChainlitContext, context_var
    from chainlit.emitter import BaseChainlitEmitter
    from chainlit.session import HTTPSession

    class Recorder(BaseChainlitEmitter):
        def __init__(self, session: Any) -> None:
            super().__init__(session)
            self.events: list[tuple[str, Any]] = []

        async def emit(self, event: str, data: Any) -> None:
            self.events.append((event, data))

        def set_chat_settings(self, settings: dict) -> None:  # Chainlit calls it without await
            self.events.append(("chat_settings", settings))

    session = HTTPSession(id=str(uuid.uuid4()), thread_id=thread_id or str(uuid.uuid4()), token=None, user=user,
                          client_type="webapp")
    ctx = ChainlitContext(session, emitter=Recorder(session))
    context_var.set(ctx)
    return ctx


def test_web_history_tables_are_created_under_im_home_idempotently(im_home: Path) -> None:
    """Start-up creates Chainlit's five tables in <home>/web/history.db, twice without harm, with the columns the
    layer writes; the async URL uses aiosqlite."""
    settings = get_settings()
    url = history.ensure_history_tables(settings)
    assert url == f"sqlite+aiosqlite:///{im_home / 'web' / 'history.db'}"
    history._READY.clear()
    assert history.ensure_history_tables(settings) == url  # a second start finds them and changes nothing
    columns = _columns(im_home / "web" / "history.db")
    assert TABLES <= set(columns)
    assert {"threadId", "parentId", "defaultOpen", "autoCollapse", "command", "showInput"} <= columns["steps"]
    assert {"forId", "threadId", "value", "comment"} == columns["feedbacks"] - {"id"}
    assert {"objectKey", "chainlitKey", "props", "mime"} <= columns["elements"]


def test_web_history_adds_a_column_an_older_table_lacks(im_home: Path) -> None:
    """A history database made before a column existed gets it added at start-up, keeping its rows."""
    db = im_home / "web" / "history.db"
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:
        conn.execute('CREATE TABLE feedbacks ("id" TEXT PRIMARY KEY, "forId" TEXT NOT NULL, '
                     '"threadId" TEXT NOT NULL, "value" INT NOT NULL)')
        conn.execute("INSERT INTO feedbacks VALUES ('f1', 's1', 't1', 1)")
    history.ensure_history_tables(get_settings())
    assert "comment" in _columns(db)["feedbacks"]
    with sqlite3.connect(db) as conn:
        assert conn.execute('SELECT "id", "comment" FROM feedbacks').fetchall() == [("f1", None)]


def test_web_history_uses_the_checkpoint_postgres_database_when_configured(im_home: Path) -> None:
    """With IM_CHECKPOINT_URL on PostgreSQL the history goes to the same database, through psycopg 3 (sync and
    async); otherwise it is a SQLite file under IM_HOME whatever the checkpoint file is."""
    pg = Settings(home=im_home, checkpoint_url="postgresql://im:pw@db:5432/plant")
    assert history.history_urls(pg) == ("postgresql+psycopg://im:pw@db:5432/plant",) * 2
    memory = Settings(home=im_home, checkpoint_url="memory://")
    assert history.history_urls(memory)[0] == f"sqlite:///{im_home / 'web' / 'history.db'}"


def test_web_history_unreachable_postgres_is_one_clear_error(im_home: Path) -> None:
    """A history database that cannot be reached fails the start with the masked URL and the setting to check."""
    import socket

    from industrialmind.errors import BackendUnavailableError

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(home=im_home, checkpoint_url=f"postgresql://im:s3cret@127.0.0.1:{port}/plant")
    with pytest.raises(BackendUnavailableError, match="chat history database.*IM_CHECKPOINT_URL") as failed:
        history.ensure_history_tables(settings)
    assert "s3cret" not in str(failed.value) and "****" in str(failed.value)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def history_settings(request: pytest.FixtureRequest, im_home: Path) -> Any:
    """Settings whose history database is SQLite under IM_HOME, or a fresh schema of the CI PostgreSQL (skipped when
    IM_TEST_POSTGRES_URL is unset), dropped afterwards."""
    if request.param == "sqlite":
        yield get_settings()
        return
    import psycopg

    from tests.conftest import require_env

    url = require_env("IM_TEST_POSTGRES_URL", "PostgreSQL")
    admin = url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"im_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in url else "?"
    try:
        yield Settings(home=im_home, checkpoint_url=f"{url}{sep}options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_web_history_thread_written_through_the_layer_is_listed_back(history_settings: Settings) -> None:
    """A user, a thread and its messages written through Chainlit's layer come back in the user's thread list (the
    sidebar's query), with the first question as the name, and a thumbs-up is stored with the thread."""
    from chainlit.types import Feedback, Pagination, ThreadFilter
    from chainlit.user import User

    layer = history.open_data_layer(history_settings)
    try:
        user = await layer.create_user(User(identifier=history.LOCAL_USER, metadata={"auth": "local"}))
        assert user is not None and user.identifier == "local"
        thread_id = str(uuid.uuid4())
        _context(thread_id, user)
        await layer.update_thread(thread_id, name="Plot P-101 vibration", user_id=user.id,
                                  metadata={"thread_id": thread_id})
        question, answer = str(uuid.uuid4()), str(uuid.uuid4())
        await layer.create_step({"id": question, "threadId": thread_id, "name": "local", "type": "user_message",
                                 "output": "Plot P-101 vibration", "streaming": False,
                                 "createdAt": "2026-11-26T06:00:00Z"})
        await layer.create_step({"id": answer, "threadId": thread_id, "name": "IndustrialMind",
                                 "type": "assistant_message", "output": "P-101 vibration_de ...", "streaming": False,
                                 "isError": False, "defaultOpen": False, "autoCollapse": False, "showInput": "json",
                                 "metadata": {"kind": "approval"}, "createdAt": "2026-11-26T06:00:05Z"})
        await layer.upsert_feedback(Feedback(forId=answer, threadId=thread_id, value=1))
        page = await layer.list_threads(Pagination(first=20), ThreadFilter(userId=user.id))
        thread = await layer.get_thread(thread_id)
    finally:
        await layer.close()
    assert [t["id"] for t in page.data] == [thread_id]
    assert page.data[0]["name"] == "Plot P-101 vibration" and page.data[0]["userIdentifier"] == "local"
    assert thread is not None
    assert [s["output"] for s in thread["steps"]] == ["Plot P-101 vibration", "P-101 vibration_de ..."]
    assert thread["steps"][1]["feedback"]["value"] == 1
    assert history.step_metadata(thread["steps"][1]) == {"kind": "approval"}
    assert history.checkpoint_thread_id(thread) == thread_id


def test_web_history_checkpoint_thread_id_reads_the_session_or_falls_back_to_the_thread() -> None:
    """The agent's thread id is the one the session recorded in the thread's metadata (JSON text or a dict), and
    Chainlit's own thread id when none was recorded (a server that stopped before the session was saved)."""
    assert history.checkpoint_thread_id({"id": "c1", "metadata": json.dumps({"thread_id": "lg-1"})}) == "lg-1"
    assert history.checkpoint_thread_id({"id": "c1", "metadata": {"thread_id": "lg-2"}}) == "lg-2"
    assert history.checkpoint_thread_id({"id": "c1", "metadata": None}) == "c1"
    assert history.checkpoint_thread_id({"id": "c1", "metadata": "not json"}) == "c1"


async def test_web_history_file_store_round_trips_a_chart_and_refuses_other_names(tmp_path: Path) -> None:
    """A chart's JSON is written under a hashed name, read back through the URL it was given, and deleted with its
    thread; names it did not write (a path, another folder) resolve to nothing."""
    store = history.LocalFileStorage(tmp_path / "files")
    key = "user-1/element-1/P-101 Vibration, drive end"
    uploaded = await store.upload_file(key, '{"data": []}', mime="application/json")
    name = uploaded["url"].rsplit("/", 1)[1]
    assert uploaded["url"].startswith("/api/files/") and name.endswith(".json") and "P-101" not in name
    assert await store.get_read_url(key) == uploaded["url"]
    assert store.resolve(name).read_text() == '{"data": []}'
    for bad in ("../history.db", name.replace(".json", ""), "x" * 64 + ".json", "/etc/passwd"):
        assert store.resolve(bad) is None
    assert await store.delete_file(key) is True
    assert store.resolve(name) is None and await store.delete_file(key) is False


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Chainlit handlers module, loaded against a runtime on this test's IM_HOME (no login configured)."""
    from industrialmind.ui import _web_runtime

    runtime = _web_runtime.install(_web_runtime.WebRuntime(get_settings()))
    import industrialmind.ui.web as module

    module = importlib.reload(module)  # registers the handlers against this runtime's settings
    yield module
    runtime.close()


async def test_web_resume_continues_the_checkpointed_thread_and_offers_its_pending_approval(web: Any) -> None:
    """Resuming a thread from the sidebar gives the session the agent's thread id and brain back, and a thread that
    waits for approval gets Approve / Reject again, attached to its stored question."""
    import chainlit as cl

    from industrialmind.agent.runner import Assistant
    from industrialmind.agent.testing import ScriptedChatModel, tool_call

    runtime = web.current()
    thread_id = str(uuid.uuid4())  # Chainlit's id, which on_chat_start gives the agent too
    model = ScriptedChatModel(responses=[{"content": "", "tool_calls": [tool_call(
        "create_work_order", {"asset_id": "P-101", "title": "Inspect bearing", "priority": "high"})]}])
    assistant = Assistant(runtime.settings, llm=model, checkpointer=runtime.checkpointer())
    runtime._assistants[runtime.default_llm] = assistant
    assert assistant.ask("open a work order for the bearing", thread_id=thread_id).pending_approval is not None
    thread = {"id": thread_id, "metadata": json.dumps({"thread_id": thread_id, "llm": "offline"}), "elements": [],
              "steps": [{"id": "q1", "type": "user_message", "output": "open a work order for the bearing"},
                        {"id": "a1", "type": "assistant_message", "output": "**Approval needed.** ...",
                         "metadata": json.dumps({"kind": "approval"})}]}
    ctx = _context(thread_id)
    await web.resume(thread)
    assert cl.user_session.get("thread_id") == thread_id and cl.user_session.get("llm") == "offline"
    sent = [(event, data) for event, data in ctx.emitter.events if event == "action"]
    assert [(d["name"], d["forId"]) for _, d in sent] == [("approve", "a1"), ("reject", "a1")]
    assert sent[0][1]["payload"]["thread_id"] == thread_id
    assert "create_work_order" in sent[0][1]["payload"]["text"]


async def test_web_resume_puts_the_buttons_on_the_last_message_when_the_question_was_not_stored(web: Any) -> None:
    """Should the approval question be missing from the stored thread, the buttons go under its last message rather
    than on a new message (which Chainlit would wipe when it redraws the stored thread)."""
    from industrialmind.agent.runner import Assistant
    from industrialmind.agent.testing import ScriptedChatModel, tool_call

    runtime = web.current()
    model = ScriptedChatModel(responses=[{"content": "", "tool_calls": [tool_call(
        "create_work_order", {"asset_id": "P-101", "title": "Inspect bearing", "priority": "high"})]}])
    assistant = Assistant(runtime.settings, llm=model, checkpointer=runtime.checkpointer())
    runtime._assistants[runtime.default_llm] = assistant
    assistant.ask("open a work order for the bearing", thread_id="c-3")
    ctx = _context("c-3")
    await web.resume({"id": "c-3", "metadata": None, "elements": [],
                      "steps": [{"id": "q1", "type": "user_message", "output": "open a work order"},
                                {"id": "r1", "type": "run", "output": ""}]})
    assert [(d["name"], d["forId"]) for e, d in ctx.emitter.events if e == "action"] == [("approve", "q1"),
                                                                                        ("reject", "q1")]


async def test_web_resume_of_a_finished_thread_sends_no_buttons(web: Any) -> None:
    """A thread with nothing waiting resumes quietly: its id is set, no approval is offered."""
    import chainlit as cl

    from industrialmind.agent.runner import Assistant
    from industrialmind.agent.testing import ScriptedChatModel

    runtime = web.current()
    assistant = Assistant(runtime.settings, llm=ScriptedChatModel(responses=["Hello."]),
                          checkpointer=runtime.checkpointer())
    runtime._assistants[runtime.default_llm] = assistant
    assistant.ask("hi", thread_id="c-2")
    ctx = _context("c-2")
    await web.resume({"id": "c-2", "metadata": None, "steps": [], "elements": []})
    assert cl.user_session.get("thread_id") == "c-2"
    assert not [e for e, _ in ctx.emitter.events if e == "action"]
