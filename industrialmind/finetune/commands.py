"""`industrialmind finetune`: build the SFT data, train a LoRA adapter, refresh its model card, publish it."""

from __future__ import annotations

import json
from pathlib import Path

import typer


class LazyBar:
    """A progress bar that appears with the first update, so an input error prints alone on its line."""

    def __init__(self, bar, description: str) -> None:
        self.bar, self.description, self.task = bar, description, None

    def update(self, done: int, total: int, description: str | None = None) -> None:
        """Show progress (starting the bar on the first call)."""
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total, description=description or self.description)

    def stop(self) -> None:
        """Stop the bar if it was started."""
        if self.task is not None:
            self.bar.stop()


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the `finetune` command group."""
    app.add_typer(ft, name="finetune")


ft = typer.Typer(help="Fine-tune a small chat model into a tool-calling brain (TRL + PEFT LoRA) and publish it.",
                 no_args_is_help=True)


@ft.command("data")
def data_cmd(
    out: Path | None = typer.Option(None, "--out", help="JSONL file to write (default: "
                                       "<IM_HOME>/finetune/sft.jsonl)."),
    split: str = typer.Option("dev", "--split", help="Routing-suite split to learn from: only 'dev' (the "
                              "held-out split is never trained on)."),
    suite: Path | None = typer.Option(None, "--suite", help="Routing suite file (default: the bundled one)."),
    teacher: bool = typer.Option(True, "--teacher/--no-teacher", help="Add offline-planner traces on "
                                 "requests generated over the demo plant."),
    plant_data: Path | None = typer.Option(None, "--plant-data", help="Folder with the AssetOpsBench sample "
                                              "data, for the suite's chiller cases (default: ../shared/data "
                                              "when present)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Build chat-format SFT examples (tools, calls, results, answers) from the dev split and teacher traces."""
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.finetune.dataset import build_examples, write_jsonl

    s = settings()
    from industrialmind.finetune.dataset import default_data_path

    path = out or default_data_path(s)
    if path.is_dir():  # refused before the traces are built, not after
        from industrialmind.errors import InvalidInputError

        raise InvalidInputError(f"--out {str(path)!r} is a folder; give a file path such as "
                                f"{str(path / 'sft.jsonl')!r}")
    bar = LazyBar(progress(), "teacher traces")
    try:
        report = build_examples(s, split=split, suite_path=suite, teacher=teacher, data_dir=plant_data,
                                progress=lambda done, total: bar.update(done, total))
    finally:
        bar.stop()
    write_jsonl(report.examples, path)
    counts = {"out": str(path), **report.counts()}
    if json_out:
        emit_json(counts)
        return
    from rich.table import Table

    table = Table("source", "examples", title=f"SFT examples -> {path}")
    for source, n in counts["by_source"].items():
        table.add_row(source, str(n))
    table.add_row("[bold]total[/]", f"[bold]{counts['examples']}[/]")
    console().print(table)
    console().print(f"{counts['tool_calls']} tool calls; dev cases kept {counts['suite_kept']}/"
                    f"{counts['suite_cases']} (teacher wrong on {counts['suite_failed']}, plant data absent for "
                    f"{counts['suite_skipped']}); teacher prompts kept {counts['teacher_kept']}/"
                    f"{counts['teacher_prompts']}; dropped {counts['duplicates']} duplicate(s) and "
                    f"{counts['heldout_overlap']} matching a held-out question")


