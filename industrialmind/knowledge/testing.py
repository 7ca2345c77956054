"""Pytest fixtures other rooms can import so the embedding model is exported once per test session, not per test.

In a conftest.py (or a test module):

    from industrialmind.knowledge.testing import embeddings_cache, embeddings_cache_dir  # noqa: F401

`embeddings_cache_dir` (session scope) exports all-MiniLM-L6-v2 to ONNX once into a session temp folder, or reuses
the prebuilt folder named by IM_TEST_EMBEDDINGS_CACHE; `embeddings_cache` (autouse where imported) points
IM_EMBEDDINGS_CACHE of every test at it, after the root conftest has cleared IM_* variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def embeddings_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MiniLM ONNX cache, exported once per session (or IM_TEST_EMBEDDINGS_CACHE, a prebuilt folder, reused)."""
    from industrialmind.knowledge.embeddings import ensure_cache

    prebuilt = os.environ.get("IM_TEST_EMBEDDINGS_CACHE", "")
    # One fixed folder per session: modules that import these fixtures separately still share one export.
    target = Path(prebuilt) if prebuilt else tmp_path_factory.getbasetemp() / "minilm-onnx"
    return ensure_cache(target)


@pytest.fixture(autouse=True)
def embeddings_cache(im_home: Path, embeddings_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point IM_EMBEDDINGS_CACHE of the test at the session's export (after im_home clears IM_*)."""
    monkeypatch.setenv("IM_EMBEDDINGS_CACHE", str(embeddings_cache_dir))
    return embeddings_cache_dir
