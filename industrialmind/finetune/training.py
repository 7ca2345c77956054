"""LoRA supervised fine-tuning with TRL's SFTTrainer and PEFT: a base chat model -> a tool-calling adapter.

One run writes into its output folder: `run_config.json` (what was asked, written first), `checkpoint-N/` while
training (TRL/transformers checkpoints, so an interrupted run resumes), then the adapter (`adapter_config.json`,
`adapter_model.safetensors`), the tokenizer, `train_report.json` and the model card `README.md`; checkpoints are
removed once the adapter is saved. Metrics also go to MLflow (`settings.resolved.mlflow`).

Re-running on the same folder: a finished run is refused (`--overwrite` trains again from scratch); an interrupted
run with the same configuration resumes from its last checkpoint; a different configuration is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from industrialmind.errors import InvalidInputError, ModelError, NotFoundError

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
DEVICES = ("auto", "cuda", "cpu")
REPORT = "train_report.json"
RUN_CONFIG = "run_config.json"
# files a finished run leaves; --overwrite only ever deletes a folder that holds RUN_CONFIG (one of ours)
EXPERIMENT = "industrialmind-finetune"


@dataclass
class TrainOptions:
    """Everything that defines a training run (saved as run_config.json; a resume must match it)."""

    base: str
    data: str
    epochs: float = 3.0
    max_steps: int = -1
    learning_rate: float = 2e-4
    batch_size: int = 1
    grad_accum: int = 4
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: list(DEFAULT_TARGETS))
    max_length: int | None = None
    val_fraction: float = 0.05  # rows held back for a validation loss (chosen by a hash of their id: stable)
    save_steps: int = 50
    seed: int = 0
    device: str = "auto"
    gradient_checkpointing: bool | None = None  # None: on with CUDA (memory for long tool prompts), off on the CPU
    data_sha256: str = ""

    def identity(self) -> dict[str, Any]:
        """The fields a resumed run must share with the interrupted one (max_steps and save_steps may change)."""
        d = asdict(self)
        for key in ("save_steps", "device", "gradient_checkpointing"):
            d.pop(key)
        return d


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (the card and the run config name the exact data trained on)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_base(base: str) -> str:
    """A local model folder (must hold config.json) or a Hub id already in the local cache; one-line errors."""
    local = Path(base).expanduser()
    looks_local = base.startswith(("/", ".", "~")) or local.exists() or base.count("/") != 1
    if looks_local:
        if not local.is_dir():
            raise NotFoundError(f"base model {base!r} does not exist; give a local model folder (with config.json) "
                                "or a Hub id such as 'Qwen/Qwen2.5-0.5B-Instruct'")
        if not (local / "config.json").is_file():
            raise ModelError(f"base model folder {base!r} has no config.json; it must be a transformers model "
                             "folder (save_pretrained output or a Hub snapshot)")
        return str(local.resolve())
    return base


def check_out_dir(out: Path, options: TrainOptions, overwrite: bool) -> Path | None:
    """Decide what to do with the output folder: None to start fresh, or the checkpoint to resume from.
    Raises InvalidInputError (exit 2) when the folder must not be touched."""
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"--out {str(out)!r} is a file; give a folder for the adapter")
    if not out.exists() or not any(out.iterdir()):
        return None
    ours = (out / RUN_CONFIG).is_file()
    if not ours:
        raise InvalidInputError(f"--out {str(out)!r} is not empty and was not made by `finetune train`; "
                                "give a new or empty folder")
    if overwrite:
        shutil.rmtree(out)
        return None
    if (out / REPORT).is_file():
        done = json.loads((out / REPORT).read_text())
        raise InvalidInputError(f"{str(out)!r} already holds a trained adapter ({done.get('global_step')} steps, "
                                f"final loss {done.get('train_loss')}); pass --overwrite to train again, or pick "
                                "another --out")
    saved = json.loads((out / RUN_CONFIG).read_text())
    if saved.get("identity") != options.identity():
        changed = sorted(k for k, v in options.identity().items() if saved.get("identity", {}).get(k) != v)
        raise InvalidInputError(f"{str(out)!r} holds an interrupted run with other settings ({', '.join(changed)} "
                                "differ); rerun with the same settings to resume, or pass --overwrite")
    return last_checkpoint(out)


def last_checkpoint(out: Path) -> Path | None:
    """The highest-numbered checkpoint-N folder that holds a trainer state, or None."""
    found = [p for p in out.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()
             and (p / "trainer_state.json").is_file()]
    return max(found, key=lambda p: int(p.name.split("-")[-1]), default=None)


def pick_device(device: str) -> tuple[str, bool]:
    """('cuda' or 'cpu', bf16?) for --device; 'cuda' without a GPU is an error, 'auto' falls back to the CPU."""
    import torch

    if device not in DEVICES:
        raise InvalidInputError(f"unknown --device {device!r}; valid: {', '.join(map(repr, DEVICES))}")
    has_cuda = torch.cuda.is_available()
    if device == "cuda" and not has_cuda:
        raise ModelError("--device cuda: CUDA is not available here (torch "
                         f"{torch.__version__}, built for CUDA {torch.version.cuda}); use --device cpu or auto")
    if device == "cpu" or not has_cuda:
        return "cpu", False
    return "cuda", bool(torch.cuda.is_bf16_supported())


def train(settings: Any, options: TrainOptions, out: Path | str, overwrite: bool = False,
          progress: Callable[[int, int, dict[str, float]], None] | None = None,
          callbacks: list[Any] | None = None, mlflow: bool = True) -> dict[str, Any]:
    """Fine-tune a LoRA adapter on the SFT file and save it with its tokenizer, report and model card.

    progress(step, total_steps, logs) is called at every logged step. callbacks are extra transformers
    TrainerCallbacks. Returns the report (also written to out/train_report.json)."""
    from industrialmind.finetune.dataset import read_jsonl

    out = Path(out).expanduser()
    data_path = Path(options.data).expanduser()
    rows = read_jsonl(data_path)  # missing or empty data fails here, before any heavy import
    options.base = resolve_base(options.base)
    options.data = str(data_path.resolve())
    options.data_sha256 = file_sha256(data_path)
    if options.lora_r < 1 or options.lora_alpha < 1:
        raise InvalidInputError(f"--lora-r and --lora-alpha must be at least 1 (got {options.lora_r}, "
                                f"{options.lora_alpha})")
    if not 0 <= options.val_fraction < 0.5:
        raise InvalidInputError(f"--val-fraction must be in [0, 0.5), got {options.val_fraction}")
    if options.max_steps == 0 or options.epochs <= 0:
        raise InvalidInputError("--max-steps must be positive (or -1 for --epochs) and --epochs above 0")
    small = {k: v for k, v in (("--batch-size", options.batch_size), ("--grad-accum", options.grad_accum),
                               ("--save-steps", options.save_steps)) if v < 1}
    if small:
        raise InvalidInputError(", ".join(f"{k} {v}" for k, v in small.items()) + ": each must be at least 1")
    if not options.learning_rate > 0 or not 0 <= options.lora_dropout < 1:
        raise InvalidInputError(f"--learning-rate must be above 0 and --lora-dropout in [0, 1) (got "
                                f"{options.learning_rate:g}, {options.lora_dropout:g})")
    resume = check_out_dir(out, options, overwrite)
    device, bf16 = pick_device(options.device)
    checkpointing = device == "cuda" if options.gradient_checkpointing is None else options.gradient_checkpointing

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import warnings

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback, TrainerCallback

    _quiet_libraries()
    # transformers 5 renamed gradient_checkpointing; TRL still sets the old name, which only warns
    warnings.filterwarnings("ignore", message=".*gradient_checkpointing.*", category=FutureWarning)

    try:
        tokenizer = AutoTokenizer.from_pretrained(options.base)
        model = AutoModelForCausalLM.from_pretrained(options.base,
                                                     dtype=torch.bfloat16 if bf16 else torch.float32)
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())  # one line, but all of it: the first line can end mid-sentence
        raise ModelError(f"cannot load base model {options.base!r} (a local folder, or a Hub id already in the "
                         f"cache; nothing is downloaded when HF_HUB_OFFLINE=1): {reason}") from None
    if not tokenizer.chat_template:
        raise ModelError(f"base model {options.base!r} has no chat template; fine-tune a chat (instruct) model")
    assistant_only = supports_assistant_only_loss(tokenizer)
    lengths = [example_length(tokenizer, r) for r in rows]
    max_length = options.max_length or max(lengths) + 8
    kept = [r for r, n in zip(rows, lengths) if n <= max_length]
    if not kept:
        raise InvalidInputError(f"every example is longer than --max-length {max_length} tokens (shortest "
                                f"{min(lengths)}); raise --max-length")

    from datasets import Dataset, Features, Json, Value

    features = Features({"messages": Json(), "tools": Value("string")})
    train_rows, val_rows = split_validation(kept, options.val_fraction)

    def to_dataset(part: list[dict[str, Any]]) -> Any:
        return Dataset.from_list([{"messages": r["messages"], "tools": json.dumps(r.get("tools") or [])}
                                  for r in part], features=features)

    dataset = to_dataset(train_rows)
    val_dataset = to_dataset(val_rows) if val_rows else None
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    peft_config = LoraConfig(r=options.lora_r, lora_alpha=options.lora_alpha, lora_dropout=options.lora_dropout,
                             target_modules=list(options.target_modules) if options.target_modules != ["all-linear"]
                             else "all-linear", task_type="CAUSAL_LM", bias="none")
    args = SFTConfig(output_dir=str(out), num_train_epochs=options.epochs, max_steps=options.max_steps,
                     per_device_train_batch_size=options.batch_size, gradient_accumulation_steps=options.grad_accum,
                     learning_rate=options.learning_rate, lr_scheduler_type="cosine", warmup_steps=0,
                     logging_steps=1, save_strategy="steps", save_steps=options.save_steps, save_total_limit=1,
                     eval_strategy="steps" if val_dataset is not None else "no", eval_steps=options.save_steps,
                     per_device_eval_batch_size=options.batch_size,
                     bf16=bf16, fp16=False, use_cpu=device == "cpu", gradient_checkpointing=checkpointing,
                     assistant_only_loss=assistant_only, max_length=max_length, packing=False, seed=options.seed,
                     data_seed=options.seed, report_to="none", disable_tqdm=True, dataset_num_proc=None,
                     save_only_model=False, remove_unused_columns=True)

    log: list[dict[str, float]] = []

    class _Progress(TrainerCallback):
        """Feeds each logged step to the progress callback and keeps the loss curve for the report."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                entry = {"step": state.global_step, "loss": float(logs["loss"])}
                if "learning_rate" in logs:
                    entry["learning_rate"] = float(logs["learning_rate"])
                log.append(entry)
                if progress:
                    progress(state.global_step, state.max_steps, entry)

    # the run is recorded only now: a start that failed above (a base that does not load, examples too long)
    # leaves no run_config.json that would make the next try with other settings look like an interrupted run
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_CONFIG).write_text(json.dumps({"identity": options.identity(), "options": asdict(options)},
                                             indent=2))
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, eval_dataset=val_dataset,
                         processing_class=tokenizer,
                         peft_config=peft_config, callbacks=[_Progress(), *(callbacks or [])])
    trainer.remove_callback(PrinterCallback)  # it prints every log dict on stdout, which --json must keep clean
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    seconds = time.perf_counter() - started
    steps_run = trainer.state.global_step - (_checkpoint_step(resume) if resume else 0)
    val_loss = round(float(trainer.evaluate()["eval_loss"]), 4) if val_dataset is not None else None
    trainer.save_model(str(out))  # the adapter only (PEFT): adapter_config.json + adapter_model.safetensors
    tokenizer.save_pretrained(str(out))
    for ckpt in out.glob("checkpoint-*"):
        shutil.rmtree(ckpt, ignore_errors=True)
    trainable, total = _param_counts(trainer.model)
    # the trainer's history also holds the steps before a resume (restored from the checkpoint)
    curve = [{"step": e["step"], "loss": float(e["loss"]),
              **({"learning_rate": float(e["learning_rate"])} if "learning_rate" in e else {})}
             for e in trainer.state.log_history if "loss" in e and "step" in e] or log
    report: dict[str, Any] = {
        "status": "done", "base": options.base, "data": options.data, "data_sha256": options.data_sha256,
        "examples": len(train_rows), "dropped_too_long": len(rows) - len(kept), "max_length": max_length,
        "validation": {"examples": len(val_rows), "loss": val_loss,
                       "curve": [{"step": e["step"], "loss": round(float(e["eval_loss"]), 4)}
                                 for e in trainer.state.log_history if "eval_loss" in e]},
        "sources": _count_sources(train_rows), "device": device, "bf16": bf16,
        "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
        "peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1) if device == "cuda" else None,
        "assistant_only_loss": assistant_only, "gradient_checkpointing": checkpointing,
        "global_step": trainer.state.global_step, "steps_run": steps_run,
        "epochs": round(float(trainer.state.epoch or 0), 3), "train_loss": round(float(result.training_loss), 4),
        "first_loss": curve[0]["loss"] if curve else None, "last_loss": curve[-1]["loss"] if curve else None,
        "seconds": round(seconds, 2), "steps_per_second": round(steps_run / seconds, 3) if seconds else None,
        "resumed_from": resume.name if resume else None, "trainable_params": trainable, "total_params": total,
        "lora": {"r": options.lora_r, "alpha": options.lora_alpha, "dropout": options.lora_dropout,
                 "target_modules": list(options.target_modules)},
        "hyperparameters": {"learning_rate": options.learning_rate, "batch_size": options.batch_size,
                            "grad_accum": options.grad_accum, "epochs": options.epochs,
                            "max_steps": options.max_steps, "seed": options.seed,
                            "val_fraction": options.val_fraction},
        "loss_curve": curve, "eval": None, "mlflow_run_id": None,
    }
    if mlflow:
        report["mlflow_run_id"] = log_to_mlflow(settings, report)
    (out / REPORT).write_text(json.dumps(report, indent=2))
    from industrialmind.finetune.card import write_card

    write_card(out, report)
    return report


