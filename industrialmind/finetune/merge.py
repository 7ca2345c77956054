"""Merge a LoRA adapter into its base model: one plain transformers folder that any server can load
(`transformers serve DIR`, vLLM without LoRA support, Ollama after a GGUF conversion) as `openai/` or `hf/DIR`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from industrialmind.errors import InvalidInputError, NotFoundError


def merge_adapter(adapter: Path, out: Path, base: str | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Load base + adapter, fold the LoRA weights in, and save the merged model with the adapter's tokenizer.
    base defaults to the one recorded in the adapter's train_report.json (or adapter_config.json)."""
    adapter, out = Path(adapter).expanduser(), Path(out).expanduser()
    if not (adapter / "adapter_config.json").is_file():
        raise NotFoundError(f"{str(adapter)!r} has no adapter_config.json; give a folder made by `finetune train`")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        raise InvalidInputError(f"--out {str(out)!r} exists and is not empty; pass --overwrite or pick a new folder")
    if base is None:
        report = adapter / "train_report.json"
        recorded = json.loads(report.read_text()).get("base") if report.is_file() else None
        base = recorded or json.loads((adapter / "adapter_config.json").read_text()).get("base_model_name_or_path")
    if not base:
        raise InvalidInputError(f"{str(adapter)!r} does not record its base model; pass --base PATH_OR_HUB_ID")
    from industrialmind.finetune.training import resolve_base

    base = resolve_base(base)
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    tokenizer_source = adapter if (adapter / "tokenizer_config.json").is_file() else base
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_source))
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return {"base": base, "adapter": str(adapter), "out": str(out),
            "parameters": sum(p.numel() for p in merged.parameters())}
