"""The vector store: Chroma, embedded (`PersistentClient` under <home>/chroma) or a server (`HttpClient`, IM_CHROMA_URL).

A collection is opened with the embedding function its caller gives (the knowledge room's MiniLM function,
registered with Chroma under a stable name so any process can reopen the collection; Chroma's default function
would try to download a model). Telemetry is off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from industrialmind.errors import BackendUnavailableError, ConfigError, did_you_mean

DOCUMENTS = "im_documents"


def open_chroma(url: str) -> Any:
    """A Chroma client for 'persistent:///path' (or a bare path) or 'http(s)://host:port'."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

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

    def __init__(self, client: Any, name: str, embedding_function: Any) -> None:
        self.client = client
        self.name = name
        self.collection = client.get_or_create_collection(
            name, embedding_function=embedding_function, configuration={"hnsw": {"space": "cosine"}})

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


def open_vectors(url: str, embedding_function: Any, name: str = DOCUMENTS) -> VectorStore:
    """The collection `name` of the Chroma store at `url` (`persistent:///path` or `http://host:port`)."""
    return VectorStore(open_chroma(url), name, embedding_function)
