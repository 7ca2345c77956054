"""The vector store: Chroma, embedded (`PersistentClient` under <home>/chroma) or a server (`HttpClient`, IM_CHROMA_URL).

Collections carry our MiniLM embedding function, registered with Chroma under a stable name so a collection can be
reopened by any process (Chroma's default function would try to download a model). Telemetry is off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from industrialmind.errors import BackendUnavailableError, ConfigError, did_you_mean

EMBEDDING_FUNCTION_NAME = "industrialmind-minilm-onnx"
DOCUMENTS = "im_documents"


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
            from industrialmind.knowledge.embeddings import get_embedder

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


def open_chroma(url: str) -> Any:
    """A Chroma client for 'persistent:///path' (or a bare path) or 'http(s)://host:port'."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    _embedding_function_class()
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in ("", "persistent", "file"):
        from industrialmind.config import ensure_parent

        path = Path(parsed.path if scheme else url)
        ensure_parent(path / "chroma.sqlite3", "IM_CHROMA_URL")
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    if scheme in ("http", "https"):
        from industrialmind.config import url_port

        port = url_port(parsed, 8000, "IM_CHROMA_URL")
        try:
            client = chromadb.HttpClient(host=parsed.hostname or "localhost", port=port,
                                         ssl=scheme == "https", settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # connection refused, DNS, TLS
            raise BackendUnavailableError(f"Chroma server {url!r} is unreachable ({exc}); start one with "
                                          "`chroma run --path DIR --host 127.0.0.1 --port 8000` or unset "
                                          "IM_CHROMA_URL to use the embedded store") from exc
        return client
    raise ConfigError(f"unknown Chroma URL scheme {scheme!r} in {url!r}"
                      + did_you_mean(scheme, ["persistent", "http", "https"]))


class VectorStore:
    """One Chroma collection of passages with their embeddings and metadata."""

    def __init__(self, client: Any, name: str = DOCUMENTS, cache_dir: str | Path | None = None) -> None:
        self.client = client
        self.name = name
        self.collection = client.get_or_create_collection(
            name, embedding_function=embedding_function(cache_dir), configuration={"hnsw": {"space": "cosine"}})

    def count(self) -> int:
        """Number of passages stored."""
        return self.collection.count()

    def upsert(self, ids: list[str], texts: list[str], metadatas: list[dict[str, Any]],
               embeddings: Any = None, batch: int = 256) -> None:
        """Insert or replace passages by id (embeddings computed by our function when not given)."""
        for start in range(0, len(ids), batch):
            end = start + batch
            kwargs: dict[str, Any] = {"ids": ids[start:end], "documents": texts[start:end],
                                      "metadatas": metadatas[start:end]}
            if embeddings is not None:
                kwargs["embeddings"] = [list(map(float, row)) for row in embeddings[start:end]]
            self.collection.upsert(**kwargs)

    def delete_where(self, where: dict[str, Any]) -> None:
        """Delete every passage whose metadata matches where."""
        self.collection.delete(where=where)

    def get(self, where: dict[str, Any] | None = None, include_text: bool = True) -> dict[str, Any]:
        """Ids, metadatas and (optionally) texts of the passages matching where (all when None)."""
        include = ["metadatas", "documents"] if include_text else ["metadatas"]
        return self.collection.get(where=where, include=include)

    def query(self, embedding: Any, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The k nearest passages to an embedding as (id, cosine similarity), best first."""
        if self.count() == 0:
            return []
        result = self.collection.query(query_embeddings=[list(map(float, embedding))], n_results=k, where=where,
                                       include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances)]


def open_vectors(settings: Any, name: str = DOCUMENTS) -> VectorStore:
    """The passage collection named by the settings (IM_CHROMA_URL or the embedded store under <home>/chroma)."""
    from industrialmind.knowledge.embeddings import default_cache_dir

    return VectorStore(open_chroma(settings.resolved.chroma), name, cache_dir=default_cache_dir(settings))
