"""One-off export of the bundled all-MiniLM-L6-v2 to ONNX; run as a subprocess so torch never enters the caller.

Usage: `python -m industrialmind.knowledge._onnx_export TARGET_DIR`. Writes `model.onnx` (mean-pooled sentence
embeddings, not yet normalised), `tokenizer.json` and `manifest.json` into TARGET_DIR, which must not exist yet.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

OPSET = 17


def export(target: Path, source: Path) -> None:
    """Trace the transformer plus mean pooling with torch.onnx.export (dynamo=False: fast, no onnxscript)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    # Eager attention traces into plain ops; SDPA adds data-dependent branches the tracer freezes.
    bert = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    bert.eval()

    class MeanPooled(torch.nn.Module):
        """The encoder followed by attention-masked mean pooling, as sentence-transformers does."""

        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    encoded = tokenizer.encode_batch(["a pump cavitates", "bearing wear raises vibration on the drive end"])
    ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
    types = torch.tensor([e.type_ids for e in encoded], dtype=torch.long)

    target.mkdir(parents=True)
    with torch.no_grad():
        torch.onnx.export(
            MeanPooled(bert), (ids, mask, types), str(target / "model.onnx"),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          "token_type_ids": {0: "batch", 1: "seq"}, "sentence_embedding": {0: "batch"}},
            opset_version=OPSET, dynamo=False,
        )
    fused = _fuse(target / "model.onnx")
    shutil.copy2(source / "tokenizer.json", target / "tokenizer.json")
    max_len = json.loads((source / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
    manifest = {"model": "sentence-transformers/all-MiniLM-L6-v2", "source": str(source), "dim": 384,
                "max_seq_length": max_len, "pooling": "mean", "normalize": True, "opset": OPSET,
                "torch": torch.__version__, "fused_ops": fused}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))


def _fuse(model: Path) -> dict[str, int]:
    """Fuse attention, embedding-layernorm, skip-layernorm and GELU with ONNX Runtime's BERT optimizer (same
    outputs to ~1e-7, fewer kernels per layer); keep the plain export when the optimizer is unavailable."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        optimized = optimize_model(str(model), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
        stats = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
        optimized.save_model_to_file(str(model))
        return stats
    except Exception:  # noqa: BLE001 - an unfused model is still correct, only slower
        return {}


if __name__ == "__main__":
    target_dir, source_dir = Path(sys.argv[1]), Path(sys.argv[2])
    export(target_dir, source_dir)
