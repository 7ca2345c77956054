"""The adapter's model card (README.md with Hub metadata) and the checks an adapter folder must pass to publish."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from industrialmind.errors import InvalidInputError

REQUIRED_FILES = ("adapter_config.json", "README.md")
WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")
TAGS = ["industrialmind", "lora", "peft", "sft", "trl", "tool-calling", "maintenance"]


def hub_base_id(base: str) -> str | None:
    """The base model as a Hub id ('owner/name') when it is one; a local folder has none."""
    if base.startswith(("/", ".", "~")) or base.count("/") != 1:
        return None
    return base


def render_card(report: dict[str, Any], base_model_id: str | None = None) -> str:
    """The model card text: YAML metadata the Hub reads, then base model, data, LoRA and training figures, and the
    routing eval figures when report['eval'] holds them."""
    import yaml

    base = report.get("base", "")
    base_id = base_model_id or hub_base_id(base)
    meta: dict[str, Any] = {"library_name": "peft", "pipeline_tag": "text-generation", "tags": TAGS}
    if base_id:
        meta["base_model"] = base_id
    lora = report.get("lora", {})
    hp = report.get("hyperparameters", {})
    lines = [
        "---", yaml.safe_dump(meta, sort_keys=True).strip(), "---", "",
        "# IndustrialMind tool-calling LoRA adapter", "",
        "A LoRA adapter that teaches a small chat model to act as the brain of "
        "IndustrialMind (an open-source assistant for plant operations and maintenance): pick the "
        "right tool, fill its arguments (asset ids, sensors, ISO 8601 times) and answer only from the tool "
        "results.", "",
        "## Base model", "",
        f"- `{base_id or base}`" + ("" if base_id else " (a local folder: set `base_model` before publishing)"), "",
        "## Data", "",
        f"- {report.get('examples', '?')} chat examples ({_sources(report.get('sources', {}))}), built by "
        "`industrialmind finetune data` from the routing suite's **dev split only** plus offline-planner traces on "
        "the demo plant. The held-out split was never trained on, so held-out eval figures are honest.",
        f"- file sha256 `{report.get('data_sha256', '')}`; max length {report.get('max_length', '?')} tokens (the "
        "longest example: the system prompt and every tool schema, exactly as the agent sends them).", "",
        "## LoRA", "",
        f"- r={lora.get('r')}, alpha={lora.get('alpha')}, dropout={lora.get('dropout')}, "
        f"target modules: {', '.join(lora.get('target_modules') or [])}",
        f"- trainable parameters: {report.get('trainable_params', '?')} of {report.get('total_params', '?')}", "",
        "## Training", "",
        f"- TRL SFTTrainer, assistant-only loss: {report.get('assistant_only_loss')}; device {report.get('device')}"
        f"{' (' + report['gpu'] + ')' if report.get('gpu') else ''}, bf16: {report.get('bf16')}",
        f"- learning rate {hp.get('learning_rate')}, batch {hp.get('batch_size')} x {hp.get('grad_accum')} "
        f"accumulation, {report.get('global_step')} steps ({report.get('epochs')} epochs), seed {hp.get('seed')}",
        f"- train loss {report.get('train_loss')} (first logged {_round(report.get('first_loss'))}, last "
        f"{_round(report.get('last_loss'))}); {report.get('seconds')} s, {report.get('steps_per_second')} steps/s",
        _validation_line(report.get("validation") or {}), "",
        "## Evaluation", "",
    ]
    ev = report.get("eval")
    if ev:
        lines += ["| split | n | tool accuracy | argument accuracy | groundedness | p50 ms |", "|---|---|---|---|---|---|"]
        for name, m in [("all", ev), *sorted((ev.get("splits") or {}).items())]:
            lines.append(f"| {name} | {m.get('n')} | {_pct(m.get('tool_accuracy'))} | {_pct(m.get('arg_accuracy'))} "
                         f"| {_pct(m.get('groundedness'))} | {_num(m.get('p50_ms'))} |")
        lines += ["", f"`industrialmind eval routing --llm {ev.get('llm', '')}` (tool results: {ev.get('tools', '')}, "
                  f"via {ev.get('via', '')})."]
    else:
        lines.append("Not evaluated yet: run `industrialmind eval routing --llm hf/<base>@<this folder> --split "
                     "heldout --via graph --json > eval.json` and `industrialmind finetune card <this folder> --eval eval.json`.")
    lines += ["", "## Use", "", "```bash", f"IM_LLM=hf/{base_id or base}@<adapter folder> industrialmind chat",
              "```", ""]
    return "\n".join(lines)


def write_card(folder: Path, report: dict[str, Any], base_model_id: str | None = None) -> Path:
    """Write README.md into the adapter folder."""
    path = Path(folder) / "README.md"
    path.write_text(render_card(report, base_model_id), encoding="utf-8")
    return path


def read_card_metadata(folder: Path) -> dict[str, Any]:
    """The YAML metadata block of the folder's README.md ({} when it has none)."""
    import yaml

    text = (Path(folder) / "README.md").read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    head, sep, _ = text[4:].partition("\n---")
    if not sep:
        raise InvalidInputError(f"{folder}/README.md opens a metadata block with '---' but never closes it")
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{folder}/README.md metadata is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise InvalidInputError(f"{folder}/README.md metadata must be a mapping, got {type(meta).__name__}")
    return meta


def validate_adapter_folder(folder: Path) -> list[str]:
    """Problems that would make the upload useless (missing files, a card the Hub cannot read, no base model).
    Returns them as sentences; empty means ready to publish."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"adapter folder {str(folder)!r} does not exist; train one with "
                                "`industrialmind finetune train --out DIR`")
    problems = [f"missing {name}" for name in REQUIRED_FILES if not (folder / name).is_file()]
    if not any((folder / w).is_file() for w in WEIGHT_FILES):
        problems.append(f"missing adapter weights ({' or '.join(WEIGHT_FILES)})")
    if (folder / "adapter_config.json").is_file():
        try:
            config = json.loads((folder / "adapter_config.json").read_text())
            if config.get("peft_type") != "LORA":
                problems.append(f"adapter_config.json peft_type is {config.get('peft_type')!r}, expected 'LORA'")
        except ValueError:
            problems.append("adapter_config.json is not valid JSON")
    if (folder / "README.md").is_file():
        try:
            meta = read_card_metadata(folder)
        except InvalidInputError as exc:
            problems.append(str(exc))
            meta = {}
        if meta.get("library_name") != "peft":
            problems.append("model card metadata lacks library_name: peft")
        base = meta.get("base_model")
        if not base:
            problems.append("model card metadata lacks base_model (the base was a local folder): pass "
                            "--base-model OWNER/NAME")
        elif not isinstance(base, str) or base.count("/") != 1:
            problems.append(f"model card base_model {base!r} is not a Hub id 'owner/name'")
    return problems


def _sources(sources: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(sources.items())) or "no source counts"


def _validation_line(val: dict[str, Any]) -> str:
    if not val.get("examples"):
        return "- no rows held back for a validation loss"
    return f"- validation loss {val.get('loss')} on {val['examples']} held-back SFT rows (not the routing eval)"


def _round(x: Any) -> Any:
    return round(x, 4) if isinstance(x, float) else x


def _pct(x: Any) -> str:
    return f"{x:.1%}" if isinstance(x, (int, float)) else "?"


def _num(x: Any) -> str:
    return f"{x:.0f}" if isinstance(x, (int, float)) else "?"
