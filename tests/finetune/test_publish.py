"""Publishing an adapter: the dry run lists files and validates the card, a missing token says how to log in, and
the real upload goes to a loopback Hub (HfApi endpoint) with exactly the adapter's files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industrialmind.errors import ConfigError, InvalidInputError
from industrialmind.finetune import publish
from tests.finetune.loopback_hub import LoopbackHub


@pytest.fixture
def adapter(trained, tmp_path: Path) -> Path:
    """A copy of the session's trained adapter (tests rewrite its card), with a checkpoint left behind."""
    out, _ = trained
    copy = tmp_path / "adapter"
    shutil.copytree(out, copy)
    (copy / "checkpoint-3").mkdir()
    (copy / "checkpoint-3" / "optimizer.pt").write_bytes(b"x")
    return copy


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No HF_TOKEN and an empty huggingface_hub home, so no stored login is found either."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_publish_dry_run_refuses_a_card_without_a_hub_base_model(adapter):
    """An adapter trained from a local folder has no base_model on its card, and the dry run says how to set it."""
    from industrialmind.config import get_settings

    with pytest.raises(InvalidInputError, match="base_model.*--base-model"):
        publish.publish(get_settings(), adapter, "alice/im-lora", dry_run=True)


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_publish_dry_run_lists_the_adapter_files(adapter):
    """With --base-model the card validates, and the dry run lists the adapter files but not checkpoints or the
    run's private files."""
    from industrialmind.config import get_settings

    plan = publish.publish(get_settings(), adapter, "alice/im-lora", dry_run=True,
                           base_model="Qwen/Qwen2.5-0.5B-Instruct")
    names = [f["path"] for f in plan["files"]]
    assert {"README.md", "adapter_config.json", "adapter_model.safetensors", "tokenizer.json"} <= set(names)
    assert not {"run_config.json", "training_args.bin"} & set(names) and not any("checkpoint" in n for n in names)
    assert plan["card"]["base_model"] == "Qwen/Qwen2.5-0.5B-Instruct" and plan["card"]["library_name"] == "peft"
    assert plan["dry_run"] is True and "commit_url" not in plan


def test_publish_validation_names_every_problem(tmp_path: Path):
    """A folder missing its weights and card metadata fails with each problem named."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (folder / "README.md").write_text("# no metadata\n")
    with pytest.raises(InvalidInputError, match="adapter weights.*library_name.*base_model"):
        publish.prepare(folder)


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_publish_rejects_a_bad_repo_id(adapter):
    """A repo id that is not 'USER/NAME' is refused before anything else."""
    from industrialmind.config import get_settings

    with pytest.raises(InvalidInputError, match="'im-lora'.*USER/NAME"):
        publish.publish(get_settings(), adapter, "im-lora", dry_run=True)


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_publish_without_a_token_says_how_to_log_in(adapter, no_token):
    """With no IM_HF_TOKEN, HF_TOKEN or stored login, the upload stops with a message naming `hf auth login`."""
    from industrialmind.config import get_settings

    with pytest.raises(ConfigError, match="hf auth login.*HF_TOKEN"):
        publish.publish(get_settings(), adapter, "alice/im-lora", base_model="Qwen/Qwen2.5-0.5B-Instruct")


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_publish_uploads_to_a_loopback_hub(adapter, no_token, monkeypatch: pytest.MonkeyPatch):
    """The upload creates the repo (private when asked) and commits exactly the planned files, with the token."""
    from industrialmind.config import get_settings

    monkeypatch.setenv("IM_HF_TOKEN", "hf_test_token")
    with LoopbackHub() as hub:
        result = publish.publish(get_settings(), adapter, "alice/im-lora", private=True,
                                 base_model="Qwen/Qwen2.5-0.5B-Instruct", endpoint=hub.url)
    create = next(r for r in hub.requests if r["path"] == "/api/repos/create")
    assert create["json"]["name"] == "im-lora"
    assert create["json"].get("visibility") == "private" or create["json"].get("private") is True
    assert all(r["auth"] == "Bearer hf_test_token" for r in hub.requests)
    assert sorted(hub.files) == sorted(f["path"] for f in result["files"])
    assert hub.files["adapter_model.safetensors"] == (adapter / "adapter_model.safetensors").read_bytes()
    assert b"base_model: Qwen/Qwen2.5-0.5B-Instruct" in hub.files["README.md"]
    validated = next(r for r in hub.requests if r["path"] == "/api/validate-yaml")
    assert "library_name: peft" in validated["json"]["content"]
    assert result["commit_url"].endswith("/alice/im-lora/commit/abc123")


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_publish_command_dry_run_json(adapter):
    """`finetune publish --dry-run --json` prints the plan and exits 0."""
    from industrialmind.cli import app

    result = CliRunner().invoke(app, ["finetune", "publish", str(adapter), "--repo", "alice/im-lora", "--dry-run",
                                      "--base-model", "Qwen/Qwen2.5-0.5B-Instruct", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["repo"] == "alice/im-lora" and plan["dry_run"] is True and plan["bytes"] > 0


@pytest.mark.slow  # needs the session's trained tiny adapter
def test_card_command_adds_eval_figures(adapter, tmp_path: Path):
    """`finetune card --eval` puts the routing eval's figures per split on the model card."""
    from industrialmind.cli import app

    report = {"n": 10, "tool_accuracy": 0.9, "arg_accuracy": 0.8, "groundedness": 1.0, "p50_ms": 120.0,
              "p95_ms": 300.0, "llm": "hf/x@y", "tools": "fake", "via": "graph",
              "splits": {"heldout": {"n": 10, "tool_accuracy": 0.9, "arg_accuracy": 0.8, "groundedness": 1.0,
                                     "p50_ms": 120.0}}}
    (tmp_path / "eval.json").write_text(json.dumps(report))
    result = CliRunner().invoke(app, ["finetune", "card", str(adapter), "--eval", str(tmp_path / "eval.json")])
    assert result.exit_code == 0, result.output
    card = (adapter / "README.md").read_text()
    assert "| heldout | 10 | 90.0% | 80.0% | 100.0% | 120 |" in card
    assert json.loads((adapter / "train_report.json").read_text())["eval"]["tool_accuracy"] == 0.9
