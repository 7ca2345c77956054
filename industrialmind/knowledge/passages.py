"""The passage collection: the vector store (Chroma) opened with our MiniLM embedding function.

The function is registered with Chroma under a stable name, so a collection made by one process is reopened by any
other (Chroma's default function would try to download a model); it embeds through ONNX Runtime
(`knowledge.embeddings`), cosine space.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from industrialmind.knowledge.embeddings import default_cache_dir, get_embedder
from industrialmind.stores.vectors import DOCUMENTS, VectorStore, open_vectors

EMBEDDING_FUNCTION_NAME = "industrialmind-minilm-onnx"


def _embedding_function_class() -> type:
    """Define and register the Chroma embedding function lazily (chromadb is a heavy import)."""
    global _EF_CLASS
    if _EF_CLASS is not None:
        return _EF_CLASS
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
        """all-MiniLM-L6-v2 through ONNX Runtime (industrialmind.knowledge.embeddings), cosine space."""

        def __init__(self, cache_dir: str | None = None) -> None:
            self.cache_dir = cache_dir

        def __call__(self, input: Documents) -> Embeddings:
            return list(get_embedder(cache_dir=self.cache_dir).embed(list(input)))

        @staticmethod
        def name() -> str:
            return EMBEDDING_FUNCTION_NAME

        def default_space(self) -> str:
            return "cosine"

        def supported_spaces(self) -> list[str]:
            return ["cosine", "ip", "l2"]

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
            return MiniLMEmbeddingFunction(cache_dir=config.get("cache_dir"))

        def get_config(self) -> dict[str, Any]:
            # The cache folder is a per-machine detail: keep it out of the persisted collection config so a
            # collection made under one home reopens under another (build_from_config falls back to settings).
            return {}

    _EF_CLASS = MiniLMEmbeddingFunction
    return _EF_CLASS


_EF_CLASS: type | None = None  # a class, not a connection: registering it twice with Chroma is harmless but noisy


def embedding_function(cache_dir: str | Path | None = None) -> Any:
    """Our registered Chroma embedding function for the given ONNX cache folder."""
    return _embedding_function_class()(cache_dir=str(cache_dir) if cache_dir else None)


def open_passages(settings: Any, name: str = DOCUMENTS) -> VectorStore:
    """The passage collection named by the settings (IM_CHROMA_URL or the embedded store under <home>/chroma)."""
    function = embedding_function(default_cache_dir(settings))  # registered with Chroma before a client opens
    return open_vectors(settings.resolved.chroma, function, name)
