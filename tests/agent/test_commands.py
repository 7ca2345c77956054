"""`industrialmind ask`, `init` and the chat-model factory, driven through the real CLI with scripted models."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from industrialmind.agent import brains
from industrialmind.agent.testing import ScriptedChatModel, tool_call
from industrialmind.cli import app
from industrialmind.config import get_settings
from industrialmind.errors import ConfigError
from tests.tools.fakes import install

WO_ARGS = {"asset_id": "P-101", "title": "Inspect bearing", "description": "vib high", "priority": "high"}


def _script(monkeypatch, *responses) -> ScriptedChatModel:
    model = ScriptedChatModel(responses=list(responses))
    monkeypatch.setattr(brains, "make_chat_model", lambda spec, settings: model)
    return model


def test_ask_json_shape(monkeypatch, initialised_home):
    """ask --json prints answer, tool_calls [{name, args}], pending_approval, thread_id and latency_ms."""
    install(monkeypatch)
    _script(monkeypatch, AIMessage(content="", tool_calls=[tool_call("get_asset", {"asset_id": "P-101"})]),
            "P-101 is Feed pump A.")
    result = CliRunner().invoke(app, ["ask", "what is P-101", "--json", "--thread", "cli1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["answer", "tool_calls", "pending_approval", "thread_id", "latency_ms"]
    assert data["answer"] == "P-101 is Feed pump A."
    assert data["tool_calls"] == [{"name": "get_asset", "args": {"asset_id": "P-101"}}]
    assert data["pending_approval"] is None and data["thread_id"] == "cli1" and data["latency_ms"] > 0


def test_ask_never_runs_action_without_approve(monkeypatch, initialised_home):
    """Without --approve the work order waits under pending_approval; with --approve on the thread it runs."""
    records, _ = install(monkeypatch)
    _script(monkeypatch, AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]), "Created.")
    out = CliRunner().invoke(app, ["ask", "open a work order for P-101", "--json", "--thread", "wo"])
    data = json.loads(out.stdout)
    assert data["pending_approval"]["actions"][0]["args"] == WO_ARGS and records.created == {}
    _script(monkeypatch, "Created.", "Anything else?")
    out = CliRunner().invoke(app, ["ask", "yes do it", "--json", "--thread", "wo", "--approve"])
    assert out.exit_code == 0, out.output
    assert len(records.created) == 1


def test_ask_human_output_shows_tool_calls(monkeypatch, initialised_home):
    """Without --json, ask prints the tool calls compactly and the answer."""
    install(monkeypatch)
    _script(monkeypatch, AIMessage(content="", tool_calls=[tool_call("get_asset", {"asset_id": "P-101"})]),
            "It is **Feed pump A**.")
    out = CliRunner().invoke(app, ["ask", "what is P-101"])
    assert "-> get_asset(asset_id='P-101')" in out.stdout and "Feed pump A" in out.stdout


def test_init_empty_writes_marker(im_home):
    """init --empty prepares IM_HOME without demo data, so chat/ask no longer auto-initialise it."""
    out = CliRunner().invoke(app, ["init", "--empty", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["steps"] == []
    assert (im_home / ".initialized").exists()


def test_make_chat_model_unknown_spec_lists_forms():
    """An unknown brain spec raises ConfigError naming every valid form."""
    with pytest.raises(ConfigError, match=r"unknown chat model 'gpt4'; valid forms: offline, openai/<model>"):
        brains.make_chat_model("gpt4", get_settings())


def test_make_chat_model_openai_uses_base_url():
    """'openai/<model>' builds ChatOpenAI against IM_OPENAI_BASE_URL with a placeholder key for local servers."""
    settings = get_settings(openai_base_url="http://127.0.0.1:9/v1")
    model = brains.make_chat_model("openai/tiny", settings)
    assert type(model).__name__ == "ChatOpenAI" and model.model_name == "tiny"
    assert str(model.openai_api_base) == "http://127.0.0.1:9/v1"


def test_make_chat_model_hf_parses_adapter():
    """'hf/<path>@<adapter>' builds the in-process model without loading weights yet."""
    model = brains.make_chat_model("hf/./base@./lora", get_settings())
    assert (model.model_path, model.adapter) == ("./base", "./lora")
    assert (model.device, model.max_new_tokens) == ("auto", 512)


def test_make_chat_model_hf_takes_device_and_token_limit_from_settings():
    """IM_HF_DEVICE and IM_HF_MAX_NEW_TOKENS reach the in-process model; an unknown device is a clear error."""
    from industrialmind.errors import ConfigError

    model = brains.make_chat_model("hf/./base", get_settings(hf_device="cpu", hf_max_new_tokens=64))
    assert (model.device, model.max_new_tokens) == ("cpu", 64)
    with pytest.raises(ConfigError, match="use auto, cpu or cuda"):
        brains.make_chat_model("hf/./base", get_settings(hf_device="gpu"))


def test_real_llm_calls_fail_loudly():
    """The conftest guard makes a real ChatOpenAI call raise instead of reaching a server."""
    model = brains.make_chat_model("openai/tiny", get_settings(openai_base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(AssertionError, match="real LLM"):
        model.invoke("hi")


def test_parse_tool_calls_from_generated_text():
    """<tool_call> JSON blocks become tool calls; text around them is kept; broken JSON stays as text."""
    text = ('Let me check.\n<tool_call>\n{"name": "get_asset", "arguments": {"asset_id": "P-101"}}\n</tool_call>'
            '<tool_call>{"name": "alarms", "arguments": "{\\"since\\": \\"24h\\"}"}</tool_call>')
    content, calls = brains.parse_tool_calls(text)
    assert content == "Let me check."
    assert [(c["name"], c["args"]) for c in calls] == [("get_asset", {"asset_id": "P-101"}), ("alarms", {"since": "24h"})]
    content, calls = brains.parse_tool_calls("<tool_call>{not json</tool_call>")
    assert calls == [] and "not json" in content


def test_chat_streams_answer_and_asks_approval(monkeypatch, initialised_home):
    """The terminal chat shows tool calls and the streamed answer, and runs an action only after 'y'."""
    records, _ = install(monkeypatch)
    _script(monkeypatch,
            AIMessage(content="", tool_calls=[tool_call("list_work_orders", {"asset_id": "P-101"})]),
            "P-101 has 2 work orders.",
            AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]),
            "Created WO-100.")
    out = CliRunner().invoke(app, ["chat", "--thread", "c1"],
                             input="work orders on P-101?\nopen a work order\ny\n/exit\n")
    assert out.exit_code == 0, out.output
    assert "-> list_work_orders(asset_id='P-101')" in out.stdout
    assert "P-101 has 2 work orders." in out.stdout
    assert "WO-2" in out.stdout  # the work orders table
    assert "Approve?" in out.stdout and "Created WO-100." in out.stdout, out.stdout
    assert len(records.created) == 1, out.stdout


def test_chat_declined_action_is_not_run(monkeypatch, initialised_home):
    """Answering 'n' to the approval prompt leaves nothing created."""
    records, _ = install(monkeypatch)
    _script(monkeypatch, AIMessage(content="", tool_calls=[tool_call("create_work_order", WO_ARGS)]), "Not created.")
    out = CliRunner().invoke(app, ["chat"], input="open a work order\nn\n/exit\n")
    assert out.exit_code == 0, out.output
    assert "Not created." in out.stdout and records.created == {}


def _render_80(result) -> list[str]:
    from io import StringIO

    from rich.console import Console

    from industrialmind.ui.terminal import result_table

    out = Console(width=80, file=StringIO(), record=True)
    out.print(result_table(result, width=80))
    return out.export_text().splitlines()


def test_result_table_fits_80_columns_with_few_columns():
    """A result of long failure modes renders within 80 columns, one line per row, its most informative columns."""
    long = "Rolling-element bearing fatigue and lubricant breakdown spalls the races " * 3
    modes = [{"id": f"pump.m{i}", "name": f"centrifugal pump mode {i}", "asset_type": "centrifugal_pump",
              "mechanism": long, "symptoms": ["rising overall vibration at the drive end", "audible noise"],
              "revealing_sensors": ["vibration_de"], "recommended_action": long, "severity": 7, "rpn": 140}
             for i in range(3)]
    lines = _render_80({"failure_modes": modes})
    assert max(len(line) for line in lines) <= 80
    assert "name" in lines[2] and "symptoms" in lines[2] and "mechanism" not in lines[2]
    assert len(lines) == 3 + 3 + 1 + 1  # title, header box, three rows, bottom border (plus a blank line)
    assert any("…" in line for line in lines)


def test_result_table_caps_rows_with_a_more_line():
    """More than ten records show ten rows and an 'N more' line."""
    rows = [{"asset_id": f"P-{i}", "name": f"pump {i}", "type": "centrifugal_pump"} for i in range(14)]
    lines = _render_80({"assets": rows})
    assert sum("P-" in line for line in lines) == 10 and any("4 more" in line for line in lines)


def test_result_table_none_without_records():
    """A result without a list of records gives no table."""
    from industrialmind.ui.terminal import result_table

    assert result_table({"summary": "ok", "count": 0}) is None and result_table("text") is None


def test_ask_empty_question_is_invalid_input():
    """A blank question is refused before the brain loads, instead of a slow empty answer."""
    from industrialmind.errors import InvalidInputError

    result = CliRunner().invoke(app, ["ask", "   "])
    assert isinstance(result.exception, InvalidInputError) and "question is empty" in str(result.exception)


def test_invoke_chat_unreachable_server_is_backend_unavailable():
    """A refused connection to the model server becomes BackendUnavailableError naming the model and URL."""
    import httpx

    from industrialmind.errors import BackendUnavailableError

    class Unreachable:
        model = "qwen2.5:7b"
        base_url = "http://127.0.0.1:9"

        def invoke(self, messages):
            raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(BackendUnavailableError, match=r"'qwen2.5:7b' at http://127.0.0.1:9 cannot be reached "
                                                     r"\(\[Errno 111\] Connection refused\)"):
        brains.invoke_chat(Unreachable(), [])


@pytest.mark.parametrize("argv", [["ask", "hi", "--llm", "foo"], ["web", "--llm", "openai/"], ["tui", "--llm", "x/y"],
                                  ["start", "--llm", "foo"]])
def test_bad_llm_is_refused_before_the_demo_plant_is_prepared(argv, im_home):
    """A malformed --llm fails at once on an empty IM_HOME instead of after a minute of `init`."""
    result = CliRunner().invoke(app, argv)
    assert isinstance(result.exception, ConfigError) and "valid forms" in str(result.exception)
    assert not im_home.exists() or not any(im_home.iterdir())