def _quiet_libraries() -> None:
    """Our own progress bar replaces the per-map bars of datasets and the weight-loading bars of transformers."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()


def split_validation(rows: list[dict[str, Any]], fraction: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, validation): the rows whose id hashes lowest, about `fraction` of them (none below 10 rows). A hash,
    not a shuffle, so a row keeps its side when the file grows."""
    n_val = int(len(rows) * fraction) if len(rows) >= 10 else 0
    if n_val == 0:
        return list(rows), []
    ranked = sorted(range(len(rows)), key=lambda i: hashlib.sha256(str(rows[i].get("id", i)).encode()).hexdigest())
    val = set(ranked[:n_val])
    return [r for i, r in enumerate(rows) if i not in val], [r for i, r in enumerate(rows) if i in val]


def supports_assistant_only_loss(tokenizer: Any) -> bool:
    """True when the chat template marks assistant turns, or TRL knows a training variant of it."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default", "")
    if has_generation_markers(template or ""):
        return True
    try:
        return get_training_chat_template(tokenizer) is not None
    except ValueError:  # a template TRL cannot patch: train on the whole sequence instead
        return False


def example_length(tokenizer: Any, row: dict[str, Any]) -> int:
    """Tokens of one example as rendered by the tokenizer's chat template (with its tools)."""
    ids = tokenizer.apply_chat_template(row["messages"], tools=row.get("tools") or None, tokenize=True,
                                        return_dict=True)["input_ids"]
    return len(ids)


