"""Fine-tuning fixtures: the session's planner (the teacher), a small SFT set built from it, a tiny Qwen2 built from a
config with a tokenizer trained here, and one MLflow store shared by the session (a fresh SQLite store costs ~7 s
of migrations, which every training test would otherwise pay)."""

from __future__ import annotations

from pathlib import Path

import pytest


pytest.importorskip("trl", reason="trl (industrialmind[finetune]) is needed for fine-tuning")
pytest.importorskip("peft", reason="peft (industrialmind[finetune]) is needed for fine-tuning")

SMALL_CASES = 10  # dev cases per small build: enough for every message shape, fast to run through the teacher
SMALL_TEACHER = 6


@pytest.fixture(autouse=True)
def lean_torch() -> None:
    """One thread: the machine is shared, and tiny models gain nothing from more."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def shared_mlflow(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Point IM_MLFLOW_URI at one SQLite store for the whole session."""
    path = tmp_path_factory.getbasetemp() / "finetune-mlflow" / "mlflow.db"
    path.parent.mkdir(exist_ok=True)
    uri = f"sqlite:///{path}"
    monkeypatch.setenv("IM_MLFLOW_URI", uri)
    return uri


@pytest.fixture(scope="session")
def small_build(planner_settings, planner):  # noqa: F811 - pytest fixtures by name
    """A small build: the first dev cases and a few teacher prompts, through the session's planner."""
    from industrialmind.finetune.dataset import build_examples

    return build_examples(planner_settings, planner=planner, max_cases=SMALL_CASES, max_teacher=SMALL_TEACHER)


@pytest.fixture(scope="session")
def sft_file(small_build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small build written as JSONL."""
    from industrialmind.finetune.dataset import write_jsonl

    return write_jsonl(small_build.examples, tmp_path_factory.mktemp("sft") / "sft.jsonl")


@pytest.fixture(scope="session")
def tiny_base(small_build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Qwen2 (random weights) and a tokenizer trained on the small build, with Qwen2.5's template."""
    from industrialmind.finetune.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen"), small_build.examples, vocab_size=1024)


@pytest.fixture(scope="session")
def trained(sft_file, tiny_base, tmp_path_factory: pytest.TempPathFactory):
    """One LoRA run of 8 steps on the small set, a fifth held back for validation (shared by the tests that only
    read its outputs)."""
    import torch

    from industrialmind.config import get_settings
    from industrialmind.finetune.training import TrainOptions, train

    torch.set_num_threads(1)
    base = tmp_path_factory.getbasetemp()
    settings = get_settings(home=base / "finetune-home", mlflow_uri=f"sqlite:///{base / 'finetune-mlflow' / 'mlflow.db'}")
    (base / "finetune-mlflow").mkdir(exist_ok=True)
    out = base / "adapter"
    options = TrainOptions(base=str(tiny_base), data=str(sft_file), max_steps=8, grad_accum=1, learning_rate=5e-3,
                           lora_r=8, lora_alpha=16, lora_dropout=0.0, save_steps=100, val_fraction=0.2)
    report = train(settings, options, out)
    return out, report