@ft.command("train")
def train_cmd(
    base: str = typer.Option(..., "--base", help="Base chat model: a local folder or a Hub id already in the "
                             "cache (e.g. Qwen/Qwen2.5-0.5B-Instruct)."),
    out: Path = typer.Option(..., "--out", help="Folder for the adapter, tokenizer, report and model card."),
    data: Path | None = typer.Option(None, "--data", help="SFT JSONL (default: <IM_HOME>/finetune/sft.jsonl)."),
    epochs: float = typer.Option(3.0, "--epochs", help="Passes over the data (ignored when --max-steps is set)."),
    max_steps: int = typer.Option(-1, "--max-steps", help="Optimizer steps; -1: use --epochs."),
    lora_r: int = typer.Option(16, "--lora-r", help="LoRA rank."),
    lora_alpha: int = typer.Option(32, "--lora-alpha", help="LoRA alpha (scale = alpha / r)."),
    lora_dropout: float = typer.Option(0.05, "--lora-dropout", help="LoRA dropout."),
    target_modules: str = typer.Option(",".join(("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                                 "down_proj")), "--target-modules",
                                       help="Comma-separated module names, or 'all-linear'."),
    learning_rate: float = typer.Option(2e-4, "--learning-rate", help="Peak learning rate (cosine decay)."),
    batch_size: int = typer.Option(1, "--batch-size", help="Examples per device step."),
    grad_accum: int = typer.Option(4, "--grad-accum", help="Gradient accumulation steps per optimizer step."),
    max_length: int | None = typer.Option(None, "--max-length", help="Longest example in tokens (longer ones "
                                             "are dropped and counted); default: the longest in the data."),
    val_fraction: float = typer.Option(0.05, "--val-fraction", help="Share of SFT rows held back for a "
                                       "validation loss (0 for none)."),
    save_steps: int = typer.Option(50, "--save-steps", help="Checkpoint (and validate) every N steps; a rerun "
                                   "resumes."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA with bf16 when available, else CPU), "
                               "cuda or cpu."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    checkpointing: bool | None = typer.Option(None, "--gradient-checkpointing/--no-gradient-checkpointing",
                                              help="Recompute activations to save memory (default: on with "
                                              "CUDA, off on the CPU)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Delete a previous run in --out and start again."),
    mlflow: bool = typer.Option(True, "--mlflow/--no-mlflow", help="Log parameters and metrics to MLflow."),
    json_out: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
) -> None:
    """Fine-tune a LoRA adapter with TRL's SFTTrainer; resumes an interrupted run in the same --out."""
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.finetune.training import TrainOptions, train

    s = settings()
    from industrialmind.finetune.dataset import default_data_path

    options = TrainOptions(base=base, data=str(data or default_data_path(s)), epochs=epochs, max_steps=max_steps,
                           learning_rate=learning_rate, batch_size=batch_size, grad_accum=grad_accum,
                           lora_r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                           target_modules=[m.strip() for m in target_modules.split(",") if m.strip()],
                           max_length=max_length, val_fraction=val_fraction, save_steps=save_steps, seed=seed,
                           device=device,
                           gradient_checkpointing=checkpointing)
    bar = LazyBar(progress(), "LoRA steps")
    try:
        report = train(s, options, out, overwrite=overwrite, mlflow=mlflow,
                       progress=lambda step, total, entry: bar.update(
                           step, total, f"LoRA steps (loss {entry['loss']:.4f})"))
    finally:
        bar.stop()
    if json_out:
        emit_json(report)
        return
    c = console()
    c.print(f"adapter saved in {out} ({report['global_step']} steps on {report['device']}"
            f"{', bf16' if report['bf16'] else ''}{', resumed from ' + report['resumed_from'] if report['resumed_from'] else ''})")
    c.print(f"loss {report['first_loss']:.4f} -> {report['last_loss']:.4f} (mean {report['train_loss']}); "
            f"{report['seconds']} s, {report['steps_per_second']} steps/s; {report['examples']} examples, "
            f"assistant-only loss: {report['assistant_only_loss']}; validation loss "
            f"{report['validation']['loss']} ({report['validation']['examples']} rows); MLflow run "
            f"{report['mlflow_run_id']}")
    c.print(f"try it: industrialmind eval routing --llm hf/{report['base']}@{out} --split heldout")


@ft.command("merge")
def merge_cmd(
    adapter: Path = typer.Argument(..., help="Adapter folder made by `finetune train`."),
    out: Path = typer.Option(..., "--out", help="Folder for the merged model and tokenizer."),
    base: str | None = typer.Option(None, "--base", help="Base model (default: the one the adapter was "
                                    "trained on)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Write into a non-empty --out."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Merge the LoRA adapter into its base: one plain model folder for transformers serve or vLLM."""
    from industrialmind.console import console, emit_json
    from industrialmind.finetune.merge import merge_adapter

    result = merge_adapter(adapter, out, base=base, overwrite=overwrite)
    if json_out:
        emit_json(result)
        return
    console().print(f"merged {result['adapter']} into {result['base']} -> {result['out']} "
                    f"({result['parameters']:,} parameters); serve it with `transformers serve {result['out']}` "
                    f"or use IM_LLM=hf/{result['out']}")


@ft.command("card")
def card_cmd(
    adapter: Path = typer.Argument(..., help="Adapter folder made by `finetune train`."),
    eval_file: Path | None = typer.Option(None, "--eval", help="JSON from `industrialmind eval routing "
                                             "--json` to add to the card."),
    base_model: str | None = typer.Option(None, "--base-model", help="Hub id of the base model for the "
                                             "card's metadata (when trained from a local folder)."),
) -> None:
    """Rewrite the adapter's model card (README.md), adding routing-eval figures."""
    from industrialmind.console import console
    from industrialmind.errors import InvalidInputError, NotFoundError
    from industrialmind.finetune.card import write_card

    report_path = adapter / "train_report.json"
    if not report_path.is_file():
        raise NotFoundError(f"{str(adapter)!r} has no train_report.json; give a folder made by `finetune train`")
    report = json.loads(report_path.read_text())
    if eval_file is not None:
        if not eval_file.is_file():
            raise NotFoundError(f"eval file {str(eval_file)!r} does not exist")
        try:
            ev = json.loads(eval_file.read_text())
        except ValueError as exc:
            raise InvalidInputError(f"eval file {str(eval_file)!r} is not JSON: {exc}") from None
        if not isinstance(ev, dict) or "tool_accuracy" not in ev:
            raise InvalidInputError(f"eval file {str(eval_file)!r} is not `eval routing --json` output "
                                    "(no tool_accuracy)")
        report["eval"] = {k: ev.get(k) for k in ("n", "tool_accuracy", "arg_accuracy", "groundedness", "p50_ms",
                                                  "p95_ms", "llm", "tools", "via", "splits")}
        report_path.write_text(json.dumps(report, indent=2))
    path = write_card(adapter, report, base_model_id=base_model)
    console().print(f"model card written: {path}")


@ft.command("publish")
def publish_cmd(
    adapter: Path = typer.Argument(..., help="Adapter folder made by `finetune train`."),
    repo: str = typer.Option(..., "--repo", help="Hub model repo 'USER/NAME' (created if missing)."),
    private: bool = typer.Option(False, "--private", help="Create the repo private."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and list what would be uploaded; upload "
                                 "nothing."),
    base_model: str | None = typer.Option(None, "--base-model", help="Hub id of the base model to put in "
                                             "the card (needed when trained from a local folder)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Upload the adapter folder to the Hugging Face Hub (token: IM_HF_TOKEN, HF_TOKEN or `hf auth login`)."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.finetune.publish import publish

    result = publish(settings(), adapter, repo, private=private, dry_run=dry_run, base_model=base_model)
    if json_out:
        emit_json(result)
        return
    from rich.table import Table

    verb = "would upload" if dry_run else "uploaded"
    table = Table("file", "bytes", title=f"{verb} to {repo}{' (private)' if private else ''}")
    for f in result["files"]:
        table.add_row(f["path"], f"{f['bytes']:,}")
    console().print(table)
    console().print(f"model card OK (base_model {result['card'].get('base_model')!r}); "
                    + ("dry run: nothing uploaded" if dry_run else f"commit: {result['commit_url']}"))