def _checkpoint_step(path: Path) -> int:
    return int(path.name.split("-")[-1])


def _param_counts(model: Any) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())


def _count_sources(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.get("source", "unknown")] = counts.get(r.get("source", "unknown"), 0) + 1
    return counts


def log_to_mlflow(settings: Any, report: dict[str, Any]) -> str | None:
    """Log the run's parameters, loss curve and summary metrics to MLflow; returns the run id (None if MLflow
    failed: the adapter is already saved, so a tracking outage only costs the record, with a warning)."""
    import logging

    try:
        from mlflow.entities import Metric, Param

        from industrialmind.models.registry import experiment_id, mlflow_client

        _, client = mlflow_client(settings)
        exp_id = experiment_id(settings, client, EXPERIMENT)
        run_id = client.create_run(exp_id, tags={"mlflow.runName": f"lora-{Path(report['base']).name}",
                                                 "base": report["base"]}).info.run_id
        now_ms = int(time.time() * 1000)
        params = {"base": report["base"], "data_sha256": report["data_sha256"], "examples": report["examples"],
                  "device": report["device"], "bf16": report["bf16"], "max_length": report["max_length"],
                  "assistant_only_loss": report["assistant_only_loss"],
                  **{f"lora_{k}": v for k, v in report["lora"].items()}, **report["hyperparameters"]}
        metrics = [Metric("loss", e["loss"], now_ms, e["step"]) for e in report["loss_curve"]]
        for key in ("train_loss", "global_step", "seconds", "steps_per_second", "peak_gpu_memory_mb"):
            if report.get(key) is not None:
                metrics.append(Metric(key, float(report[key]), now_ms, 0))
        metrics += [Metric("val_loss", e["loss"], now_ms, e["step"]) for e in report["validation"]["curve"]]
        client.log_batch(run_id, params=[Param(k, str(v)[:500]) for k, v in params.items()], metrics=metrics)
        client.set_terminated(run_id)
        return run_id
    except Exception as exc:  # noqa: BLE001 - tracking is a record, not the product
        logging.getLogger(__name__).warning("MLflow logging failed: %s", exc)
        report["mlflow_error"] = f"{type(exc).__name__}: {exc}"
        return None
