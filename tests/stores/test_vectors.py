"""The Chroma vector store (PersistentClient): our embedding function, upsert/query/delete, reopening offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from industrialmind.errors import ConfigError
from industrialmind.knowledge.testing import embeddings_cache, embeddings_cache_dir  # noqa: F401
from industrialmind.knowledge.passages import EMBEDDING_FUNCTION_NAME, embedding_function
from industrialmind.stores.vectors import VectorStore, open_chroma

TEXTS = ["pump cavitation sounds like gravel", "motor winding temperature too high", "control valve stiction"]


def test_vectors_upsert_query_and_delete(tmp_path: Path) -> None:
    """Passages embedded by our function are found by meaning; deleting by metadata removes them."""
    store = VectorStore(open_chroma(f"persistent:///{tmp_path / 'chroma'}"), "tests", embedding_function())
    store.upsert(["a", "b", "c"], TEXTS, [{"doc_id": "d1"}, {"doc_id": "d1"}, {"doc_id": "d2"}])
    from industrialmind.knowledge.embeddings import get_embedder

    hits = store.query(get_embedder().embed(["noisy pump with gravel sound"])[0], k=2)
    assert hits[0][0] == "a" and -1.0 <= hits[0][1] <= 1.0
    store.upsert(["a"], ["pump cavitation (edited)"], [{"doc_id": "d1"}])
    assert store.count() == 3
    store.delete_where({"doc_id": "d1"})
    assert store.get()["ids"] == ["c"]


def test_vectors_reopen_uses_registered_function_without_download(tmp_path: Path) -> None:
    """A second client reopens the collection with our registered function (no default model download)."""
    path = f"persistent:///{tmp_path / 'chroma'}"
    VectorStore(open_chroma(path), "tests", embedding_function()).upsert(["a"], TEXTS[:1], [{"doc_id": "d"}])
    reopened = open_chroma(path).get_collection("tests")
    assert reopened.configuration_json["embedding_function"]["name"] == EMBEDDING_FUNCTION_NAME
    result = reopened.query(query_texts=["gravel in the pump"], n_results=1)
    assert result["ids"] == [["a"]]


def test_vectors_unknown_scheme_is_config_error() -> None:
    """A Chroma URL with an unknown scheme names the valid ones."""
    with pytest.raises(ConfigError, match="persistent"):
        open_chroma("chroma://x")
