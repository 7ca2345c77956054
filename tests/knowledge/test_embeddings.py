"""The offline MiniLM embedder: ONNX Runtime vectors, parity with sentence-transformers, caching, no torch."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from industrialmind.knowledge import embeddings


def test_embedder_returns_normalised_float32_rows() -> None:
    """embed() gives one float32 unit-length 384-d row per text, in input order."""
    embedder = embeddings.get_embedder()
    texts = ["pump P-101 cavitation", "", "bearing wear raises drive-end vibration " * 40]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    single = embedder.embed([texts[0]])[0]
    np.testing.assert_allclose(vectors[0], single, atol=1e-5)


def test_embedder_empty_list_gives_empty_matrix() -> None:
    """embed([]) returns a (0, 384) matrix rather than failing."""
    assert embeddings.get_embedder().embed([]).shape == (0, 384)


def test_embedder_matches_sentence_transformers() -> None:
    """ONNX Runtime embeddings agree with sentence-transformers to cosine >= 0.999 on every text."""
    texts = ["What causes cavitation in centrifugal pump P-101?", "seal leak", "Replace the mechanical seal.",
             "Compressor C-201 discharge temperature high " * 30]
    ours = embeddings.get_embedder().embed(texts)
    reference = embeddings.sentence_transformers_embed(texts)
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() >= 0.999, cosine


def test_get_embedder_is_cached_per_process() -> None:
    """Repeated get_embedder calls for the same cache folder return the very same object."""
    assert embeddings.get_embedder() is embeddings.get_embedder()


def test_default_cache_dir_honours_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, im_home: Path) -> None:
    """IM_EMBEDDINGS_CACHE picks the folder; without it the cache lives under IM_HOME/models."""
    from industrialmind.config import get_settings

    monkeypatch.setenv("IM_EMBEDDINGS_CACHE", str(tmp_path / "elsewhere"))
    assert embeddings.default_cache_dir(get_settings()) == tmp_path / "elsewhere"
    monkeypatch.delenv("IM_EMBEDDINGS_CACHE")
    assert embeddings.default_cache_dir(get_settings()) == im_home / "models" / "minilm-onnx"


def test_embedding_with_cache_never_imports_torch(embeddings_cache: Path) -> None:
    """A fresh process that embeds from an existing cache loads no torch (query time stays light)."""
    code = ("import sys; from industrialmind.knowledge.embeddings import get_embedder; "
            f"v = get_embedder(cache_dir={str(embeddings_cache)!r}).embed(['pump seal leak']); "
            "assert v.shape == (1, 384); print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "False"]


def test_ensure_cache_survives_concurrent_first_use(tmp_path: Path, embeddings_cache: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Two racing first uses both end with one complete cache and leave no temporary folders behind."""
    import shutil

    calls = []

    def fake_export(cmd, **kwargs):
        calls.append(cmd)
        shutil.copytree(embeddings_cache, cmd[-2])  # what the exporter writes: a complete folder at the temp path
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(embeddings.subprocess, "run", fake_export)
    target = tmp_path / "models" / "minilm-onnx"
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def first_use() -> None:
        barrier.wait()
        try:
            embeddings.ensure_cache(target)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert embeddings.cache_is_ready(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["minilm-onnx"]
    assert 1 <= len(calls) <= 2


def test_export_failure_is_a_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing export surfaces as ModelError naming what to install, not a traceback."""
    from industrialmind.errors import ModelError

    monkeypatch.setattr(embeddings.subprocess, "run",
                        lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1, "", "ImportError: no torch"))
    with pytest.raises(ModelError, match="torch"):
        embeddings.ensure_cache(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_tests_run_offline() -> None:
    """The Hugging Face libraries are told to stay offline in every test."""
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert os.environ.get("TRANSFORMERS_OFFLINE") == "1"
