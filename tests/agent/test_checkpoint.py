"""Checkpointers: SQLite under IM_HOME by default, PostgreSQL when IM_CHECKPOINT_URL says so, a clear error otherwise."""

from __future__ import annotations

import uuid

import pytest
from langchain_core.messages import AIMessage

from industrialmind.agent.graph import open_checkpointer
from industrialmind.agent.runner import Assistant
from industrialmind.agent.testing import ScriptedChatModel, tool_call
from industrialmind.config import get_settings
from industrialmind.errors import ConfigError
from tests.conftest import require_env
from tests.tools.fakes import install


def test_checkpointer_default_is_sqlite_under_home(im_home):
    """With no IM_CHECKPOINT_URL the saver is SQLite in IM_HOME/checkpoints.db."""
    saver = open_checkpointer(get_settings())
    assert type(saver).__name__ == "SqliteSaver"
    saver.conn.close()
    assert (im_home / "checkpoints.db").exists()


def test_checkpointer_unknown_url_names_valid_forms():
    """An unsupported checkpoint URL raises ConfigError listing the valid forms."""
    with pytest.raises(ConfigError, match="valid forms: 'sqlite:///path.db', 'postgresql://"):
        open_checkpointer(get_settings(checkpoint_url="redis://localhost"))


def test_checkpointer_unreachable_postgres_is_one_line_with_password_masked():
    """A closed PostgreSQL port is BackendUnavailableError on one line, the URL's password masked."""
    pytest.importorskip("langgraph.checkpoint.postgres")
    from industrialmind.errors import BackendUnavailableError

    with pytest.raises(BackendUnavailableError, match="IM_CHECKPOINT_URL") as info:
        open_checkpointer(get_settings(checkpoint_url="postgresql://im:hunter2@127.0.0.1:9/db"))
    assert "hunter2" not in str(info.value) and "\n" not in str(info.value)


def test_checkpointer_sqlite_under_a_file_is_config_error(tmp_path):
    """A SQLite checkpoint path whose folder cannot be made is a ConfigError naming IM_CHECKPOINT_URL."""
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(ConfigError, match="IM_CHECKPOINT_URL: cannot create the folder"):
        open_checkpointer(get_settings(checkpoint_url=f"sqlite:///{afile / 'c.db'}"))


@pytest.mark.integration  # a real PostgreSQL (IM_TEST_POSTGRES_URL)
def test_checkpointer_postgres_resumes_approval(monkeypatch):
    """With a PostgreSQL URL, an approval interrupt in one Assistant is resumed by a fresh one."""
    url = require_env("IM_TEST_POSTGRES_URL", "PostgreSQL")
    records, _ = install(monkeypatch)
    settings = get_settings(checkpoint_url=url)
    thread = f"pg-{uuid.uuid4().hex[:8]}"
    args = {"asset_id": "P-101", "title": "t", "description": "d", "priority": "low"}
    first = Assistant(settings, llm=ScriptedChatModel(responses=[
        AIMessage(content="", tool_calls=[tool_call("create_work_order", args)])]))
    assert type(first.checkpointer).__name__ == "PostgresSaver"
    assert first.ask("open one", thread_id=thread).pending_approval is not None
    first.close()
    second = Assistant(settings, llm=ScriptedChatModel(responses=["Created."]))
    result = second.resume(thread, approved=True)
    second.close()
    assert result.answer == "Created." and len(records.created) == 1
