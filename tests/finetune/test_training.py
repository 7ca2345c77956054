"""LoRA training on a tiny Qwen2 with real TRL and PEFT: the loss falls, the adapter and its card are saved, the hf
brain loads it (and, overfit on one request, makes the call), reruns resume or refuse, bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from industrialmind.errors import InvalidInputError, ModelError, NotFoundError
from industrialmind.finetune.training import TrainOptions, train


def _options(base: Path, data: Path, **kw) -> TrainOptions:
    defaults = {"max_steps": 4, "grad_accum": 1, "learning_rate": 5e-3, "lora_r": 4, "lora_alpha": 8,
                "lora_dropout": 0.0, "save_steps": 100}
    return TrainOptions(base=str(base), data=str(data), **{**defaults, **kw})


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_lowers_the_loss_and_saves_the_adapter(trained):
    """Eight steps lower the loss, and the folder holds the adapter, tokenizer, report and a PEFT model card."""
    out, report = trained
    curve = [e["loss"] for e in report["loss_curve"]]
    assert len(curve) == 8 and report["global_step"] == 8
    assert sum(curve[-2:]) / 2 < sum(curve[:2]) / 2, curve
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "README.md",
                 "train_report.json", "run_config.json"):
        assert (out / name).is_file(), name
    assert not list(out.glob("checkpoint-*"))
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 8
    assert set(config["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                             "down_proj"}
    assert report["assistant_only_loss"] is True and report["device"] == "cpu" and report["bf16"] is False
    assert report["gradient_checkpointing"] is False  # off by default on the CPU
    saved = json.loads((out / "train_report.json").read_text())
    assert saved["train_loss"] == report["train_loss"] and saved["examples"] > 0
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "library_name: peft" in card and "dev split only" in card


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_changes_lora_weights_only(trained):
    """The saved LoRA B matrices moved away from their zero init, while the base weights were never saved or
    changed (the adapter file holds LoRA tensors only)."""
    from safetensors.torch import load_file

    out, _ = trained
    tensors = load_file(str(out / "adapter_model.safetensors"))
    assert tensors and all("lora_" in k for k in tensors)
    assert any(t.abs().sum() > 0 for k, t in tensors.items() if "lora_B" in k)


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_logs_metrics_to_mlflow(trained, tmp_path_factory):
    """The run's loss curve and summary metrics are in MLflow under the finetune experiment."""
    from mlflow import MlflowClient

    _, report = trained
    base = tmp_path_factory.getbasetemp()
    client = MlflowClient(tracking_uri=f"sqlite:///{base / 'finetune-mlflow' / 'mlflow.db'}")
    run = client.get_run(report["mlflow_run_id"])
    assert run.data.metrics["global_step"] == 8 and "train_loss" in run.data.metrics
    assert len(client.get_metric_history(run.info.run_id, "loss")) == 8
    assert run.data.params["lora_r"] == "8"
    assert run.data.metrics["val_loss"] == report["validation"]["loss"]


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_reports_a_validation_loss_on_held_back_rows(trained, small_build):
    """A fifth of the rows, chosen by id, is held back: the report gives their count and a finite loss."""
    import math

    from industrialmind.finetune.training import split_validation

    _, report = trained
    train_rows, val_rows = split_validation(small_build.examples, 0.2)
    assert report["validation"]["examples"] == len(val_rows) == len(small_build.examples) // 5 > 0
    assert report["examples"] == len(train_rows)
    assert math.isfinite(report["validation"]["loss"])
    assert not {r["id"] for r in train_rows} & {r["id"] for r in val_rows}
    again = split_validation(list(reversed(small_build.examples)), 0.2)[1]
    assert {r["id"] for r in again} == {r["id"] for r in val_rows}  # by hash, not by position


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_trained_adapter_loads_in_the_hf_brain(trained):
    """`hf/<base>@<adapter>` loads the adapter through agent/brains.py and answers a tool-bound turn."""
    from langchain_core.messages import HumanMessage
    from peft import PeftModel

    from industrialmind.agent.brains import make_chat_model
    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools

    out, report = trained
    llm = make_chat_model(f"hf/{report['base']}@{out}", get_settings()).model_copy(update={"max_new_tokens": 8})
    reply = llm.bind_tools(build_tools(get_settings())).invoke([HumanMessage(content="what's P-101 doing rn")])
    assert isinstance(llm._load()[1], PeftModel)
    assert reply.type == "ai"


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_overfit_adapter_makes_the_tool_call_in_the_hf_brain(tiny_base, tmp_path: Path):
    """Overfit on one short request, the adapter makes the hf brain emit exactly the taught tool call."""
    from langchain_core.messages import HumanMessage

    from industrialmind.agent.brains import make_chat_model
    from industrialmind.config import get_settings
    from industrialmind.finetune.dataset import tool_schemas, write_jsonl
    from industrialmind.tools import build_tools

    tools = [t for t in build_tools(get_settings()) if t.name == "latest_readings"]
    call = {"type": "function", "id": "call_0", "function": {"name": "latest_readings",
                                                            "arguments": {"asset_id": "P-101"}}}
    row = {"id": "one", "source": "suite-dev", "tools": tool_schemas(tools),
           "messages": [{"role": "user", "content": "what's P-101 doing rn"},
                        {"role": "assistant", "content": "", "tool_calls": [call]}]}
    data = write_jsonl([row], tmp_path / "one.jsonl")
    report = train(get_settings(), _options(tiny_base, data, max_steps=60, learning_rate=3e-2, lora_r=16,
                                            lora_alpha=32), tmp_path / "adapter", mlflow=False)
    assert report["last_loss"] < 0.1, report["loss_curve"][-5:]
    llm = make_chat_model(f"hf/{tiny_base}@{tmp_path / 'adapter'}", get_settings())
    reply = llm.model_copy(update={"max_new_tokens": 48}).bind_tools(tools).invoke(
        [HumanMessage(content="what's P-101 doing rn")])
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("latest_readings", {"asset_id": "P-101"})]


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_refuses_a_finished_run_unless_overwrite(trained, tiny_base, sft_file):
    """Re-running on a finished adapter folder is refused with a message naming --overwrite, before any loading."""
    out, _ = trained
    with pytest.raises(InvalidInputError, match="already holds a trained adapter.*--overwrite"):
        train(None, _options(tiny_base, sft_file), out)


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_overwrite_starts_again(tiny_base, sft_file, tmp_path: Path):
    """--overwrite deletes the previous run and trains from scratch."""
    from industrialmind.config import get_settings

    out = tmp_path / "adapter"
    train(get_settings(), _options(tiny_base, sft_file, max_steps=1), out, mlflow=False)
    (out / "stale.txt").write_text("from the first run")
    report = train(get_settings(), _options(tiny_base, sft_file, max_steps=2), out, overwrite=True, mlflow=False)
    assert report["global_step"] == 2 and report["resumed_from"] is None
    assert not (out / "stale.txt").exists()


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_resumes_an_interrupted_run(tiny_base, sft_file, tmp_path: Path):
    """A run stopped after its step-2 checkpoint resumes from it and finishes the remaining steps."""
    from transformers import TrainerCallback

    from industrialmind.config import get_settings

    class StopAfterSave(TrainerCallback):
        """Simulates Ctrl-C right after the first checkpoint is written."""

        def on_save(self, args, state, control, **kwargs):
            raise KeyboardInterrupt

    out = tmp_path / "adapter"
    options = _options(tiny_base, sft_file, max_steps=4, save_steps=2)
    with pytest.raises(KeyboardInterrupt):
        train(get_settings(), options, out, callbacks=[StopAfterSave()], mlflow=False)
    assert (out / "checkpoint-2").is_dir() and not (out / "train_report.json").exists()
    report = train(get_settings(), _options(tiny_base, sft_file, max_steps=4, save_steps=2), out, mlflow=False)
    assert report["resumed_from"] == "checkpoint-2"
    assert report["global_step"] == 4 and report["steps_run"] == 2
    assert [e["step"] for e in report["loss_curve"]] == [1, 2, 3, 4]  # the steps before the interrupt too
    assert not list(out.glob("checkpoint-*"))


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_refuses_to_resume_with_other_settings(tiny_base, sft_file, tmp_path: Path):
    """An interrupted run is not resumed with a different LoRA rank: the message names what differs."""
    out = tmp_path / "adapter"
    out.mkdir()
    saved = _options(tiny_base, sft_file)
    saved.base = str(Path(tiny_base).resolve())
    saved.data = str(Path(sft_file).resolve())
    from industrialmind.finetune.training import RUN_CONFIG, file_sha256

    saved.data_sha256 = file_sha256(sft_file)
    (out / RUN_CONFIG).write_text(json.dumps({"identity": saved.identity()}))
    with pytest.raises(InvalidInputError, match="lora_r"):
        train(None, _options(tiny_base, sft_file, lora_r=2), out)


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_refuses_a_foreign_folder(tiny_base, sft_file, tmp_path: Path):
    """A non-empty --out that no training run made is never deleted or written into, even with --overwrite."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InvalidInputError, match="not made by `finetune train`"):
        train(None, _options(tiny_base, sft_file), out, overwrite=True)
    assert (out / "notes.txt").read_text() == "keep me"


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_checks_its_inputs(tiny_base, sft_file, tmp_path: Path):
    """A missing base, a base without config.json, an --out that is a file and an empty dataset each fail clearly."""
    with pytest.raises(NotFoundError, match="does not exist"):
        train(None, _options(tmp_path / "nope", sft_file), tmp_path / "o")
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(ModelError, match="no config.json"):
        train(None, _options(tmp_path / "empty-model", sft_file), tmp_path / "o")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInputError, match="is a file"):
        train(None, _options(tiny_base, sft_file), tmp_path / "file")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InvalidInputError, match="empty"):
        train(None, _options(tiny_base, tmp_path / "empty.jsonl"), tmp_path / "o")


@pytest.mark.parametrize("bad", [{"batch_size": 0}, {"grad_accum": 0}, {"save_steps": 0}, {"learning_rate": -1.0},
                                 {"lora_dropout": 1.0}])
def test_train_refuses_bad_hyperparameters_before_loading(bad, sft_file, tmp_path: Path):
    """A zero batch size, accumulation or save interval, a negative learning rate or a dropout of 1 fail before the
    base model is loaded (the base here is an empty config that would not load)."""
    with pytest.raises(InvalidInputError, match="--"):
        train(None, _options(_existing_base(tmp_path), sft_file, **bad), tmp_path / "o")
    assert not (tmp_path / "o").exists()


def _existing_base(tmp_path: Path) -> Path:
    """A folder that passes the base check (it has a config.json) but holds no model."""
    base = tmp_path / "base"
    base.mkdir(exist_ok=True)
    (base / "config.json").write_text("{}")
    return base


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_failed_start_leaves_no_run_record(tiny_base, sft_file, tmp_path: Path):
    """A start that fails after the checks (every example over --max-length) leaves no run_config.json, so a retry
    with other settings is not refused as an 'interrupted run'."""
    with pytest.raises(InvalidInputError, match="--max-length"):
        train(None, _options(tiny_base, sft_file, max_length=2), tmp_path / "o")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_command_bad_input_prints_one_line_and_exits_2(tiny_base, sft_file, tmp_path: Path):
    """`industrialmind finetune train` with a missing base prints one error line on stderr and exits with 2."""
    proc = subprocess.run([sys.executable, "-m", "industrialmind", "finetune", "train", "--base",
                           str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--data", str(sft_file)],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: base model") and "nope" in lines[0]


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_device_cuda_without_a_gpu_is_an_error(tiny_base, sft_file, tmp_path: Path):
    """--device cuda on a machine without CUDA fails with a message naming the CPU alternatives."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here, so --device cuda is valid")
    with pytest.raises(ModelError, match="CUDA is not available"):
        train(None, _options(tiny_base, sft_file, device="cuda"), tmp_path / "o")


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_train_command_json_prints_only_the_report(tiny_base, sft_file, tmp_path: Path):
    """`finetune train --json` trains (here with gradient checkpointing forced on) and prints the report as the only
    thing on stdout (no trainer log lines)."""
    from typer.testing import CliRunner

    from industrialmind.cli import app

    out = tmp_path / "adapter"
    result = CliRunner().invoke(app, ["finetune", "train", "--base", str(tiny_base), "--data", str(sft_file), "--out",
                                      str(out), "--max-steps", "2", "--grad-accum", "1", "--lora-r", "4",
                                      "--gradient-checkpointing", "--no-mlflow", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["global_step"] == 2 and report["mlflow_run_id"] is None and report["gradient_checkpointing"]
    assert report["lora"]["r"] == 4 and (out / "adapter_model.safetensors").is_file()


@pytest.mark.slow  # builds or trains a tiny Qwen2
def test_merge_folds_the_adapter_into_the_base(trained, tmp_path: Path):
    """The merged folder loads as a plain model whose logits equal base + adapter's, with the adapter's tokenizer."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from industrialmind.finetune.merge import merge_adapter

    out, report = trained
    result = merge_adapter(out, tmp_path / "merged")
    assert result["base"] == report["base"]
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    assert not isinstance(merged, PeftModel)
    ids = AutoTokenizer.from_pretrained(tmp_path / "merged")("what's P-101 doing rn", return_tensors="pt")["input_ids"]
    lora = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(report["base"]), str(out)).eval()
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, lora(ids).logits, atol=1e-4)
    with pytest.raises(InvalidInputError, match="not empty"):
        merge_adapter(out, tmp_path / "merged")
